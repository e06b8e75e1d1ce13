"""Which replies to hand-code: a two-stage random sample with known inclusion probabilities.

The design-based correction of :func:`cuecoder.stats.mediate` (``codes=``) needs a coded
sample whose inclusion probabilities are known: accounts drawn at random (within strata
if you oversample some), then replies drawn at random within each drawn account.
"""

from __future__ import annotations

import logging
import warnings
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


# ----------------------------------------------------------------------------- planning
#: Designs tried by default: (coded accounts as a share of all, replies per account).
PLAN_SHARES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.5)
PLAN_PER_GROUP: tuple[int | str, ...] = (3, 5, 10, "all")


def classifier_signal(alpha: float, prevalence: float, seed: int = 0) -> float:
    """The signal s at which labels ``1[s (z - .5) + N(0, 1) > 0]`` agree with codes ``z``
    (prevalence ``prevalence``) at Krippendorff's ``alpha``, found by bisection on
    100,000 simulated replies.

    Examples
    --------
    >>> round(classifier_signal(0.5, 0.4), 1)
    1.4
    """
    from cuecoder.stats.agreement import krippendorff_alpha

    rng = np.random.default_rng(seed)
    z = (rng.random(100_000) < prevalence).astype(int)
    noise = rng.normal(size=z.size)
    lo, hi = 0.0, 15.0
    for _ in range(40):
        mid = (lo + hi) / 2
        got = krippendorff_alpha(z, (mid * (z - 0.5) + noise > 0).astype(int))
        lo, hi = (mid, hi) if got < alpha else (lo, mid)
    return (lo + hi) / 2


def plan_coding(
    data: pd.DataFrame,
    x: str,
    m: str,
    y: str,
    n_replies: int | str = "n_replies",
    alpha: float | None = None,
    prevalence: float | None = None,
    pilot: pd.DataFrame | None = None,
    predicted: str | None = None,
    shares: Sequence[float] = PLAN_SHARES,
    per_group: Sequence[int | str] = PLAN_PER_GROUP,
    target_width: float | None = None,
    n_sims: int = 40,
    n_boot: int = 300,
    seed: int | None = 0,
) -> pd.DataFrame:
    """How many accounts and replies to hand-code for a target CI width (model 4).

    A fast simulation shaped like your data: J accounts (the rows of ``data``), their
    replies per account, the naive a, b and c' paths and residual SDs of ``data`` as the
    truth, a true cue share per account with the mean and spread of the predicted X, and
    a reply-level classifier that agrees with coders at ``alpha``. For each design
    (share of accounts coded x replies per account) it runs the corrected
    :func:`mediate` on ``n_sims`` simulated data sets and reports the median width of the
    95% CI of the indirect effect.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis table (one row per account) with the predicted ``x``, ``m``, ``y``.
    x, m, y : str
        Predicted cue, mediator, outcome.
    n_replies : int or str
        Replies per account: a number, or a column of ``data`` (aggregate's
        ``n_replies``; its median is used).
    alpha : float, optional
        Reply-level Krippendorff's alpha of the classifier against coders (from
        ``cuecoder validate``). Needed unless ``pilot`` is given.
    prevalence : float, optional
        Share of replies with the cue; default the mean of ``x`` (or of the pilot codes).
    pilot : pandas.DataFrame, optional
        A pilot coded sample: the 0/1 coded cue ``x`` and the model's 0/1 label in
        ``predicted``; alpha and prevalence are measured on it.
    predicted : str, optional
        Column of ``pilot`` with the model's label (default ``{x}_label``).
    shares, per_group : sequences
        Designs to try: shares of accounts coded, replies coded per account ("all").
    target_width : float, optional
        Mark the designs whose median width is at most this, and the cheapest of them.
    n_sims, n_boot : int
        Simulated data sets per design, bootstrap resamples per fit.
    seed : int or None
        Seed of the simulation.

    Returns
    -------
    pandas.DataFrame
        One row per design: ``n_groups``, ``per_group``, ``coded_replies``,
        ``median_width`` (corrected), ``naive_width`` and ``oracle_width`` (for the price
        of the correction), ``meets_target`` and ``cheapest``.

    Notes
    -----
    The classifier's errors are simulated as random from reply to reply; errors tied to
    account style or to the moderator bias the naive estimate but do not widen the
    corrected interval much beyond this plan. Accounts are simulated independent (one
    respondent each); the plan is a guide to the order of magnitude, not a power
    analysis of your exact model.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.beta(2, 3, 200)
    >>> m = 2 * x + rng.normal(size=200)
    >>> df = pd.DataFrame({"openness": x, "psi": m, "loyalty": 0.4 * m + rng.normal(size=200)})
    >>> plan = plan_coding(df, "openness", "psi", "loyalty", n_replies=20, alpha=0.5,
    ...                    shares=(0.25,), per_group=(5,), n_sims=3, n_boot=100)
    >>> plan[["n_groups", "per_group", "coded_replies"]].to_numpy().tolist()
    [[50, 5, 250]]
    """
    from cuecoder.stats.agreement import krippendorff_alpha
    from cuecoder.stats.mediation import mediate

    require_columns(data, [x, m, y], "the data")
    frame = data[[x, m, y]].astype(float).dropna()
    n_acc = len(frame)
    if isinstance(n_replies, str):
        require_columns(data, [n_replies], "the data")
        n_rep = int(np.median(data[n_replies]))
    else:
        n_rep = int(n_replies)
    if pilot is not None:
        column = predicted or f"{x}_label"
        require_columns(pilot, [x, column], "the pilot")
        alpha = krippendorff_alpha(pilot[x].to_numpy(int), pilot[column].to_numpy(int))
        prevalence = float(pilot[x].mean()) if prevalence is None else prevalence
    if alpha is None or not 0 < alpha <= 1:
        raise CuecoderError(
            Errors.E307.format(name="alpha", requirement="in (0, 1] (or give a pilot)", value=alpha)
        )
    prev = float(frame[x].mean()) if prevalence is None else float(prevalence)
    signal = classifier_signal(alpha, prev)
    # truth from the naive fit of the data (its magnitudes, not its bias)
    design_a = np.column_stack([np.ones(n_acc), frame[x]])
    coef_a, *_ = np.linalg.lstsq(design_a, frame[m], rcond=None)
    design_b = np.column_stack([np.ones(n_acc), frame[x], frame[m]])
    coef_b, *_ = np.linalg.lstsq(design_b, frame[y], rcond=None)
    sd_m = float(np.std(frame[m] - design_a @ coef_a, ddof=2))
    sd_y = float(np.std(frame[y] - design_b @ coef_b, ddof=3))
    spread = float(frame[x].std(ddof=1))
    # a Beta propensity with the predicted X's mean and spread (kept valid)
    var = min(spread**2, 0.9 * prev * (1 - prev))
    conc = prev * (1 - prev) / var - 1
    rng = np.random.default_rng(seed)
    rows = []
    designs = [(s, k) for s in shares for k in per_group]
    for share, k in designs:
        n_groups = max(1, int(round(share * n_acc)))
        per = n_rep if k == "all" else min(int(k), n_rep)
        widths = {"corrected": [], "naive": [], "oracle": []}
        for _ in range(n_sims):
            theta = rng.beta(prev * conc, (1 - prev) * conc, n_acc)
            z = (rng.random((n_acc, n_rep)) < theta[:, None]).astype(int)
            truth = z.mean(axis=1)
            xhat = (1 / (1 + np.exp(-(signal * (z - 0.5) + rng.normal(size=z.shape))))).mean(1)
            mm = coef_a[0] + coef_a[1] * truth + rng.normal(scale=sd_m, size=n_acc)
            yy = coef_b[0] + coef_b[1] * truth + coef_b[2] * mm + rng.normal(scale=sd_y, size=n_acc)
            sim = pd.DataFrame({"account": np.arange(n_acc), "x": xhat, "m": mm, "y": yy})
            drawn = np.sort(rng.choice(n_acc, n_groups, replace=False))
            picks = np.argsort(rng.random((n_groups, n_rep)), axis=1)[:, :per]
            codes = pd.DataFrame(
                {
                    "account": np.repeat(drawn, per),
                    "x": np.take_along_axis(z[drawn], picks, axis=1).ravel(),
                    PI_GROUP: n_groups / n_acc,
                    PI_REPLY: per / n_rep,
                }
            )
            run_seed = int(rng.integers(2**31))
            for name, table, extra in (
                ("corrected", sim, {"codes": codes, "key": "account"}),
                ("naive", sim, {}),
                ("oracle", sim.assign(x=truth), {}),
            ):
                try:
                    with warnings.catch_warnings():  # dropped-resample warnings, per fit
                        warnings.simplefilter("ignore")
                        res = mediate(table, "x", "m", "y", n_boot=n_boot, seed=run_seed, **extra)
                except CuecoderError:
                    widths[name].append(np.nan)
                    continue
                ind = res[res.path == "indirect"].iloc[0]
                widths[name].append(ind["ci_high"] - ind["ci_low"])
        rows.append(
            {
                "n_groups": n_groups,
                "per_group": k,
                "coded_replies": n_groups * per,
                "median_width": _median(widths["corrected"]),
                "naive_width": _median(widths["naive"]),
                "oracle_width": _median(widths["oracle"]),
                "failed": int(np.isnan(widths["corrected"]).sum()),
            }
        )
    plan = pd.DataFrame(rows)
    plan["meets_target"] = (
        plan["median_width"] <= target_width if target_width is not None else np.nan
    )
    plan["cheapest"] = False
    if target_width is not None and plan["meets_target"].any():
        ok = plan[plan["meets_target"].astype(bool)]
        plan.loc[ok["coded_replies"].idxmin(), "cheapest"] = True
    plan.attrs.update(
        alpha=alpha,
        prevalence=prev,
        n_accounts=n_acc,
        n_replies=n_rep,
        n_sims=n_sims,
        signal=signal,
    )
    return plan.sort_values("coded_replies", kind="stable").reset_index(drop=True)


def _median(values: list[float]) -> float:
    """Median of the finite values; NaN when every fit failed (e.g. too few coded accounts)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(np.median(finite)) if len(finite) else float("nan")
