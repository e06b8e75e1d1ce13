"""The resampling engine's intervals against scipy's, on the same bootstrap draws."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from cuecoder.stats.bootstrap import draw, interval


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
