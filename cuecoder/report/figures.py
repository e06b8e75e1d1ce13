"""The report's plots, as matplotlib figures (object API: no pyplot, no global state)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from ..stats.aggregate import TEMPLATE_SHARE

BLUE, GREY, ORANGE = "#3b6ea8", "#9aa5b1", "#d9822b"
RC = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, rendered by the browser
    "svg.hashsalt": "cuecoder",  # stable ids: the same report gives the same SVG
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _share_column(measure: str) -> str:
    return TEMPLATE_SHARE if measure == "template" else f"{measure}_share"


def prevalence_figure(prevalence: pd.DataFrame) -> Figure:
    """Share of replies with each cue: Wilson CI (thin) and bootstrap CI over accounts."""
    fig = Figure(figsize=(7, 0.42 * max(len(prevalence), 1) + 0.9))
    ax = fig.add_subplot()
    y = np.arange(len(prevalence))[::-1]
    share = prevalence["share"].to_numpy(float)
    ax.barh(y, share, color=BLUE, alpha=0.75, height=0.6)
    for lo, hi, offset, colour, label in (
        ("wilson_low", "wilson_high", 0.12, GREY, "Wilson 95% CI (replies independent)"),
        ("accounts_low", "accounts_high", -0.12, "black", "95% CI, bootstrap over accounts"),
    ):
        low, high = prevalence[lo].to_numpy(float), prevalence[hi].to_numpy(float)
        ok = np.isfinite(low) & np.isfinite(high)
        if ok.any():
            ax.errorbar(
                share[ok],
                y[ok] + offset,
                xerr=[share[ok] - low[ok], high[ok] - share[ok]],
                fmt="none",
                ecolor=colour,
                capsize=3,
                lw=1.2,
                label=label,
            )
    ax.set_yticks(y, prevalence["name"].tolist())
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of replies")
    fig.legend(loc="lower center", ncol=2, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.5 / fig.get_figheight(), 1, 1))
    return fig


def distribution_figure(accounts: pd.DataFrame, measures: dict, min_replies: int) -> Figure | None:
    """Histogram of each measure's share across accounts with ``min_replies`` or more."""
    shown = accounts[accounts["n_replies"] >= min_replies]
    cols = [(m, name) for m, name in measures.items() if _share_column(m) in shown.columns]
    if shown.empty or not cols:
        return None
    n = len(cols)
    ncol = min(3, n)
    nrow = int(np.ceil(n / ncol))
    fig = Figure(figsize=(2.6 * ncol, 2.0 * nrow + 0.3))
    bins = np.linspace(0, 1, 21)
    for i, (m, name) in enumerate(cols):
        ax = fig.add_subplot(nrow, ncol, i + 1)
        values = shown[_share_column(m)].dropna().to_numpy(float)
        ax.hist(values, bins=bins, color=BLUE, alpha=0.8)
        if len(values):
            ax.axvline(np.median(values), color=ORANGE, lw=1.2)
        ax.set_title(
            f"{name}\n(median {np.median(values):.0%})" if len(values) else name, fontsize=8
        )
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of the account's replies", fontsize=7)
        if i % ncol == 0:
            ax.set_ylabel("accounts")
    fig.tight_layout()
    return fig


def tiers_figure(tier_means: pd.DataFrame, measures: dict) -> Figure | None:
    """Per measure, each tier's mean account share with its 95% CI over accounts."""
    if tier_means is None or tier_means.empty:
        return None
    names = {_share_column(m): name for m, name in measures.items()}
    present = [m for m in names if m in set(tier_means["measure"])]
    if not present:
        return None
    n = len(present)
    ncol = min(3, n)
    nrow = int(np.ceil(n / ncol))
    fig = Figure(figsize=(2.7 * ncol, 2.2 * nrow + 0.3))
    for i, m in enumerate(present):
        ax = fig.add_subplot(nrow, ncol, i + 1)
        t = tier_means[tier_means["measure"] == m].reset_index(drop=True)
        x = np.arange(len(t))
        mean = t["mean"].to_numpy(float)
        low, high = t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float)
        ok = np.isfinite(low)
        ax.errorbar(
            x[ok],
            mean[ok],
            yerr=[mean[ok] - low[ok], high[ok] - mean[ok]],
            fmt="o",
            color=BLUE,
            capsize=3,
            ms=4,
        )
        alone = np.isfinite(mean) & ~ok
        ax.plot(x[alone], mean[alone], "o", mfc="white", color=BLUE, ms=4)
        ax.set_xticks(
            x,
            [f"{g}\n(n={k})" for g, k in zip(t["group"], t["n_accounts"], strict=True)],
            fontsize=7,
        )
        ax.set_ylim(0, 1)
        ax.set_title(names[m], fontsize=8)
        if i % ncol == 0:
            ax.set_ylabel("mean account share")
    fig.tight_layout()
    return fig


def validity_figure(validity: pd.DataFrame) -> Figure | None:
    """Krippendorff's alpha of the model against a human coder, beside two humans'."""
    if validity.empty:
        return None
    fig = Figure(figsize=(6, 2.6))
    ax = fig.add_subplot()
    x = np.arange(len(validity))
    ax.bar(x - 0.2, validity["alpha"].astype(float), 0.4, color=BLUE, label="model vs coder")
    ax.bar(x + 0.2, validity["alpha_coders"].astype(float), 0.4, color=GREY, label="coder vs coder")
    ax.axhline(0.667, color=ORANGE, lw=1, ls="--", label="alpha .667 (tentative conclusions)")
    ax.set_xticks(x, [str(v).replace("_", " ") for v in validity["label"]], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Krippendorff's alpha")
    ax.legend(frameon=False, fontsize=7, loc="upper right", ncol=3, bbox_to_anchor=(1, 1.18))
    fig.tight_layout()
    return fig


def make_figures(report) -> dict[str, Figure]:
    """Every figure of ``report`` by section name (absent ones left out)."""
    from .build import MEASURES

    with rc_context(RC):
        figures = _figures(report, MEASURES)
    return {k: v for k, v in figures.items() if v is not None}


def _figures(report, MEASURES) -> dict:
    return {
        "prevalence": prevalence_figure(report.prevalence) if len(report.prevalence) else None,
        "distribution": distribution_figure(
            report.accounts, MEASURES, report.settings.get("min_replies", 1)
        )
        if report.settings.get("key")
        else None,
        "tiers": tiers_figure(report.tier_means, MEASURES),
        "validity": validity_figure(report.validity),
    }


def to_svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, no external reference)."""
    buf = io.StringIO()
    with rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]
