"""Account profiles: shares with Wilson CIs, means with bootstrap CIs, template share."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from cuecoder.stats import aggregate
from cuecoder.stats.intervals import wilson


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (3, 10), (7, 7), (12, 40), (1, 250)])
def test_wilson_against_hand_and_statsmodels(k, n):
    low, high = wilson(k, n)
    ref = proportion_confint(k, n, alpha=0.05, method="wilson")
    hand = wilson_by_hand(k, n)
    assert (float(low), float(high)) == pytest.approx(ref, abs=1e-12)
    assert (float(low), float(high)) == pytest.approx(hand, abs=1e-12)


def test_wilson_no_trials_is_nan():
    low, high = wilson(np.array([0, 2]), np.array([0, 4]))
    assert np.isnan(low[0]) and np.isnan(high[0]) and np.isfinite(low[1])


@pytest.fixture()
def scored():
    rng = np.random.default_rng(3)
    n = 60
    return pd.DataFrame(
        {
            "account": ["big"] * n + ["solo"],
            "responsiveness": np.r_[rng.uniform(size=n), 0.9],
            "listening": np.r_[rng.uniform(size=n), 0.2],
            "openness": np.r_[rng.uniform(size=n), 0.1],
            "automated": np.r_[rng.uniform(size=n), 0.7],
            "responsiveness_label": np.r_[rng.uniform(size=n) < 0.6, True],
            "listening_label": np.r_[rng.uniform(size=n) < 0.3, False],
            "openness_label": np.r_[rng.uniform(size=n) < 0.1, False],
            "automated_label": np.r_[rng.uniform(size=n) < 0.2, True],
            "template_id": [f"t{i % 3}" if i % 4 == 0 else None for i in range(n)] + ["t9"],
        }
    )


def test_profile_shares_and_wilson(scored):
    t = aggregate(scored, ci=True, n_boot=500).set_index("account")
    big = scored[scored.account == "big"]
    for cue in ("responsiveness", "listening", "openness", "automated"):
        k, n = int(big[f"{cue}_label"].sum()), len(big)
        assert t.loc["big", f"{cue}_share"] == pytest.approx(k / n)
        ref = proportion_confint(k, n, method="wilson")
        assert t.loc["big", f"{cue}_share_ci_low"] == pytest.approx(ref[0])
        assert t.loc["big", f"{cue}_share_ci_high"] == pytest.approx(ref[1])
    # interaction share: replies with responsiveness or listening / replies
    inter = (big.responsiveness_label | big.listening_label).mean()
    assert t.loc["big", "interactivity_share"] == pytest.approx(inter)
    # template share: replies with a template id / replies (15 of 60: every 4th)
    assert t.loc["big", "template_share"] == pytest.approx(15 / 60)
    assert t.loc["big", "template_share_ci_low"] == pytest.approx(
        proportion_confint(15, 60, method="wilson")[0]
    )


def test_account_with_one_reply(scored):
    t = aggregate(scored, ci=True, n_boot=200).set_index("account")
    assert t.loc["solo", "n_replies"] == 1
    assert t.loc["solo", "openness"] == pytest.approx(0.1)
    assert np.isnan(t.loc["solo", "openness_ci_low"])  # one reply: nothing to resample
    low, high = wilson_by_hand(1, 1)
    assert t.loc["solo", "responsiveness_share_ci_low"] == pytest.approx(low)
    assert t.loc["solo", "responsiveness_share_ci_high"] == pytest.approx(high)


def test_bootstrap_mean_ci_near_scipy(scored):
    t = aggregate(scored, ci=True, n_boot=4000, seed=1).set_index("account")
    values = scored.loc[scored.account == "big", "openness"].to_numpy()
    ref = sps.bootstrap(
        (values,),
        np.mean,
        n_resamples=4000,
        method="percentile",
        random_state=np.random.default_rng(5),
    ).confidence_interval
    # two independent sets of draws: agree to Monte-Carlo error (~0.005 here)
    assert t.loc["big", "openness_ci_low"] == pytest.approx(ref.low, abs=0.012)
    assert t.loc["big", "openness_ci_high"] == pytest.approx(ref.high, abs=0.012)
    assert t.loc["big", "openness_ci_low"] < values.mean() < t.loc["big", "openness_ci_high"]


def test_ci_reproducible_and_seeded(scored):
    a = aggregate(scored, ci=True, n_boot=300, seed=4)
    b = aggregate(scored, ci=True, n_boot=300, seed=4)
    c = aggregate(scored, ci=True, n_boot=300, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["openness_ci_low"].fillna(0), c["openness_ci_low"].fillna(0))


def test_without_ci_columns_unchanged(scored):
    t = aggregate(scored)
    assert not [c for c in t.columns if c.endswith("_ci_low")]
