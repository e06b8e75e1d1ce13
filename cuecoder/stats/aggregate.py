"""From reply-level cue scores to per-account (per-brand, per-respondent) cue measures."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from cuecoder.codebook import AUTOMATED_CORPUS, COMPOSITES, LABELS
from cuecoder.errors import CuecoderError, Errors
from cuecoder.stats._checks import as_list, preview, require_columns

logger = logging.getLogger(__name__)

#: Cues aggregated by default: the codebook's labels and, where scored, ``automated_corpus``.
CUES: tuple[str, ...] = (*LABELS, AUTOMATED_CORPUS)
# A reply "has" a cue when its probability reaches this value, unless 0/1 labels are given.
DEFAULT_THRESHOLD = 0.5


def _cue_columns(scored: pd.DataFrame, cue: str) -> tuple[str | None, str | None]:
    """The probability column and the 0/1 label column of ``cue``, where present."""
    prob = next((c for c in (f"{cue}_prob", f"p_{cue}") if c in scored.columns), None)
    label = next((c for c in (f"{cue}_label", f"{cue}_pred") if c in scored.columns), None)
    if cue in scored.columns and scored[cue].dtype.kind not in "biuf":
        # a cue column that is not numeric is an error, not a cue silently skipped
        raise CuecoderError(
            Errors.E301.format(column=cue, dtype=scored[cue].dtype, role="a cue score")
        )
    if cue in scored.columns:
        values = scored[cue].dropna()
        binary = values.isin([0, 1]).all()
        if binary and label is None:
            label = cue
        elif not binary and prob is None:
            prob = cue
    return prob, label


def aggregate(
    scored: pd.DataFrame,
    by: str | Sequence[str] = "account",
    cues: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    interactivity: bool = True,
) -> pd.DataFrame:
    """Aggregate reply-level cue scores into one row per group (account, brand, respondent).

    Parameters
    ----------
    scored : pandas.DataFrame
        One row per reply, e.g. the output of ``coder.score``. For each cue it reads a
        probability column (``{cue}_prob``, ``p_{cue}``, or ``{cue}`` when that holds
        values other than 0/1) and/or a 0/1 label column (``{cue}_label``,
        ``{cue}_pred``, or a 0/1 ``{cue}``).
    by : str or list of str
        Grouping column(s).
    cues : list of str, optional
        Cues to aggregate; default: those of the codebook found in ``scored``.
    threshold : float
        Probability at or above which a reply counts as carrying the cue, when there
        is no label column.
    interactivity : bool
        Add the codebook's composites (:data:`cuecoder.codebook.COMPOSITES`:
        ``interactivity``) when their parts are present.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``n_replies`` and, per cue, ``{cue}``
        (mean probability; the share of labelled replies if only labels exist) and
        ``{cue}_share`` (share of replies with the cue).

    Notes
    -----
    Missing scores are skipped within a group (the mean is over scored replies);
    ``n_replies`` counts all rows of the group. A composite keeps its reply-level
    meaning one level up: ``interactivity`` is the group mean of the replies' composite
    probability (the mean of responsiveness and listening) and ``interactivity_share``
    the share of replies with either cue. A group's measure
    is more reliable with more replies: consider weighting or a minimum ``n_replies``.

    Examples
    --------
    >>> import pandas as pd
    >>> scored = pd.DataFrame({"account": ["a", "a", "b"],
    ...                        "openness_prob": [0.9, 0.2, 0.6],
    ...                        "responsiveness_prob": [0.8, 0.4, 0.1],
    ...                        "listening_prob": [0.6, 0.6, 0.3]})
    >>> table = aggregate(scored, by="account")
    >>> table[["account", "n_replies", "openness", "openness_share", "interactivity"]].round(2)
      account  n_replies  openness  openness_share  interactivity
    0       a          2      0.55             0.5            0.6
    1       b          1      0.60             1.0            0.2
    """
    keys = as_list(by)
    require_columns(scored, keys, "the scored table")
    if not 0 < threshold < 1:
        raise CuecoderError(
            Errors.E307.format(name="threshold", requirement="between 0 and 1", value=threshold)
        )
    wanted = list(cues) if cues is not None else list(CUES)
    found: dict[str, tuple[str | None, str | None]] = {}
    for cue in wanted:
        prob, label = _cue_columns(scored, cue)
        if prob is None and label is None:
            if cues is not None:
                looked = [f"{cue}_prob", f"p_{cue}", cue, f"{cue}_label", f"{cue}_pred"]
                raise CuecoderError(
                    Errors.E312.format(looked=preview(looked), available=preview(scored.columns))
                )
            continue
        found[cue] = (prob, label)
    if not found:
        looked = [f"{c}_prob" for c in wanted] + list(wanted)
        raise CuecoderError(
            Errors.E312.format(looked=preview(looked), available=preview(scored.columns))
        )

    work = scored[keys].copy()
    for cue, (prob, label) in found.items():
        if prob is not None:
            p = pd.to_numeric(scored[prob], errors="coerce").astype(float)
            work[cue] = p
        if label is not None:
            has = pd.to_numeric(scored[label], errors="coerce").astype(float)
        else:
            has = (work[cue] >= threshold).astype(float).where(work[cue].notna())
        work[f"{cue}_share"] = has
        if prob is None:
            work[cue] = has
    if interactivity:
        for name, parts in COMPOSITES.items():
            if all(c in found for c in parts):
                work[name] = work[list(parts)].mean(axis=1, skipna=False)
                shares = work[[f"{c}_share" for c in parts]]
                work[f"{name}_share"] = (
                    (shares > 0.5).any(axis=1).astype(float).where(shares.notna().all(axis=1))
                )
    grouped = work.groupby(keys, sort=True, dropna=False)
    table = grouped.size().rename("n_replies").to_frame()
    table = table.join(grouped[[c for c in work.columns if c not in keys]].mean())
    table = table.reset_index()
    logger.info("Aggregated %d replies into %d groups by %s.", len(scored), len(table), keys)
    return table


def join_survey(
    cues: pd.DataFrame,
    survey: pd.DataFrame,
    on: str | Sequence[str],
    how: str = "inner",
) -> pd.DataFrame:
    """Join aggregated cue measures to a survey table on a key.

    Parameters
    ----------
    cues : pandas.DataFrame
        Output of :func:`aggregate`.
    survey : pandas.DataFrame
        One row per key (respondent, account, brand) with the survey measures.
    on : str or list of str
        Key column(s), present in both tables.
    how : {"inner", "left"}
        ``inner`` keeps keys present in both; ``left`` keeps every survey row.

    Returns
    -------
    pandas.DataFrame
        The survey columns followed by the cue columns. A cue column whose name is
        also a survey column gets the suffix ``_cue``. ``attrs`` records
        ``n_unmatched_survey`` and ``n_unmatched_cues``.

    Examples
    --------
    >>> import pandas as pd
    >>> cues = pd.DataFrame({"account": ["a", "b"], "openness": [0.55, 0.6]})
    >>> survey = pd.DataFrame({"account": ["a", "b", "c"], "psi": [4.2, 3.1, 5.0]})
    >>> join_survey(cues, survey, on="account")
      account  psi  openness
    0       a  4.2      0.55
    1       b  3.1      0.60
    """
    keys = as_list(on)
    require_columns(cues, keys, "the cue table")
    require_columns(survey, keys, "the survey table")
    if how not in ("inner", "left"):
        raise CuecoderError(Errors.E104.format(value=how, name="how", valid=["inner", "left"]))
    dupes = survey[keys].duplicated(keep=False)
    if dupes.any():
        examples = survey.loc[dupes, keys].drop_duplicates().head(3).to_numpy().ravel().tolist()
        raise CuecoderError(
            Errors.E314.format(key=", ".join(keys), n=int(dupes.sum()), examples=preview(examples))
        )
    left, right = survey.copy(), cues.copy()
    for frame in (left, right):
        for key in keys:  # ids read from CSV may be int on one side and str on the other
            if frame[key].dtype.kind not in "biuf":
                frame[key] = frame[key].astype(str)
    mixed = [k for k in keys if (left[k].dtype.kind in "biuf") != (right[k].dtype.kind in "biuf")]
    for key in mixed:
        left[key], right[key] = left[key].astype(str), right[key].astype(str)
    merged = left.merge(right, on=keys, how=how, suffixes=("", "_cue"), indicator=True)
    if (merged["_merge"] == "both").sum() == 0:
        raise CuecoderError(
            Errors.E313.format(
                key=", ".join(keys),
                left=preview(right[keys[0]].head(3).tolist()),
                right=preview(left[keys[0]].head(3).tolist()),
            )
        )
    matched = set(map(tuple, merged.loc[merged["_merge"] == "both", keys].to_numpy().tolist()))
    n_survey = int(len(left) - sum(tuple(r) in matched for r in left[keys].to_numpy().tolist()))
    n_cues = int(len(right) - sum(tuple(r) in matched for r in right[keys].to_numpy().tolist()))
    if n_survey or n_cues:
        logger.info(
            "Join on %s: %d survey rows and %d cue rows had no match.", keys, n_survey, n_cues
        )
    merged = merged.drop(columns="_merge").reset_index(drop=True)
    merged.attrs.update(n_unmatched_survey=n_survey, n_unmatched_cues=n_cues)
    return merged
