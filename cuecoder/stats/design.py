"""Which replies to hand-code: a two-stage random sample with known inclusion probabilities.

The design-based correction of :func:`cuecoder.stats.mediate` (``codes=``) needs a coded
sample whose inclusion probabilities are known: accounts drawn at random (within strata
if you oversample some), then replies drawn at random within each drawn account.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cuecoder.codebook import LABELS
from cuecoder.errors import CuecoderError, Errors
from cuecoder.stats._checks import preview, require_columns
from cuecoder.stats.dsl import PI_GROUP, PI_REPLY

logger = logging.getLogger(__name__)

# Prediction columns that are removed from the table a coder works on (blind coding).
_PREDICTION_SUFFIXES = ("", "_prob", "_label", "_pred")


def sample_for_coding(
    scored: pd.DataFrame,
    by: str = "account",
    n_groups: int | Mapping[object, int] = 60,
    per_group: int | str = 5,
    strata: str | None = None,
    seed: int | None = 0,
    cues: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Draw the replies to hand-code, with each one's inclusion probabilities.

    Parameters
    ----------
    scored : pandas.DataFrame
        One row per reply (e.g. the output of ``cuecoder score``), with the ``by`` column.
    by : str
        The group (account) column: the unit of the first sampling stage.
    n_groups : int or dict
        Groups to draw, without replacement. With ``strata``: a dict ``{stratum: n}``, or
        an int allocated to the strata in proportion to their number of groups.
    per_group : int or "all"
        Replies to draw (without replacement) in each drawn group; a group with fewer
        replies is coded whole. ``"all"`` codes whole groups.
    strata : str, optional
        A column that is constant within a group (e.g. ``automated`` coded 0/1, or a band
        of predicted uncertainty); groups are drawn separately in each stratum, so some
        can be oversampled. The inclusion probabilities record it.
    seed : int or None
        Seed of the draws.
    cues : list of str, optional
        Cue columns to add, empty, for the coder; default the codebook's labels.
        Prediction columns of those cues (``{cue}``, ``{cue}_prob``, ``{cue}_label``,
        ``{cue}_pred``) are removed so that coding is blind.

    Returns
    -------
    pandas.DataFrame
        The drawn replies (their other columns unchanged), sorted by group, with
        ``pi_group`` (the group's inclusion probability: drawn groups / groups in its
        stratum), ``pi_reply`` (the reply's within its group: drawn replies / replies)
        and one empty column per cue.

    Notes
    -----
    Simple random sampling without replacement at both stages, so an account in stratum
    h is drawn with probability n_h / N_h and a reply of a drawn account j with
    probability k_j / n_j. Give the coded table to ``mediate(..., codes=coded,
    key=by)``.

    Examples
    --------
    >>> import pandas as pd
    >>> scored = pd.DataFrame({"account": list("aaabbbcccddd"), "id": range(12),
    ...                        "openness_prob": 0.5})
    >>> sample = sample_for_coding(scored, n_groups=2, per_group=2, seed=1)
    >>> sample[["account", "pi_group", "pi_reply"]].drop_duplicates().to_numpy().tolist()
    [['b', 0.5, 0.6666666666666666], ['c', 0.5, 0.6666666666666666]]
    >>> "openness_prob" in sample, bool(sample["openness"].isna().all())
    (False, True)
    """
    require_columns(scored, [by, *([strata] if strata else [])], "the scored replies")
    if not (per_group == "all" or (isinstance(per_group, int | np.integer) and per_group >= 1)):
        raise CuecoderError(
            Errors.E307.format(
                name="per_group", requirement="an integer >= 1 or 'all'", value=per_group
            )
        )
    rng = np.random.default_rng(seed)
    groups = pd.Index(pd.unique(scored[by].dropna()))
    if strata is None:
        layers = {None: groups}
    else:
        first = scored.dropna(subset=[by]).groupby(by, sort=False)[strata]
        varying = first.nunique(dropna=False) > 1
        if varying.any():
            raise CuecoderError(
                Errors.E325.format(
                    column=strata, n=int(varying.sum()), examples=preview(varying.index[varying], 3)
                )
            )
        level = first.first()
        layers = {
            (s.item() if isinstance(s, np.generic) else s): pd.Index(level.index[level == s])
            for s in pd.unique(level)
        }
    wanted = _allocate(n_groups, layers, by)
    chosen, pi_group = [], {}
    for name, members in layers.items():
        take = wanted[name]
        if take > len(members) or take < 0:
            within = "" if name is None else f" in stratum {name!r}"
            raise CuecoderError(
                Errors.E332.format(wanted=take, by=by, available=len(members), within=within)
            )
        picked = members[rng.choice(len(members), size=take, replace=False)]
        chosen.extend(picked)
        pi_group.update(dict.fromkeys(picked, take / len(members)))
    parts = []
    order = {g: k for k, g in enumerate(chosen)}
    replies = scored[scored[by].isin(chosen)]
    for group, rows in sorted(replies.groupby(by, sort=False), key=lambda t: order[t[0]]):
        n_j = len(rows)
        k_j = n_j if per_group == "all" else min(int(per_group), n_j)
        picked = rows.iloc[np.sort(rng.choice(n_j, size=k_j, replace=False))]
        parts.append(picked.assign(**{PI_GROUP: pi_group[group], PI_REPLY: k_j / n_j}))
    sample = pd.concat(parts) if parts else scored.iloc[:0].assign(**{PI_GROUP: [], PI_REPLY: []})
    sample = sample.sort_values(by, kind="stable")
    cue_names = list(LABELS if cues is None else cues)
    blind = [c + s for c in cue_names for s in _PREDICTION_SUFFIXES] + [f"p_{c}" for c in cue_names]
    sample = sample.drop(columns=[c for c in blind if c in sample.columns])
    for cue in cue_names:
        sample[cue] = pd.array([pd.NA] * len(sample), dtype="Int64")
    logger.info("Drew %d replies from %d groups to hand-code.", len(sample), len(chosen))
    return sample.reset_index(drop=True)


def _allocate(n_groups, layers: dict, by: str) -> dict:
    """Groups to draw per stratum: as given, or proportional (largest remainders)."""
    if isinstance(n_groups, Mapping):
        unknown = [k for k in n_groups if k not in layers]
        if unknown or len(n_groups) != len(layers):
            raise CuecoderError(
                Errors.E104.format(value=list(n_groups), name="n_groups", valid=list(layers))
            )
        return {k: int(v) for k, v in n_groups.items()}
    if isinstance(n_groups, bool) or not isinstance(n_groups, int | np.integer) or n_groups < 1:
        raise CuecoderError(
            Errors.E307.format(
                name="n_groups", requirement="an integer >= 1 or a dict", value=n_groups
            )
        )
    total = sum(len(v) for v in layers.values())
    if n_groups > total:
        raise CuecoderError(Errors.E332.format(wanted=n_groups, by=by, available=total, within=""))
    exact = {k: n_groups * len(v) / total for k, v in layers.items()}
    out = {k: int(np.floor(v)) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - out[k], reverse=True)[
        : n_groups - sum(out.values())
    ]:
        out[k] += 1
    return out
