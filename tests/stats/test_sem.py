from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from cuecoder.errors import CuecoderError
from cuecoder.stats import fit_indices, mediation_model, sem, sem_by_cue

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
# lavaan 0.6, cfa(HS.model, data = HolzingerSwineford1939): fitMeasures(), as published in
# the lavaan tutorial (https://lavaan.ugent.be/tutorial/cfa.html).
LAVAAN_HS = {
    "chi2": 85.306,
    "df": 24,
    "cfi": 0.931,
    "tli": 0.896,
    "rmsea": 0.092,
    "rmsea_ci_low": 0.071,
    "rmsea_ci_high": 0.114,
    "srmr": 0.065,
}
# lavaan parameterEstimates(): loadings of x2, x3 on visual.
LAVAAN_HS_LOADINGS = {"x2": 0.554, "x3": 0.729, "x5": 1.113, "x6": 0.926, "x8": 1.180, "x9": 1.082}


@pytest.fixture(scope="module")
def hs_result():
    return sem(holzinger39.get_data(), HS_MODEL, n_boot=0)


def test_holzinger_swineford_fit_matches_lavaan(hs_result):
    for key, expected in LAVAAN_HS.items():
        assert round(hs_result.fit[key], 3) == pytest.approx(expected, abs=1e-9), key
    assert set(hs_result.fit) >= {
        "chi2",
        "df",
        "pvalue",
        "cfi",
        "tli",
        "ifi",
        "rmsea",
        "rmsea_ci_low",
        "rmsea_ci_high",
        "srmr",
    }
    # IFI from its definition (Bollen 1989) on the same chi-squares
    f = hs_result.fit
    assert f["ifi"] == pytest.approx(
        (f["baseline_chi2"] - f["chi2"]) / (f["baseline_chi2"] - f["df"])
    )
    assert f["baseline_df"] == 36


def test_holzinger_swineford_loadings_match_lavaan(hs_result):
    est = hs_result.estimates
    loadings = est[est["op"] == "=~"].set_index("rhs")["coef"]
    for item, expected in LAVAAN_HS_LOADINGS.items():
        assert round(loadings[item], 3) == pytest.approx(expected, abs=1.1e-3), item
    assert list(est.columns) == [
        "lhs",
        "op",
        "rhs",
        "coef",
        "se",
        "z",
        "pval",
        "ci_low",
        "ci_high",
        "std_coef",
    ]
    assert hs_result.indirect.empty


def test_fit_indices_saturated_and_known_lr():
    # an observed path model without the direct effect: chi2 equals the LR test of c' = 0
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    n = 400
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    y = 0.3 * m + 0.25 * x + rng.normal(size=n)
    df = pd.DataFrame({"x": x, "m": m, "y": y})
    res = sem(df, "m ~ x\ny ~ m", n_boot=0)
    full = sm.OLS(y, sm.add_constant(np.c_[m, x])).fit()
    reduced = sm.OLS(y, sm.add_constant(m)).fit()
    assert res.fit["df"] == 1
    assert res.fit["chi2"] == pytest.approx(n * np.log(reduced.ssr / full.ssr), rel=1e-5)
    saturated = sem(df, "m ~ x\ny ~ m + x", n_boot=0)
    assert saturated.fit["df"] == 0
    assert saturated.fit["chi2"] == pytest.approx(0, abs=1e-4)
    assert saturated.fit["srmr"] == pytest.approx(0, abs=1e-4)


def test_fit_indices_formula_on_given_matrices():
    s = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])
    sigma = np.array([[1.0, 0.45, 0.45], [0.45, 1.0, 0.3], [0.45, 0.3, 1.0]])
    f = fit_indices(s, sigma, n=200, df=1)
    expected = 200 * (
        np.log(np.linalg.det(sigma))
        - np.log(np.linalg.det(s))
        + np.trace(s @ np.linalg.inv(sigma))
        - 3
    )
    assert f["chi2"] == pytest.approx(expected)
    assert f["srmr"] == pytest.approx(np.sqrt((0.05**2 + 0.05**2) / 6))


@pytest.fixture(scope="module")
def survey():
    rng = np.random.default_rng(0)
    n = 300
    cue = rng.normal(size=n)
    psi = 0.5 * cue + rng.normal(size=n)
    loy = 0.5 * psi + rng.normal(size=n)
    inf = 0.4 * psi + rng.normal(size=n)
    items = {}
    for name, latent in (("p", psi), ("l", loy), ("i", inf)):
        for k in (1, 2, 3):
            items[f"{name}{k}"] = latent + rng.normal(scale=0.6, size=n)
    return pd.DataFrame({"openness": cue, "interactivity": rng.normal(size=n), **items})


INDICATORS = {"psi": ["p1", "p2", "p3"], "loyalty": ["l1", "l2", "l3"], "info": ["i1", "i2", "i3"]}


def test_indirect_effect_bootstrap(survey):
    desc = mediation_model("openness", "psi", ["loyalty", "info"], INDICATORS)
    res = sem(survey, desc, n_boot=60, seed=0)
    ind = res.indirect.set_index(["mediator", "outcome", "path"], drop=False)
    est = res.estimates[res.estimates["op"] == "~"].set_index(["lhs", "rhs"])["coef"]
    expected = est[("psi", "openness")] * est[("loyalty", "psi")]
    row = ind.loc[("psi", "loyalty", "indirect")]
    assert row["coef"] == pytest.approx(expected, rel=1e-10)
    assert row["ci_low"] < row["coef"] < row["ci_high"]
    assert res.indirect.attrs["n_boot"] == 60
    total = res.indirect[(res.indirect.outcome == "loyalty") & (res.indirect.path == "total")]
    assert total["coef"].iloc[0] == pytest.approx(expected + est[("loyalty", "openness")])


def test_sem_by_cue_reports_one_row_per_cue(survey):
    table, results = sem_by_cue(
        survey, ["openness", "interactivity"], "psi", ["loyalty", "info"], INDICATORS, n_boot=0
    )
    assert list(table["cue"]) == ["openness", "interactivity"]
    for key in ("chi2", "cfi", "ifi", "srmr", "rmsea"):
        assert table[key].notna().all()
    assert results["openness"].fit["chi2"] == table.loc[0, "chi2"]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("visual =~ x1 + x2 + nope", "nope"),
        ("visual x1 x2", "no operator"),
        ("visual =~ x1 + (x2", "can't read"),
    ],
)
def test_sem_bad_input(model, message):
    with pytest.raises(CuecoderError, match=message):
        sem(holzinger39.get_data(), model, n_boot=0)


def test_sem_drops_missing_rows():
    data = holzinger39.get_data()
    data.iloc[:3, data.columns.get_loc("x1")] = np.nan
    res = sem(data, HS_MODEL, n_boot=0)
    assert res.n_dropped == 3
    assert res.fit["n"] == 298
