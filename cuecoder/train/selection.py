"""Model selection helpers shared by training and its ablations: grouped folds and
decision thresholds chosen on out-of-fold predictions."""

from __future__ import annotations

import numpy as np

from ..errors import CuecoderError, Errors
from ..stats.agreement import krippendorff_alpha


def grouped_folds(groups: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Fold number per row; whole groups per fold, groups shuffled with ``seed``.

    Examples
    --------
    >>> folds = grouped_folds(np.array(["a", "a", "b", "c"]), 2, seed=0)
    >>> bool(folds[0] == folds[1])
    True
    """
    uniq = np.unique(groups)
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(rng.permutation(uniq), np.arange(len(uniq)) % n_folds, strict=True))
    return np.array([fold_of[g] for g in groups])


def best_threshold(y: np.ndarray, p: np.ndarray, metric: str = "alpha") -> float:
    """Threshold maximising ``metric`` (Krippendorff's alpha or F1) over a grid of the
    observed probabilities rounded to 3 decimals (ties: the lower threshold).

    Examples
    --------
    >>> best_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.6, 0.9]))
    0.6
    """
    if metric not in ("alpha", "f1"):
        raise CuecoderError(
            Errors.E104.format(value=metric, name="threshold_metric", valid=["alpha", "f1"])
        )
    y = np.asarray(y).astype(int)
    best, best_score = 0.5, -np.inf
    for t in np.unique(np.round(p, 3)):
        pred = (p >= t).astype(int)
        if metric == "f1":
            tp = (pred & (y == 1)).sum()
            score = 2 * tp / (pred.sum() + y.sum()) if (pred.sum() + y.sum()) else 0.0
        else:
            score = krippendorff_alpha(y, pred)
            score = -np.inf if np.isnan(score) else score
        if score > best_score:
            best, best_score = float(t), score
    return best


def held_out_groups(groups: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Rows of whole groups, taken in a seeded random order, up to ``share`` of the rows.

    A group that would take the held-out rows past the share is skipped, so groups of
    very different sizes (one STC-3 helpdesk holds over a thousand turns) still give about
    ``share`` of the rows. Returns a boolean mask over ``groups``.

    Examples
    --------
    >>> held = held_out_groups(np.array(["a", "a", "b", "c", "c", "c"]), 0.5, seed=0)
    >>> int(held.sum()) <= 3
    True
    """
    groups = np.asarray(groups, dtype=object)
    if not 0 < share < 1:
        raise CuecoderError(Errors.E307.format(name="share", requirement="in (0, 1)", value=share))
    names, sizes = np.unique(groups, return_counts=True)
    order = np.random.default_rng(seed).permutation(len(names))
    budget, held, taken = share * len(groups), [], 0
    for i in order:
        if taken + sizes[i] <= budget:
            held.append(names[i])
            taken += sizes[i]
    return np.isin(groups, np.asarray(held, dtype=object))
