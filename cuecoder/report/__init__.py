"""See a scored corpus: figures, tables and one self-contained HTML report.

Examples
--------
>>> from cuecoder.report import build
>>> report = build("scored.parquet", accounts="accounts.csv")  # doctest: +SKIP
>>> report.prevalence  # doctest: +SKIP
>>> report.write("report.html")  # doctest: +SKIP
"""

from __future__ import annotations

from .build import Report, build
from .page import render_html

__all__ = ["Report", "build", "render_html"]
