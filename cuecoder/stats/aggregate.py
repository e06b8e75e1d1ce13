"""From reply-level cue scores to per-account (per-brand, per-respondent) cue measures."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cuecoder.codebook import AUTOMATED_CORPUS, COMPOSITES, LABELS, TEMPLATE_COLUMNS
from cuecoder.errors import CuecoderError, Errors
from cuecoder.stats._checks import as_list, preview, require_columns
from cuecoder.stats.bootstrap import draw, interval, resample_blocks
from cuecoder.stats.intervals import wilson

logger = logging.getLogger(__name__)

#: Cues aggregated by default: the codebook's labels and, where scored, ``automated_corpus``.
CUES: tuple[str, ...] = (*LABELS, AUTOMATED_CORPUS)
# A reply "has" a cue when its probability reaches this value, unless 0/1 labels are given.
DEFAULT_THRESHOLD = 0.5
#: Share of a group's replies that belong to a corpus template (``template_id`` set).
TEMPLATE_SHARE = "template_share"


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


def reply_measures(
    scored: pd.DataFrame,
    by: str | Sequence[str] = "account",
    cues: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    interactivity: bool = True,
) -> pd.DataFrame:
    """Per reply, the measures :func:`aggregate` averages: the ``by`` columns, ``{cue}``
    (probability, or 0/1 when only labels exist), ``{cue}_share`` (0/1, NaN when not
    scored), the composites and ``template_share`` (1 when the reply is in a corpus
    template, from ``template_id``).

    Parameters
    ----------
    scored, by, cues, threshold, interactivity
        As in :func:`aggregate`.

    Returns
    -------
    pandas.DataFrame
        One row per reply, float measures after the ``by`` columns.
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
    template = TEMPLATE_COLUMNS[0]
    if template in scored.columns:
        ids = scored[template]
        work[TEMPLATE_SHARE] = (ids.notna() & (ids.astype(str) != "")).astype(float)
    return work


def group_sums(work: pd.DataFrame, by: str | Sequence[str] = "account") -> pd.DataFrame:
    """Sufficient statistics of :func:`reply_measures` per group: ``n_replies`` and, per
    measure, ``{m}__sum`` and ``{m}__n`` (scored replies). Sums of chunks add up, so a
    corpus can be aggregated chunk by chunk in memory that grows with the groups only.

    Parameters
    ----------
    work : pandas.DataFrame
        Output of :func:`reply_measures`.
    by : str or list of str
        Grouping column(s).

    Returns
    -------
    pandas.DataFrame
        Indexed by the groups.
    """
    keys = as_list(by)
    measures = [c for c in work.columns if c not in keys]
    grouped = work.groupby(keys, sort=True, dropna=False)
    table = grouped.size().rename("n_replies").to_frame()
    sums = grouped[measures].sum(min_count=0)
    counts = grouped[measures].count()
    table = table.join(sums.add_suffix("__sum")).join(counts.add_suffix("__n"))
    return table


def finish_sums(sums: pd.DataFrame, ci: bool = False, alpha: float = 0.05) -> pd.DataFrame:
    """Means and shares (with Wilson intervals when ``ci``) from :func:`group_sums`.

    Parameters
    ----------
    sums : pandas.DataFrame
        :func:`group_sums` output, possibly summed over chunks.
    ci : bool
        Add ``{m}_share_ci_low`` and ``{m}_share_ci_high`` (Wilson) for every share.
    alpha : float
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per group, the group columns first, then ``n_replies`` and the measures.
    """
    measures = [c[: -len("__sum")] for c in sums.columns if c.endswith("__sum")]
    table = sums[["n_replies"]].copy()
    table["n_replies"] = table["n_replies"].astype(int)
    for m in measures:
        k, n = sums[f"{m}__sum"], sums[f"{m}__n"]
        table[m] = (k / n.where(n > 0)).astype(float)
        if ci and m.endswith("_share"):
            low, high = wilson(k.to_numpy(), n.to_numpy(), alpha)
            table[f"{m}_ci_low"], table[f"{m}_ci_high"] = low, high
    return table.reset_index()


def _bootstrap_means(
    work: pd.DataFrame, keys: list[str], columns: list[str], n_boot: int, seed: int, alpha: float
) -> pd.DataFrame:
    """Percentile bootstrap CI of each group's mean of ``columns`` (resampling its replies).

    A group with fewer than two scored replies gets NaN bounds: one reply has no spread
    to resample.
    """
    groups = work.groupby(keys, sort=True, dropna=False)
    streams = np.random.SeedSequence(seed).spawn(max(groups.ngroups, 1))
    rows = []
    for (_, group), stream in zip(groups, streams, strict=False):
        values = group[columns].to_numpy(dtype=float)
        row: dict[str, float] = {}
        n = len(values)
        boot = np.full((n_boot, len(columns)), np.nan)
        if n >= 2:
            start = 0
            block_seed = int(stream.generate_state(1)[0])
            for size, rng in resample_blocks(n, n_boot, block_seed):
                idx = draw(n, size, rng)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN resample
                    boot[start : start + size] = np.nanmean(values[idx], axis=1)
                start += size
        for j, col in enumerate(columns):
            scored = values[:, j][~np.isnan(values[:, j])]
            finite = boot[:, j][np.isfinite(boot[:, j])]
            if len(scored) >= 2 and len(finite):
                low, high = interval(finite, float(scored.mean()), "percentile", alpha)
            else:
                low = high = np.nan
            row[f"{col}_ci_low"], row[f"{col}_ci_high"] = low, high
        rows.append(row)
    index = groups.size().index
    return pd.DataFrame(rows, index=index)


def aggregate(
    scored: pd.DataFrame,
    by: str | Sequence[str] = "account",
    cues: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    interactivity: bool = True,
    ci: bool = False,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
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
        Cues to aggregate; default: those of the codebook found in ``scored``
        (``automated`` per reply and, where scored, ``automated_corpus``, the same cue
        with corpus evidence).
    threshold : float
        Probability at or above which a reply counts as carrying the cue, when there
        is no label column.
    interactivity : bool
        Add the codebook's composites (:data:`cuecoder.codebook.COMPOSITES`:
        ``interactivity``) when their parts are present.
    ci : bool
        Add 95% (``1 - alpha``) intervals: ``{cue}_share_ci_low/high`` by the Wilson
        score interval, ``{cue}_ci_low/high`` for the mean probability by a percentile
        bootstrap over the group's replies (:mod:`cuecoder.stats.bootstrap`).
    n_boot : int
        Bootstrap resamples for the means' intervals.
    alpha : float
        1 - confidence level.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``n_replies`` and, per cue, ``{cue}``
        (mean probability; the share of labelled replies if only labels exist) and
        ``{cue}_share`` (share of replies with the cue); ``interactivity_share`` is the
        interaction share (replies with responsiveness or listening / replies);
        ``template_share`` (replies in a corpus template / replies) when the table has
        ``template_id``.

    Notes
    -----
    Missing scores are skipped within a group (the mean is over scored replies);
    ``n_replies`` counts all rows of the group. A composite keeps its reply-level
    meaning one level up: ``interactivity`` is the group mean of the replies' composite
    probability (the mean of responsiveness and listening) and ``interactivity_share``
    the share of replies with either cue. A group's measure
    is more reliable with more replies: consider weighting or a minimum ``n_replies``.
    The intervals treat a group's replies as independent draws; they cover sampling
    error in the replies, not the model's coding error (see ``docs/statistics.md``).
    A group with one scored reply gets NaN mean intervals (nothing to resample) and a
    wide Wilson interval.

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
    if ci and not 0 < alpha < 1:
        raise CuecoderError(
            Errors.E307.format(name="alpha", requirement="between 0 and 1", value=alpha)
        )
    if ci and (not isinstance(n_boot, int | np.integer) or n_boot < 1):
        raise CuecoderError(
            Errors.E307.format(name="n_boot", requirement="an integer >= 1", value=n_boot)
        )
    work = reply_measures(scored, keys, cues, threshold, interactivity)
    table = finish_sums(group_sums(work, keys), ci=ci, alpha=alpha)
    if ci:
        means = [c for c in work.columns if c not in keys and not c.endswith("_share")]
        if means:
            boot = _bootstrap_means(work, keys, means, n_boot, seed, alpha).reset_index()
            table = table.merge(boot, on=keys, how="left")
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
