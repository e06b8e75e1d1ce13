"""Check the model on your own corpus: its labels against a sample you hand-coded."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .cues.evidence import LABELS
from .errors import CuecoderError, Errors
from .stats.mediation import require_columns
from .train.metrics import binary_report, expected_calibration_error, krippendorff_alpha

logger = logging.getLogger(__name__)

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
            resamples = rng.integers(0, len(y), size=(n_boot, len(y)))
            draws = np.array([krippendorff_alpha(y[r], pred[r].astype(int)) for r in resamples])
            draws = draws[np.isfinite(draws)]
            if len(draws):
                low, high = np.percentile(draws, [100 * alpha / 2, 100 * (1 - alpha / 2)])
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
