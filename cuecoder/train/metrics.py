"""Agreement and calibration: Krippendorff's alpha, precision/recall/F1, ECE."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
