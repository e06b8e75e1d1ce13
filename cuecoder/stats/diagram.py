"""Path diagram of a mediation result, drawn with matplotlib's Agg canvas (no pyplot state)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..htmlsafe import printable

logger = logging.getLogger(__name__)

BOX_STYLE = {"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "black"}
#: Every label is literal text: variable names come from the user's data, and a ``$``
#: in one must not start matplotlib's mathtext (a parse error, or markup). The SVG
#: backend escapes markup itself; control characters, which XML can't hold, are replaced
#: first (:func:`cuecoder.htmlsafe.printable`). Tested in tests/test_htmlsafe.py.
TEXT = {"parse_math": False}


def stars(pval: float) -> str:
    """Conventional significance stars: * p < .05, ** p < .01, *** p < .001."""
    if not np.isfinite(pval):
        return ""
    return "***" if pval < 0.001 else "**" if pval < 0.01 else "*" if pval < 0.05 else ""


def _coef(table: pd.DataFrame, **match) -> str:
    rows = table
    for key, value in match.items():
        rows = rows[rows[key] == value]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    return f"{row['coef']:.2f}{stars(row['pval'])}"


def plot_paths(result: pd.DataFrame, outcome: str | None = None) -> Figure:
    """Draw X -> M(s) -> Y with the a, b and direct coefficients of a :func:`mediate` result.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`cuecoder.stats.mediate` (its ``attrs`` name the variables).
    outcome : str, optional
        Outcome to draw; default the first.

    Returns
    -------
    matplotlib.figure.Figure
        A figure on an Agg canvas; save it with ``fig.savefig(path)``.

    Notes
    -----
    Coefficients are unstandardized, with stars for the OLS p-values. Serial mediators
    (PROCESS model 6) form a chain with their ``d`` paths between them. A moderator is
    drawn above, with dashed arrows to the path(s) it moderates, labelled with the
    interaction coefficient. Indirect effects are listed under the diagram.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from cuecoder.stats import mediate
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.normal(size=(100, 3)), columns=["openness", "psi", "loyalty"])
    >>> fig = plot_paths(mediate(df, x="openness", m="psi", y="loyalty", n_boot=200))
    >>> len(fig.axes)
    1
    """
    attrs = result.attrs
    x, mediators, outcomes = attrs["x"], attrs["m"], attrs["y"]
    moderator, stage = attrs.get("moderator"), attrs.get("stage")
    out = outcome or outcomes[0]
    table = result[result["outcome"] == out]

    fig = Figure(figsize=(7.5, 3.2 + 0.9 * len(mediators) + (0.8 if moderator else 0)))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xlim(0, 10)
    top = 3 + 1.2 * len(mediators) + (1.3 if moderator else 0)
    ax.set_ylim(-1.2, top)
    ax.axis("off")

    serial = bool(attrs.get("serial"))
    pos = {x: (1.2, 1.0), out: (8.8, 1.0)}
    for k, med in enumerate(mediators):
        if serial:  # a chain left to right, rising: M1 -> M2 [-> M3]
            step = 6.0 / (len(mediators) + 1)
            pos[med] = (1.9 + step * (k + 1), 2.4 + 1.0 * k)
        else:
            pos[med] = (5.0, 2.6 + 1.2 * k)
    for name, (px, py) in pos.items():
        ax.text(
            px,
            py,
            printable(str(name)),
            ha="center",
            va="center",
            bbox=BOX_STYLE,
            fontsize=10,
            **TEXT,
        )

    def arrow(src, dst, label, offset=(0.0, 0.25), **style):
        (x0, y0), (x1, y1) = src, dst
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            **TEXT,
            arrowprops={"arrowstyle": "->", "shrinkA": 22, "shrinkB": 22} | style,
        )
        mid = ((x0 + x1) / 2, (y0 + y1) / 2)
        ax.text(
            mid[0] + offset[0],
            mid[1] + offset[1],
            printable(label),
            ha="center",
            va="center",
            fontsize=9,
            **TEXT,
        )
        return mid

    mids = {}
    for med in mediators:
        a = _coef(table, path="a", mediator=med, term=x)
        b = _coef(table, path="b", mediator=med, term=med)
        mids[("a", med)] = arrow(pos[x], pos[med], f"a = {a}", offset=(0.35, -0.4))
        mids[("b", med)] = arrow(pos[med], pos[out], f"b = {b}", offset=(-0.35, -0.4))
    if serial:
        for k, med in enumerate(mediators):
            for prev in mediators[:k]:
                d = _coef(table, path="d", mediator=med, term=prev)
                arrow(pos[prev], pos[med], f"d = {d}", offset=(0.0, 0.3))
    direct = _coef(table, path="direct")
    total = _coef(table, path="total")
    label = f"c' = {direct}" + (f"  (c = {total})" if total else "")
    arrow(pos[x], pos[out], label, offset=(0.0, -0.3))

    if moderator:
        wpos = (5.0, top - 0.6)
        ax.text(
            *wpos,
            printable(str(moderator)),
            ha="center",
            va="center",
            bbox=BOX_STYLE,
            fontsize=10,
            **TEXT,
        )
        for med in mediators:
            if stage in ("first", "both"):
                lab = _coef(table, path="a", mediator=med, term=f"{x}:{moderator}")
                target = mids[("a", med)]
                arrow(
                    wpos,
                    target,
                    f"{x} x {moderator}: {lab}",
                    offset=(-0.9, 0.3),
                    linestyle="--",
                    shrinkB=2,
                )
            if stage in ("second", "both"):
                lab = _coef(table, path="b", mediator=med, term=f"{med}:{moderator}")
                target = mids[("b", med)]
                arrow(
                    wpos,
                    target,
                    f"{med} x {moderator}: {lab}",
                    offset=(0.9, 0.3),
                    linestyle="--",
                    shrinkB=2,
                )

    notes = []
    for row in table[table["path"] == "indirect"].itertuples(index=False):
        where = ""
        if "moderator_value" in table.columns and np.isfinite(row.moderator_value):
            where = f" at {moderator} = {row.moderator_value:.3g}"
        notes.append(
            f"indirect via {row.mediator}{where}: {row.coef:.2f} "
            f"[{row.ci_low:.2f}, {row.ci_high:.2f}]"
        )
    ax.text(5.0, -0.2, printable("\n".join(notes)), ha="center", va="top", fontsize=8, **TEXT)
    title = printable(f"{x} -> {', '.join(mediators)} -> {out}")
    ax.set_title(title, fontsize=11, **TEXT)
    fig.tight_layout()
    return fig


def file_part(name: str) -> str:
    """``name`` made safe for a file name: letters, digits, ``_``, ``-`` and ``.`` kept,
    anything else (``/``, NUL, spaces, markup) as ``_``; no leading dot.

    Examples
    --------
    >>> file_part("../loyalty score<script>")
    'loyalty_score_script_'
    """
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(name)).lstrip("._")[:100]


def save_diagram(
    result: pd.DataFrame, stem: str | Path, formats: tuple[str, ...] = ("png", "svg")
) -> list[Path]:
    """Write one diagram per outcome as ``{stem}_{outcome}.{fmt}``; return the paths.

    The outcome's name enters the file name through :func:`file_part` (a variable named
    ``../x`` or holding a NUL byte writes beside ``stem``, like any other).

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from cuecoder.stats import mediate
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.normal(size=(100, 3)), columns=["openness", "psi", "loyalty"])
    >>> res = mediate(df, x="openness", m="psi", y="loyalty", n_boot=200)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in save_diagram(res, Path(tmp) / "paths")]
    ['paths_loyalty.png', 'paths_loyalty.svg']
    """
    stem = Path(stem)
    paths = []
    used: set[str] = set()
    for k, out in enumerate(result.attrs["y"]):
        fig = plot_paths(result, outcome=out)
        name = file_part(out) or f"outcome{k + 1}"
        if name in used:
            name = f"{name}_{k + 1}"
        used.add(name)
        for fmt in formats:
            path = stem.with_name(f"{stem.name}_{name}.{fmt}")
            fig.savefig(path, dpi=150)
            paths.append(path)
    logger.info("Wrote %d diagram file(s) next to %s.", len(paths), stem)
    return paths
