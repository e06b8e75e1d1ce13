from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cuecoder.errors import CuecoderError
from cuecoder.stats.agreement import (
    binary_report,
    expected_calibration_error,
    human_benchmark,
    krippendorff_alpha,
    validate,
)


def test_alpha_matches_hand_computation():
    # coincidences: o11 = 6, o00 = 2, o01 = o10 = 1; n = 10, n1 = 7, n0 = 3
    # alpha = 1 - (n - 1) * (o01 + o10) / (2 * n1 * n0) = 1 - 9 * 2 / 42
    assert krippendorff_alpha([1, 1, 0, 0, 1], [1, 1, 0, 1, 1]) == pytest.approx(1 - 18 / 42)


def test_alpha_perfect_and_chance():
    y = np.array([0, 1] * 50)
    assert krippendorff_alpha(y, y) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, 20000), rng.integers(0, 2, 20000)
    assert abs(krippendorff_alpha(a, b)) < 0.03
    assert np.isnan(krippendorff_alpha([1, 1, 1], [1, 1, 1]))


def test_alpha_three_coders_with_disagreement_by_hand():
    # units x coders: (1,1,1) (1,0,1) (0,0,1) (0,0,0); each pair in a unit of 3 values
    # adds 1/(m-1) = 1/2: o11 = 3 + 1 = 4, o00 = 1 + 3 = 4, o01 = o10 = 1 + 1 = 2;
    # n = 12, n1 = n0 = 6: alpha = 1 - (n - 1) * (o01 + o10) / (2 * n1 * n0) = 1 - 44/72
    a, b, c = [1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 0]
    assert krippendorff_alpha(a, b, c) == pytest.approx(28 / 72)


def test_alpha_three_coders_equals_the_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 2, 300)
    codings = [np.where(rng.random(300) < 0.15, 1 - truth, truth) for _ in range(3)]
    expected = krippendorff.alpha(
        reliability_data=np.vstack(codings), level_of_measurement="nominal"
    )
    assert krippendorff_alpha(*codings) == pytest.approx(expected, abs=1e-12)


def test_ece_and_report():
    y = np.array([1, 0, 1, 0])
    assert expected_calibration_error(y, np.array([1.0, 0.0, 1.0, 0.0])) == 0.0
    assert expected_calibration_error(y, np.full(4, 0.5)) == pytest.approx(0.0)
    assert expected_calibration_error(y, np.array([0.0, 1.0, 0.0, 1.0])) == pytest.approx(1.0)
    rep = binary_report([1, 1, 0, 0], [1, 0, 0, 1])
    assert rep["precision"] == 0.5 and rep["recall"] == 0.5 and rep["support"] == 2


def test_human_benchmark_pairs_codings_by_id_not_by_position():
    rng = np.random.default_rng(0)
    first = pd.DataFrame({"item_id": [f"r{i}" for i in range(200)], "x": rng.integers(0, 2, 200)})
    # the second coding covers 150 of the rows, in another order, and flips 15 codes
    second = first.iloc[:150].sample(frac=1, random_state=1).copy()
    flip = second.index[:15]
    second.loc[flip, "x"] = 1 - second.loc[flip, "x"]
    model = first["x"].to_numpy().copy()  # agrees with the first coder everywhere
    out = human_benchmark(first, second, {"x": model}, ["x"])["x"]
    assert out["n"] == 150
    assert out["alpha_model_first"] == 1.0
    expected = krippendorff_alpha(
        first.set_index("item_id").loc[second["item_id"], "x"], second["x"]
    )
    assert out["alpha_coders"] == pytest.approx(expected, abs=1e-4)
    assert out["alpha_model_second"] == out["alpha_coders"]
    assert out["alpha_coders"] < 1.0


def test_binary_report_by_hand():
    # y:    1 1 1 1 0 0 0 0 0 0      tp = 3, fn = 1, fp = 2, tn = 4
    # pred: 1 1 1 0 1 1 0 0 0 0      precision 3/5, recall 3/4, F1 = 2pr/(p+r) = 2/3
    y = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    pred = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]
    proba = [0.95, 0.85, 0.75, 0.35, 0.65, 0.55, 0.25, 0.15, 0.05, 0.05]
    rep = binary_report(y, pred, proba)
    assert rep["precision"] == pytest.approx(3 / 5)
    assert rep["recall"] == pytest.approx(3 / 4)
    assert rep["f1"] == pytest.approx(2 / 3)
    assert (rep["support"], rep["n"]) == (4, 10)
    assert rep["alpha"] == pytest.approx(krippendorff_alpha(y, pred))
    # ECE: equal-width bins, one reply each except bin 0 (two at .05, both 0); each bin
    # adds share * |mean y - mean p|: (.05 + .15 + .25 + .65 + .65 + .55 + .25 + .15)/10
    # for bins 9..1 and 2/10 * .05 for bin 0: 2.8 / 10
    assert rep["ece"] == pytest.approx(0.28)
    empty = binary_report([0, 0], [0, 0])
    assert (empty["precision"], empty["recall"], empty["f1"]) == (0.0, 0.0, 0.0)
    assert "ece" not in empty


def test_ece_bins_are_tenths_by_hand():
    # one bin of ten: |0.5 - 0.0725|; eleven bins would split them: .5 * .95 + .5 * .095
    ece = expected_calibration_error(np.array([1, 0]), np.array([0.05, 0.095]))
    assert ece == pytest.approx(0.4275)


@pytest.fixture()
def small_validation():
    scored = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "openness": [0.95, 0.15, np.nan, 0.85, 0.45, 1.0],
            "openness_label": [True, False, None, True, False, True],
        }
    )
    coded = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6, 7], "openness": [1, 0, 1, 0, np.nan, 1, 1]})
    return scored, coded


def test_validate_by_hand(small_validation, caplog):
    """Reply 7 has no score, reply 5 no code; a missing model label counts as False."""
    krippendorff = pytest.importorskip("krippendorff")
    scored, coded = small_validation
    with caplog.at_level("WARNING"):
        out = validate(scored, coded, n_boot=0)
    assert "1 coded replies have no score" in caplog.text
    assert list(out.columns) == [
        "label", "n", "coded_1s", "predicted_1s", "alpha", "alpha_ci_low", "alpha_ci_high",
        "f1", "precision", "recall", "ece",
    ]  # fmt: skip
    row = out.iloc[0]
    # kept ids 1, 2, 3, 4, 6: codes 1 0 1 0 1, labels T F (missing) T T
    assert (row["n"], row["coded_1s"], row["predicted_1s"]) == (5, 3, 3)
    assert row["precision"] == pytest.approx(2 / 3) and row["recall"] == pytest.approx(2 / 3)
    assert row["f1"] == pytest.approx(2 / 3)
    expected = krippendorff.alpha(
        reliability_data=[[1, 0, 1, 0, 1], [1, 0, 0, 1, 1]], level_of_measurement="nominal"
    )
    assert row["alpha"] == pytest.approx(expected)
    # ECE over the replies with a probability (1, 2, 4, 6): bins .9-1 {.95, 1.0 -> y 1, 1},
    # .1-.2 {.15 -> 0}, .8-.9 {.85 -> 0}
    assert row["ece"] == pytest.approx(2 / 4 * 0.025 + 1 / 4 * 0.15 + 1 / 4 * 0.85)
    assert np.isnan(row["alpha_ci_low"]) and np.isnan(row["alpha_ci_high"])
    caplog.clear()
    with caplog.at_level("WARNING"):
        no_proba = validate(scored.drop(columns="openness"), coded.iloc[:6], n_boot=0)
    assert "no score" not in caplog.text
    assert no_proba["ece"].dtype == float and no_proba["ece"].isna().all()


def test_validate_interval_is_the_percentile_interval_of_alpha():
    """Default 1,000 resamples, seed 0: rows drawn by ``default_rng(0).integers(0, n)``,
    alpha of each from the ``krippendorff`` package, 2.5th and 97.5th percentiles."""
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 40)
    pred = np.where(rng.random(40) < 0.2, 1 - y, y)
    scored = pd.DataFrame({"id": range(40), "openness_label": pred.astype(bool)})
    coded = pd.DataFrame({"id": range(40), "openness": y})
    out = validate(scored, coded).iloc[0]
    rows = np.random.default_rng(0).integers(0, 40, size=(1000, 40))
    draws = []
    for r in rows:
        if len(np.unique(np.r_[y[r], pred[r]])) > 1:
            draws.append(
                krippendorff.alpha(reliability_data=[y[r], pred[r]], level_of_measurement="nominal")
            )
    low, high = np.percentile(draws, [2.5, 97.5])
    assert out["alpha_ci_low"] == pytest.approx(low) and out["alpha_ci_high"] == pytest.approx(high)


@pytest.mark.parametrize("n_boot", [-1, True, 2.5])
def test_validate_refuses_a_bad_n_boot(small_validation, n_boot):
    with pytest.raises(CuecoderError, match="E307"):
        validate(*small_validation, n_boot=n_boot)


def test_human_benchmark_alphas_are_the_package_alphas_to_four_places():
    krippendorff = pytest.importorskip("krippendorff")
    a = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]
    b = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    m = [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    first = pd.DataFrame({"item_id": range(11), "openness": a})
    second = pd.DataFrame({"item_id": range(11), "openness": b})
    out = human_benchmark(first, second, {"openness": np.array(m, dtype=bool)}, ["openness"])

    def alpha(x, y):
        return krippendorff.alpha(reliability_data=[x, y], level_of_measurement="nominal")

    assert out["openness"] == {
        "n": 11,
        "alpha_coders": round(alpha(a, b), 4),
        "alpha_model_first": round(alpha(a, m), 4),
        "alpha_model_second": round(alpha(b, m), 4),
    }
    assert all(round(v, 4) != round(v, 5) for v in (alpha(a, b), alpha(a, m), alpha(b, m)))
