"""Regression-based (PROCESS-style) mediation and moderated mediation with a fast bootstrap.

The five models are Hayes' PROCESS models 4 (simple and parallel mediation), 6 (serial
mediation, X -> M1 -> M2 [-> M3] -> Y), 7 (the moderator acts on the first stage,
X -> M), 14 (on the second stage, M -> Y) and 58 (on both). Every equation is an OLS
regression; indirect effects are products of coefficients and are tested with a
nonparametric bootstrap that resamples rows. The bootstrap is vectorized: each resample
is a vector of row counts, the weighted cross products of all variables for a block of
resamples are one matrix product (blocks run on threads, each from its own seeded
stream), and every equation is solved for all resamples at once from its part of those
cross products. With ``codes`` (a hand-coded random subsample of the replies behind a
predicted X) the cross products are replaced by the design-based moment matrices of
:mod:`cuecoder.stats.dsl` and the resampling unit is the account.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from cuecoder.errors import CuecoderError, Errors, Warnings
from cuecoder.stats import dsl
from cuecoder.stats._checks import (
    as_list,
    complete_rows,
    preview,
    require_columns,
    require_finite,
    require_numeric,
    require_varying,
)
from cuecoder.stats.bootstrap import (
    CHUNK_CELLS,
    CI_METHODS,
    boot_pval,
    draw,
    draw_strata,
    interval,
    resample_blocks,
)

logger = logging.getLogger(__name__)

CIMethod = Literal["percentile", "bc", "bca"]
Stage = Literal["first", "second", "both"]
SEType = Literal["classical", "hc0", "hc1", "hc2", "hc3", "hc4"]

STAGES: tuple[str, ...] = ("first", "second", "both")
# Hayes (2018), appendix A: PROCESS model numbers for the stage(s) the moderator acts on.
PROCESS_MODELS: dict[str | None, int] = {None: 4, "first": 7, "second": 14, "both": 58}
SERIAL_MODEL = 6
# PROCESS model 6 takes up to 4 serial mediators (Hayes, 2018, appendix A); 4 give 15
# specific indirect effects.
MAX_SERIAL = 4
SE_TYPES: tuple[str, ...] = ("classical", "hc0", "hc1", "hc2", "hc3", "hc4")
# Fewest complete rows per level of a two-valued moderator. With k rows in a level, a
# resample draws fewer than 2 of them (so the level's slope is not estimable and the
# resample is singular) with probability ~ exp(-k) (1 + k): .04 at k = 5, .0005 at
# k = 10. Settable with ``min_level_rows``.
MIN_LEVEL_ROWS = 10
# Share of dropped (singular / not positive definite) resamples above which a warning is
# given, and (corrected estimator) above which the interval is refused.
WARN_DROPPED_SHARE = 0.01
MAX_DROPPED_SHARE = 0.10
# Fewest complete rows accepted, on top of the parameters of the largest equation:
# below this, residual degrees of freedom and the bootstrap are meaningless.
MIN_EXTRA_ROWS = 5
# OpenBLAS runs a matrix product on one thread when m*n*k <= 65536 * 4 (its
# GEMM_MULTITHREAD_THRESHOLD); above that it spawns threads, which for these thin
# products costs more than it saves, badly so on a busy machine. Products are cut to size.
BLAS_SINGLE_THREAD_SIZE = 65536 * 4
# Bootstrap resamples whose scaled design determinant is below this (numerically
# collinear, e.g. a 0/1 moderator with one level only) are dropped and reported.
MIN_SCALED_DET = 1e-12
# Corrected (design-based) resamples: smallest eigenvalue of the moment matrix scaled to
# unit diagonal below which it is not treated as positive definite.
MIN_SCALED_EIG = 1e-10

COLUMNS: tuple[str, ...] = (
    "outcome",
    "mediator",
    "path",
    "term",
    "moderator_value",
    "coef",
    "se",
    "pval",
    "ci_low",
    "ci_high",
    "std_coef",
)


# ----------------------------------------------------------------------------- model spec
@dataclass(frozen=True)
class _Equation:
    """One OLS regression: ``dependent ~ 1 + regressors``."""

    key: tuple[str, str]  # ("m", mediator), ("y", outcome) or ("total", outcome)
    dependent: str
    regressors: tuple[str, ...]

    def position(self, name: str) -> int:
        """Column of ``name`` in the coefficient vector (0 is the intercept)."""
        return 1 + self.regressors.index(name)


def _product(left: str, right: str) -> str:
    return f"{left}:{right}"


def _equations(
    x: str,
    mediators: list[str],
    outcomes: list[str],
    covar: list[str],
    moderator: str | None,
    stage: str | None,
    serial: bool = False,
) -> list[_Equation]:
    first = moderator is not None and stage in ("first", "both")
    second = moderator is not None and stage in ("second", "both")
    eqs = []
    for k, med in enumerate(mediators):
        regs = [x, *mediators[:k]] if serial else [x]
        if first:
            regs += [moderator, _product(x, moderator)]
        eqs.append(_Equation(("m", med), med, tuple(regs + covar)))
    for out in outcomes:
        regs = [x, *mediators]
        if second:
            regs += [moderator] + [_product(med, moderator) for med in mediators]
        eqs.append(_Equation(("y", out), out, tuple(regs + covar)))
        if moderator is None:
            eqs.append(_Equation(("total", out), out, tuple([x] + covar)))
    return eqs


# ----------------------------------------------------------------------------- OLS
def _ols(
    design: np.ndarray, target: np.ndarray, se_type: str = "classical"
) -> tuple[np.ndarray, np.ndarray, int]:
    """OLS coefficients, their standard errors (classical or HC0-HC4) and residual df.

    HC0 (White, 1980), HC1 (x n / (n - p)), HC2 (e^2 / (1 - h)), HC3 (e^2 / (1 - h)^2,
    MacKinnon & White, 1985; what PROCESS prints with ``hc3=1``) and HC4 (e^2 / (1 - h)^d,
    d = min(4, n h / p), Cribari-Neto, 2004); h are the leverages.
    """
    n, p = design.shape
    q, r = np.linalg.qr(design)
    coef = np.linalg.solve(r, q.T @ target)
    resid = target - design @ coef
    df_resid = n - p
    r_inv = np.linalg.solve(r, np.eye(p))
    if se_type == "classical":
        sigma2 = resid @ resid / df_resid
        se = np.sqrt(sigma2 * np.sum(r_inv**2, axis=1))
        return coef, se, df_resid
    lev = np.sum(q**2, axis=1)
    e2 = resid**2
    if se_type == "hc0":
        omega = e2
    elif se_type == "hc1":
        omega = e2 * n / df_resid
    elif se_type == "hc2":
        omega = e2 / (1 - lev)
    elif se_type == "hc3":
        omega = e2 / (1 - lev) ** 2
    else:  # hc4
        omega = e2 / (1 - lev) ** np.minimum(4.0, n * lev / p)
    bread = r_inv @ r_inv.T  # (X'X)^-1
    meat = (design * omega[:, None]).T @ design
    se = np.sqrt(np.diag(bread @ meat @ bread))
    return coef, se, df_resid


def _check_rank(design: np.ndarray, eq: _Equation) -> None:
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise CuecoderError(
            Errors.E304.format(dependent=eq.dependent, columns=preview(["1", *eq.regressors]))
        )


def _solve_batched(
    cross: np.ndarray,
    eqs: list[_Equation],
    index: dict[str, int],
    scale,
    guard: str = "det",
):
    """Coefficients of every equation for a stack of cross-product matrices.

    ``cross`` is (B, q, q) on standardized columns; returns raw-unit slopes per equation
    (intercept set to NaN: it is never needed) and a mask of usable resamples. ``guard``
    "det" drops numerically singular cross products; "pd" (corrected moment matrices,
    which need not be positive semi-definite) drops those that are not positive definite.
    """
    coefs: dict[tuple[str, str], np.ndarray] = {}
    ok = np.ones(cross.shape[0], dtype=bool)
    for eq in eqs:
        cols = [0] + [index[r] for r in eq.regressors]
        dep = index[eq.dependent]
        xtx = cross[:, cols][:, :, cols]
        xty = cross[:, cols, dep]
        # determinant of the cross products scaled to unit diagonal: 1 for orthogonal
        # columns, 0 for collinear ones (cheaper than a condition number per resample)
        if guard == "det":
            diag = np.sqrt(np.einsum("bii->bi", xtx))
            with np.errstate(divide="ignore", invalid="ignore"):
                det = np.linalg.det(xtx / (diag[:, :, None] * diag[:, None, :]))
            good = np.isfinite(det) & (det > MIN_SCALED_DET)
        else:
            good = _positive_definite(xtx)
        beta = np.full(xty.shape, np.nan)
        if good.any():
            beta[good] = np.linalg.solve(xtx[good], xty[good][..., None])[..., 0]
        ok &= good
        sd = scale[cols]
        beta = beta * scale[dep] / sd
        beta[:, 0] = np.nan
        coefs[eq.key] = beta
    return coefs, ok


def _positive_definite(mats: np.ndarray) -> np.ndarray:
    """Mask of the (B, p, p) symmetric matrices that are numerically positive definite."""
    diag = np.einsum("bii->bi", mats)
    good = np.all(np.isfinite(mats), axis=(1, 2)) & np.all(diag > 0, axis=1)
    if good.any():
        d = np.sqrt(diag[good])
        scaled = mats[good] / (d[:, :, None] * d[:, None, :])
        good[np.flatnonzero(good)] = np.linalg.eigvalsh(scaled)[:, 0] > MIN_SCALED_EIG
    return good


# ----------------------------------------------------------------------------- effects
@dataclass(frozen=True)
class _Effect:
    outcome: str
    mediator: str
    path: str  # "indirect" or "index_mm"
    moderator_value: float


def _effects(
    coefs: dict[tuple[str, str], np.ndarray],
    eqs: dict[tuple[str, str], _Equation],
    x: str,
    mediators: list[str],
    outcomes: list[str],
    moderator: str | None,
    stage: str | None,
    wvalues: list[float],
    serial: bool = False,
) -> tuple[list[_Effect], np.ndarray]:
    """Indirect effects (conditional where moderated) and indices of moderated mediation."""
    if serial:
        return _serial_effects(coefs, eqs, x, mediators, outcomes)
    first = moderator is not None and stage in ("first", "both")
    second = moderator is not None and stage in ("second", "both")
    labels: list[_Effect] = []
    columns: list[np.ndarray] = []
    probe = wvalues if moderator is not None else [np.nan]
    for out in outcomes:
        ey = eqs[("y", out)]
        by = coefs[("y", out)]
        sums = [0.0 for _ in probe]
        for med in mediators:
            em = eqs[("m", med)]
            am = coefs[("m", med)]
            a1 = am[:, em.position(x)]
            a3 = am[:, em.position(_product(x, moderator))] if first else 0.0
            b1 = by[:, ey.position(med)]
            b3 = by[:, ey.position(_product(med, moderator))] if second else 0.0
            conditional = []
            for k, w in enumerate(probe):
                w0 = 0.0 if moderator is None else w
                value = (a1 + a3 * w0) * (b1 + b3 * w0)
                conditional.append(value)
                sums[k] = sums[k] + value
                labels.append(_Effect(out, med, "indirect", w))
                columns.append(value)
            if moderator is not None:
                if stage == "first":
                    index = a3 * b1
                elif stage == "second":
                    index = a1 * b3
                else:  # model 58: not linear in W; contrast of the extreme probed values
                    index = conditional[-1] - conditional[0]
                labels.append(_Effect(out, med, "index_mm", np.nan))
                columns.append(index)
        if len(mediators) > 1:
            for k, w in enumerate(probe):
                labels.append(_Effect(out, "(all)", "indirect", w))
                columns.append(sums[k])
    return labels, np.column_stack(columns)


def chains(mediators: Sequence[str]) -> list[tuple[str, ...]]:
    """Every specific indirect path of a serial model, in PROCESS' order.

    Paths start at the earliest mediator first; among those with the same first mediator,
    shorter before longer, then in the order of the mediators (Hayes, 2018, model 6).

    Examples
    --------
    >>> chains(["m1", "m2"])
    [('m1',), ('m1', 'm2'), ('m2',)]
    >>> len(chains(["m1", "m2", "m3"]))
    7
    """
    from itertools import combinations

    k = len(mediators)
    out = []
    for start in range(k):
        rest = range(start + 1, k)
        for size in range(0, k - start):
            for tail in combinations(rest, size):
                out.append(tuple(mediators[i] for i in (start, *tail)))
    return out


def chain_label(chain: Sequence[str]) -> str:
    """``("m1", "m2")`` -> ``"m1 -> m2"``: the mediator label of a serial indirect effect."""
    return " -> ".join(chain)


def _serial_effects(coefs, eqs, x, mediators, outcomes):
    """Specific indirect effects of a serial model, their total and pairwise contrasts."""
    labels: list[_Effect] = []
    columns: list[np.ndarray] = []
    paths = chains(mediators)
    for out in outcomes:
        ey, by = eqs[("y", out)], coefs[("y", out)]
        specific = []
        for chain in paths:
            first = eqs[("m", chain[0])]
            value = coefs[("m", chain[0])][:, first.position(x)]
            for prev, nxt in zip(chain[:-1], chain[1:], strict=True):
                value = value * coefs[("m", nxt)][:, eqs[("m", nxt)].position(prev)]
            value = value * by[:, ey.position(chain[-1])]
            specific.append(value)
            labels.append(_Effect(out, chain_label(chain), "indirect", np.nan))
            columns.append(value)
        labels.append(_Effect(out, "(all)", "indirect", np.nan))
        columns.append(np.sum(specific, axis=0))
        for i in range(len(paths)):
            for j in range(i + 1, len(paths)):
                name = f"({chain_label(paths[i])}) minus ({chain_label(paths[j])})"
                labels.append(_Effect(out, name, "contrast", np.nan))
                columns.append(specific[i] - specific[j])
    return labels, np.column_stack(columns)


# ----------------------------------------------------------------------------- intervals
def _n_threads(n_jobs: int | None) -> int:
    """Threads for ``n_jobs``: None or -1 means every core this process may use."""
    if n_jobs is None or n_jobs == -1:
        if hasattr(os, "sched_getaffinity"):
            return len(os.sched_getaffinity(0))
        return os.cpu_count() or 1
    return int(n_jobs)


def unit_products(dz: np.ndarray) -> np.ndarray:
    """(n, pairs) products of every pair of columns (upper triangle) of each row."""
    iu = np.triu_indices(dz.shape[1])
    return dz[:, iu[0]] * dz[:, iu[1]]


def _bootstrap(
    products: np.ndarray,
    q: int,
    eqs: list[_Equation],
    index: dict[str, int],
    scale: np.ndarray,
    effect_fn,
    n_boot: int,
    seed: int | None,
    n_jobs: int | None = None,
    strata: list[np.ndarray] | None = None,
    guard: str = "det",
) -> tuple[np.ndarray, int]:
    """(n_kept, n_effects) bootstrap distribution and the number of resamples dropped.

    ``products`` holds one row of cross products per resampling unit (a row of the data,
    or an account's summed moment contributions). Each block of resamples is drawn from
    its own stream (within ``strata`` when given), counted (how often each unit is drawn)
    and multiplied into cross products; blocks run on ``n_jobs`` threads (numpy releases
    the GIL while drawing, counting and multiplying), and the regressions of all
    resamples are then solved at once.
    """
    n, pairs = products.shape
    iu = np.triu_indices(q)
    step = max(1, BLAS_SINGLE_THREAD_SIZE // (n * pairs))

    def cross_products(task: tuple[int, np.random.Generator]) -> np.ndarray:
        size, rng = task
        draws = draw(n, size, rng) if strata is None else draw_strata(strata, size, rng)
        draws += (np.arange(size) * n)[:, None]  # in place: row r counts into [r*n, r*n+n)
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n)
        flat = np.empty((size, pairs))
        for row in range(0, size, step):  # small products keep BLAS on one thread
            np.matmul(counts[row : row + step], products, out=flat[row : row + step])
        return flat

    blocks = resample_blocks(n, n_boot, seed)
    threads = min(_n_threads(n_jobs), len(blocks))
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            flat = list(pool.map(cross_products, blocks))
    else:
        flat = [cross_products(block) for block in blocks]
    cross = _symmetric(np.concatenate(flat), q, iu)
    coefs, ok = _solve_batched(cross, eqs, index, scale, guard)
    values = effect_fn(coefs)
    dropped = int((~ok).sum())
    if dropped:
        logger.warning(
            "%d of %d bootstrap resamples had a %s and were dropped.",
            dropped,
            n_boot,
            "singular design" if guard == "det" else "moment matrix not positive definite",
        )
    return values[ok], dropped


def _jackknife(products, q, eqs, index, scale, effect_fn, guard="det") -> np.ndarray:
    """(n, n_effects) leave-one-unit-out estimates, from full cross products minus one unit."""
    n = products.shape[0]
    iu = np.triu_indices(q)
    total = products.sum(axis=0)
    chunk = max(1, CHUNK_CELLS // (q * q))
    out = []
    for start in range(0, n, chunk):
        rows = products[start : start + chunk]
        coefs, _ = _solve_batched(_symmetric(total - rows, q, iu), eqs, index, scale, guard)
        out.append(effect_fn(coefs))
    return np.concatenate(out, axis=0)


def _symmetric(flat: np.ndarray, q: int, iu) -> np.ndarray:
    full = np.empty((flat.shape[0], q, q))
    full[:, iu[0], iu[1]] = flat
    full[:, iu[1], iu[0]] = flat
    return full


# ----------------------------------------------------------------------------- public API
def mediate(
    data: pd.DataFrame,
    x: str,
    m: str | Sequence[str],
    y: str | Sequence[str],
    covar: str | Sequence[str] | None = None,
    moderator: str | None = None,
    stage: Stage = "first",
    moderator_values: Sequence[float] | None = None,
    n_boot: int = 5000,
    ci: CIMethod | None = None,
    alpha: float = 0.05,
    seed: int | None = 0,
    return_dist: bool = False,
    n_jobs: int | None = None,
    serial: bool = False,
    se: SEType = "classical",
    min_level_rows: int = MIN_LEVEL_ROWS,
    codes: pd.DataFrame | None = None,
    key: str | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Mediation, serial and moderated mediation (PROCESS models 4, 6, 7, 14, 58), bootstrap.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (respondent, account, brand).
    x : str
        The predictor, e.g. a cue measure such as ``"openness"``.
    m : str or list of str
        Mediator(s). Several mediators are modelled in parallel.
    y : str or list of str
        Outcome(s). Each outcome gets its own outcome equation; the mediator equations and
        the bootstrap resamples are shared, so effects on different outcomes are comparable.
    covar : str or list of str, optional
        Covariates entered in every equation.
    moderator : str, optional
        A numeric moderator W, e.g. ``"automated"`` coded 0/1.
    stage : {"first", "second", "both"}
        Where W acts: on X -> M (PROCESS model 7), on M -> Y (model 14) or on both
        (model 58). Ignored without a moderator (model 4).
    moderator_values : list of float, optional
        Values of W at which conditional indirect effects are reported. Default: the two
        values of a binary W; mean and mean +/- 1 SD of a continuous one.
    n_boot : int
        Bootstrap resamples (0 skips the bootstrap: indirect effects get no SE or CI).
    ci : {"percentile", "bc", "bca"}, optional
        Bootstrap interval: percentile, bias-corrected (pingouin's and PROCESS' "bc")
        or bias-corrected and accelerated (acceleration from the jackknife). Default:
        percentile (PROCESS' default) for the ordinary estimator, bias-corrected for the
        corrected one (``codes`` given): in the simulation of ``docs/statistics.md`` its
        percentile limits fell below .93 coverage in 25 of 253 lines, the
        bias-corrected ones in 11 (and above .97 in 7).
    alpha : float
        1 - confidence level.
    seed : int or None
        Seed of the resamples (``np.random.SeedSequence(seed)``; each block of resamples
        draws from its own child stream).
    return_dist : bool
        Also return the bootstrap draws (one column per indirect effect / index).
    n_jobs : int or None
        Threads for the bootstrap; None or -1 uses every available core. The result is
        identical for any value.
    serial : bool
        Serial mediation (PROCESS model 6): the mediators, 2 to 4, form a chain in the
        order given (``m=["awareness", "trust"]``: X -> awareness -> trust -> Y); each
        mediator equation adds the earlier mediators (their slopes are ``d`` rows). No
        moderator.
    se : {"classical", "hc0", "hc1", "hc2", "hc3", "hc4"}
        Standard errors of the regression rows: classical OLS, or heteroskedasticity-
        consistent HC0-HC4 (HC3 is what the PROCESS reference output uses). p-values and
        CIs use the t distribution with the residual df, as PROCESS.
    min_level_rows : int
        Fewest complete rows per level of a two-valued moderator (default 10); fewer is
        refused (E321), since most resamples would then be singular.
    codes : pandas.DataFrame, optional
        A hand-coded random subsample of the replies behind a predicted ``x`` (see
        :func:`cuecoder.stats.sample_for_coding`): the account ``key``, the 0/1 cue named
        as ``x``, ``pi_group`` and ``pi_reply``. Switches to the design-based corrected
        estimator (Notes). Without it, ``mediate`` is the ordinary PROCESS estimator.
    key : str, optional
        The account column of ``data`` and ``codes`` (only with ``codes``); several rows
        of ``data`` (respondents) may share an account.

    Returns
    -------
    pandas.DataFrame
        One row per effect, columns ``outcome, mediator, path, term, moderator_value,
        coef, se, pval, ci_low, ci_high, std_coef``. ``path`` is ``a`` (X -> M equation),
        ``b`` (M -> Y in the outcome equation), ``direct`` (X -> Y given M), ``total``
        (X -> Y without M, model 4 only), ``indirect`` (a*b, conditional on
        ``moderator_value`` where moderated; mediator ``"(all)"`` is the sum over
        parallel mediators) or ``index_mm`` (index of moderated mediation). ``term`` is
        the regressor behind a regression row (``"x:w"`` for an interaction).
        ``d`` (serial: an earlier mediator -> a later one), ``contrast`` (serial: the
        difference of two specific indirect effects, named in ``mediator``).
        ``df.attrs`` holds ``n``, ``n_dropped``, ``model`` (PROCESS number), ``ci``,
        ``n_boot`` (resamples kept), ``n_boot_dropped`` (singular resamples dropped),
        ``seed``, ``se``, ``method`` (``"ols"`` or ``"dsl"``) and, with ``codes``,
        ``design`` (accounts, coded accounts and replies, calibration R^2).

    Notes
    -----
    Equations (covariates omitted; every equation has an intercept):

    * model 4: ``M_j = a_j X``; ``Y = c' X + sum_j b_j M_j``; total ``Y = c X``.
    * model 7: ``M_j = a1_j X + a2_j W + a3_j XW``; ``Y = c' X + sum_j b_j M_j``.
      Indirect effect at W = w: ``(a1_j + a3_j w) b_j``; index ``a3_j b_j``.
    * model 14: ``M_j = a_j X``; ``Y = c' X + sum_j (b1_j M_j + b3_j M_j W) + b2 W``.
      Indirect effect: ``a_j (b1_j + b3_j w)``; index ``a_j b3_j``.
    * model 58: both. Indirect effect ``(a1_j + a3_j w)(b1_j + b3_j w)`` is quadratic in
      w, so there is no single index; ``index_mm`` is then the difference between the
      conditional indirect effects at the highest and lowest probed values of W (for a
      0/1 moderator: the effect when W = 1 minus the effect when W = 0).

    * model 6 (serial): ``M_1 = a_1 X``; ``M_k = a_k X + sum_{i<k} d_ki M_i``;
      ``Y = c' X + sum_k b_k M_k``. Each chain X -> M_i -> ... -> M_j -> Y has the
      specific indirect effect a_i d.. b_j (PROCESS' order: m1, m1 -> m2, m2 for two);
      ``(all)`` is their sum, and every pair is contrasted.

    Regression rows (``a``, ``d``, ``b``, ``direct``, ``total``) carry classical (or
    ``se=`` HC) OLS standard errors and t-based p-values and intervals (as PROCESS and
    pingouin). Indirect effects
    and indices carry the bootstrap SD as ``se``, the bootstrap p-value of R's
    ``mediation`` package and pingouin (twice the smaller share of draws on one side of
    zero; it is not a test under a true null, read the CI), and the chosen bootstrap
    interval. Variables are not centred. ``std_coef`` multiplies a coefficient by
    SD(regressor) / SD(dependent); indirect effects and indices by SD(X) / SD(Y) (the
    completely standardized indirect effect); interaction terms get NaN. Rows with a
    missing value in any model variable are dropped listwise (``attrs["n_dropped"]``).
    Assumptions: linear, additive equations, no unmeasured X-M, M-Y confounding, errors
    independent across rows; the bootstrap makes no normality assumption for a*b.

    With ``codes`` (design-based supervised learning, after Egami et al., 2023): per
    account j, R_j (coded or not), pi_j, the coded mean X^g_j, its within-account sampling
    variance V_j and a cross-fitted calibration g_j of X^g on the predicted X and the
    other model variables. Every equation with design row d(X) (v = dd/dX) is solved
    from ``sum_j P_j beta = sum_j q_j``, ``P_j = d(g)d(g)' + (R_j/pi_j)[d(X^g)d(X^g)' - V_j
    v v' - d(g)d(g)']``, ``q_j = d(g)y_j + (R_j/pi_j)[d(X^g) - d(g)]y_j``. Only a predicted
    ``x`` is corrected (every model: all equations are linear in X); predicted mediators or
    moderators are not. All rows, regression paths included, are then tested by the
    bootstrap over accounts (coded and uncoded accounts resampled separately, g fixed);
    resamples whose moment matrix is not positive definite are dropped, with a warning
    above 1% and an error (E328) above 10%. ``std_coef`` is NaN (the SD of the true X is
    not observed).

    References
    ----------
    .. [1] Hayes, A. F. (2018). Introduction to Mediation, Moderation, and Conditional
       Process Analysis (2nd ed.). Guilford Press.
    .. [2] Hayes, A. F. (2015). An index and test of linear moderated mediation.
       Multivariate Behavioral Research, 50(1), 1-22.
    .. [3] Efron, B. (1987). Better bootstrap confidence intervals. JASA, 82(397), 171-185.
    .. [4] Preacher, K. J. & Kelley, K. (2011). Effect size measures for mediation models.
       Psychological Methods, 16(2), 93-115.
    .. [5] Egami, N., Hinck, M., Stewart, B. M. & Wei, H. (2023). Using imperfect surrogates
       for downstream inference: design-based supervised learning for social science
       applications of large language models. NeurIPS 36.
    .. [6] Long, J. S. & Ervin, L. H. (2000). Using heteroscedasticity consistent standard
       errors in the linear regression model. The American Statistician, 54(3), 217-224.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from cuecoder.stats import mediate
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=300)
    >>> psi = 0.5 * x + rng.normal(size=300)
    >>> df = pd.DataFrame({"openness": x, "psi": psi, "loyalty": 0.4 * psi + rng.normal(size=300)})
    >>> res = mediate(df, x="openness", m="psi", y="loyalty", n_boot=1000, seed=0)
    >>> res[["path", "coef", "ci_low", "ci_high"]].round(2)
           path  coef  ci_low  ci_high
    0         a  0.60    0.48     0.72
    1         b  0.37    0.24     0.49
    2    direct -0.13   -0.28     0.02
    3     total  0.09   -0.05     0.23
    4  indirect  0.22    0.15     0.30
    """
    mediators, outcomes, covariates = as_list(m), as_list(y), as_list(covar)
    if ci is None:
        ci = "bc" if codes is not None else "percentile"
    _check_options(x, mediators, outcomes, covariates, moderator, stage, n_boot, ci, alpha, n_jobs)
    _check_new_options(mediators, moderator, serial, se, min_level_rows, codes, key)
    stage_used = None if moderator is None else stage
    roles: dict[str, str] = {x: "the predictor (x)"}
    for name, role in (
        *((c, "a mediator (m)") for c in mediators),
        *((c, "an outcome (y)") for c in outcomes),
        *((c, "a covariate") for c in covariates),
        *(((moderator, "the moderator"),) if moderator is not None else ()),
    ):
        if name in roles:
            raise CuecoderError(Errors.E306.format(column=name, first=roles[name], second=role))
        roles[name] = role
    require_columns(data, roles, "the data")
    if codes is not None:
        require_columns(data, [key], "the data")
    require_numeric(data, roles, moderator)
    require_finite(data, roles)

    eqs = _equations(x, mediators, outcomes, covariates, moderator, stage_used, serial)
    widest = max(len(eq.regressors) + 1 for eq in eqs)
    frame, dropped = complete_rows(data, list(roles), widest + MIN_EXTRA_ROWS)
    require_varying(frame, roles)
    _check_levels(frame, moderator, min_level_rows)
    n = len(frame)

    # design: intercept, variables, products with the moderator; X can be swapped for
    # its calibration or its coded value (corrected estimator)
    columns = ["1", *roles]
    for eq in eqs:
        for reg in eq.regressors:
            if reg not in columns:
                columns.append(reg)
    index = {name: k for k, name in enumerate(columns)}
    q = len(columns)

    def build(xvalues: np.ndarray, derivative: bool = False) -> np.ndarray:
        """The design with X set to ``xvalues``, or its derivative with respect to X."""
        cols = {"1": np.zeros(n) if derivative else np.ones(n)}
        for name in roles:
            if name == x:
                cols[name] = np.ones(n) if derivative else xvalues
            else:
                cols[name] = np.zeros(n) if derivative else frame[name].to_numpy()
        for name in columns[len(roles) + 1 :]:
            left, right = name.rsplit(":", 1)
            if derivative:  # only products with X depend on it (X x W: d/dX = W)
                other = right if left == x else left if right == x else None
                cols[name] = np.zeros(n) if other is None else frame[other].to_numpy()
            else:
                cols[name] = cols[left] * cols[right]
        return np.column_stack([cols[k] for k in columns])

    raw = build(frame[x].to_numpy())
    sd = frame.std(ddof=1)
    wvalues = _moderator_values(frame, moderator, moderator_values)
    eq_by_key = {eq.key: eq for eq in eqs}

    def effect_fn(coefs):
        return _effects(
            coefs, eq_by_key, x, mediators, outcomes, moderator, stage_used, wvalues, serial
        )

    design = None
    if codes is None:
        point: dict[tuple[str, str], np.ndarray] = {}
        regression_rows = []
        for eq in eqs:
            xmat = raw[:, [0] + [index[r] for r in eq.regressors]]
            _check_rank(xmat, eq)
            coef, se_, df_resid = _ols(xmat, raw[:, index[eq.dependent]], se)
            point[eq.key] = coef[None, :]
            regression_rows.append((eq, coef, se_, df_resid))
        center = raw.mean(axis=0)
        scale = raw.std(axis=0)
        center[0], scale[0] = 0.0, 1.0
        scale[scale == 0] = 1.0
        products = unit_products((raw - center) / scale)
        strata, guard = None, "det"
    else:
        features = frame[[x, *(c for c in roles if c != x)]]
        design = dsl.prepare(data.loc[frame.index, key], codes, x, key, features, seed)
        acc = design.account
        ghat = design.ghat[acc]
        xg = np.where(design.labelled[acc], design.xg[acc], ghat)
        weight, vhat = design.weight[acc], design.vhat[acc]
        raw_g = build(ghat)
        center = raw_g.mean(axis=0)
        scale = raw_g.std(axis=0)
        center[0], scale[0] = 0.0, 1.0
        scale[scale == 0] = 1.0
        dz_g = (raw_g - center) / scale
        dz_x = (build(xg) - center) / scale
        vz = build(xg, derivative=True) / scale
        # P_i = d(g)d(g)' + (R/pi)[d(Xg)d(Xg)' - V v v' - d(g)d(g)'], and the same with
        # the dependent columns for q_i (v is 0 there): one row of moments per data row,
        # summed per account (the resampling unit)
        per_row = (1 - weight)[:, None] * unit_products(dz_g) + weight[:, None] * (
            unit_products(dz_x) - vhat[:, None] * unit_products(vz)
        )
        products = np.zeros((len(design.labelled), per_row.shape[1]))
        np.add.at(products, acc, per_row)
        strata = [np.flatnonzero(design.labelled), np.flatnonzero(~design.labelled)]
        guard = "pd"
        iu = np.triu_indices(q)
        total = _symmetric(products.sum(axis=0)[None], q, iu)
        point, _ = _solve_batched(total, eqs, index, scale, guard)
        for eq in eqs:
            if not np.isfinite(point[eq.key][0, 1:]).all():
                raise CuecoderError(
                    Errors.E329.format(dependent=eq.dependent, columns=preview(eq.regressors))
                )
        regression_rows = [
            (eq, point[eq.key][0], np.full(len(eq.regressors) + 1, np.nan), np.inf) for eq in eqs
        ]

    labels, estimates = effect_fn(point)
    estimates = estimates[0]
    rows, refs = _regression_table(regression_rows, x, mediators, outcomes, moderator, alpha, sd)

    def boot_fn(coefs):
        values = effect_fn(coefs)[1]
        if design is None:
            return values
        return np.column_stack([values, *(coefs[k][:, p] for k, p in refs)])

    boot = np.empty((0, len(labels)))
    n_boot_dropped = 0
    if n_boot > 0:
        boot, n_boot_dropped = _bootstrap(
            products, q, eqs, index, scale, boot_fn, n_boot, seed, n_jobs, strata, guard
        )
        _report_dropped(n_boot_dropped, n_boot, design is not None)
    jack = None
    if ci == "bca" and n_boot > 0:
        jack = _jackknife(products, q, eqs, index, scale, boot_fn, guard)

    limits = None
    if ci == "percentile" and len(boot):  # the same limits as interval(), all columns at once
        limits = np.percentile(boot, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)

    def summarise(k: int, est: float) -> tuple[float, float, float, float]:
        if not len(boot):
            return np.nan, np.nan, np.nan, np.nan
        draws = boot[:, k]
        se_ = float(draws.std(ddof=1)) if len(draws) > 1 else np.nan
        if limits is not None:
            low, high = float(limits[0, k]), float(limits[1, k])
        else:
            low, high = interval(draws, est, ci, alpha, None if jack is None else jack[:, k])
        return se_, boot_pval(draws, est), low, high

    if design is not None:  # regression rows: bootstrap over accounts as well
        for j, row in enumerate(rows):
            row["se"], row["pval"], row["ci_low"], row["ci_high"] = summarise(
                len(labels) + j, row["coef"]
            )
            row["std_coef"] = np.nan
    std_factor = {out: sd[x] / sd[out] for out in outcomes}
    for k, label in enumerate(labels):
        est = float(estimates[k])
        se_, pval, low, high = summarise(k, est)
        rows.append(
            {
                "outcome": label.outcome,
                "mediator": label.mediator,
                "path": label.path,
                "term": x,
                "moderator_value": label.moderator_value,
                "coef": est,
                "se": se_,
                "pval": pval,
                "ci_low": low,
                "ci_high": high,
                "std_coef": np.nan if design is not None else est * std_factor[label.outcome],
            }
        )
    table = _order(rows, outcomes, moderator is not None)
    table.attrs.update(
        n=n,
        n_dropped=dropped,
        model=SERIAL_MODEL if serial else PROCESS_MODELS[stage_used],
        ci=ci,
        n_boot=len(boot),
        n_boot_dropped=n_boot_dropped,
        alpha=alpha,
        seed=seed,
        x=x,
        m=mediators,
        y=outcomes,
        moderator=moderator,
        stage=stage_used,
        covar=covariates,
        serial=serial,
        se=se if design is None else "bootstrap",
        method="ols" if design is None else "dsl",
    )
    if design is not None:
        table.attrs["design"] = design.summary
    if return_dist:
        dist = pd.DataFrame(
            boot[:, : len(labels)],
            columns=[f"{e.path}|{e.outcome}|{e.mediator}|{e.moderator_value:g}" for e in labels],
        )
        return table, dist
    return table


def _report_dropped(dropped: int, total: int, corrected: bool) -> None:
    """Warn when many resamples were dropped; refuse (corrected estimator) above 10%."""
    share = dropped / total
    if corrected and share > MAX_DROPPED_SHARE:
        raise CuecoderError(
            Errors.E328.format(dropped=dropped, total=total, share=share, limit=MAX_DROPPED_SHARE)
        )
    if share > WARN_DROPPED_SHARE:
        reason = "moment matrix not positive definite" if corrected else "singular design"
        warnings.warn(
            Warnings.W320.format(
                dropped=dropped, total=total, share=share, reason=reason, limit=WARN_DROPPED_SHARE
            ),
            stacklevel=3,
        )


def _check_new_options(mediators, moderator, serial, se, min_level_rows, codes, key):
    if serial and (not 2 <= len(mediators) <= MAX_SERIAL or moderator is not None):
        raise CuecoderError(
            Errors.E322.format(maximum=MAX_SERIAL, mediators=mediators, moderator=moderator)
        )
    if se not in SE_TYPES:
        raise CuecoderError(Errors.E104.format(value=se, name="se", valid=list(SE_TYPES)))
    if (
        isinstance(min_level_rows, bool)
        or not isinstance(min_level_rows, int | np.integer)
        or min_level_rows < 2
    ):
        raise CuecoderError(
            Errors.E307.format(
                name="min_level_rows", requirement="an integer >= 2", value=min_level_rows
            )
        )
    if codes is None and key is not None:
        raise CuecoderError(Errors.E330.format(key=key))
    if codes is not None:
        if not isinstance(codes, pd.DataFrame):
            raise CuecoderError(
                Errors.E307.format(
                    name="codes",
                    requirement="a DataFrame of coded replies",
                    value=type(codes).__name__,
                )
            )
        if not isinstance(key, str):
            raise CuecoderError(
                Errors.E307.format(
                    name="key", requirement="the account column (with codes)", value=key
                )
            )


def _check_levels(frame: pd.DataFrame, moderator: str | None, minimum: int) -> None:
    """Raise E321 when a level of a two-valued moderator has fewer than ``minimum`` rows."""
    if moderator is None:
        return
    levels, counts = np.unique(frame[moderator].to_numpy(), return_counts=True)
    if len(levels) == 2 and counts.min() < minimum:
        k = int(np.argmin(counts))
        raise CuecoderError(
            Errors.E321.format(
                column=moderator, n=int(counts[k]), level=float(levels[k]), minimum=minimum
            )
        )


def _check_options(
    x, mediators, outcomes, covariates, moderator, stage, n_boot, ci, alpha, n_jobs=None
):
    if not isinstance(x, str):
        raise CuecoderError(Errors.E307.format(name="x", requirement="one column name", value=x))
    for name, values in (("m", mediators), ("y", outcomes)):
        if not values:
            raise CuecoderError(
                Errors.E307.format(name=name, requirement="a column name or a list", value=values)
            )
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise CuecoderError(
                Errors.E307.format(name=name, requirement="a list without repeats", value=values)
            )
    if moderator is not None and not isinstance(moderator, str):
        raise CuecoderError(
            Errors.E307.format(name="moderator", requirement="one column name", value=moderator)
        )
    if stage not in STAGES:
        raise CuecoderError(Errors.E104.format(value=stage, name="stage", valid=list(STAGES)))
    if ci not in CI_METHODS:
        raise CuecoderError(Errors.E104.format(value=ci, name="ci", valid=list(CI_METHODS)))
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise CuecoderError(
            Errors.E307.format(name="n_boot", requirement="an integer >= 0", value=n_boot)
        )
    if not 0 < alpha < 1:
        raise CuecoderError(
            Errors.E307.format(name="alpha", requirement="between 0 and 1", value=alpha)
        )
    if n_jobs is not None and (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, int | np.integer)
        or not (n_jobs >= 1 or n_jobs == -1)
    ):
        raise CuecoderError(
            Errors.E307.format(
                name="n_jobs", requirement="None, -1 (every core) or an integer >= 1", value=n_jobs
            )
        )


def _moderator_values(
    frame: pd.DataFrame, moderator: str | None, values: Sequence[float] | None
) -> list[float]:
    if moderator is None:
        return []
    if values is not None:
        try:
            probe = [float(v) for v in values]
        except (TypeError, ValueError):
            raise CuecoderError(Errors.E316.format(values=preview(values))) from None
        if not probe or not np.all(np.isfinite(probe)):
            raise CuecoderError(Errors.E316.format(values=preview(values)))
        return probe
    w = frame[moderator]
    levels = np.unique(w)
    if len(levels) == 2:
        return [float(levels[0]), float(levels[1])]
    mean, sd = float(w.mean()), float(w.std(ddof=1))
    return [mean - sd, mean, mean + sd]


def _regression_table(regression_rows, x, mediators, outcomes, moderator, alpha, sd):
    """Rows for the a, d (serial), b, direct and total paths (OLS inference), and for each
    row the (equation key, coefficient position) it comes from."""
    rows, refs = [], []
    for out in outcomes:
        for eq, coef, se, df_resid in regression_rows:
            kind, name = eq.key
            if kind == "m":
                wanted = [(x, "a"), (moderator, "a"), (_product(x, moderator), "a")]
                wanted += [(med, "d") for med in mediators]  # serial: earlier mediators
                mediator, dependent = name, name
            elif name != out:
                continue
            elif kind == "y":
                wanted = [(x, "direct")]
                for med in mediators:
                    wanted += [(med, "b"), (_product(med, moderator), "b")]
                wanted.append((moderator, "b"))
                mediator, dependent = None, out
            else:
                wanted, mediator, dependent = [(x, "total")], None, out
            # special.stdtrit / stdtr are what stats.t.ppf / .sf evaluate, without the
            # per-call argument handling that dominated small fits
            tcrit = special.stdtrit(df_resid, 1 - alpha / 2)
            for term, path in wanted:
                if term is None or term not in eq.regressors:
                    continue
                k = eq.position(term)
                tval = coef[k] / se[k]
                if ":" in term:
                    std = np.nan
                else:
                    std = coef[k] * sd[term] / sd[dependent]
                if path == "b" and term in mediators:
                    med_label = term
                elif path == "b" and ":" in term:
                    med_label = term.rsplit(":", 1)[0]
                else:
                    med_label = mediator
                rows.append(
                    {
                        "outcome": out,
                        "mediator": med_label,
                        "path": path,
                        "term": term,
                        "moderator_value": np.nan,
                        "coef": float(coef[k]),
                        "se": float(se[k]),
                        "pval": float(2 * special.stdtr(df_resid, -abs(tval))),
                        "ci_low": float(coef[k] - tcrit * se[k]),
                        "ci_high": float(coef[k] + tcrit * se[k]),
                        "std_coef": float(std),
                    }
                )
                refs.append((eq.key, k))
    return rows, refs


_PATH_ORDER = {
    "a": 0,
    "d": 1,
    "b": 2,
    "direct": 3,
    "total": 4,
    "indirect": 5,
    "index_mm": 6,
    "contrast": 7,
}


def _order(rows: list[dict], outcomes: list[str], moderated: bool = True) -> pd.DataFrame:
    """The result table: rows by outcome, then path kind, then as produced; without a
    moderator there is no ``moderator_value`` column."""
    rank = {o: k for k, o in enumerate(outcomes)}
    ordered = sorted(
        range(len(rows)), key=lambda r: (rank[rows[r]["outcome"]], _PATH_ORDER[rows[r]["path"]], r)
    )
    columns = [c for c in COLUMNS if moderated or c != "moderator_value"]
    table = {c: [rows[r][c] for r in ordered] for c in columns}
    for c in columns[4:]:  # numeric columns float64 even when a value is None
        table[c] = np.array(table[c], dtype=float)
    return pd.DataFrame(table, columns=columns)
