"""The resampling engine's intervals against scipy's, on the same bootstrap draws."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from cuecoder.stats.bootstrap import CHUNK_CELLS, boot_pval, draw, interval, resample_blocks


@pytest.fixture(scope="module")
def skewed():
    """A right-skewed sample, its bootstrap means and jackknife means (acceleration > 0)."""
    data = np.random.default_rng(3).lognormal(sigma=1.0, size=40)
    boot = data[draw(len(data), 4000, np.random.default_rng(1))].mean(axis=1)
    jack = np.array([np.delete(data, i).mean() for i in range(len(data))])
    return data, boot, jack


@pytest.mark.parametrize("method", ["percentile", "BCa"])
def test_intervals_equal_scipy_on_the_same_draws(skewed, method):
    data, boot, jack = skewed
    ours = interval(boot, data.mean(), method.lower(), 0.05, jack if method == "BCa" else None)
    theirs = stats.bootstrap(
        (data,),
        np.mean,
        n_resamples=0,
        bootstrap_result=SimpleNamespace(bootstrap_distribution=boot),
        method=method,
        confidence_level=0.95,
    ).confidence_interval
    np.testing.assert_allclose(ours, (theirs.low, theirs.high), rtol=1e-10)


def test_bca_moves_the_interval_the_way_the_skew_says(skewed):
    """With right skew, BCa's upper limit lies above the percentile one (hand reasoning:
    positive acceleration stretches the upper tail)."""
    data, boot, jack = skewed
    low_p, high_p = interval(boot, data.mean(), "percentile", 0.05)
    low_b, high_b = interval(boot, data.mean(), "bca", 0.05, jack)
    assert high_b > high_p and low_b > low_p


@pytest.mark.parametrize(
    "boot, estimate, expected",
    [
        ([1.0, 2.0, 3.0], 0.0, 1.0),  # a zero estimate has p = 1 by definition
        ([1.0, 2.0, 3.0], 1.0, 0.0),  # every draw on one side
        ([-1.0, 1.0, 2.0, 3.0], 2.0, 0.5),  # 2 * min(3/4, 1/4)
        ([0.0, 0.0, 0.0, 1.0, -1.0, -1.0], 1.0, 1 / 3),  # zeros count on neither side
        ([0.5, 0.5, -1.0, -1.0, -1.0], 0.5, 0.8),  # 2 * min(2/5, 3/5)
    ],
)
def test_boot_pval_by_hand(boot, estimate, expected):
    assert boot_pval(np.asarray(boot), estimate) == pytest.approx(expected)


def test_bias_correction_counts_draws_strictly_below_the_estimate():
    """Efron (1987): z0 = Phi^-1(#{theta* < theta_hat} / B). Ties at the estimate count
    as not below: here 1 of 5, so z0 = Phi^-1(.2) and the limits are percentiles of the
    draws at Phi(2 z0 -+ 1.96)."""
    boot = np.array([1.0, 2.0, 2.0, 2.0, 3.0] * 20)
    z0 = stats.norm.ppf(0.2)
    q = [100 * stats.norm.cdf(2 * z0 + z) for z in stats.norm.ppf([0.025, 0.975])]
    np.testing.assert_allclose(interval(boot, 2.0, "bc", 0.05), np.percentile(boot, q))


def test_bc_ignores_the_jackknife_and_bca_without_spread_is_bc(skewed):
    data, boot, jack = skewed
    bc = interval(boot, data.mean(), "bc", 0.05)
    assert interval(boot, data.mean(), "bc", 0.05, jack) == bc
    flat = np.full_like(jack, jack.mean())  # no spread: acceleration 0
    assert interval(boot, data.mean(), "bca", 0.05, flat) == bc


def test_draw_strata_keeps_each_stratum_size():
    """Coded and uncoded accounts are resampled separately: every resample holds as many
    units from each stratum as the stratum has, and only units of that stratum."""
    from cuecoder.stats.bootstrap import draw_strata

    strata = [np.array([0, 3, 5]), np.array([1, 2, 4, 6, 7])]
    draws = draw_strata(strata, 500, np.random.default_rng(0))
    assert draws.shape == (500, 8)
    assert np.isin(draws[:, :3], strata[0]).all()
    assert np.isin(draws[:, 3:], strata[1]).all()
    # with replacement: each unit of a stratum is drawn 1 time per resample on average
    counts = np.bincount(draws.ravel(), minlength=8) / 500
    np.testing.assert_allclose(counts, 1.0, atol=0.1)


def test_boot_pval_counts_only_strictly_negative_draws():
    # pingouin's rule by hand: 2 * min(#>0, #<0) / n = 2 * min(4, 1) / 8
    boot = np.array([0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, -1.0])
    assert boot_pval(boot, 0.5) == pytest.approx(0.25)


def test_draw_can_pick_every_row():
    rows = draw(3, 200, np.random.default_rng(0))
    assert rows.shape == (200, 3)
    assert set(np.unique(rows).tolist()) == {0, 1, 2}


def test_resample_blocks_make_exactly_n_boot_resamples():
    n = CHUNK_CELLS // 100  # blocks of 100 resamples
    blocks = resample_blocks(n, 1001, 0)
    assert [size for size, _ in blocks] == [100] * 10 + [1]
