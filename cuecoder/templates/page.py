"""An HTML page of each account's top templates, slots highlighted, members expandable.

Every value on the page goes through :func:`cuecoder.htmlsafe.escape`: a reply holding
markup shows as text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..htmlsafe import escape, write_html
from .index import SLOT_MARKER

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}
h2{border-bottom:1px solid #ccc;padding-bottom:.2rem}
.tpl{margin:.6rem 0;padding:.4rem .6rem;background:#f7f7f7;border-radius:4px}
.slot{background:#ffe08a;border-radius:3px;padding:0 .2rem;font-weight:600}
.var{background:#c9e4ff;border-radius:3px;padding:0 .2rem}
.meta{color:#666;font-size:.85rem}
details li{margin:.2rem 0}
"""


def highlight_slots(template: str) -> str:
    """HTML of a template with ``{SLOT}`` markers as highlighted spans.

    Examples
    --------
    >>> highlight_slots("Hi {NAME} <3")
    'Hi <span class="slot">{NAME}</span> &lt;3'
    """
    out, pos = [], 0
    for m in SLOT_MARKER.finditer(template):
        out.append(escape(template[pos : m.start()]))
        cls = "var" if m.group(0) == "{VAR}" else "slot"
        out.append(f'<span class="{cls}">{escape(m.group(0))}</span>')
        pos = m.end()
    out.append(escape(template[pos:]))
    return "".join(out)


def write_templates_html(
    templates: pd.DataFrame,
    rates: pd.DataFrame,
    path: Path,
    top: int = 10,
    title: str = "Templates",
) -> Path:
    """Write the page: per account (most replies first), its ``top`` largest templates.

    Parameters
    ----------
    templates : pandas.DataFrame
        :meth:`TemplateIndex.templates`.
    rates : pandas.DataFrame
        :meth:`TemplateIndex.account_rates`.
    path : Path
        The HTML file to write.
    top : int
        Templates shown per account.
    title : str
        Page title.
    """
    parts = [
        f"<!doctype html><meta charset='utf-8'><title>{escape(title)}</title>",
        f"<style>{STYLE}</style><h1>{escape(title)}</h1>",
        "<p class='meta'>Slots in <span class='slot'>yellow</span>; words that differ "
        "between members in <span class='var'>blue</span>. Click a template for its "
        "example members.</p>",
    ]
    by_account = {a: g for a, g in templates.groupby(templates["account"].fillna(""), sort=False)}
    for row in rates.itertuples(index=False):
        account = row.account or ""
        group = by_account.get(account)
        if group is None or group.empty:
            continue
        parts.append(
            f"<h2>{escape(account or '(no account)')}</h2><p class='meta'>"
            f"{escape(row.replies)} replies, {escape(row.templated)} in templates "
            f"({_percent(row.template_rate)}), {escape(row.templates)} templates</p>"
        )
        for t in group.head(top).itertuples(index=False):
            members = "".join(f"<li>{escape(e)}</li>" for e in t.examples)
            parts.append(
                f"<div class='tpl'><details><summary>{highlight_slots(str(t.template))}"
                f"<div class='meta'>{escape(t.template_id)}: {escape(t.size)} replies, "
                f"{escape(t.recipients)} recipients, {escape(t.accounts)} account(s), "
                f"{escape(t.variants)} variant(s), {escape(t.first_seen)} to "
                f"{escape(t.last_seen)}</div></summary><ul>{members}</ul>"
                "</details></div>"
            )
    return write_html(Path(path), "\n".join(parts))


def _percent(value) -> str:
    try:
        return f"{float(value):.0%}"
    except (TypeError, ValueError):
        return escape(value)
