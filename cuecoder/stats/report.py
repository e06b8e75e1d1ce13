"""APA-style text summaries of mediation and SEM results."""

from __future__ import annotations

import numpy as np
import pandas as pd

CI_NAMES = {
    "percentile": "percentile bootstrap",
    "bc": "bias-corrected bootstrap",
    "bca": "bias-corrected and accelerated bootstrap",
}


def format_p(pval: float) -> str:
    """APA p-value: no leading zero, three decimals, ``< .001`` below that.

    Examples
    --------
    >>> format_p(0.0004), format_p(0.0312), format_p(0.5)
    ('p < .001', 'p = .031', 'p = .500')
    """
    if not np.isfinite(pval):
        return "p = n/a"
    if pval < 0.001:
        return "p < .001"
    return "p = " + f"{pval:.3f}".lstrip("0")


def _num(value: float) -> str:
    return f"{value:.2f}"


def _ci(row, level: int) -> str:
    return f"{level}% CI [{_num(row.ci_low)}, {_num(row.ci_high)}]"


def apa_summary(result: pd.DataFrame) -> str:
    """A short APA-style paragraph per outcome for a :func:`mediate` result.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`cuecoder.stats.mediate`.

    Returns
    -------
    str
        Paths with b and p, indirect effects with bootstrap CIs, the index of moderated
        mediation where there is one, contrasts of serial indirect effects, N with the
        rows dropped and the share of bootstrap resamples dropped as singular. "CI
        excludes 0" is said only of a finite interval.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from cuecoder.stats import mediate
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=200)
    >>> m = 0.5 * x + rng.normal(size=200)
    >>> df = pd.DataFrame({"openness": x, "psi": m, "loyalty": 0.5 * m + rng.normal(size=200)})
    >>> print(apa_summary(mediate(df, x="openness", m="psi", y="loyalty", n_boot=500)))
    ... # doctest: +ELLIPSIS
    Mediation (PROCESS model 4), N = 200 (0 rows dropped for missing values), 500 ...
    """
    attrs = result.attrs
    level = int(round(100 * (1 - attrs.get("alpha", 0.05))))
    ci_name = CI_NAMES.get(attrs.get("ci", ""), "bootstrap")
    x, moderator = attrs["x"], attrs.get("moderator")
    kind = "Serial mediation" if attrs.get("serial") else "Mediation"
    head = (
        f"{kind} (PROCESS model {attrs['model']}), N = {attrs['n']} "
        f"({attrs['n_dropped']} rows dropped for missing values), "
        f"{attrs['n_boot']} {ci_name} resamples (seed {attrs['seed']})"
    )
    dropped = attrs.get("n_boot_dropped", 0)
    if dropped:
        total = attrs["n_boot"] + dropped
        head += f"; {dropped} of {total} resamples ({dropped / total:.1%}) dropped as singular"
    se_type = attrs.get("se", "classical")
    if se_type not in ("classical", "bootstrap"):
        head += f"; {se_type.upper()} standard errors for the regression paths"
    lines = [head + "."]
    design = attrs.get("design")
    if attrs.get("method") == "dsl" and design:
        lines.append(
            f"{x} is a predicted cue, corrected with {design['n_coded_replies']} hand-coded "
            f"replies from {design['n_coded_accounts']} of {design['n_accounts']} accounts "
            "(design-based supervised learning; every path tested by the account bootstrap)."
        )
    for out in attrs["y"]:
        table = result[result["outcome"] == out]
        parts = []
        for row in table.itertuples(index=False):
            if row.path in ("a", "b") and row.term in (x, row.mediator):
                arrow = f"{x} -> {row.mediator}" if row.path == "a" else f"{row.mediator} -> {out}"
                parts.append(f"{arrow}: b = {_num(row.coef)}, {format_p(row.pval)}")
            elif row.path in ("a", "b") and moderator and row.term.endswith(f":{moderator}"):
                parts.append(
                    f"{row.term.replace(':', ' x ')} -> "
                    f"{row.mediator if row.path == 'a' else out}: "
                    f"b = {_num(row.coef)}, {format_p(row.pval)}"
                )
            elif row.path == "d":
                parts.append(
                    f"{row.term} -> {row.mediator}: b = {_num(row.coef)}, {format_p(row.pval)}"
                )
            elif row.path == "direct":
                parts.append(f"direct effect c' = {_num(row.coef)}, {format_p(row.pval)}")
            elif row.path == "total":
                parts.append(f"total effect c = {_num(row.coef)}, {format_p(row.pval)}")
        text = [f"{out}: " + "; ".join(parts) + "."]
        for row in table[table["path"] == "indirect"].itertuples(index=False):
            where = ""
            value = getattr(row, "moderator_value", np.nan)
            if moderator and np.isfinite(value):
                where = f" when {moderator} = {value:.3g}"
            via = "all mediators" if row.mediator == "(all)" else row.mediator
            verdict = _verdict(row)
            std = f", standardized {_num(row.std_coef)}" if np.isfinite(row.std_coef) else ""
            text.append(
                f"Indirect effect of {x} via {via}{where}: {_num(row.coef)}, "
                f"{_ci(row, level)}{verdict}{std}."
            )
        for row in table[table["path"] == "index_mm"].itertuples(index=False):
            text.append(
                f"Index of moderated mediation ({row.mediator}): {_num(row.coef)}, "
                f"{_ci(row, level)}."
            )
        for row in table[table["path"] == "contrast"].itertuples(index=False):
            text.append(
                f"Contrast {row.mediator}: {_num(row.coef)}, {_ci(row, level)}{_verdict(row)}."
            )
        lines.append(" ".join(text))
    return "\n".join(lines)


def _verdict(row) -> str:
    """ " (CI excludes 0)" for a finite interval that excludes 0; nothing otherwise."""
    if not (np.isfinite(row.ci_low) and np.isfinite(row.ci_high)):
        return " (no interval)"
    return "" if row.ci_low <= 0 <= row.ci_high else " (CI excludes 0)"


def apa_fit(fit: dict[str, float]) -> str:
    """One-line APA report of SEM fit indices.

    Examples
    --------
    >>> text = apa_fit({"chi2": 85.306, "df": 24, "pvalue": 8.5e-9, "cfi": .931, "tli": .896,
    ...                 "ifi": .931, "rmsea": .092, "rmsea_ci_low": .071,
    ...                 "rmsea_ci_high": .114, "srmr": .065, "n": 301})
    >>> import textwrap
    >>> print(textwrap.fill(text, 80))
    chi2(24, N = 301) = 85.31, p < .001, CFI = .931, TLI = .896, IFI = .931, RMSEA
    = .092, 90% CI [.071, .114], SRMR = .065
    """

    def idx(v: float) -> str:
        return f"{v:.3f}".replace("0.", ".", 1) if abs(v) < 1 else f"{v:.3f}"

    return (
        f"chi2({fit['df']}, N = {fit['n']}) = {fit['chi2']:.2f}, {format_p(fit['pvalue'])}, "
        f"CFI = {idx(fit['cfi'])}, TLI = {idx(fit['tli'])}, IFI = {idx(fit['ifi'])}, "
        f"RMSEA = {idx(fit['rmsea'])}, 90% CI [{idx(fit['rmsea_ci_low'])}, "
        f"{idx(fit['rmsea_ci_high'])}], SRMR = {idx(fit['srmr'])}"
    )
