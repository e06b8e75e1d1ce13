"""Structural equation models in lavaan syntax, with lavaan's fit indices and bootstrap CIs.

semopy estimates the model; this module computes the fit indices from the sample and
model-implied covariance matrices itself (chi-square, CFI, TLI, IFI, RMSEA with its
90% interval, SRMR) so that they follow lavaan's definitions, and bootstraps indirect
effects by refitting the model on resampled rows.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from cuecoder.errors import CuecoderError, Errors
from cuecoder.stats._checks import (
    as_list,
    complete_rows,
    preview,
    require_numeric,
    require_varying,
)
from cuecoder.stats.bootstrap import CI_METHODS, boot_pval, draw, interval

logger = logging.getLogger(__name__)

CIMethod = Literal["percentile", "bc", "bca"]
FIT_KEYS: tuple[str, ...] = (
    "chi2",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "ifi",
    "rmsea",
    "rmsea_ci_low",
    "rmsea_ci_high",
    "srmr",
)
# lavaan reports a 90% interval for RMSEA (Browne & Cudeck, 1993).
RMSEA_CI_LEVEL = 0.90
# L-BFGS-B reaches lavaan's minimum of the ML discrepancy more tightly than semopy's
# default SLSQP (Holzinger-Swineford: chi-square 85.3055 vs lavaan 85.306).
SOLVER = "L-BFGS-B"
_OPS = ("=~", "~~", "~")
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


# ----------------------------------------------------------------------------- syntax
@dataclass(frozen=True)
class _Syntax:
    latent: dict[str, list[str]]  # factor -> indicators
    regressions: list[tuple[str, str]]  # (dependent, predictor)
    variables: list[str]  # every name, in order of appearance

    @property
    def observed(self) -> list[str]:
        return [v for v in self.variables if v not in self.latent]


def _parse(description: str) -> _Syntax:
    """Light parse of lavaan syntax: names, factors and regressions (semopy does the rest)."""
    latent: dict[str, list[str]] = {}
    regressions: list[tuple[str, str]] = []
    variables: list[str] = []

    def add(name: str) -> None:
        if name not in variables:
            variables.append(name)

    lines = [part.strip() for raw in description.splitlines() for part in raw.split(";")]
    lines = [line.split("#", 1)[0].strip() for line in lines]
    for line in [ln for ln in lines if ln]:
        op = next((o for o in _OPS if o in line), None)
        if op is None:
            raise CuecoderError(Errors.E309.format(line=line, reason="no operator (=~, ~ or ~~)"))
        lhs_text, rhs_text = line.split(op, 1)
        lhs = [t.strip() for t in lhs_text.split(",")]
        rhs = []
        for term in rhs_text.split("+"):
            term = term.strip()
            name = term.rsplit("*", 1)[-1].strip()  # drop a label or a fixed value: 1*x1
            if not name or not _NAME.match(name):
                raise CuecoderError(
                    Errors.E309.format(line=line, reason=f"can't read the term {term!r}")
                )
            rhs.append(name)
        for name in lhs:
            if not _NAME.match(name):
                raise CuecoderError(
                    Errors.E309.format(line=line, reason=f"can't read the name {name!r}")
                )
        for name in lhs + rhs:
            add(name)
        if op == "=~":
            for name in lhs:
                latent.setdefault(name, []).extend(rhs)
        elif op == "~":
            regressions += [(dep, pred) for dep in lhs for pred in rhs]
    if not variables:
        raise CuecoderError(Errors.E309.format(line=description, reason="the model is empty"))
    return _Syntax(latent, regressions, variables)


# ----------------------------------------------------------------------------- fit indices
def fit_indices(
    sample_cov: np.ndarray,
    implied_cov: np.ndarray,
    n: int,
    df: int,
    fixed_x: Sequence[int] = (),
) -> dict[str, float]:
    """Chi-square and fit indices of a covariance structure fitted by maximum likelihood.

    Parameters
    ----------
    sample_cov : numpy.ndarray
        Sample covariance matrix with divisor N (the ML estimate, as lavaan uses).
    implied_cov : numpy.ndarray
        Model-implied covariance matrix at the ML estimates.
    n : int
        Number of observations N.
    df : int
        Degrees of freedom of the model.
    fixed_x : sequence of int
        Positions of exogenous observed variables whose covariances are fixed at their
        sample values (lavaan's ``fixed.x``); the baseline model keeps them too.

    Returns
    -------
    dict
        ``chi2, df, pvalue, cfi, tli, ifi, rmsea, rmsea_ci_low, rmsea_ci_high, srmr`` and
        ``baseline_chi2, baseline_df, n``.

    Notes
    -----
    With :math:`S` the sample and :math:`\\Sigma` the implied covariance of :math:`p`
    variables, :math:`F = \\log|\\Sigma| - \\log|S| + \\mathrm{tr}(S\\Sigma^{-1}) - p`
    and :math:`\\chi^2 = N F` (lavaan, ``likelihood = "normal"``). The baseline
    (independence) model keeps only variances: :math:`\\chi^2_B = N(\\sum \\log s_{ii}
    - \\log|S|)` on :math:`p(p-1)/2` df (less the fixed covariances among exogenous
    observed variables). Then

    * CFI = 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_B - df_B, 0) (Bentler, 1990)
    * TLI = (chi2_B/df_B - chi2/df) / (chi2_B/df_B - 1) (Tucker & Lewis, 1973)
    * IFI = (chi2_B - chi2) / (chi2_B - df) (Bollen, 1989)
    * RMSEA = sqrt(max(chi2 - df, 0) / (df N)), with the 90% interval from the
      noncentral chi-square (Browne & Cudeck, 1993; lavaan divides by N)
    * SRMR = sqrt(mean of r_ij^2 over i <= j), r_ij = (s_ij - sigma_ij) /
      sqrt(s_ii s_jj): Bentler's SRMR, which lavaan prints as "SRMR".

    References
    ----------
    .. [1] Bentler, P. M. (1990). Comparative fit indexes in structural models.
       Psychological Bulletin, 107(2), 238-246.
    .. [2] Bollen, K. A. (1989). A new incremental fit index for general structural
       equation models. Sociological Methods & Research, 17(3), 303-316.
    .. [3] Browne, M. W. & Cudeck, R. (1993). Alternative ways of assessing model fit.
       In Bollen & Long (Eds.), Testing Structural Equation Models (pp. 136-162).
    .. [4] Hu, L. & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance
       structure analysis. Structural Equation Modeling, 6(1), 1-55.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[1.0, 0.3], [0.3, 1.0]])
    >>> fit = fit_indices(s, s, n=100, df=0)
    >>> fit["chi2"], fit["srmr"]
    (0.0, 0.0)
    """
    s = np.asarray(sample_cov, dtype=float)
    sigma = np.asarray(implied_cov, dtype=float)
    p = s.shape[0]
    _, logdet_s = np.linalg.slogdet(s)
    sign, logdet_sigma = np.linalg.slogdet(sigma)
    if sign <= 0:
        raise CuecoderError(
            Errors.E311.format(reason="the implied covariance is not positive definite")
        )
    discrepancy = logdet_sigma - logdet_s + np.trace(np.linalg.solve(sigma, s)) - p
    chi2 = max(float(n * discrepancy), 0.0)
    if abs(chi2) < 1e-9:
        chi2 = 0.0

    fixed = list(fixed_x)
    base_sigma = np.diag(np.diag(s))
    if len(fixed) > 1:
        base_sigma[np.ix_(fixed, fixed)] = s[np.ix_(fixed, fixed)]
    _, logdet_base = np.linalg.slogdet(base_sigma)
    base_chi2 = float(n * (logdet_base - logdet_s + np.trace(np.linalg.solve(base_sigma, s)) - p))
    base_df = p * (p - 1) // 2 - len(fixed) * (len(fixed) - 1) // 2

    pvalue = float(stats.chi2.sf(chi2, df)) if df > 0 else np.nan
    num = max(chi2 - df, 0.0)
    den = max(chi2 - df, base_chi2 - base_df, 0.0)
    cfi = 1.0 - num / den if den > 0 else 1.0
    tli = (
        (base_chi2 / base_df - chi2 / df) / (base_chi2 / base_df - 1.0)
        if df > 0 and base_df > 0
        else np.nan
    )
    ifi = (base_chi2 - chi2) / (base_chi2 - df) if base_chi2 != df else np.nan
    rmsea = float(np.sqrt(num / (df * n))) if df > 0 else np.nan
    low, high = _rmsea_interval(chi2, df, n) if df > 0 else (np.nan, np.nan)

    scale = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(scale, scale)
    srmr = float(np.sqrt(np.mean(resid[np.triu_indices(p)] ** 2)))
    return {
        "chi2": chi2,
        "df": int(df),
        "pvalue": pvalue,
        "cfi": float(cfi),
        "tli": float(tli),
        "ifi": float(ifi),
        "rmsea": rmsea,
        "rmsea_ci_low": low,
        "rmsea_ci_high": high,
        "srmr": srmr,
        "baseline_chi2": base_chi2,
        "baseline_df": int(base_df),
        "n": int(n),
    }


def _rmsea_interval(chi2: float, df: int, n: int) -> tuple[float, float]:
    """Browne-Cudeck interval: noncentralities where the observed chi2 sits at 95% / 5%."""
    upper_p, lower_p = (1 + RMSEA_CI_LEVEL) / 2, (1 - RMSEA_CI_LEVEL) / 2

    def ncp_at(prob: float) -> float:
        def gap(lam: float) -> float:
            return (
                stats.ncx2.cdf(chi2, df, lam) - prob if lam > 0 else stats.chi2.cdf(chi2, df) - prob
            )

        if gap(0.0) < 0:  # even a central chi-square puts the statistic below this tail
            return 0.0
        high = max(chi2, 1.0)
        while gap(high) > 0:
            high *= 2
        return float(optimize.brentq(gap, 0.0, high, xtol=1e-10))

    lam_low, lam_high = ncp_at(upper_p), ncp_at(lower_p)
    return float(np.sqrt(lam_low / (n * df))), float(np.sqrt(lam_high / (n * df)))


# ----------------------------------------------------------------------------- result
@dataclass
class SEMResult:
    """A fitted SEM: fit indices, a tidy table of estimates and indirect effects.

    Attributes
    ----------
    model : str
        The lavaan-syntax description.
    fit : dict
        ``chi2, df, pvalue, cfi, tli, ifi, rmsea, rmsea_ci_low, rmsea_ci_high, srmr``
        plus ``baseline_chi2, baseline_df, n``.
    estimates : pandas.DataFrame
        ``lhs, op, rhs, coef, se, z, pval, ci_low, ci_high, std_coef`` in lavaan's
        orientation (``visual =~ x1``; ``psi ~ openness``).
    indirect : pandas.DataFrame
        ``x, mediator, outcome, path, coef, se, pval, ci_low, ci_high, std_coef`` for every
        chain X -> M -> Y among the regressions, with bootstrap SE, p-value and CI
        (``path``: ``indirect``, ``direct``, ``total``).
    n_dropped : int
        Rows dropped for missing values.
    semopy_model : semopy.Model
        The fitted semopy model, for anything this summary lacks.
    """

    model: str
    fit: dict[str, float]
    estimates: pd.DataFrame
    indirect: pd.DataFrame
    n_dropped: int = 0
    semopy_model: object = field(default=None, repr=False)

    def fit_table(self) -> pd.DataFrame:
        """The fit indices as a one-row DataFrame."""
        return pd.DataFrame([{k: self.fit[k] for k in (*FIT_KEYS, "n")}])


# ----------------------------------------------------------------------------- fitting
def _semopy():
    try:
        import semopy
    except ImportError:  # pragma: no cover - semopy is a core dependency
        raise CuecoderError(
            Errors.E201.format(feature="SEM", package="semopy", extra="semopy>=2.3")
        ) from None
    return semopy


def _for_semopy(description: str) -> str:
    """semopy reads one statement per line; lavaan also allows ``;`` between them."""
    return "\n".join(part.strip() for part in description.replace(";", "\n").splitlines())


def _fit_semopy(description: str, data: pd.DataFrame):
    semopy = _semopy()
    try:
        model = semopy.Model(_for_semopy(description))
    except SyntaxError as exc:
        raise CuecoderError(
            Errors.E309.format(line=exc.msg, reason="semopy can't parse it")
        ) from exc
    except Exception as exc:  # semopy raises bare Exceptions on unidentified structures
        raise CuecoderError(Errors.E311.format(reason=str(exc) or type(exc).__name__)) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.fit(data, obj="MLW", solver=SOLVER)
    except Exception as exc:  # semopy raises bare Exceptions and numpy errors
        raise CuecoderError(Errors.E311.format(reason=str(exc) or type(exc).__name__)) from exc
    if not np.isfinite(result.fun):
        raise CuecoderError(Errors.E311.format(reason="the objective is not finite"))
    return model


def _regression_coefs(model, pairs: list[tuple[str, str]]) -> np.ndarray:
    """Coefficients dependent ~ predictor read off semopy's Beta matrix.

    semopy keeps an observed outcome that predicts nothing in Lambda instead of Beta.
    """
    beta_rows, beta_cols = model.names_beta
    lam_rows, lam_cols = model.names_lambda
    out = []
    for dep, pred in pairs:
        if dep in beta_rows and pred in beta_cols:
            out.append(model.mx_beta[beta_rows.index(dep), beta_cols.index(pred)])
        else:
            out.append(model.mx_lambda[lam_rows.index(dep), lam_cols.index(pred)])
    return np.array(out, dtype=float)


def _chains(syntax: _Syntax) -> list[tuple[str, str, str]]:
    """Every X -> M -> Y chain among the regressions."""
    edges = set(syntax.regressions)
    out = []
    for m, x in syntax.regressions:
        for y, m2 in syntax.regressions:
            if m2 == m and y != x and (m, x) in edges:
                out.append((x, m, y))
    return out


def _indirect_spec(syntax: _Syntax, chains):
    """Labels and a function from regression coefficients to the effects."""
    pairs = sorted({(m, x) for x, m, _ in chains} | {(y, m) for _, m, y in chains})
    pairs += sorted({(y, x) for x, _, y in chains if (y, x) in set(syntax.regressions)})
    pos = {pair: k for k, pair in enumerate(pairs)}
    labels = []
    for x, m, y in chains:
        labels.append((x, m, y, "indirect"))
    for x, y in dict.fromkeys((x, y) for x, _, y in chains):
        if (y, x) in pos:
            labels.append((x, None, y, "direct"))
        labels.append((x, None, y, "total"))

    def effects(coefs: np.ndarray) -> np.ndarray:
        values = []
        for x, m, y, path in labels:
            if path == "indirect":
                values.append(coefs[..., pos[(m, x)]] * coefs[..., pos[(y, m)]])
                continue
            direct = coefs[..., pos[(y, x)]] if (y, x) in pos else 0.0
            if path == "direct":
                values.append(direct)
            else:
                ind = sum(
                    coefs[..., pos[(mm, xx)]] * coefs[..., pos[(yy, mm)]]
                    for xx, mm, yy in chains
                    if xx == x and yy == y
                )
                values.append(direct + ind)
        return np.stack(values, axis=-1)

    return pairs, labels, effects


def sem(
    data: pd.DataFrame,
    model: str,
    n_boot: int = 1000,
    ci: CIMethod = "percentile",
    alpha: float = 0.05,
    seed: int | None = 0,
) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax, by maximum likelihood.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; columns for every observed variable of the model.
    model : str
        lavaan syntax: ``=~`` (measured by), ``~`` (regressed on), ``~~`` (covariance),
        one statement per line or separated by ``;``.
    n_boot : int
        Bootstrap resamples for the indirect effects (each refits the model; 0 skips).
    ci : {"percentile", "bc", "bca"}
        Bootstrap interval for the indirect effects (``bca`` refits once per row for the
        jackknife).
    alpha : float
        1 - confidence level of the intervals.
    seed : int or None
        Seed of ``np.random.default_rng`` for the resamples.

    Returns
    -------
    SEMResult
        ``.fit`` (dict of fit indices), ``.estimates`` (tidy parameters),
        ``.indirect`` (indirect, direct and total effects with bootstrap CIs).

    Notes
    -----
    Estimation is maximum likelihood on the covariance matrix with divisor N, like
    lavaan's default ``estimator = "ML"``; exogenous observed predictors are treated as
    fixed (lavaan's ``fixed.x = TRUE``); the first loading of each factor is fixed to 1.
    Rows with a missing value in a model variable are dropped listwise. Fit indices are
    computed by :func:`fit_indices`. Wald SEs of single parameters come from semopy
    (expected information); indirect effects use the bootstrap because a product of
    coefficients is not normal. ML assumes multivariate normal, continuous indicators;
    with Likert items of few categories, read chi-square and RMSEA with care.

    References
    ----------
    .. [1] Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
       Journal of Statistical Software, 48(2), 1-36.
    .. [2] Igolkina, A. A. & Meshcheryakov, G. (2020). semopy: A Python package for
       structural equation modeling. Structural Equation Modeling, 27(6), 952-963.

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> from cuecoder.stats import sem
    >>> desc = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> res = sem(holzinger39.get_data(), desc, n_boot=0)
    >>> {k: round(res.fit[k], 3) for k in ("chi2", "df", "cfi", "tli", "rmsea", "srmr")}
    {'chi2': 85.306, 'df': 24, 'cfi': 0.931, 'tli': 0.896, 'rmsea': 0.092, 'srmr': 0.065}
    """
    if not isinstance(model, str):
        raise CuecoderError(
            Errors.E307.format(name="model", requirement="a lavaan-syntax string", value=model)
        )
    if ci not in CI_METHODS:
        raise CuecoderError(Errors.E104.format(value=ci, name="ci", valid=list(CI_METHODS)))
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise CuecoderError(
            Errors.E307.format(name="n_boot", requirement="an integer >= 0", value=n_boot)
        )
    syntax = _parse(model)
    observed = syntax.observed
    missing = [v for v in observed if v not in data.columns]
    if missing:
        raise CuecoderError(
            Errors.E310.format(missing=preview(missing), available=preview(map(str, data.columns)))
        )
    roles = {v: "an observed SEM variable" for v in observed}
    require_numeric(data, roles)
    p = len(observed)
    frame, dropped = complete_rows(data, observed, max(p + 2, 10))
    require_varying(frame, roles)
    n = len(frame)

    fitted = _fit_semopy(model, frame)
    names = list(fitted.vars["observed"])
    sample = np.cov(frame[names].to_numpy(), rowvar=False, bias=True)
    implied = fitted.calc_sigma()[0]
    semopy = _semopy()
    exogenous = [names.index(v) for v in names if v in fitted.vars["exogenous"]]
    # semopy fixes the (co)variances of exogenous observed variables at their sample
    # values but still counts them as moments; lavaan (fixed.x) drops them from both.
    k = len(exogenous)
    df = int(semopy.stats.calc_dof(fitted)) - k * (k + 1) // 2
    fit = fit_indices(sample, implied, n, df, fixed_x=exogenous)

    estimates = _estimates(fitted, syntax, alpha)

    chains = _chains(syntax)
    indirect = pd.DataFrame(
        columns=[
            "x",
            "mediator",
            "outcome",
            "path",
            "coef",
            "se",
            "pval",
            "ci_low",
            "ci_high",
            "std_coef",
        ]
    )
    if chains:
        indirect = _bootstrap_indirect(
            model, frame, fitted, syntax, chains, estimates, n_boot, ci, alpha, seed
        )
    return SEMResult(model, fit, estimates, indirect, dropped, fitted)


def _estimates(fitted, syntax: _Syntax, alpha: float) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = fitted.inspect(std_est=True)
    rows = []
    zcrit = stats.norm.ppf(1 - alpha / 2)
    for rec in table.itertuples(index=False):
        lval, op, rval = rec[0], rec[1], rec[2]
        coef = float(rec[3])
        std = float(rec[4])
        se = pd.to_numeric(rec[5], errors="coerce")
        if op == "~" and rval in syntax.latent and lval in syntax.latent[rval]:
            lhs, op, rhs = rval, "=~", lval
        else:
            lhs, rhs = lval, rval
        z = coef / se if se and np.isfinite(se) else np.nan
        rows.append(
            {
                "lhs": lhs,
                "op": op,
                "rhs": rhs,
                "coef": coef,
                "se": float(se),
                "z": z,
                "pval": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan,
                "ci_low": coef - zcrit * se,
                "ci_high": coef + zcrit * se,
                "std_coef": std,
            }
        )
    order = {"=~": 0, "~": 1, "~~": 2}
    out = pd.DataFrame(rows)
    out = out.iloc[np.argsort(out["op"].map(order).to_numpy(), kind="stable")]
    return out.reset_index(drop=True)


def _bootstrap_indirect(
    description, frame, fitted, syntax, chains, estimates, n_boot, ci, alpha, seed
) -> pd.DataFrame:
    pairs, labels, effects = _indirect_spec(syntax, chains)
    point = effects(_regression_coefs(fitted, pairs))
    reg = estimates[estimates["op"] == "~"].set_index(["lhs", "rhs"])["std_coef"]
    std_point = effects(np.array([reg.get(pair, 0.0) for pair in pairs], dtype=float))

    def refit(rows: pd.DataFrame) -> np.ndarray | None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(rows, obj="MLW", solver=SOLVER)
        except Exception:  # a resample on which the optimizer fails is dropped
            return None
        return effects(_regression_coefs(model, pairs))

    semopy = _semopy()
    model = semopy.Model(_for_semopy(description))
    rng = np.random.default_rng(seed)
    n = len(frame)
    draws = []
    for _ in range(n_boot):
        value = refit(frame.iloc[draw(n, 1, rng)[0]])
        if value is not None:
            draws.append(value)
    if n_boot and len(draws) < n_boot:
        logger.warning(
            "%d of %d SEM bootstrap refits failed and were dropped.", n_boot - len(draws), n_boot
        )
    boot = np.array(draws).reshape(len(draws), len(labels))
    jack = None
    if ci == "bca" and len(draws):
        jack = np.array([refit(frame.drop(frame.index[i])) for i in range(n)], dtype=float).reshape(
            n, len(labels)
        )
    rows = []
    for k, (x, m, y, path) in enumerate(labels):
        est = float(point[k])
        if len(boot) > 1:
            low, high = interval(boot[:, k], est, ci, alpha, None if jack is None else jack[:, k])
            se, pval = float(boot[:, k].std(ddof=1)), boot_pval(boot[:, k], est)
        else:
            low = high = se = pval = np.nan
        rows.append(
            {
                "x": x,
                "mediator": m,
                "outcome": y,
                "path": path,
                "coef": est,
                "se": se,
                "pval": pval,
                "ci_low": low,
                "ci_high": high,
                "std_coef": float(std_point[k]),
            }
        )
    table = pd.DataFrame(rows)
    table.attrs.update(n_boot=len(boot), ci=ci, seed=seed)
    return table


# ----------------------------------------------------------------------------- helpers
def mediation_model(
    x: str,
    m: str,
    y: str | Sequence[str],
    indicators: dict[str, Sequence[str]],
    covar: str | Sequence[str] | None = None,
) -> str:
    """lavaan syntax for X -> M -> Y(s) with latent constructs measured by survey items.

    Parameters
    ----------
    x : str
        The cue (observed, e.g. an aggregated probability, or latent if in ``indicators``).
    m : str
        The mediator, e.g. ``"psi"``.
    y : str or list of str
        Outcome(s); with several, their residuals covary (lavaan's ``sem()`` default).
    indicators : dict
        Construct name -> its items, e.g. ``{"psi": ["psi1", "psi2", "psi3"]}``.
        Constructs not listed are observed columns.
    covar : str or list of str, optional
        Observed covariates of the mediator and the outcomes.

    Returns
    -------
    str
        The model description.

    Examples
    --------
    >>> print(mediation_model("openness", "psi", ["loyalty", "info"],
    ...                       {"psi": ["p1", "p2", "p3"], "loyalty": ["l1", "l2", "l3"]}))
    psi =~ p1 + p2 + p3
    loyalty =~ l1 + l2 + l3
    psi ~ openness
    loyalty ~ psi + openness
    info ~ psi + openness
    loyalty ~~ info
    """
    outcomes = as_list(y)
    extra = "".join(f" + {c}" for c in as_list(covar))
    lines = [f"{name} =~ {' + '.join(items)}" for name, items in indicators.items()]
    lines.append(f"{m} ~ {x}{extra}")
    lines += [f"{out} ~ {m} + {x}{extra}" for out in outcomes]
    lines += [f"{a} ~~ {b}" for i, a in enumerate(outcomes) for b in outcomes[i + 1 :]]
    return "\n".join(lines)


def sem_by_cue(
    data: pd.DataFrame,
    cues: Sequence[str],
    m: str,
    y: str | Sequence[str],
    indicators: dict[str, Sequence[str]],
    covar: str | Sequence[str] | None = None,
    n_boot: int = 1000,
    ci: CIMethod = "percentile",
    seed: int | None = 0,
) -> tuple[pd.DataFrame, dict[str, SEMResult]]:
    """Fit one SEM per cue (cue -> M -> outcomes) and tabulate fit and indirect effects.

    This is the design of studies that test each cue in its own model and report
    chi-square, CFI, IFI, SRMR and RMSEA per model.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey items and cue measures, one row per respondent.
    cues : list of str
        Cue columns, each the X of its own model.
    m, y, indicators, covar
        As in :func:`mediation_model`.
    n_boot, ci, seed
        As in :func:`sem`.

    Returns
    -------
    table : pandas.DataFrame
        One row per cue: ``cue``, the fit indices and ``n``.
    results : dict
        Cue -> :class:`SEMResult` (its ``.indirect`` has the bootstrap CIs).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 300
    >>> cue = rng.normal(size=(n, 2))
    >>> psi = cue @ [0.4, 0.3] + rng.normal(size=n)
    >>> loy = 0.5 * psi + rng.normal(size=n)
    >>> items = {f"p{i}": psi + rng.normal(scale=0.6, size=n) for i in (1, 2, 3)}
    >>> items |= {f"l{i}": loy + rng.normal(scale=0.6, size=n) for i in (1, 2, 3)}
    >>> df = pd.DataFrame({"openness": cue[:, 0], "interactivity": cue[:, 1], **items})
    >>> table, results = sem_by_cue(df, ["openness", "interactivity"], "psi", "loyalty",
    ...                             {"psi": ["p1", "p2", "p3"], "loyalty": ["l1", "l2", "l3"]},
    ...                             n_boot=0)
    >>> list(table["cue"]), int(table["df"].iloc[0])
    (['openness', 'interactivity'], 12)
    """
    rows, results = [], {}
    for cue in cues:
        res = sem(data, mediation_model(cue, m, y, indicators, covar), n_boot, ci, seed=seed)
        results[cue] = res
        rows.append({"cue": cue, **{k: res.fit[k] for k in (*FIT_KEYS, "n")}})
    return pd.DataFrame(rows), results
