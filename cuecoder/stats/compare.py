"""Compare groups of accounts (tiers, platforms, brand vs influencer) on their cue measures.

Accounts are the unit: a group's value is the mean of its accounts' measures (each account
counts once, whatever its number of replies), and intervals come from a bootstrap over
accounts, resampled within each group (stratified), through the one bootstrap engine
(:mod:`cuecoder.stats.bootstrap`). Replies of one account are not independent draws, so a
bootstrap over replies would give intervals that are too narrow.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cuecoder.errors import CuecoderError, Errors
from cuecoder.stats._checks import as_list, require_columns
from cuecoder.stats.bootstrap import boot_pval, draw, interval, resample_blocks

logger = logging.getLogger(__name__)

#: Said wherever an association with a predicted cue is reported (see docs/statistics.md).
PREDICTION_ERROR_CAVEAT = (
    "The cue is a model prediction and carries coding error: random error attenuates a "
    "slope toward 0, and error tied to an account's style biases it either way, which no "
    "bootstrap interval covers. Check the model on a hand-coded sample of your own replies "
    "(cuecoder validate SCORES CODES) before reading these slopes."
)


def pooled_share(
    k: np.ndarray, n: np.ndarray, n_boot: int = 2000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """The share of all replies with a cue and its CI from a bootstrap over accounts.

    Parameters
    ----------
    k, n : array-like
        Per account: replies with the cue and replies scored.
    n_boot, alpha, seed
        Resamples of accounts, 1 - confidence level, seed.

    Returns
    -------
    (float, float, float)
        ``sum(k) / sum(n)`` and the percentile interval of that ratio over resampled
        accounts (a cluster bootstrap: an account's replies stay together); NaN bounds
        with fewer than 2 accounts.

    Examples
    --------
    >>> share, low, high = pooled_share([5, 1, 0], [10, 10, 5], n_boot=500)
    >>> round(share, 3), low <= share <= high
    (0.24, True)
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    share = float(k.sum() / n.sum()) if n.sum() > 0 else np.nan
    if len(n) < 2:
        return share, np.nan, np.nan
    boot = np.empty(n_boot)
    start = 0
    for size, rng in resample_blocks(len(n), n_boot, seed):
        idx = draw(len(n), size, rng)
        boot[start : start + size] = k[idx].sum(axis=1) / n[idx].sum(axis=1)
        start += size
    low, high = interval(boot, share, "percentile", alpha)
    return share, low, high


def _measures(profiles: pd.DataFrame, by: str, measures: Sequence[str] | None) -> list[str]:
    if measures is not None:
        found = list(measures)
        require_columns(profiles, found, "the account profiles")
        return found
    skip = {by, "n_replies"}
    return [
        c
        for c in profiles.columns
        if c not in skip
        and profiles[c].dtype.kind in "biuf"
        and not c.endswith(("_ci_low", "_ci_high", "__sum", "__n"))
    ]


def _groups(profiles: pd.DataFrame, by: str) -> list:
    column = profiles[by]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return list(column.cat.categories)  # empty tiers stay, in their order
    return sorted(column.dropna().unique().tolist(), key=str)


def _group_boot(
    profiles: pd.DataFrame, by: str, measures: list[str], n_boot: int, seed: int
) -> dict:
    """Per group: accounts, the means of ``measures`` and their bootstrap draws."""
    out = {}
    groups = _groups(profiles, by)
    streams = np.random.SeedSequence(seed).spawn(max(len(groups), 1))
    for group, stream in zip(groups, streams, strict=False):
        values = profiles.loc[profiles[by] == group, measures].to_numpy(dtype=float)
        n = len(values)
        boot = np.full((n_boot, len(measures)), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            estimate = np.nanmean(values, axis=0) if n else np.full(len(measures), np.nan)
            if n >= 2:
                start = 0
                for size, rng in resample_blocks(n, n_boot, int(stream.generate_state(1)[0])):
                    boot[start : start + size] = np.nanmean(values[draw(n, size, rng)], axis=1)
                    start += size
        counts = (~np.isnan(values)).sum(axis=0) if n else np.zeros(len(measures), int)
        out[group] = {"n": counts, "estimate": estimate, "boot": boot}
    return out


def _ci(boot: np.ndarray, estimate: float, alpha: float) -> tuple[float, float, float]:
    finite = boot[np.isfinite(boot)]
    if not np.isfinite(estimate) or len(finite) < len(boot) / 2:
        return np.nan, np.nan, np.nan
    low, high = interval(finite, estimate, "percentile", alpha)
    return low, high, boot_pval(finite, estimate)


def _check(profiles: pd.DataFrame, by: str, n_boot: int, alpha: float) -> None:
    require_columns(profiles, [by], "the account profiles")
    if not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise CuecoderError(
            Errors.E307.format(name="n_boot", requirement="an integer >= 1", value=n_boot)
        )
    if not 0 < alpha < 1:
        raise CuecoderError(
            Errors.E307.format(name="alpha", requirement="between 0 and 1", value=alpha)
        )


def group_means(
    profiles: pd.DataFrame,
    by: str = "tier",
    measures: Sequence[str] | None = None,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean of each account measure per group, with a bootstrap CI over accounts.

    Parameters
    ----------
    profiles : pandas.DataFrame
        One row per account (:func:`cuecoder.stats.aggregate`, joined to a tier).
    by : str
        Grouping column; a categorical keeps its order and its empty groups.
    measures : list of str, optional
        Columns to summarise; default: every numeric column but ``n_replies`` and CIs.
    n_boot, alpha, seed
        Bootstrap resamples, 1 - confidence level, seed.

    Returns
    -------
    pandas.DataFrame
        ``measure, group, n_accounts, mean, ci_low, ci_high`` (percentile bootstrap over
        the group's accounts). A group with no accounts has ``n_accounts`` 0 and NaN
        values; one with a single account has its mean and NaN bounds.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"tier": ["nano", "nano", "mega"],
    ...                   "openness_share": [0.2, 0.4, 0.1]})
    >>> group_means(p, measures=["openness_share"])[["group", "n_accounts", "mean"]]
      group  n_accounts  mean
    0  mega           1   0.1
    1  nano           2   0.3
    """
    _check(profiles, by, n_boot, alpha)
    measures = _measures(profiles, by, measures)
    draws = _group_boot(profiles, by, measures, n_boot, seed)
    rows = []
    for j, m in enumerate(measures):
        for group, d in draws.items():
            low, high, _ = _ci(d["boot"][:, j], d["estimate"][j], alpha)
            rows.append(
                {
                    "measure": m,
                    "group": group,
                    "n_accounts": int(d["n"][j]),
                    "mean": float(d["estimate"][j]),
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    table = pd.DataFrame(
        rows, columns=["measure", "group", "n_accounts", "mean", "ci_low", "ci_high"]
    )
    table.attrs.update(by=by, n_boot=n_boot, alpha=alpha, seed=seed)
    return table


def compare(
    profiles: pd.DataFrame,
    by: str = "tier",
    measures: Sequence[str] | None = None,
    pairs: str = "all",
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Differences between groups of accounts in each measure, with bootstrap CIs.

    Parameters
    ----------
    profiles : pandas.DataFrame
        One row per account with a grouping column (e.g. :func:`tiers` joined to
        :func:`aggregate`).
    by : str
        Grouping column (``tier``, ``platform``, ...).
    measures : list of str, optional
        Account measures to compare (``openness_share``, ``interactivity``, ...).
    pairs : {"all", "adjacent"}
        Every pair of groups, or each group against the next (tiers in order).
    n_boot, alpha, seed
        Bootstrap resamples (over accounts, within each group), 1 - confidence level,
        seed (the draws equal those of :func:`group_means` with the same arguments).

    Returns
    -------
    pandas.DataFrame
        ``measure, group_a, group_b, n_a, n_b, mean_a, mean_b, diff`` (``mean_b -
        mean_a``), ``ci_low, ci_high`` (percentile) and ``pval`` (bootstrap, two-sided).
        Pairs with a group of fewer than 2 accounts have NaN intervals.

    Notes
    -----
    Each account counts once: the group value is the unweighted mean of its accounts'
    measures, the answer to "does the typical micro account reply differently from the
    typical macro account". Account measures from few replies are noisy; filter on
    ``n_replies`` first when that matters. The p-values are not corrected for the
    number of pairs and measures.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"tier": ["nano"] * 3 + ["mega"] * 3,
    ...                   "openness_share": [0.2, 0.4, 0.3, 0.1, 0.0, 0.2]})
    >>> compare(p, measures=["openness_share"])[["group_a", "group_b", "diff"]].round(2)
      group_a group_b  diff
    0    mega    nano   0.2
    """
    _check(profiles, by, n_boot, alpha)
    if pairs not in ("all", "adjacent"):
        raise CuecoderError(
            Errors.E104.format(value=pairs, name="pairs", valid=["all", "adjacent"])
        )
    measures = _measures(profiles, by, measures)
    draws = _group_boot(profiles, by, measures, n_boot, seed)
    groups = list(draws)
    with_accounts = [g for g in groups if draws[g]["n"].max(initial=0) > 0]
    if len(with_accounts) < 2:
        raise CuecoderError(
            Errors.E353.format(column=by, n=len(with_accounts), groups=with_accounts)
        )
    if pairs == "all":
        combos = [(a, b) for i, a in enumerate(groups) for b in groups[i + 1 :]]
    else:
        combos = list(zip(groups, groups[1:], strict=False))
    rows = []
    for j, m in enumerate(measures):
        for a, b in combos:
            da, db = draws[a], draws[b]
            diff = float(db["estimate"][j] - da["estimate"][j])
            low, high, pval = _ci(db["boot"][:, j] - da["boot"][:, j], diff, alpha)
            rows.append(
                {
                    "measure": m,
                    "group_a": a,
                    "group_b": b,
                    "n_a": int(da["n"][j]),
                    "n_b": int(db["n"][j]),
                    "mean_a": float(da["estimate"][j]),
                    "mean_b": float(db["estimate"][j]),
                    "diff": diff,
                    "ci_low": low,
                    "ci_high": high,
                    "pval": pval,
                }
            )
    cols = ["measure", "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b", "diff"]
    table = pd.DataFrame(rows, columns=[*cols, "ci_low", "ci_high", "pval"])
    table.attrs.update(by=by, n_boot=n_boot, alpha=alpha, seed=seed, pairs=pairs)
    return table


def outcome_regression(
    profiles: pd.DataFrame,
    outcome: str,
    cue: str,
    by: str | None = "tier",
    covar: str | Sequence[str] | None = None,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Regress an account outcome (likes, comments per post, loyalty) on a cue measure,
    across all accounts and within each group.

    Parameters
    ----------
    profiles : pandas.DataFrame
        One row per account with ``outcome``, ``cue`` and ``by``.
    outcome : str
        Numeric outcome per account.
    cue : str
        Account cue measure, e.g. ``interactivity_share`` or ``openness``.
    by : str, optional
        Grouping column; None fits the pooled model only.
    covar : str or list of str, optional
        Covariates in every model (e.g. log followers).
    n_boot, alpha, seed
        Bootstrap resamples over accounts, 1 - confidence level, seed.

    Returns
    -------
    pandas.DataFrame
        One row per model, ``group`` = ``"(all)"`` for the pooled model (with group
        intercepts when ``by`` is given: the slope within tiers, pooled) then each group:
        ``group, n, coef, se, ci_low, ci_high, pval, r2``. ``coef`` is the OLS slope of
        ``cue``, ``se`` its bootstrap standard error, the CI the percentile bootstrap
        over accounts and ``pval`` the bootstrap p-value. Groups with fewer than 3
        complete accounts get NaN. ``attrs["caveat"]`` holds
        :data:`PREDICTION_ERROR_CAVEAT`.

    Notes
    -----
    Same caveat as :func:`cuecoder.stats.mediate`: the cue is predicted by a model, so the
    slope is attenuated by random coding error and biased by systematic error (see
    ``docs/statistics.md``, "Predicted cues as X"). Association, not effect: nothing here
    adjusts for what drives both replying style and engagement (account size, sector).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> p = pd.DataFrame({"tier": ["a"] * 20 + ["b"] * 20, "cue": rng.uniform(size=40)})
    >>> p["likes"] = 2 * p["cue"] + rng.normal(scale=0.1, size=40)
    >>> outcome_regression(p, "likes", "cue", n_boot=200)[["group", "n"]]
       group   n
    0  (all)  40
    1      a  20
    2      b  20
    """
    _check(profiles, by or outcome, n_boot, alpha)
    covars = as_list(covar)
    require_columns(profiles, [outcome, cue, *covars], "the account profiles")
    for column in (outcome, cue, *covars):
        if profiles[column].dtype.kind not in "biuf":
            raise CuecoderError(
                Errors.E301.format(column=column, dtype=profiles[column].dtype, role="a number")
            )
    data = profiles[[c for c in dict.fromkeys([outcome, cue, *covars, *as_list(by)])]].dropna()
    models: list[tuple[object, pd.DataFrame, bool]] = [("(all)", data, by is not None)]
    if by is not None:
        models += [(g, data[data[by] == g], False) for g in _groups(profiles, by)]
    streams = np.random.SeedSequence(seed).spawn(len(models))
    rows = []
    for (group, frame, dummies), stream in zip(models, streams, strict=True):
        row = {"group": group, "n": len(frame)}
        design = [frame[cue].to_numpy(float)] + [frame[c].to_numpy(float) for c in covars]
        if dummies:
            levels = [g for g in _groups(frame, by) if (frame[by] == g).any()]
            design += [(frame[by] == g).to_numpy(float) for g in levels[1:]]
        X = np.column_stack([np.ones(len(frame)), *design]) if len(frame) else np.empty((0, 2))
        y = frame[outcome].to_numpy(float)
        if len(frame) < max(3, X.shape[1] + 1) or np.linalg.matrix_rank(X) < X.shape[1]:
            rows.append(
                {**row, **dict.fromkeys(["coef", "se", "ci_low", "ci_high", "pval", "r2"], np.nan)}
            )
            continue
        beta = np.linalg.lstsq(X, y, rcond=None)[0]
        resid = y - X @ beta
        r2 = 1 - resid.var() / y.var() if y.var() > 0 else np.nan
        boot = np.full(n_boot, np.nan)
        start = 0
        n = len(frame)
        for size, rng in resample_blocks(n, n_boot, int(stream.generate_state(1)[0])):
            for k, idx in enumerate(draw(n, size, rng)):
                Xb = X[idx]
                if np.linalg.matrix_rank(Xb) == X.shape[1]:
                    boot[start + k] = np.linalg.lstsq(Xb, y[idx], rcond=None)[0][1]
            start += size
        low, high, pval = _ci(boot, float(beta[1]), alpha)
        finite = boot[np.isfinite(boot)]
        rows.append(
            {
                **row,
                "coef": float(beta[1]),
                "se": float(finite.std(ddof=1)) if len(finite) > 1 else np.nan,
                "ci_low": low,
                "ci_high": high,
                "pval": pval,
                "r2": float(r2),
            }
        )
    table = pd.DataFrame(
        rows, columns=["group", "n", "coef", "se", "ci_low", "ci_high", "pval", "r2"]
    )
    table.attrs.update(
        outcome=outcome, cue=cue, by=by, n_boot=n_boot, seed=seed, caveat=PREDICTION_ERROR_CAVEAT
    )
    logger.info("%s: %s", outcome, PREDICTION_ERROR_CAVEAT)
    return table
