"""Design-based supervised learning (DSL) moments for mediation with a predicted X.

X is usually a *predicted* cue: an account's mean predicted probability. A random
subsample of replies, hand-coded with known inclusion probabilities, corrects the
estimate (Egami, Hinck, Stewart & Wei, 2023, for regressions with predicted regressors;
here for every PROCESS equation). This module turns the coded sample into per-account
quantities; :func:`cuecoder.stats.mediate` (``codes=``) builds the moment matrices from
them and resamples accounts.

Per account j: ``R_j`` (1 if sampled), ``pi_j`` (its inclusion probability), ``X^g_j``
(the mean of its k_j coded replies, weighted by 1 / pi_reply), ``V_j = s_j^2 / k_j *
(1 - k_j / n_j)`` (the within-account sampling variance of ``X^g_j``, 0 when every reply
is coded) and ``g_j`` (the cross-fitted calibration of ``X^g`` on the predicted X and the
other model variables).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cuecoder.errors import CuecoderError, Errors, Warnings
from cuecoder.stats._checks import preview, require_columns

logger = logging.getLogger(__name__)

#: Folds of the cross-fitted calibration (accounts are split at random, seeded).
CALIBRATION_FOLDS = 5
#: Columns of a coded sample beside the key and the cue: inclusion probabilities.
PI_GROUP, PI_REPLY = "pi_group", "pi_reply"


@dataclass
class CodedDesign:
    """Per-account quantities of the design-based correction (see module docstring)."""

    account: np.ndarray  # (n_rows,) account index of each data row
    labelled: np.ndarray  # (n_accounts,) bool, R_j
    pi: np.ndarray  # (n_accounts,) inclusion probability (1 where unlabelled: unused)
    xg: np.ndarray  # (n_accounts,) mean coded cue (NaN where unlabelled)
    vhat: np.ndarray  # (n_accounts,) within-account sampling variance of xg
    ghat: np.ndarray  # (n_accounts,) cross-fitted calibration
    summary: dict = field(default_factory=dict)

    @property
    def weight(self) -> np.ndarray:
        """R_j / pi_j per account."""
        return np.where(self.labelled, 1.0 / self.pi, 0.0)


def coded_accounts(codes: pd.DataFrame, cue: str, key: str) -> pd.DataFrame:
    """Check a coded sample and summarise it per account.

    Parameters
    ----------
    codes : pandas.DataFrame
        One row per hand-coded reply: ``key``, the 0/1 ``cue``, ``pi_group`` (the account's
        inclusion probability) and ``pi_reply`` (the reply's within its account), as
        :func:`cuecoder.stats.sample_for_coding` writes them.
    cue : str
        The coded cue column (named as the predicted X).
    key : str
        Account column.

    Returns
    -------
    pandas.DataFrame
        Indexed by account: ``xg`` (mean coded cue, weights 1 / pi_reply), ``k`` (coded
        replies), ``n`` (replies in the account, k / pi_reply), ``vhat`` (within-account
        sampling variance of ``xg``) and ``pi`` (``pi_group``).

    Examples
    --------
    >>> import pandas as pd
    >>> codes = pd.DataFrame({"account": ["a", "a", "b", "b"], "openness": [1, 0, 1, 1],
    ...                       "pi_group": 0.5, "pi_reply": [0.5, 0.5, 1.0, 1.0]})
    >>> coded_accounts(codes, "openness", "account")  # doctest: +NORMALIZE_WHITESPACE
              xg  k    n   vhat   pi
    account
    a        0.5  2  4.0  0.125  0.5
    b        1.0  2  2.0  0.000  0.5
    """
    require_columns(codes, [key, cue, PI_GROUP, PI_REPLY], "the codes")
    values = pd.to_numeric(codes[cue], errors="coerce")
    if not (values.isin([0, 1]) & codes[cue].notna()).all():
        found = sorted(map(str, pd.unique(codes[cue].astype(str))))
        raise CuecoderError(Errors.E108.format(column=cue, source="the codes", values=found))
    for column in (PI_GROUP, PI_REPLY):
        pi = pd.to_numeric(codes[column], errors="coerce")
        bad = ~((pi > 0) & (pi <= 1))
        if bad.any():
            raise CuecoderError(
                Errors.E324.format(column=column, values=preview(codes.loc[bad, column].unique()))
            )
    # per-account sums with numpy (this runs once per bootstrap-free fit and per simulated
    # replication; pandas' groupby cost more than the rest of the fit)
    group, keys = pd.factorize(codes[key], sort=False)
    known = group >= 0  # a missing key belongs to no account (as in groupby)
    group = group[known]
    y = values.to_numpy(float)[known]
    pg = codes[PI_GROUP].to_numpy(float)[known]
    pr = codes[PI_REPLY].to_numpy(float)[known]
    n_groups = len(keys)
    first = np.unique(group, return_index=True)[1]  # first row of each account
    varying = np.bincount(group, weights=pg != pg[first][group], minlength=n_groups) > 0
    if varying.any():
        raise CuecoderError(
            Errors.E325.format(
                column=PI_GROUP, n=int(varying.sum()), examples=preview(keys[varying], 3)
            )
        )
    w = 1.0 / pr
    k = np.bincount(group, minlength=n_groups)
    sw = np.bincount(group, weights=w, minlength=n_groups)
    xg = np.bincount(group, weights=w * y, minlength=n_groups) / sw
    mean_pr = np.bincount(group, weights=pr, minlength=n_groups) / k
    n = np.maximum(np.round(k / mean_pr), k)
    single = (k == 1) & (n > 1)
    if single.any():
        raise CuecoderError(
            Errors.E326.format(n=int(single.sum()), examples=preview(keys[single], 3))
        )
    mean_y = np.bincount(group, weights=y, minlength=n_groups) / k
    dev2 = np.bincount(group, weights=(y - mean_y[group]) ** 2, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(k > 1, dev2 / (k - 1), 0.0)
    agg = pd.DataFrame(
        {
            "xg": xg,
            "k": k,
            "n": n,
            "vhat": np.clip(var / k * (1 - k / n), 0.0, None),
            "pi": pg[first],
        },
        index=keys,
    )
    agg.index.name = key
    return agg


def calibrate(
    features: np.ndarray, xg: np.ndarray, labelled: np.ndarray, seed: int | None
) -> tuple[np.ndarray, float]:
    """Cross-fitted linear calibration of the coded cue on account features.

    Accounts are split into :data:`CALIBRATION_FOLDS` random folds; for each fold the
    coded cue ``xg`` is regressed (OLS with intercept) on ``features`` over the labelled
    accounts of the other folds, and the fit predicts the fold's accounts.

    Parameters
    ----------
    features : numpy.ndarray
        (n_accounts, p) predictors: the predicted X and the other model variables.
    xg : numpy.ndarray
        (n_accounts,) coded cue, NaN where not coded.
    labelled : numpy.ndarray
        (n_accounts,) bool, coded accounts.
    seed : int or None
        Seed of the fold split.

    Returns
    -------
    ghat : numpy.ndarray
        (n_accounts,) out-of-fold predictions.
    r2 : float
        Out-of-fold R^2 of the calibration on the labelled accounts.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(200, 1))
    >>> xg = 0.5 * f[:, 0] + rng.normal(scale=0.1, size=200)
    >>> g, r2 = calibrate(f, xg, np.ones(200, bool), seed=0)
    >>> round(r2, 2)
    0.95
    """
    n, p = features.shape
    minimum = 2 * (p + 1) + CALIBRATION_FOLDS
    n_lab = int(labelled.sum())
    if n_lab < minimum:
        raise CuecoderError(
            Errors.E327.format(n=n_lab, folds=CALIBRATION_FOLDS, p=p, minimum=minimum)
        )
    # standardise the features so the least-squares solve is well conditioned
    mu, sd = features.mean(axis=0), features.std(axis=0)
    sd[sd == 0] = 1.0
    design = np.column_stack([np.ones(n), (features - mu) / sd])
    rng = np.random.default_rng(seed)
    fold = np.empty(n, dtype=int)
    # labelled and unlabelled accounts are spread evenly over the folds
    for group in (np.flatnonzero(labelled), np.flatnonzero(~labelled)):
        fold[group] = rng.permutation(len(group)) % CALIBRATION_FOLDS
    ghat = np.empty(n)
    for f in range(CALIBRATION_FOLDS):
        train = labelled & (fold != f)
        coef, *_ = np.linalg.lstsq(design[train], xg[train], rcond=None)
        ghat[fold == f] = design[fold == f] @ coef
    resid = xg[labelled] - ghat[labelled]
    total = xg[labelled] - xg[labelled].mean()
    r2 = float(1 - resid @ resid / (total @ total)) if total @ total > 0 else np.nan
    return ghat, r2


def prepare(
    keys: pd.Series,
    codes: pd.DataFrame,
    cue: str,
    key: str,
    features: pd.DataFrame,
    seed: int | None,
) -> CodedDesign:
    """Per-account design quantities for the rows of an analysis table.

    Parameters
    ----------
    keys : pandas.Series
        The account of each analysis row (rows of several respondents may share one).
    codes : pandas.DataFrame
        The coded sample (see :func:`coded_accounts`).
    cue : str
        The predicted X, named as in ``codes``.
    key : str
        Account column of ``codes``.
    features : pandas.DataFrame
        Row-aligned calibration predictors (the predicted X first); their account means
        are used.
    seed : int or None
        Seed of the calibration folds.

    Returns
    -------
    CodedDesign
        Per-account arrays and a ``summary`` dict for the result's ``attrs``.
    """
    per_account = coded_accounts(codes, cue, key)
    account, uniques = pd.factorize(keys, use_na_sentinel=False)
    n_acc = len(uniques)
    known = pd.Index(uniques)
    matched = per_account.index.isin(known)
    if not matched.any():
        raise CuecoderError(
            Errors.E323.format(
                n=len(per_account),
                key=key,
                left=preview(per_account.index[:3], 3),
                right=preview(known[:3], 3),
            )
        )
    if not matched.all():
        warnings.warn(
            Warnings.W321.format(
                n=int((~matched).sum()), examples=preview(per_account.index[~matched], 3)
            ),
            stacklevel=3,
        )
    per_account = per_account[matched]
    pos = known.get_indexer(per_account.index)
    labelled = np.zeros(n_acc, dtype=bool)
    labelled[pos] = True
    pi = np.ones(n_acc)
    pi[pos] = per_account["pi"].to_numpy()
    xg = np.full(n_acc, np.nan)
    xg[pos] = per_account["xg"].to_numpy()
    vhat = np.zeros(n_acc)
    vhat[pos] = per_account["vhat"].to_numpy()
    counts = np.bincount(account, minlength=n_acc)
    values = features.to_numpy(float)
    if len(account) == n_acc:  # one row per account: the means are the rows
        means = np.empty_like(values)
        means[account] = values
    else:
        means = (
            np.column_stack(
                [np.bincount(account, weights=col, minlength=n_acc) for col in values.T]
            )
            / counts[:, None]
        )
    ghat, r2 = calibrate(means, xg, labelled, seed)
    summary = {
        "n_accounts": n_acc,
        "n_coded_accounts": int(labelled.sum()),
        "n_coded_replies": int(per_account["k"].sum()),
        "fully_coded_accounts": int((per_account["k"] >= per_account["n"]).sum()),
        "pi_group_range": (float(pi[labelled].min()), float(pi[labelled].max())),
        "calibration_r2": r2,
    }
    return CodedDesign(account, labelled, pi, xg, vhat, ghat, summary)
