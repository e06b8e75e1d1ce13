from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from cuecoder.errors import CuecoderError
from cuecoder.stats import mediate

mediation_module = importlib.import_module("cuecoder.stats.mediation")
bootstrap_module = importlib.import_module("cuecoder.stats.bootstrap")


def ols(df, dep, regs):
    return sm.OLS(df[dep], sm.add_constant(df[regs])).fit()


def row(res, **match):
    sel = res
    for k, v in match.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, match
    return sel.iloc[0]


@pytest.fixture(scope="module")
def pg_data():
    return pg.read_dataset("mediation")


def test_point_estimates_match_statsmodels_and_pingouin(pg_data):
    res = mediate(pg_data, x="X", m="M", y="Y", n_boot=200, seed=0)
    fm, fy, ft = ols(pg_data, "M", ["X"]), ols(pg_data, "Y", ["X", "M"]), ols(pg_data, "Y", ["X"])
    for path, fit, term in (
        ("a", fm, "X"),
        ("b", fy, "M"),
        ("direct", fy, "X"),
        ("total", ft, "X"),
    ):
        r = row(res, path=path)
        np.testing.assert_allclose(r["coef"], fit.params[term], atol=1e-8)
        np.testing.assert_allclose(r["se"], fit.bse[term], atol=1e-8)
        np.testing.assert_allclose(r["pval"], fit.pvalues[term], rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose([r["ci_low"], r["ci_high"]], fit.conf_int().loc[term], atol=1e-8)
    ref = pg.mediation_analysis(data=pg_data, x="X", m="M", y="Y", n_boot=50, seed=0)
    ref = ref.set_index("path")
    np.testing.assert_allclose(
        row(res, path="indirect")["coef"], ref.loc["Indirect", "coef"], atol=1e-8
    )
    np.testing.assert_allclose(
        row(res, path="direct")["coef"], ref.loc["Direct", "coef"], atol=1e-8
    )
    np.testing.assert_allclose(row(res, path="total")["coef"], ref.loc["Total", "coef"], atol=1e-8)
    np.testing.assert_allclose(row(res, path="a")["coef"], ref.loc["M ~ X", "coef"], atol=1e-8)
    # total = direct + indirect holds exactly for OLS (model 4)
    np.testing.assert_allclose(
        row(res, path="total")["coef"],
        row(res, path="direct")["coef"] + row(res, path="indirect")["coef"],
        atol=1e-10,
    )


def test_parallel_mediators_and_covariates_match_pingouin(pg_data):
    res = mediate(pg_data, x="X", m=["M", "Mbin"], y="Y", covar=["W1"], n_boot=100)
    ref = pg.mediation_analysis(
        data=pg_data, x="X", m=["M", "Mbin"], y="Y", covar=["W1"], n_boot=10, seed=0
    )
    ref = ref.set_index("path")
    # pingouin fits a binary mediator by logistic regression; compare the continuous one
    np.testing.assert_allclose(
        row(res, path="indirect", mediator="M")["coef"], ref.loc["Indirect M", "coef"], atol=1e-8
    )
    np.testing.assert_allclose(
        row(res, path="direct")["coef"], ref.loc["Direct", "coef"], atol=1e-8
    )
    fy = ols(pg_data, "Y", ["X", "M", "Mbin", "W1"])
    np.testing.assert_allclose(
        row(res, path="b", mediator="Mbin")["coef"], fy.params["Mbin"], atol=1e-8
    )
    total_ind = row(res, path="indirect", mediator="(all)")["coef"]
    parts = res[(res.path == "indirect") & (res.mediator != "(all)")]["coef"].sum()
    np.testing.assert_allclose(total_ind, parts, atol=1e-12)


@pytest.mark.parametrize("method", ["bc", "percentile"])
def test_bootstrap_ci_agrees_with_pingouin(pg_data, method):
    n_boot = 2000
    res = mediate(pg_data, x="X", m="M", y="Y", n_boot=n_boot, ci=method, seed=1)
    ref, dist = pg.mediation_analysis(
        data=pg_data, x="X", m="M", y="Y", n_boot=n_boot, seed=1, return_dist=True
    )
    ind = row(res, path="indirect")
    if method == "bc":
        expected = ref.set_index("path").loc["Indirect", ["CI2.5", "CI97.5"]].to_numpy(float)
    else:
        expected = np.percentile(dist, [2.5, 97.5])
    # Monte-Carlo error of a 2.5% quantile with 2000 draws is about 0.35 bootstrap SDs
    tol = 0.35 * ind["se"]
    np.testing.assert_allclose([ind["ci_low"], ind["ci_high"]], expected, atol=tol)
    np.testing.assert_allclose(ind["se"], ref.set_index("path").loc["Indirect", "se"], rtol=0.1)


def test_bootstrap_draws_equal_loop_over_resamples(make_data):
    df = make_data(60, seed=3, a3=0.3)
    n_boot = 40
    res, dist = mediate(
        df,
        x="x",
        m="m",
        y="y",
        moderator="w",
        stage="first",
        n_boot=n_boot,
        seed=11,
        return_dist=True,
    )
    blocks = bootstrap_module.resample_blocks(len(df), n_boot, seed=11)
    draws = np.concatenate([bootstrap_module.draw(len(df), size, rng) for size, rng in blocks])
    assert draws.shape == (n_boot, len(df))
    for k in range(n_boot):
        s = df.iloc[draws[k]].assign(xw=lambda d: d.x * d.w)
        fa, fb = ols(s, "m", ["x", "w", "xw"]), ols(s, "y", ["x", "m"])
        for col, w in zip(dist.columns[:2], (0.0, 1.0), strict=True):
            expected = (fa.params["x"] + fa.params["xw"] * w) * fb.params["m"]
            np.testing.assert_allclose(dist[col].iloc[k], expected, atol=1e-8)
        np.testing.assert_allclose(dist.iloc[k, 2], fa.params["xw"] * fb.params["m"], atol=1e-8)


def test_same_seed_same_result_whatever_the_threads(sim_data):
    one = mediate(sim_data, x="x", m="m", y="y", n_boot=300, seed=5, n_jobs=1)
    two = mediate(sim_data, x="x", m="m", y="y", n_boot=300, seed=5, n_jobs=1)
    pd.testing.assert_frame_equal(one, two)
    for n_jobs in (2, 3, None):
        threaded = mediate(sim_data, x="x", m="m", y="y", n_boot=300, seed=5, n_jobs=n_jobs)
        pd.testing.assert_frame_equal(one, threaded)
    other = mediate(sim_data, x="x", m="m", y="y", n_boot=300, seed=6, n_jobs=1)
    assert not np.allclose(one["ci_low"], other["ci_low"], equal_nan=True)


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True, "2"])
def test_bad_n_jobs_is_named(sim_data, n_jobs):
    with pytest.raises(CuecoderError, match="n_jobs"):
        mediate(sim_data, x="x", m="m", y="y", n_boot=10, n_jobs=n_jobs)


@pytest.mark.parametrize(
    ("stage", "model", "a_terms", "b_terms"),
    [
        ("first", 7, ["x", "w", "x:w"], ["m"]),
        ("second", 14, ["x"], ["m", "m:w", "w"]),
        ("both", 58, ["x", "w", "x:w"], ["m", "m:w", "w"]),
    ],
)
def test_moderated_models_match_statsmodels(sim_data, stage, model, a_terms, b_terms):
    res = mediate(
        sim_data, x="x", m="m", y="y", covar="cov", moderator="w", stage=stage, n_boot=200, seed=0
    )
    assert res.attrs["model"] == model
    d = sim_data.assign(**{"x:w": sim_data.x * sim_data.w, "m:w": sim_data.m * sim_data.w})
    first, second = stage in ("first", "both"), stage in ("second", "both")
    fa = ols(d, "m", ["x", "w", "x:w", "cov"] if first else ["x", "cov"])
    fb = ols(d, "y", ["x", "m", "w", "m:w", "cov"] if second else ["x", "m", "cov"])
    assert sorted(res[res.path == "a"]["term"]) == sorted(a_terms)
    assert sorted(res[res.path == "b"]["term"]) == sorted(b_terms)
    for t in a_terms:
        np.testing.assert_allclose(row(res, path="a", term=t)["coef"], fa.params[t], atol=1e-8)
    for t in b_terms:
        np.testing.assert_allclose(row(res, path="b", term=t)["coef"], fb.params[t], atol=1e-8)
    a1, a3 = fa.params["x"], fa.params["x:w"] if first else 0.0
    b1, b3 = fb.params["m"], fb.params["m:w"] if second else 0.0
    ind = res[res.path == "indirect"]
    assert list(ind["moderator_value"]) == [0.0, 1.0]
    for w, coef in zip(ind["moderator_value"], ind["coef"], strict=True):
        np.testing.assert_allclose(coef, (a1 + a3 * w) * (b1 + b3 * w), atol=1e-8)
    index = row(res, path="index_mm")["coef"]
    expected = {7: a3 * b1, 14: a1 * b3, 58: (a1 + a3) * (b1 + b3) - a1 * b1}[model]
    np.testing.assert_allclose(index, expected, atol=1e-8)
    assert "total" not in set(res.path)


def test_continuous_moderator_probes_mean_and_sd(sim_data):
    res = mediate(sim_data, x="x", m="m", y="y", moderator="cov", n_boot=100)
    w = sim_data["cov"]
    expected = [w.mean() - w.std(), w.mean(), w.mean() + w.std()]
    ind = res[res.path == "indirect"]
    np.testing.assert_allclose(ind["moderator_value"], expected)


def test_multiple_outcomes_each_modelled(sim_data):
    res = mediate(sim_data, x="x", m=["m", "m2"], y=["y", "y2"], n_boot=100)
    assert set(res.outcome) == {"y", "y2"}
    fy2 = ols(sim_data, "y2", ["x", "m", "m2"])
    np.testing.assert_allclose(
        row(res, outcome="y2", path="b", mediator="m2")["coef"], fy2.params["m2"], atol=1e-8
    )
    assert list(res.columns) == [
        "outcome",
        "mediator",
        "path",
        "term",
        "coef",
        "se",
        "pval",
        "ci_low",
        "ci_high",
        "std_coef",
    ]


def test_standardized_coefficients(sim_data):
    res = mediate(sim_data, x="x", m="m", y="y", n_boot=100)
    z = (sim_data - sim_data.mean()) / sim_data.std()
    fa, fb = ols(z, "m", ["x"]), ols(z, "y", ["x", "m"])
    np.testing.assert_allclose(row(res, path="a")["std_coef"], fa.params["x"], atol=1e-8)
    np.testing.assert_allclose(row(res, path="b")["std_coef"], fb.params["m"], atol=1e-8)
    np.testing.assert_allclose(
        row(res, path="indirect")["std_coef"], fa.params["x"] * fb.params["m"], atol=1e-8
    )


def test_bca_differs_from_bc_and_brackets_estimate(sim_data):
    bca = row(mediate(sim_data, x="x", m="m", y="y", n_boot=1000, ci="bca"), path="indirect")
    bc = row(mediate(sim_data, x="x", m="m", y="y", n_boot=1000, ci="bc"), path="indirect")
    assert bca["ci_low"] < bca["coef"] < bca["ci_high"]
    assert bca["ci_low"] != bc["ci_low"]
    assert abs(bca["ci_low"] - bc["ci_low"]) < 0.5 * bc["se"]


def test_missing_values_dropped_listwise(sim_data):
    df = sim_data.copy()
    df.loc[:4, "m"] = np.nan
    df.loc[10, "y"] = np.nan
    res = mediate(df, x="x", m="m", y="y", n_boot=50)
    assert res.attrs["n_dropped"] == 6
    assert res.attrs["n"] == len(df) - 6
    fit = ols(df.dropna(), "m", ["x"])
    np.testing.assert_allclose(row(res, path="a")["coef"], fit.params["x"], atol=1e-8)


@pytest.mark.parametrize(
    ("mutate", "kwargs", "message"),
    [
        (lambda d: d.assign(m=["a"] * len(d)), {}, "Column 'm' .* is not numeric"),
        (lambda d: d.assign(m=1.0), {}, "Column 'm' is constant"),
        (
            lambda d: d.assign(w=np.where(d.w > 0, "bot", "human")),
            {"moderator": "w"},
            "Moderator 'w' .* is not numeric",
        ),
        (lambda d: d.assign(cov=2 * d.x), {"covar": "cov"}, "Perfect collinearity"),
        (lambda d: d.head(4), {}, "Only 4 complete rows"),
        (lambda d: d, {"covar": "m"}, "Column 'm' is given as both"),
        (lambda d: d, {"ci": "normal"}, "Unknown value 'normal' for 'ci'"),
        (lambda d: d, {"n_boot": -1}, "'n_boot' must be"),
        (lambda d: d.drop(columns="y"), {}, "Column 'y' is not in"),
    ],
)
def test_bad_input_names_the_column(sim_data, mutate, kwargs, message):
    with pytest.raises(CuecoderError, match=message):
        mediate(mutate(sim_data), **{"x": "x", "m": "m", "y": "y", "n_boot": 10, **kwargs})


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=12, max_value=60))
def test_bootstrap_outputs_are_well_formed(seed, n):
    from conftest import simulate

    df = simulate(n, seed=seed)
    res = mediate(df, x="x", m="m", y="y", n_boot=64, seed=seed)
    ind = row(res, path="indirect")
    assert ind["ci_low"] <= ind["ci_high"]
    assert 0 <= ind["pval"] <= 1
    assert np.isfinite(res["coef"]).all()


@pytest.mark.slow
def test_percentile_ci_covers_truth_about_95_percent(make_data):
    rng = np.random.default_rng(99)
    hits = []
    for _ in range(200):
        df = make_data(150, seed=int(rng.integers(2**31)), a=0.4, b=0.3)
        res = mediate(df, x="x", m="m", y="y", covar="cov", n_boot=500, seed=1)
        ind = row(res, path="indirect")
        hits.append(ind["ci_low"] <= 0.4 * 0.3 <= ind["ci_high"])
    # 200 replications: binomial SD of the coverage is 0.015
    assert 0.90 <= np.mean(hits) <= 0.99


# ----------------------------------------------------------------------------- issue 17
@pytest.mark.parametrize("se", ["hc0", "hc1", "hc2", "hc3"])
def test_hc_standard_errors_equal_statsmodels(sim_data, se):
    res = mediate(sim_data, x="x", m="m", y="y", covar="cov", moderator="w", n_boot=0, se=se)
    d = sim_data.assign(**{"x:w": sim_data.x * sim_data.w})
    fa = sm.OLS(d["m"], sm.add_constant(d[["x", "w", "x:w", "cov"]])).fit(
        cov_type=se.upper(), use_t=True
    )
    fb = sm.OLS(d["y"], sm.add_constant(d[["x", "m", "cov"]])).fit(cov_type=se.upper(), use_t=True)
    for path, fit, term in (("a", fa, "x"), ("a", fa, "x:w"), ("b", fb, "m"), ("direct", fb, "x")):
        r = row(res, path=path, term=term)
        np.testing.assert_allclose(r["se"], fit.bse[term], rtol=1e-9)
        np.testing.assert_allclose(r["pval"], fit.pvalues[term], rtol=1e-6)
        np.testing.assert_allclose([r["ci_low"], r["ci_high"]], fit.conf_int().loc[term], rtol=1e-9)
    assert res.attrs["se"] == se


def test_hc4_by_hand(make_data):
    """HC4 (Cribari-Neto, 2004): omega_i = e_i^2 / (1 - h_i)^min(4, n h_i / p), computed here."""
    df = make_data(80, seed=5)
    res = mediate(df, x="x", m="m", y="y", n_boot=0, se="hc4")
    xmat = np.column_stack([np.ones(len(df)), df["x"], df["m"]])
    bread = np.linalg.inv(xmat.T @ xmat)
    hat = np.einsum("ij,jk,ik->i", xmat, bread, xmat)
    resid = df["y"] - xmat @ (bread @ xmat.T @ df["y"])
    n, p = xmat.shape
    omega = resid**2 / (1 - hat) ** np.minimum(4, n * hat / p)
    cov = bread @ (xmat.T * omega.to_numpy()) @ xmat @ bread
    np.testing.assert_allclose(row(res, path="b")["se"], np.sqrt(cov[2, 2]), rtol=1e-9)
    np.testing.assert_allclose(row(res, path="direct")["se"], np.sqrt(cov[1, 1]), rtol=1e-9)


def test_unknown_se_type_is_named(sim_data):
    with pytest.raises(CuecoderError, match="Unknown value 'hc5' for 'se'"):
        mediate(sim_data, x="x", m="m", y="y", n_boot=0, se="hc5")


@pytest.mark.parametrize("column", ["x", "m", "y", "w"])
def test_infinite_values_are_refused_with_the_column(sim_data, column):
    df = sim_data.copy()
    df.loc[7, column] = -np.inf if column == "m" else np.inf
    with pytest.raises(CuecoderError, match=rf"E320.*Column '{column}' has 1 infinite"):
        mediate(df, x="x", m="m", y="y", moderator="w", n_boot=10)


def test_constant_column_message_prints_a_plain_number(sim_data):
    with pytest.raises(CuecoderError) as err:
        mediate(sim_data.assign(m=3.0), x="x", m="m", y="y", n_boot=10)
    assert "(3.0 in every complete row)" in str(err.value)
    assert "np.float64" not in str(err.value)


def test_thin_moderator_level_is_refused_and_settable(sim_data):
    df = sim_data.assign(w=0.0)
    df.loc[:1, "w"] = 1.0  # 2 rows with w = 1: the case from the issue
    with pytest.raises(CuecoderError, match=r"E321.*only 2 complete row\(s\) with the value 1"):
        mediate(df, x="x", m="m", y="y", moderator="w", n_boot=50)
    df.loc[:11, "w"] = 1.0  # 12 rows pass the default minimum of 10 ...
    mediate(df, x="x", m="m", y="y", moderator="w", n_boot=50)
    with pytest.raises(CuecoderError, match="minimum 20"):  # ... not a stricter one
        mediate(df, x="x", m="m", y="y", moderator="w", n_boot=50, min_level_rows=20)


def test_dropped_resamples_are_counted_and_reported(sim_data):
    """With 4 rows in a level (allowed explicitly), a resample draws fewer than 2 of them
    with probability ~ exp(-4)(1 + 4) = .09 of 400 rows: the drop is counted and warned."""
    from cuecoder.stats.report import apa_summary

    df = sim_data.assign(w=0.0)
    df.loc[:3, "w"] = 1.0
    with pytest.warns(UserWarning, match="W320"):
        res = mediate(df, x="x", m="m", y="y", moderator="w", n_boot=400, min_level_rows=4)
    dropped = res.attrs["n_boot_dropped"]
    assert res.attrs["n_boot"] + dropped == 400
    assert 0.03 < dropped / 400 < 0.2
    assert f"{dropped} of 400 resamples" in apa_summary(res)


def test_summary_never_says_excludes_0_for_a_nan_interval(sim_data):
    from cuecoder.stats.report import apa_summary

    res = mediate(sim_data, x="x", m="m", y="y", n_boot=0)
    text = apa_summary(res)
    assert "excludes 0" not in text
    assert "(no interval)" in text


# serial mediation (PROCESS model 6)
def serial_data(n=300, seed=0, k=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    cols = {"x": x}
    prev = []
    for j in range(k):
        value = 0.5 * x + sum(0.4 * p for p in prev) + rng.normal(size=n)
        cols[f"m{j + 1}"] = value
        prev.append(value)
    cols["y"] = 0.2 * x + sum(0.3 * p for p in prev) + rng.normal(size=n)
    cols["cov"] = rng.normal(size=n)
    return pd.DataFrame(cols)


@pytest.mark.parametrize("k", [2, 3])
def test_serial_paths_equal_statsmodels_and_effects_multiply(k):
    df = serial_data(k=k)
    meds = [f"m{j + 1}" for j in range(k)]
    res = mediate(df, x="x", m=meds, y="y", covar="cov", serial=True, n_boot=200, seed=1)
    assert res.attrs["model"] == 6
    fits = {m: ols(df, m, ["x", *meds[:j], "cov"]) for j, m in enumerate(meds)}
    fy = ols(df, "y", ["x", *meds, "cov"])
    for j, med in enumerate(meds):
        np.testing.assert_allclose(row(res, path="a", mediator=med)["coef"], fits[med].params["x"])
        for prev in meds[:j]:
            np.testing.assert_allclose(
                row(res, path="d", mediator=med, term=prev)["coef"], fits[med].params[prev]
            )
        np.testing.assert_allclose(row(res, path="b", mediator=med)["coef"], fy.params[med])
    # every ordered chain: a(first) * d(next | prev) ... * b(last), by hand for 2 and 3
    a = {m: fits[m].params["x"] for m in meds}
    b = {m: fy.params[m] for m in meds}
    d = {(p, m): fits[m].params[p] for j, m in enumerate(meds) for p in meds[:j]}
    if k == 2:
        expected = {
            "m1": a["m1"] * b["m1"],
            "m1 -> m2": a["m1"] * d[("m1", "m2")] * b["m2"],
            "m2": a["m2"] * b["m2"],
        }
    else:
        expected = {
            "m1": a["m1"] * b["m1"],
            "m1 -> m2": a["m1"] * d[("m1", "m2")] * b["m2"],
            "m1 -> m3": a["m1"] * d[("m1", "m3")] * b["m3"],
            "m1 -> m2 -> m3": a["m1"] * d[("m1", "m2")] * d[("m2", "m3")] * b["m3"],
            "m2": a["m2"] * b["m2"],
            "m2 -> m3": a["m2"] * d[("m2", "m3")] * b["m3"],
            "m3": a["m3"] * b["m3"],
        }
    ind = res[(res.path == "indirect") & (res.mediator != "(all)")]
    assert list(ind.mediator) == list(expected)  # PROCESS' order
    np.testing.assert_allclose(ind["coef"], list(expected.values()), atol=1e-10)
    total = row(res, path="total")["coef"]
    direct = row(res, path="direct")["coef"]
    np.testing.assert_allclose(total, direct + sum(expected.values()), atol=1e-10)
    np.testing.assert_allclose(
        row(res, path="indirect", mediator="(all)")["coef"], sum(expected.values()), atol=1e-10
    )
    contrasts = res[res.path == "contrast"]
    assert len(contrasts) == len(expected) * (len(expected) - 1) // 2
    np.testing.assert_allclose(
        row(res, path="contrast", mediator="(m1) minus (m2)")["coef"],
        expected["m1"] - expected["m2"],
        atol=1e-10,
    )


def test_serial_bootstrap_draws_equal_loop_over_resamples():
    df = serial_data(n=50, k=2)
    res, dist = mediate(
        df, x="x", m=["m1", "m2"], y="y", serial=True, n_boot=20, seed=4, return_dist=True
    )
    blocks = bootstrap_module.resample_blocks(len(df), 20, seed=4)
    draws = np.concatenate([bootstrap_module.draw(len(df), size, rng) for size, rng in blocks])
    col = [c for c in dist.columns if c.startswith("indirect|y|m1 -> m2|")][0]
    for k in range(20):
        s = df.iloc[draws[k]]
        f1, f2, fy = ols(s, "m1", ["x"]), ols(s, "m2", ["x", "m1"]), ols(s, "y", ["x", "m1", "m2"])
        expected = f1.params["x"] * f2.params["m1"] * fy.params["m2"]
        np.testing.assert_allclose(dist[col].iloc[k], expected, atol=1e-8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"m": "m1"}, "needs 2 to 4 mediators"),
        ({"m": ["m1", "m2"], "moderator": "cov"}, "and no moderator"),
    ],
)
def test_bad_serial_models_are_refused(kwargs, message):
    with pytest.raises(CuecoderError, match=message):
        mediate(serial_data(), x="x", y="y", serial=True, n_boot=10, **kwargs)
