"""The report as one self-contained HTML page: inline CSS and SVG, no script, no network.

Every text that comes from the corpus or the user (replies, account names, templates,
column values, the command line) reaches the page through :func:`esc`, the one place
that escapes (``html.escape`` with quotes); templates go through the templates page's
:func:`~cuecoder.templates.page.highlight_slots`, which escapes the same way.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ..codebook import AUTOMATED_CORPUS, LABEL_OF
from ..htmlsafe import escape
from ..stats.aggregate import TEMPLATE_SHARE
from ..templates.index import SLOT_MARKER
from ..templates.page import STYLE as TEMPLATE_STYLE
from ..templates.page import highlight_slots
from .figures import to_svg

STYLE = (
    TEMPLATE_STYLE
    + """
body{max-width:64rem;line-height:1.45}
nav{position:sticky;top:0;background:#fff;padding:.4rem 0;border-bottom:1px solid #ddd;z-index:1}
nav a{margin-right:.9rem;color:#3b6ea8;text-decoration:none;font-size:.9rem}
section{margin:2rem 0}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}
th,td{border-bottom:1px solid #e3e3e3;padding:.2rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{background:#fff7e0;border-left:3px solid #d9822b;padding:.4rem .7rem;margin:.6rem 0}
.advice{background:#eef5ff;border-left:3px solid #3b6ea8;padding:.4rem .7rem;margin:.6rem 0}
.reply{margin:.5rem 0;padding:.5rem .7rem;background:#f7f7f7;border-radius:4px;
white-space:pre-wrap;overflow-wrap:anywhere}
mark{border-radius:3px;padding:0 .15rem}
mark.responsiveness{background:#cfe8cf}mark.listening{background:#c9e4ff}
mark.openness{background:#ffd6e0}mark.automated{background:#ffe08a}
mark sup{font-size:.65rem;color:#555;margin-left:.15rem}
.wide{overflow-x:auto}
figure{margin:.6rem 0}figure svg{max-width:100%;height:auto}
code{background:#f0f0f0;padding:0 .25rem;border-radius:3px}
.cmd{font-family:monospace;white-space:pre-wrap;overflow-wrap:anywhere}
"""
)

#: Below this many accounts a tier's bootstrap interval is flagged as unreliable.
FEW_ACCOUNTS = 5

SECTIONS = (
    ("overview", "Overview"),
    ("prevalence", "Cue prevalence"),
    ("accounts", "Across accounts"),
    ("tiers", "Tiers"),
    ("templates", "Templates"),
    ("examples", "Example replies"),
    ("validity", "Model validity"),
)


def esc(value) -> str:
    """Any value as HTML text (quotes too): :func:`cuecoder.htmlsafe.escape`, the one
    escape of every page cuecoder writes (lone surrogates and control characters shown as
    U+FFFD, None and NaN as nothing).

    Examples
    --------
    >>> esc("<script>alert('x')</script>")
    '&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;'
    """
    return escape(value)


def _fmt(value, kind: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "pct0":
        return f"{value:.0%}"
    if kind == "p":
        return "< .001" if value < 0.001 else f"{value:.3f}".lstrip("0")
    if kind == "3":
        return f"{value:.3f}"
    if isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and kind == "int"
    ):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _ci(low, high, kind: str = "pct") -> str:
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "–"
    return f"[{_fmt(low, kind)}, {_fmt(high, kind)}]"


def _table(header: list[str], rows: list[list], numeric: set[int] | None = None) -> str:
    """A table of already formatted cells; every cell is escaped here."""
    numeric = numeric or set()
    head = "".join(
        f"<th class='num'>{esc(h)}</th>" if i in numeric else f"<th>{esc(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='num'>{esc(c)}</td>" if i in numeric else f"<td>{esc(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<div class='wide'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _figure(report, name: str, caption: str) -> str:
    fig = report.figures.get(name)
    if fig is None:
        return ""
    return (
        f"<figure id='fig-{name}'>{to_svg(fig)}"
        f"<figcaption class='meta'>{esc(caption)}</figcaption></figure>"
    )


def highlight_evidence(text: str, evidence: list[dict], cue: str | None = None) -> str:
    """HTML of a reply with its evidence spans as ``<mark>`` (escaped, overlaps skipped).

    Parameters
    ----------
    text : str
        The reply.
    evidence : list of dict
        ``subcode, start, end, text`` spans (the ``evidence`` column).
    cue : str, optional
        Only spans of this label's sub-codes (evidence-only ones included).

    Returns
    -------
    str

    Examples
    --------
    >>> html = highlight_evidence("Hi Ana <3", [{"subcode": "R-ADDRESS", "start": 3, "end": 6}])
    >>> html.split("<sup>")[0]
    'Hi <mark class="responsiveness" title="R-ADDRESS">Ana'
    >>> html.endswith("</mark> &lt;3")
    True
    """
    spans = []
    for e in evidence:
        try:
            start, end = int(e["start"]), int(e["end"])
        except (KeyError, TypeError, ValueError):
            continue
        label = LABEL_OF.get(str(e.get("subcode")))
        if label is None or (cue is not None and label != cue):
            continue
        if 0 <= start < end <= len(text):
            spans.append((start, end, str(e["subcode"]), label))
    out, pos = [], 0
    for start, end, code, label in sorted(spans):
        if start < pos:
            continue
        out.append(esc(text[pos:start]))
        out.append(
            f'<mark class="{esc(label)}" title="{esc(code)}">{esc(text[start:end])}'
            f"<sup>{esc(code)}</sup></mark>"
        )
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def _overview(report) -> str:
    o = report.overview
    m = o["model"]
    rows = [
        ["Scored replies (rows)", _fmt(o["rows"])],
        [
            f"Accounts ({report.settings['key']})" if report.settings.get("key") else "Accounts",
            _fmt(o["accounts"]) if o["accounts"] is not None else "no account column",
        ],
        [
            "Platforms",
            ", ".join(f"{k}: {v:,}" for k, v in o["platforms"].items()) or "no platform column",
        ],
        [
            "Languages",
            ", ".join(f"{k}: {v:,}" for k, v in o["languages"].items()) or "no language column",
        ],
    ]
    if o.get("unsupported_language") is not None:
        rows.append(
            ["Replies in a language the model does not support", _fmt(o["unsupported_language"])]
        )
    rows += [
        [
            "Quarantined rows (not scored)",
            _fmt(o["quarantined"]) if o["quarantined"] is not None else "no quarantine file found",
        ],
        ["Empty / truncated replies", f"{o['empty']:,} / {o['truncated']:,}"],
        [
            "Replies in a corpus template",
            f"{o['templated_replies']:,} in {o['templates']:,} templates",
        ],
        ["Model", f"{m['name']} {m['version']} (files hash {m['hash']}; {m['path']})"],
        ["cuecoder", o["cuecoder"]],
        ["Source", o["source"]],
        ["Made", o["created"]],
    ]
    command = (
        f"<p>Command: <span class='cmd'>{esc(o['command'])}</span></p>" if o.get("command") else ""
    )
    notes = "".join(f"<p class='note'>{esc(n)}</p>" for n in report.notes)
    s = report.settings
    return (
        _table(["", ""], rows)
        + command
        + "<p class='meta'>A scored file does not record the model that scored it: the model "
        "above is the one given to the report (<code>--model</code>, default: the bundled "
        f"model). Intervals: {s['n_boot']:,} bootstrap resamples, seed {s['seed']}.</p>" + notes
    )


def _prevalence(report) -> str:
    rows = [
        [
            r.name,
            _fmt(r.replies),
            _fmt(r.with_cue),
            _fmt(r.share, "pct"),
            _ci(r.wilson_low, r.wilson_high),
            _ci(r.accounts_low, r.accounts_high),
            _fmt(r.mean_probability, "3"),
        ]
        for r in report.prevalence.itertuples(index=False)
    ]
    table = _table(
        [
            "cue",
            "replies",
            "with the cue",
            "share",
            "95% CI (Wilson)",
            "95% CI (over accounts)",
            "mean probability",
        ],
        rows,
        numeric={1, 2, 3, 4, 5, 6},
    )
    if report.settings.get("key"):
        intro = (
            "<p>Share of scored replies the model labels with each cue. The Wilson interval "
            "treats replies as independent; the interval over accounts resamples whole "
            "accounts, so it is the one to quote when replies of one account resemble each "
            "other (they do). Neither covers the model's coding error (see Model validity)."
            "</p>"
        )
    else:
        intro = (
            "<p>Share of scored replies the model labels with each cue, with the Wilson "
            "interval, which treats replies as independent. Without an account column "
            "there is no interval over accounts; replies of one sender resemble each other, "
            "so the Wilson interval is too narrow. Neither covers the model's coding error "
            "(see Model validity).</p>"
        )
    return (
        intro
        + _figure(report, "prevalence", "Share of replies with each cue and its 95% CIs.")
        + table
    )


def _accounts(report) -> str:
    if not report.settings.get("key"):
        return "<p class='note'>No account column: the corpus is one group.</p>"
    a = report.accounts
    k = report.settings["min_replies"]
    shown = a[a["n_replies"] >= k]
    top = a.sort_values(["n_replies", "account"], ascending=[False, True]).head(25)
    cols = [
        ("interactivity_share", "interaction"),
        ("openness_share", "openness"),
        ("automated_share", "automated"),
        (f"{AUTOMATED_CORPUS}_share", "automated (corpus)"),
        (TEMPLATE_SHARE, "in a template"),
    ]
    cols = [(c, n) for c, n in cols if c in a.columns]
    header = ["account"] + (["tier"] if "tier" in a.columns else []) + ["replies"]
    header += [f"{n} [95% CI]" for _, n in cols]
    rows = []
    for r in top.to_dict("records"):
        row = [r["account"]] + (
            [r["tier"] if pd.notna(r["tier"]) else "–"] if "tier" in a.columns else []
        )
        row.append(_fmt(int(r["n_replies"])))
        for c, _ in cols:
            row.append(f"{_fmt(r[c], 'pct')} {_ci(r.get(c + '_ci_low'), r.get(c + '_ci_high'))}")
        rows.append(row)
    start = 2 if "tier" in a.columns else 1
    return (
        f"<p>{len(a):,} accounts; {len(shown):,} with at least {k} replies are in the "
        "histograms (the orange line is the median account). Each account's share has a "
        "Wilson 95% CI: with few replies it is wide.</p>"
        + _figure(
            report, "distribution", f"Distribution of each cue across accounts (>= {k} replies)."
        )
        + f"<p class='meta'>The {min(25, len(a))} accounts with most replies "
        "(every account: <code>report.accounts</code> in Python).</p>"
        + _table(header, rows, numeric=set(range(start, len(header))))
    )


def _tiers(report) -> str:
    if report.tier_means is None:
        return (
            "<p class='note'>No tiers: give an accounts table with follower counts "
            "(<code>--accounts accounts.csv --key account --followers followers</code>).</p>"
        )
    s = report.settings
    a = report.accounts
    counts = a.groupby("tier", observed=False).agg(
        accounts=("n_replies", "size"), replies=("n_replies", "sum")
    )
    no_tier = int(a["tier"].isna().sum())
    rows = [[str(t), _fmt(int(r.accounts)), _fmt(int(r.replies))] for t, r in counts.iterrows()]
    if no_tier:
        rows.append(
            ["(no tier)", _fmt(no_tier), _fmt(int(a.loc[a["tier"].isna(), "n_replies"].sum()))]
        )
    few = [str(t) for t, r in counts.iterrows() if 0 < r.accounts < FEW_ACCOUNTS]
    scheme = s["scheme"] if isinstance(s["scheme"], str) else "custom"
    parts = [
        f"<p>Accounts by tier ({esc(scheme)} scheme on <code>{esc(s['followers'])}</code>). "
        "Each tier's value is the mean of its accounts' shares (each account counts once); "
        "its 95% CI comes from a bootstrap over the tier's accounts. A hollow point is a "
        "tier with one account (no interval); an empty tier has no point.</p>",
        _table(["tier", "accounts", "replies"], rows, numeric={1, 2}),
        (
            f"<p class='note'>Fewer than {FEW_ACCOUNTS} accounts in {', '.join(few)}: a "
            "bootstrap over so few accounts gives intervals that are too narrow (two "
            "accounts allow three distinct means). Read these tiers as descriptions, not "
            "estimates.</p>"
            if few
            else ""
        ),
        _figure(
            report, "tiers", "Mean account share per tier with 95% CIs (bootstrap over accounts)."
        ),
    ]
    if report.comparison is not None:
        parts.append(_comparison(report.comparison))
    if report.outcome is not None:
        o = report.outcome
        rows = [
            [
                str(r.group),
                _fmt(int(r.n)),
                _fmt(r.coef),
                _ci(r.ci_low, r.ci_high, ""),
                _fmt(r.pval, "p"),
                _fmt(r.r2),
            ]
            for r in o.itertuples(index=False)
        ]
        parts.append(
            f"<h3>{esc(s['outcome'])} regressed on {esc(s['outcome_cue'])}</h3>"
            "<p class='meta'>OLS slope per account; '(all)' pools the tiers with a "
            "separate intercept per tier. CIs: bootstrap over accounts.</p>"
            + _table(["tier", "accounts", "slope", "95% CI", "p", "R²"], rows, {1, 2, 3, 4, 5})
            + f"<p class='note'>{esc(o.attrs.get('caveat', ''))}</p>"
        )
    return "".join(parts)


COMPARED = {
    "interactivity_share": "interaction",
    "responsiveness_share": "responsiveness",
    "listening_share": "listening",
    "openness_share": "openness",
    f"{AUTOMATED_CORPUS}_share": "automated (corpus)",
    TEMPLATE_SHARE: "in a template",
}


def _comparison(c: pd.DataFrame) -> str:
    """Neighbouring tiers, one row per pair, one column per measure: diff [CI]."""
    measures = [m for m in COMPARED if m in set(c["measure"])]
    pairs = list(dict.fromkeys(zip(c["group_a"], c["group_b"], strict=True)))
    rows = []
    for a, b in pairs:
        sub = c[(c["group_a"] == a) & (c["group_b"] == b)].set_index("measure")
        first = sub.iloc[0]
        row = [f"{b} − {a}", f"{int(first.n_b)} / {int(first.n_a)}"]
        for m in measures:
            r = sub.loc[m]
            if not np.isfinite(r["diff"]):
                row.append("–")
                continue
            mark = " *" if np.isfinite(r.ci_low) and (r.ci_low > 0 or r.ci_high < 0) else ""
            row.append(f"{r['diff']:+.0%} {_ci(r.ci_low, r.ci_high, 'pct0')}{mark}")
        rows.append(row)
    return (
        "<h3>Neighbouring tiers compared</h3><p class='meta'>Difference of mean account "
        "shares (later tier minus earlier), 95% CI from a bootstrap over accounts within "
        "each tier; * marks an interval that excludes 0 (uncorrected for the number of "
        "comparisons; with a handful of accounts per tier, bootstrap intervals are too "
        "narrow). Every pair and measure with p-values: <code>cuecoder.stats.compare</code>."
        "</p>"
        + _table(
            ["tiers", "accounts"] + [COMPARED[m] for m in measures],
            rows,
            numeric=set(range(1, len(measures) + 2)),
        )
    )


def _templates(report) -> str:
    t = report.templates
    o = report.overview
    if t.empty:
        return (
            "<p class='note'>No templates: the scored table has no template_id (score with "
            "corpus evidence, the default) or no reply repeats.</p>"
        )
    share = o["templated_replies"] / o["rows"] if o["rows"] else 0
    parts = [
        f"<p>{o['templated_replies']:,} replies ({share:.1%}) belong to {o['templates']:,} "
        "templates: the same text up to names, handles, numbers and links. The largest, "
        "with their slots in <span class='slot'>yellow</span>:</p>"
    ]
    for r in t.itertuples(index=False):
        by = f" from {r.accounts:,} account(s)" if report.settings.get("key") else ""
        if isinstance(r.template, str) and not re.search(r"\w", SLOT_MARKER.sub("", r.template)):
            continue  # a template of slots only (an emoji, a handle) says nothing
        body = highlight_slots(r.template) if isinstance(r.template, str) else esc(r.template_id)
        parts.append(
            f"<div class='tpl'>{body}<div class='meta'>{esc(r.template_id)}: {r.replies:,} "
            f"replies{by}</div></div>"
        )
    return "".join(parts)


def _examples(report) -> str:
    e = report.examples
    if e.empty:
        return "<p class='note'>No example replies (no text or evidence column).</p>"
    parts = [
        "<p>For each cue, replies the model labels with it most confidently and one just "
        "above its threshold, with the evidence spans behind the label highlighted (the "
        "sub-code is shown after each span). Read them as a check of what the model calls "
        "each cue in this corpus.</p>"
    ]
    for cue, group in e.groupby("cue", sort=False):
        parts.append(f"<h3>{esc(cue)}</h3>")
        for r in group.itertuples(index=False):
            who = f"{r.account}, " if r.account else ""
            kind = r.kind
            threshold = report.overview["model"].get("thresholds", {}).get(cue)
            if kind != "clear" and threshold is not None:
                kind = f"{kind} {threshold:.2f}"
            parts.append(
                f"<div class='reply'>{highlight_evidence(r.text, r.evidence, cue)}</div>"
                f"<div class='meta'>{esc(who)}p = {r.probability:.2f} ({esc(kind)})</div>"
            )
    return "".join(parts)


def _validity(report) -> str:
    v = report.validity
    m = report.overview["model"]
    rows = [
        [
            str(r.label).replace("_", " "),
            _fmt(r.alpha, "3"),
            _fmt(r.alpha_coders, "3"),
            _fmt(r.f1, "3"),
            _fmt(r.precision, "3"),
            _fmt(r.recall, "3"),
            f"{_fmt(r.positives)} / {_fmt(r.n)}",
        ]
        for r in v.itertuples(index=False)
    ]
    return (
        f"<p>Held-out figures of {esc(m['name'])} {esc(m['version'])} from its model card: "
        "agreement of the model with a human coder (Krippendorff's alpha), beside the "
        "agreement of two human coders on the same replies.</p>"
        + _figure(
            report, "validity", "Krippendorff's alpha per label, model vs human and human vs human."
        )
        + _table(
            [
                "label",
                "alpha (model)",
                "alpha (two coders)",
                "F1",
                "precision",
                "recall",
                "positives / n",
            ],
            rows,
            {1, 2, 3, 4, 5, 6},
        )
        + "<p class='advice'>These figures come from the model's own test replies, not from "
        "this corpus. Before you interpret the shares above, hand-code a random sample of "
        "200–300 replies of this corpus with the codebook and run "
        "<code>cuecoder validate SCORES CODES</code>: it gives alpha with a CI, precision "
        "and recall per cue on your data. Check also that they do not differ much between "
        "the kinds of accounts you compare.</p>"
    )


def render_html(report) -> str:
    """The report as one HTML document (no script, no external resource).

    Parameters
    ----------
    report : Report
        Output of :func:`cuecoder.report.build`.

    Returns
    -------
    str
    """
    body = {
        "overview": _overview,
        "prevalence": _prevalence,
        "accounts": _accounts,
        "tiers": _tiers,
        "templates": _templates,
        "examples": _examples,
        "validity": _validity,
    }
    title = "cuecoder corpus report"
    nav = "".join(f"<a href='#{sid}'>{esc(name)}</a>" for sid, name in SECTIONS)
    sections = "".join(
        f"<section id='{sid}'><h2>{esc(name)}</h2>{body[sid](report)}</section>"
        for sid, name in SECTIONS
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1><nav>{nav}</nav>{sections}</body></html>"
    )
