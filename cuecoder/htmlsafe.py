"""Corpus text into HTML: the one escaping helper of every page cuecoder writes.

Replies are scraped text, and a reply may be ``<script>alert(1)</script>``. Every value
that reaches a page (a reply, a template, an account name, a number from a table) goes
through :func:`escape`, so markup in the corpus shows as text; :func:`write_html`
writes the page atomically, as UTF-8 that any browser or XML parser reads.
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

from ._unicode import repair_surrogates

#: C0 controls other than tab, line feed and carriage return, DEL and the C1 block:
#: not allowed in HTML text (HTML Living Standard, "control" code points), so shown as
#: U+FFFD. NUL included.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    r"""``text`` with control characters and lone surrogates as U+FFFD: what HTML, SVG
    (XML) and UTF-8 can hold. Markup is left alone (see :func:`escape`).

    Examples
    --------
    >>> printable("a\x00b")
    'a\ufffdb'
    """
    return repair_surrogates(_CONTROLS.sub("\ufffd", text))[0]


def escape(value) -> str:
    """``value`` as HTML text, safe in element content and in quoted attributes.

    ``&``, ``<``, ``>``, ``"`` and ``'`` become character references; control characters
    and lone surrogates become U+FFFD; None and NaN become an empty string. Anything
    else is converted with ``str`` first.

    Parameters
    ----------
    value : object
        Text from the corpus, or any value shown on a page.

    Returns
    -------
    str

    Examples
    --------
    >>> escape("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> escape(None), escape(float("nan")), escape(3)
    ('', '', '3')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = value if isinstance(value, str) else str(value)
    return html.escape(printable(text), quote=True)


def write_html(path: str | Path, document: str) -> Path:
    """Write ``document`` to ``path`` as UTF-8, atomically (temporary file, rename).

    Parameters
    ----------
    path : path
        The HTML file.
    document : str
        The page; built with :func:`escape` around every value from the data.

    Returns
    -------
    Path
    """
    from .corpus.write import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(document, encoding="utf-8", errors="replace")
    return path


__all__ = ["escape", "printable", "write_html"]
