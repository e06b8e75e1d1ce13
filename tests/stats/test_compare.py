"""Group comparisons over accounts, and outcome regressions within and across tiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sps

from cuecoder.errors import CuecoderError
from cuecoder.stats import compare, group_means, outcome_regression
from cuecoder.stats.compare import pooled_share


@pytest.fixture()
def profiles():
    rng = np.random.default_rng(7)
    tiers = pd.Categorical(
        ["nano"] * 30 + ["micro"] * 25 + ["mega"] * 1,
        categories=["nano", "micro", "mid", "macro", "mega"],
        ordered=True,
    )
    share = np.r_[rng.beta(6, 4, 30), rng.beta(4, 6, 25), [0.1]]
    return pd.DataFrame(
        {
            "account": [f"a{i}" for i in range(56)],
            "tier": tiers,
            "n_replies": rng.integers(1, 500, 56),
            "interactivity_share": share,
        }
    )


def test_group_means_by_hand_and_empty_tier(profiles):
    t = group_means(profiles, measures=["interactivity_share"], n_boot=500)
    t = t.set_index("group")
    assert list(t.index) == ["nano", "micro", "mid", "macro", "mega"]  # order, empty kept
    nano = profiles.loc[profiles.tier == "nano", "interactivity_share"]
    assert t.loc["nano", "mean"] == pytest.approx(nano.mean())  # unweighted over accounts
    assert t.loc["nano", "n_accounts"] == 30
    assert t.loc["mid", "n_accounts"] == 0 and np.isnan(t.loc["mid", "mean"])
    assert np.isnan(t.loc["mid", "ci_low"])
    assert t.loc["mega", "mean"] == pytest.approx(0.1) and np.isnan(t.loc["mega", "ci_low"])


def test_group_ci_near_scipy(profiles):
    t = group_means(profiles, measures=["interactivity_share"], n_boot=5000, seed=2)
    nano = profiles.loc[profiles.tier == "nano", "interactivity_share"].to_numpy()
    ref = sps.bootstrap(
        (nano,),
        np.mean,
        n_resamples=5000,
        method="percentile",
        random_state=np.random.default_rng(9),
    ).confidence_interval
    row = t.set_index("group").loc["nano"]
    assert row.ci_low == pytest.approx(ref.low, abs=0.006)
    assert row.ci_high == pytest.approx(ref.high, abs=0.006)


def test_difference_over_accounts(profiles):
    t = compare(profiles, measures=["interactivity_share"], n_boot=5000, seed=3)
    row = t[(t.group_a == "nano") & (t.group_b == "micro")].iloc[0]
    s = profiles.groupby("tier", observed=True)["interactivity_share"]
    assert row["diff"] == pytest.approx(s.mean()["micro"] - s.mean()["nano"])
    ref = sps.bootstrap(
        (
            profiles.loc[profiles.tier == "micro", "interactivity_share"].to_numpy(),
            profiles.loc[profiles.tier == "nano", "interactivity_share"].to_numpy(),
        ),
        lambda a, b: np.mean(a) - np.mean(b),
        n_resamples=5000,
        method="percentile",
        random_state=np.random.default_rng(1),
    ).confidence_interval
    assert row.ci_low == pytest.approx(ref.low, abs=0.008)
    assert row.ci_high == pytest.approx(ref.high, abs=0.008)
    assert row.ci_high < 0 and row.pval < 0.05  # beta(6,4) vs beta(4,6): a real gap
    # pairs with an empty tier or a one-account tier: estimate where defined, no CI
    mid = t[(t.group_a == "nano") & (t.group_b == "mid")].iloc[0]
    assert np.isnan(mid["diff"]) and np.isnan(mid.ci_low)
    mega = t[(t.group_a == "nano") & (t.group_b == "mega")].iloc[0]
    assert np.isfinite(mega["diff"]) and np.isnan(mega.ci_low)
    assert len(t) == 10  # all pairs of 5 tiers
    adj = compare(profiles, measures=["interactivity_share"], pairs="adjacent", n_boot=100)
    assert list(zip(adj.group_a, adj.group_b, strict=True)) == [
        ("nano", "micro"),
        ("micro", "mid"),
        ("mid", "macro"),
        ("macro", "mega"),
    ]


def test_replies_per_account_do_not_weigh(profiles):
    a = compare(profiles, measures=["interactivity_share"], n_boot=200)
    rng = np.random.default_rng(11)
    heavy = profiles.assign(n_replies=rng.permutation(profiles["n_replies"].to_numpy()) ** 2)
    b = compare(heavy, measures=["interactivity_share"], n_boot=200)
    pd.testing.assert_frame_equal(a, b)


def test_pooled_share_against_scipy_paired_bootstrap():
    rng = np.random.default_rng(4)
    n = rng.integers(1, 200, 60)
    k = rng.binomial(n, rng.beta(2, 5, 60))
    share, low, high = pooled_share(k, n, n_boot=5000, seed=1)
    assert share == pytest.approx(k.sum() / n.sum())
    ref = sps.bootstrap(
        (k, n),
        lambda a, b: a.sum() / b.sum(),
        paired=True,
        vectorized=False,
        n_resamples=5000,
        method="percentile",
        random_state=np.random.default_rng(2),
    ).confidence_interval
    assert low == pytest.approx(ref.low, abs=0.01)
    assert high == pytest.approx(ref.high, abs=0.01)
    assert np.isnan(pooled_share([3], [10])[1])  # one account: no interval


def test_compare_needs_two_groups(profiles):
    one = profiles[profiles.tier == "nano"]
    with pytest.raises(CuecoderError, match="E353"):
        compare(one, measures=["interactivity_share"])
    with pytest.raises(CuecoderError, match="E104"):
        compare(profiles, pairs="some")


def test_outcome_regression_matches_statsmodels(profiles):
    rng = np.random.default_rng(0)
    p = profiles[profiles.tier != "mega"].copy()
    p["likes"] = 3 * p["interactivity_share"] + (p.tier == "micro") + rng.normal(0, 0.3, len(p))
    t = outcome_regression(p, "likes", "interactivity_share", n_boot=500).set_index("group")
    pooled = smf.ols(
        "likes ~ interactivity_share + C(tier)", data=p.assign(tier=p.tier.astype(str))
    ).fit()
    assert t.loc["(all)", "coef"] == pytest.approx(pooled.params["interactivity_share"])
    nano = p[p.tier == "nano"]
    slope = np.polyfit(nano.interactivity_share, nano.likes, 1)[0]
    assert t.loc["nano", "coef"] == pytest.approx(slope)
    assert t.loc["nano", "ci_low"] < slope < t.loc["nano", "ci_high"]
    assert np.isnan(t.loc["mid", "coef"]) and t.loc["mid", "n"] == 0
    assert "cuecoder validate" in t.attrs["caveat"]


@pytest.mark.parametrize("module", ["tiers", "compare", "intervals"])
def test_docstring_examples_run(module):
    import doctest
    import importlib
    import warnings

    mod = importlib.import_module(f"cuecoder.stats.{module}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiers example warns (W350) on purpose
        result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
