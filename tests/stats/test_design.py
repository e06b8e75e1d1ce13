"""``sample_for_coding``: inclusion probabilities against empirical frequencies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cuecoder.errors import CuecoderError
from cuecoder.stats import sample_for_coding


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(0)
    sizes = rng.integers(2, 9, size=12)  # accounts of 2-8 replies
    rows = [
        {"account": f"a{j}", "id": f"a{j}-{r}", "openness_prob": rng.uniform(), "bot": j % 3 == 0}
        for j, size in enumerate(sizes)
        for r in range(size)
    ]
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_inclusion_probabilities_match_empirical_frequencies(scored):
    """Over 1,500 seeds each reply's frequency of being drawn is pi_group * pi_reply:
    here 4/12 * min(3, n_j)/n_j (hand formula), within 4.5 binomial SDs."""
    n_seeds = 1500
    counts = pd.Series(0, index=scored["id"])
    for seed in range(n_seeds):
        sample = sample_for_coding(scored, n_groups=4, per_group=3, seed=seed)
        counts[sample["id"]] += 1
    sizes = scored.groupby("account")["id"].transform("size").to_numpy()
    expected = 4 / 12 * np.minimum(3, sizes) / sizes
    freq = counts.to_numpy() / n_seeds
    sd = np.sqrt(expected * (1 - expected) / n_seeds)
    assert np.all(np.abs(freq - expected) < 4.5 * sd)
    # and the recorded probabilities are the same formula
    sample = sample_for_coding(scored, n_groups=4, per_group=3, seed=1)
    n_j = sample["account"].map(scored.groupby("account").size())
    np.testing.assert_allclose(sample["pi_group"], 4 / 12)
    np.testing.assert_allclose(sample["pi_reply"], np.minimum(3, n_j) / n_j)


@pytest.mark.slow
def test_strata_oversample_and_record_it(scored):
    """bot accounts (a0, a3, a6, a9: 4 of 12) drawn 3 of 4, the others 2 of 8."""
    n_seeds = 1000
    drawn = pd.Series(0, index=sorted(scored["account"].unique()))
    for seed in range(n_seeds):
        sample = sample_for_coding(
            scored, n_groups={True: 3, False: 2}, per_group="all", strata="bot", seed=seed
        )
        drawn[sample["account"].unique()] += 1
    bots = scored.groupby("account")["bot"].first()
    expected = np.where(bots[drawn.index], 3 / 4, 2 / 8)
    sd = np.sqrt(expected * (1 - expected) / n_seeds)
    assert np.all(np.abs(drawn.to_numpy() / n_seeds - expected) < 4.5 * sd)
    sample = sample_for_coding(
        scored, n_groups={True: 3, False: 2}, per_group="all", strata="bot", seed=0
    )
    np.testing.assert_allclose(sample["pi_group"], np.where(sample["bot"], 3 / 4, 2 / 8))
    np.testing.assert_allclose(sample["pi_reply"], 1.0)


def test_blind_columns_and_empty_cues(scored):
    sample = sample_for_coding(scored, n_groups=3, per_group=2, seed=0)
    assert "openness_prob" not in sample.columns
    for cue in ("responsiveness", "listening", "openness", "automated"):
        assert sample[cue].isna().all()
    assert sample["account"].nunique() == 3 and len(sample) == 6


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_groups": 13}, r"E332.*Can't draw 13 groups"),
        ({"per_group": 0}, r"'per_group' must be"),
        ({"per_group": "most"}, r"'per_group' must be"),
        ({"by": "brand"}, r"E101.*'brand'"),
        ({"strata": "openness_prob"}, r"E325.*differs within"),
        ({"strata": "bot", "n_groups": {True: 5, False: 1}}, r"E332.*in stratum True"),
    ],
)
def test_bad_designs_are_refused(scored, kwargs, message):
    with pytest.raises(CuecoderError, match=message):
        sample_for_coding(scored, **kwargs)


def test_classifier_signal_reaches_the_asked_alpha():
    from cuecoder.stats.agreement import krippendorff_alpha
    from cuecoder.stats.design import classifier_signal

    rng = np.random.default_rng(5)
    for alpha in (0.35, 0.7):
        signal = classifier_signal(alpha, 0.3)
        z = (rng.random(200_000) < 0.3).astype(int)
        label = (signal * (z - 0.5) + rng.normal(size=z.size) > 0).astype(int)
        assert abs(krippendorff_alpha(z, label) - alpha) < 0.01


def test_plan_coding_more_coding_buys_a_narrower_interval():
    from cuecoder.stats import plan_coding

    rng = np.random.default_rng(0)
    x = rng.beta(2, 3, 300)
    m = 2 * x + rng.normal(size=300)
    data = pd.DataFrame({"openness": x, "psi": m, "loyalty": 0.4 * m + rng.normal(size=300)})
    plan = plan_coding(
        data,
        "openness",
        "psi",
        "loyalty",
        n_replies=10,
        alpha=0.5,
        shares=(0.1, 0.5),
        per_group=("all",),
        n_sims=12,
        n_boot=150,
        target_width=10.0,
    )
    assert plan["n_groups"].tolist() == [30, 150]
    assert plan["coded_replies"].tolist() == [300, 1500]
    small, large = plan["median_width"]
    assert large < small
    # the corrected interval costs width over the oracle's
    assert (plan["median_width"] > plan["oracle_width"]).all()
    assert plan["cheapest"].tolist() == [True, False]


def test_plan_coding_measures_alpha_on_a_pilot():
    from cuecoder.stats import plan_coding
    from cuecoder.stats.agreement import krippendorff_alpha

    rng = np.random.default_rng(1)
    pilot = pd.DataFrame({"openness": rng.integers(0, 2, 200)})
    pilot["openness_label"] = np.where(rng.random(200) < 0.85, pilot.openness, 1 - pilot.openness)
    data = pd.DataFrame(
        {"openness": rng.uniform(size=150), "psi": rng.normal(size=150), "loyalty": 0.0}
    ).assign(loyalty=lambda d: d.psi + rng.normal(size=150))
    plan = plan_coding(
        data,
        "openness",
        "psi",
        "loyalty",
        n_replies=5,
        pilot=pilot,
        shares=(0.3,),
        per_group=(2,),
        n_sims=2,
        n_boot=50,
    )
    expected = krippendorff_alpha(pilot.openness.to_numpy(), pilot.openness_label.to_numpy())
    assert plan.attrs["alpha"] == pytest.approx(expected)
    with pytest.raises(CuecoderError, match="'alpha' must be"):
        plan_coding(data, "openness", "psi", "loyalty", n_replies=5)
