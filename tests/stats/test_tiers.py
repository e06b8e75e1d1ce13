from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cuecoder.errors import CuecoderError
from cuecoder.stats import tiers
from cuecoder.stats.tiers import tier_names

# (followers, tier) at and around every default cut-off: nano < 10k <= micro < 100k <= mid
# < 500k <= macro < 1M <= mega, written out by hand from the definition
BOUNDARIES = [
    (0, "nano"),
    (9_999, "nano"),
    (10_000, "micro"),
    (99_999, "micro"),
    (100_000, "mid"),
    (499_999, "mid"),
    (500_000, "macro"),
    (999_999, "macro"),
    (1_000_000, "mega"),
    (250_000_000, "mega"),
]


def test_default_cutoffs_at_boundaries():
    acc = pd.DataFrame(
        {
            "account": [f"a{i}" for i in range(len(BOUNDARIES))],
            "followers": [f for f, _ in BOUNDARIES],
        }
    )
    out = tiers(acc, key="account")
    assert out["tier"].astype(str).tolist() == [t for _, t in BOUNDARIES]
    assert list(out["tier"].cat.categories) == ["nano", "micro", "mid", "macro", "mega"]
    assert out["tier"].cat.ordered
    assert out.attrs["no_tier"] == []


def test_counts_as_text_and_floats():
    acc = pd.DataFrame({"followers": ["9999.0", "10000", 9999.5]})
    assert tiers(acc)["tier"].astype(str).tolist() == ["nano", "micro", "nano"]


def test_missing_and_non_numeric_reported_not_tiered():
    acc = pd.DataFrame(
        {
            "account": ["ok", "none", "text", "neg", "inf", "blank"],
            "followers": [5, None, "12k", -3, np.inf, ""],
        }
    )
    with pytest.warns(UserWarning, match=r"\[W350\] 5 of 6 accounts"):
        out = tiers(acc, key="account")
    assert out["tier"].isna().tolist() == [False, True, True, True, True, True]
    assert out.attrs["no_tier"] == ["none", "text", "neg", "inf", "blank"]


def test_custom_cutoffs():
    acc = pd.DataFrame({"followers": [0, 49_999, 50_000]})
    out = tiers(acc, scheme={"small": 0, "large": 50_000})
    assert out["tier"].astype(str).tolist() == ["small", "small", "large"]


def test_kol_koc_with_brands():
    acc = pd.DataFrame(
        {
            "account": ["c1", "c2", "b1", "b2", "c3"],
            "followers": [9_999, 10_000, 3_000_000, None, 50],
            "type": ["consumer", "influencer", "Brand", "brand ", "consumer"],
        }
    )
    out = tiers(acc, scheme="kol_koc", account_type="type", key="account")
    assert out["tier"].astype(str).tolist() == ["KOC", "KOL", "brand", "brand", "KOC"]
    assert list(out["tier"].cat.categories) == ["KOC", "KOL", "brand"]
    assert out.attrs["no_tier"] == []  # a brand needs no follower count
    out = tiers(acc, scheme="kol_koc", koc_below=100, key="account", account_type="type")
    assert out["tier"].astype(str).tolist()[:2] == ["KOL", "KOL"]
    assert tier_names("kol_koc", brands=True) == ["KOC", "KOL", "brand"]


def test_errors():
    acc = pd.DataFrame({"account": ["a", "a"], "followers": [1, 2]})
    with pytest.raises(CuecoderError, match=r"E350.*'kol'"):
        tiers(acc, scheme="kol")
    with pytest.raises(CuecoderError, match="E351"):
        tiers(acc, scheme={"small": 10, "large": 5})
    with pytest.raises(CuecoderError, match="E351"):
        tiers(acc, scheme={"small": 5, "large": 50})
    with pytest.raises(CuecoderError, match=r"E352.*'a'"):
        tiers(acc, key="account")
    with pytest.raises(CuecoderError, match="E101"):
        tiers(acc, followers="fans")
