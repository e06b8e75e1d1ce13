"""Agreement between codings: Krippendorff's alpha, precision/recall/F1, calibration, and
:func:`validate`, the model's labels against a sample of your corpus you hand-coded."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..codebook import LABELS
from ..errors import CuecoderError, Errors
from ._checks import require_columns
from .bootstrap import draw, interval

logger = logging.getLogger(__name__)


def krippendorff_alpha(*codings: np.ndarray) -> float:
    """Krippendorff's alpha for nominal codes, every coder coding every unit.

    Parameters
    ----------
    *codings : array-like
        One array of codes per coder, aligned by unit.

    Returns
    -------
    float
        ``1 - D_o / D_e``; NaN when every code is the same value (no variation).

    Notes
    -----
    With complete data each unit is a pairable set of ``m`` values; coincidences are
    counted over ordered pairs of values within a unit, weighted by ``1 / (m - 1)``.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    https://repository.upenn.edu/asc_papers/43

    Examples
    --------
    >>> round(krippendorff_alpha([1, 1, 0, 0, 1], [1, 1, 0, 1, 1]), 3)
    0.571
    """
    data = np.vstack([np.asarray(c) for c in codings]).T  # units x coders
    m = data.shape[1]
    values, inverse = np.unique(data, return_inverse=True)
    if len(values) < 2:
        return float("nan")
    inverse = inverse.reshape(data.shape)
    # counts[u, c]: how many coders gave unit u the value c
    counts = np.zeros((data.shape[0], len(values)))
    np.add.at(counts, (np.arange(data.shape[0])[:, None], inverse), 1.0)
    coinc = (counts.T @ counts - np.diag(counts.sum(axis=0))) / (m - 1)
    n_c = coinc.sum(axis=1)
    n = n_c.sum()
    observed = coinc.sum() - np.trace(coinc)
    expected = (n * n - (n_c**2).sum()) / (n - 1)
    return float(1.0 - observed / expected)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """Expected calibration error with equal-width bins on [0, 1].

    References
    ----------
    Naeini, Cooper & Hauskrecht (2015). Obtaining well calibrated probabilities using
    Bayesian binning. AAAI.
    """
    y, p = np.asarray(y, float), np.asarray(p, float)
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            ece += sel.mean() * abs(y[sel].mean() - p[sel].mean())
    return float(ece)


def binary_report(y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None = None) -> dict:
    """Precision, recall, F1, alpha (model vs codes), support, and ECE when given."""
    y, pred = np.asarray(y).astype(int), np.asarray(pred).astype(int)
    tp = int(((y == 1) & (pred == 1)).sum())
    fp = int(((y == 0) & (pred == 1)).sum())
    fn = int(((y == 1) & (pred == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "alpha": krippendorff_alpha(y, pred),
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "support": int(y.sum()),
        "n": len(y),
    }
    if proba is not None:
        out["ece"] = expected_calibration_error(y, proba)
    return out


def human_benchmark(
    first: pd.DataFrame, second: pd.DataFrame, predicted: dict[str, np.ndarray], labels
) -> dict:
    """How the model agrees with two coders, beside how the coders agree with each other.

    Parameters
    ----------
    first : pandas.DataFrame
        The rows evaluated (``item_id`` and one 0/1 column per label): the first coding.
    second : pandas.DataFrame
        A second, blind coding of some or all of those rows (``item_id`` and labels).
    predicted : dict of str to array
        The model's 0/1 label per row of ``first``, by label.
    labels : sequence of str
        Labels to report.

    Returns
    -------
    dict
        Per label: ``n`` (rows coded twice), ``alpha_coders`` (first vs second coding),
        ``alpha_model_first`` and ``alpha_model_second`` (the model vs each coding).
    """
    position = pd.Series(np.arange(len(first)), index=first["item_id"].to_numpy())
    both = second[second["item_id"].isin(position.index)]
    rows = position.loc[both["item_id"]].to_numpy()
    out = {}
    for label in labels:
        a = first[label].to_numpy()[rows]
        b = both[label].to_numpy()
        m = np.asarray(predicted[label]).astype(int)[rows]
        out[label] = {
            "n": len(rows),
            "alpha_coders": round(krippendorff_alpha(a, b), 4),
            "alpha_model_first": round(krippendorff_alpha(a, m), 4),
            "alpha_model_second": round(krippendorff_alpha(b, m), 4),
        }
    return out


COLUMNS: tuple[str, ...] = (
    "label",
    "n",
    "coded_1s",
    "predicted_1s",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "f1",
    "precision",
    "recall",
    "ece",
)


def _check_ids(frame: pd.DataFrame, on: str, source: str) -> None:
    require_columns(frame, [on], source)
    repeated = frame[on][frame[on].duplicated()]
    if len(repeated):
        raise CuecoderError(
            Errors.E109.format(
                source=source, n=len(repeated), column=on, examples=repeated.head(3).tolist()
            )
        )


def validate(
    scored: pd.DataFrame,
    coded: pd.DataFrame,
    on: str = "id",
    labels: Sequence[str] | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Agreement of the model's labels with your own codes of the same replies.

    Parameters
    ----------
    scored : pandas.DataFrame
        Model output with an id column, ``<cue>_label`` columns and, for calibration,
        the ``<cue>`` probabilities (``coder.score`` or ``cuecoder score`` output with
        the id kept).
    coded : pandas.DataFrame
        Your codes: the id column and one 0/1 column per cue, named as in the codebook
        (``responsiveness``, ``listening``, ``openness``, ``automated``).
    on : str
        The id column of both tables.
    labels : list of str, optional
        Cues to check; default: every codebook cue found in both tables.
    n_boot : int
        Bootstrap resamples of the coded replies for the interval of alpha (0: none).
    alpha : float
        1 - confidence level of that interval.
    seed : int or None
        Seed of the resamples.

    Returns
    -------
    pandas.DataFrame
        One row per cue: ``n`` replies in both tables, ``coded_1s``, ``predicted_1s``,
        Krippendorff's ``alpha`` (model vs your codes) with a percentile bootstrap
        interval, ``f1``, ``precision``, ``recall`` and ``ece`` (expected calibration
        error; NaN without probabilities). ``attrs`` holds ``n_coded``, ``n_matched``.

    Notes
    -----
    Compare the alpha with how well two of your coders agree on the same replies: the
    model's held-out figures beside two coders' are in its model card. Replies coded
    but not scored (or the other way round) are left out and counted in the log.

    Examples
    --------
    >>> import pandas as pd
    >>> scored = pd.DataFrame({"id": [1, 2, 3, 4], "openness_label": [True, False, True, False]})
    >>> coded = pd.DataFrame({"id": [1, 2, 3, 4], "openness": [1, 0, 0, 0]})
    >>> validate(scored, coded, n_boot=0)[["label", "n", "precision", "recall"]]
          label  n  precision  recall
    0  openness  4        0.5     1.0
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise CuecoderError(
            Errors.E307.format(name="n_boot", requirement="an integer >= 0", value=n_boot)
        )
    _check_ids(scored, on, "the scores")
    _check_ids(coded, on, "the codes")
    if labels is None:
        labels = [k for k in LABELS if k in coded.columns and f"{k}_label" in scored.columns]
    if not labels:
        raise CuecoderError(
            Errors.E110.format(
                what="cue in both tables",
                scores=list(scored.columns),
                codes=list(coded.columns),
            )
        )
    require_columns(coded, labels, "the codes")
    require_columns(scored, [f"{label}_label" for label in labels], "the scores")
    for label in labels:
        values = pd.unique(coded[label].dropna())
        bad = [v for v in values if v not in (0, 1)]
        if bad:
            raise CuecoderError(
                Errors.E108.format(column=label, source="the codes", values=bad[:5])
            )
    both = coded.merge(scored, on=on, how="inner", suffixes=("", "_scored"))
    if not len(both):
        raise CuecoderError(
            Errors.E110.format(
                what=f"id of '{on}' in both tables",
                scores=scored[on].head(3).tolist(),
                codes=coded[on].head(3).tolist(),
            )
        )
    if len(both) < len(coded):
        logger.warning("%d coded replies have no score and are left out.", len(coded) - len(both))
    rng = np.random.default_rng(seed)
    rows = []
    for label in labels:
        keep = both[label].notna().to_numpy()
        y = both.loc[keep, label].astype(int).to_numpy()
        pred = both.loc[keep, f"{label}_label"].fillna(False).astype(bool).to_numpy()
        report = binary_report(y, pred)
        ece = np.nan
        if f"{label}_scored" in both.columns:  # the model's probabilities
            proba = both.loc[keep, f"{label}_scored"].to_numpy(dtype=float)
            finite = np.isfinite(proba)  # empty replies have none
            ece = expected_calibration_error(y[finite], proba[finite])
        low = high = np.nan
        if n_boot and len(y):
            resamples = draw(len(y), n_boot, rng)
            draws = np.array([krippendorff_alpha(y[r], pred[r].astype(int)) for r in resamples])
            draws = draws[np.isfinite(draws)]
            if len(draws):
                low, high = interval(draws, report["alpha"], "percentile", alpha)
        rows.append(
            {
                "label": label,
                "n": int(keep.sum()),
                "coded_1s": int(y.sum()),
                "predicted_1s": int(pred.sum()),
                "alpha": report["alpha"],
                "alpha_ci_low": float(low),
                "alpha_ci_high": float(high),
                "f1": report["f1"],
                "precision": report["precision"],
                "recall": report["recall"],
                "ece": ece,
            }
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table.attrs.update(n_coded=len(coded), n_matched=len(both))
    return table
