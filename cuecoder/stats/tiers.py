"""Account size: influencer tiers by follower count, and the KOL/KOC split.

Tiers are half-open follower intervals ``[lowest, next lowest)``: an account with exactly
10,000 followers is *micro*, one with 9,999 is *nano*. A missing, non-numeric, negative
or non-finite follower count gives no tier (the tier is missing) and is reported, never
put in the lowest tier.

References
----------
The default cut-offs are the ones common in influencer-marketing research and industry
reports (nano < 10k, micro 10k-100k, mid 100k-500k, macro 500k-1M, mega >= 1M), e.g.
Campbell, C. & Farrell, J. R. (2020). More than meets the eye: The functional components
underlying influencer marketing. Business Horizons 63(4), 469-479.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cuecoder.errors import CuecoderError, Errors, Warnings
from cuecoder.stats._checks import preview, require_columns

logger = logging.getLogger(__name__)

#: Influencer tiers: name -> lowest follower count of the tier (half-open intervals).
INFLUENCER_TIERS: dict[str, int] = {
    "nano": 0,
    "micro": 10_000,
    "mid": 100_000,
    "macro": 500_000,
    "mega": 1_000_000,
}
#: KOC (key opinion consumer) below this many followers, KOL (key opinion leader) at or
#: above it. Consumers who post about products to a small, close audience; 10k is the
#: nano/micro line of the influencer scheme. Settable with ``koc_below``.
KOC_BELOW = 10_000
#: Values of the account-type column that mark a brand's own account.
BRAND_TYPES: tuple[str, ...] = ("brand", "company", "organisation", "organization")
BRAND = "brand"
SCHEMES: tuple[str, ...] = ("influencer", "kol_koc")


def _cutoffs(scheme: str | Mapping[str, float], koc_below: float) -> dict[str, float]:
    if isinstance(scheme, Mapping):
        cutoffs = {str(k): float(v) for k, v in scheme.items()}
    elif scheme == "influencer":
        cutoffs = dict(INFLUENCER_TIERS)
    elif scheme == "kol_koc":
        cutoffs = {"KOC": 0, "KOL": koc_below}
    else:
        raise CuecoderError(Errors.E350.format(value=scheme, valid=list(SCHEMES)))
    values = list(cutoffs.values())
    if (
        not values
        or values[0] != 0
        or any(b <= a for a, b in zip(values, values[1:], strict=False))
        or not all(np.isfinite(values))
    ):
        raise CuecoderError(Errors.E351.format(cutoffs=cutoffs))
    return cutoffs


def tier_names(
    scheme: str | Mapping[str, float] = "influencer",
    koc_below: float = KOC_BELOW,
    brands: bool = False,
) -> list[str]:
    """The tiers of ``scheme`` from smallest to largest (``brand`` last when ``brands``).

    Examples
    --------
    >>> tier_names()
    ['nano', 'micro', 'mid', 'macro', 'mega']
    >>> tier_names("kol_koc", brands=True)
    ['KOC', 'KOL', 'brand']
    """
    names = list(_cutoffs(scheme, koc_below))
    return [*names, BRAND] if brands else names


def tiers(
    accounts: pd.DataFrame,
    followers: str = "followers",
    scheme: str | Mapping[str, float] = "influencer",
    account_type: str | None = None,
    brand_types: Sequence[str] = BRAND_TYPES,
    koc_below: float = KOC_BELOW,
    key: str | None = None,
) -> pd.DataFrame:
    """Add a ``tier`` column to an accounts table from each account's follower count.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account with a follower count.
    followers : str
        Column of follower counts (numbers, or text such as ``"12000"``).
    scheme : {"influencer", "kol_koc"} or dict
        ``"influencer"``: nano < 10k <= micro < 100k <= mid < 500k <= macro < 1M <= mega
        (:data:`INFLUENCER_TIERS`). ``"kol_koc"``: KOC below ``koc_below`` followers, KOL
        at or above. A dict gives your own tiers: name -> lowest follower count, starting
        at 0 and increasing (e.g. ``{"small": 0, "large": 50_000}``).
    account_type : str, optional
        Column saying what kind of account each is; rows whose value (case-insensitive)
        is in ``brand_types`` form their own tier, ``brand``, whatever their followers.
    brand_types : list of str
        Values of ``account_type`` that mark a brand.
    koc_below : float
        The KOC/KOL line of the ``kol_koc`` scheme.
    key : str, optional
        The account id column; when given, it must be unique (E352) and the accounts
        without a tier are named by it in the warning.

    Returns
    -------
    pandas.DataFrame
        A copy of ``accounts`` with ``tier``, an ordered categorical (smallest tier
        first, ``brand`` last when ``account_type`` is given). ``attrs["no_tier"]`` lists
        the rows (``key`` values, else index labels) whose follower count is missing or
        not a number >= 0; their tier is missing, and W350 warns with their number.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account": ["a", "b", "c", "d"],
    ...                     "followers": [9_999, 10_000, "1.2M?", 2_000_000]})
    >>> t = tiers(acc, key="account")
    >>> t["tier"].tolist(), t.attrs["no_tier"]
    (['nano', 'micro', nan, 'mega'], ['c'])
    """
    require_columns(accounts, [followers], "the accounts table")
    if account_type is not None:
        require_columns(accounts, [account_type], "the accounts table")
    if key is not None:
        require_columns(accounts, [key], "the accounts table")
        dupes = accounts[key].duplicated(keep=False)
        if dupes.any():
            examples = accounts.loc[dupes, key].drop_duplicates().head(3).tolist()
            raise CuecoderError(
                Errors.E352.format(key=key, n=int(dupes.sum()), examples=preview(examples))
            )
    cutoffs = _cutoffs(scheme, koc_below)
    names = list(cutoffs)
    counts = pd.to_numeric(accounts[followers], errors="coerce").astype(float)
    bad = counts.isna() | ~np.isfinite(counts) | (counts < 0)
    edges = np.array(list(cutoffs.values()), dtype=float)
    # searchsorted 'right' puts a count equal to a cut-off into the tier that starts there
    position = np.searchsorted(edges, counts.fillna(-1).to_numpy(), side="right") - 1
    labels = np.array(names, dtype=object)[np.clip(position, 0, len(names) - 1)]
    labels = np.where(bad.to_numpy(), None, labels)
    categories = list(names)
    if account_type is not None:
        wanted = {str(v).strip().lower() for v in brand_types}
        is_brand = accounts[account_type].astype(str).str.strip().str.lower().isin(wanted)
        labels = np.where(is_brand.to_numpy(), BRAND, labels)
        bad = bad & ~is_brand
        categories.append(BRAND)
    out = accounts.copy()
    out["tier"] = pd.Categorical(labels, categories=categories, ordered=True)
    names_of_bad = (out.loc[bad, key] if key is not None else out.index[bad.to_numpy()]).tolist()
    out.attrs["no_tier"] = names_of_bad
    if names_of_bad:
        warnings.warn(
            Warnings.W350.format(
                n=len(names_of_bad),
                total=len(out),
                column=followers,
                examples=preview(names_of_bad[:3]),
            ),
            stacklevel=2,
        )
    return out
