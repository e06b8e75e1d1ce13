"""An HTML page of each account's top templates, slots highlighted, members expandable."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

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
        out.append(html.escape(template[pos : m.start()]))
        cls = "var" if m.group(0) == "{VAR}" else "slot"
        out.append(f'<span class="{cls}">{html.escape(m.group(0))}</span>')
        pos = m.end()
    out.append(html.escape(template[pos:]))
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
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style><h1>{html.escape(title)}</h1>",
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
            f"<h2>{html.escape(account or '(no account)')}</h2><p class='meta'>"
            f"{row.replies} replies, {row.templated} in templates "
            f"({row.template_rate:.0%}), {row.templates} templates</p>"
        )
        for t in group.head(top).itertuples(index=False):
            members = "".join(f"<li>{html.escape(str(e))}</li>" for e in t.examples)
            parts.append(
                f"<div class='tpl'><details><summary>{highlight_slots(t.template)}"
                f"<div class='meta'>{html.escape(t.template_id)}: {t.size} replies, "
                f"{t.recipients} recipients, {t.accounts} account(s), {t.variants} "
                f"variant(s), {html.escape(str(t.first_seen))} to "
                f"{html.escape(str(t.last_seen))}</div></summary><ul>{members}</ul>"
                "</details></div>"
            )
    path = Path(path)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
