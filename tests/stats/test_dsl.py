"""The design-based correction (``mediate(..., codes=, key=)``) and its moment equations."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from cuecoder.errors import CuecoderError
from cuecoder.stats import mediate
from cuecoder.stats.dsl import calibrate, prepare

mediation_module = importlib.import_module("cuecoder.stats.mediation")


def population(n_accounts=120, n_replies=8, seed=0, respondents=1):
    """Accounts with 0/1 reply codes, a noisy predicted share, and survey rows."""
    rng = np.random.default_rng(seed)
    theta = rng.beta(2, 3, n_accounts)
    z = (rng.random((n_accounts, n_replies)) < theta[:, None]).astype(int)
    x = z.mean(axis=1)
    xhat = np.clip(x + rng.normal(0, 0.15, n_accounts) + 0.1, 0, 1)
    w = (np.arange(n_accounts) % 2).astype(float)
    rows = []
    for j in range(n_accounts):
        for _ in range(respondents):
            m = 1.5 * x[j] + 0.3 * w[j] + 0.8 * x[j] * w[j] + rng.normal()
            rows.append((f"acc{j}", xhat[j], x[j], w[j], m, 0.5 * m + 0.2 * x[j] + rng.normal()))
    data = pd.DataFrame(rows, columns=["account", "openness", "x_true", "w", "psi", "loyalty"])
    return data, z


def all_codes(z):
    n_acc, n_rep = z.shape
    return pd.DataFrame(
        {
            "account": np.repeat([f"acc{j}" for j in range(n_acc)], n_rep),
            "openness": z.ravel(),
            "pi_group": 1.0,
            "pi_reply": 1.0,
        }
    )


MODELS = {
    4: {"m": "psi"},
    7: {"m": "psi", "moderator": "w", "stage": "first"},
    14: {"m": "psi", "moderator": "w", "stage": "second"},
    58: {"m": "psi", "moderator": "w", "stage": "both"},
    6: {"m": ["psi", "trust"], "serial": True},
}


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("respondents", [1, 3])
def test_fully_coded_with_xhat_equal_x_gives_the_ordinary_estimate(model, respondents):
    data, z = population(respondents=respondents)
    rng = np.random.default_rng(9)
    data = data.assign(openness=data["x_true"], trust=data["psi"] + rng.normal(size=len(data)))
    kwargs = {"x": "openness", "y": "loyalty", "n_boot": 0, **MODELS[model]}
    naive = mediate(data, **kwargs)
    corrected = mediate(data, codes=all_codes(z), key="account", **kwargs)
    assert corrected.attrs["method"] == "dsl" and naive.attrs["method"] == "ols"
    assert corrected.attrs["model"] == model
    np.testing.assert_allclose(corrected["coef"], naive["coef"], rtol=1e-10, atol=1e-12)
    assert corrected.attrs["design"]["n_coded_accounts"] == 120


def test_moment_equations_by_hand():
    """beta = (sum P_j)^-1 sum q_j with P_j, q_j written out (issue 17, estimator step 2),
    for the a path of model 7 (d = [1, X, W, XW], v = [0, 1, 0, W]) on a small design:
    some accounts coded whole, some with 3 of 8 replies, the rest not coded."""
    data, z = population(n_accounts=40, n_replies=8, seed=3)
    rng = np.random.default_rng(0)
    coded = rng.choice(40, 24, replace=False)
    rows = []
    for j in coded:
        picks = list(range(8)) if j % 3 == 0 else list(rng.choice(8, 3, replace=False))
        k = len(picks)
        for r in picks:
            rows.append((f"acc{j}", z[j, r], 0.6, k / 8))
    codes = pd.DataFrame(rows, columns=["account", "openness", "pi_group", "pi_reply"])
    res = mediate(
        data,
        x="openness",
        m="psi",
        y="loyalty",
        moderator="w",
        codes=codes,
        key="account",
        n_boot=0,
        seed=5,
    )
    # g-hat comes from the calibration (tested on its own below); everything else by hand
    features = data[["openness", "psi", "loyalty", "w"]]
    design = prepare(data["account"], codes, "openness", "account", features, seed=5)
    g = design.ghat
    p_sum, q_sum = np.zeros((4, 4)), np.zeros(4)
    for j in range(40):
        wj, mj = data["w"][j], data["psi"][j]
        dg = np.array([1, g[j], wj, g[j] * wj])
        p_j, q_j = np.outer(dg, dg), dg * mj
        codes_j = codes[codes.account == f"acc{j}"]["openness"].to_numpy(float)
        if len(codes_j):
            k = len(codes_j)
            xg = codes_j.mean()
            vhat = codes_j.var(ddof=1) / k * (1 - k / 8)
            dx = np.array([1, xg, wj, xg * wj])
            v = np.array([0, 1, 0, wj])
            p_j = p_j + (1 / 0.6) * (np.outer(dx, dx) - vhat * np.outer(v, v) - np.outer(dg, dg))
            q_j = q_j + (1 / 0.6) * (dx - dg) * mj
        p_sum += p_j
        q_sum += q_j
    beta = np.linalg.solve(p_sum, q_sum)
    a = res[res.path == "a"].set_index("term")["coef"]
    np.testing.assert_allclose(
        [a["openness"], a["w"], a["openness:w"]], beta[1:], rtol=1e-9, atol=1e-12
    )


def test_calibration_is_out_of_fold():
    """An account's g-hat does not depend on its own coded value (cross-fitting)."""
    rng = np.random.default_rng(1)
    features = rng.normal(size=(60, 2))
    xg = features @ [0.4, -0.2] + rng.normal(scale=0.3, size=60)
    labelled = np.ones(60, bool)
    g1, _ = calibrate(features, xg, labelled, seed=0)
    changed = xg.copy()
    changed[7] += 10.0
    g2, _ = calibrate(features, changed, labelled, seed=0)
    assert g1[7] == pytest.approx(g2[7], abs=1e-12)
    assert np.abs(g1 - g2).max() > 0.01  # other folds saw it


def test_bootstrap_resamples_accounts_within_coded_and_uncoded():
    data, z = population(n_accounts=60, respondents=2, seed=4)
    codes = all_codes(z)
    codes = codes[codes.account.isin([f"acc{j}" for j in range(0, 60, 2)])].assign(pi_group=0.5)
    res = mediate(
        data, x="openness", m="psi", y="loyalty", codes=codes, key="account", n_boot=300, seed=2
    )
    ind = res[res.path == "indirect"].iloc[0]
    assert ind["ci_low"] < ind["coef"] < ind["ci_high"]
    assert res.attrs["n_boot"] + res.attrs["n_boot_dropped"] == 300
    a = res[res.path == "a"].iloc[0]
    assert np.isfinite(a["se"]) and a["ci_low"] < a["coef"] < a["ci_high"]


def test_many_non_positive_definite_resamples_are_refused_or_warned():
    with pytest.raises(CuecoderError, match="E328"):
        mediation_module._report_dropped(11, 100, corrected=True)
    with pytest.warns(UserWarning, match="W320"):
        mediation_module._report_dropped(5, 100, corrected=True)
    mediation_module._report_dropped(1, 100, corrected=True)  # 1%: silent


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.assign(pi_group=0.0), r"E324.*'pi_group'"),
        (lambda c: c.assign(pi_reply=1.5), r"E324.*'pi_reply'"),
        (lambda c: c.assign(account="nobody" + c.account), r"E323.*None of the"),
        (lambda c: c.assign(openness=c.openness * 2), r"E108.*'openness'.*0/1"),
        (lambda c: c.assign(openness=c.openness.astype(float).where(c.index > 0)), r"E108"),
        (lambda c: c.assign(pi_group=np.linspace(0.2, 0.9, len(c))), r"E325.*'pi_group'"),
        (lambda c: c.drop(columns="pi_reply"), r"E101.*'pi_reply'"),
        (lambda c: c.groupby("account").head(1).assign(pi_reply=0.125), r"E326"),
        (lambda c: c[c.account.isin(["acc1", "acc2"])], r"E327.*Only 2 coded accounts"),
    ],
)
def test_bad_designs_are_refused(mutate, message):
    data, z = population()
    with pytest.raises(CuecoderError, match=message):
        mediate(
            data,
            x="openness",
            m="psi",
            y="loyalty",
            codes=mutate(all_codes(z)),
            key="account",
            n_boot=10,
        )


def test_key_alone_and_codes_for_unknown_accounts():
    data, z = population()
    with pytest.raises(CuecoderError, match="E330"):
        mediate(data, x="openness", m="psi", y="loyalty", key="account", n_boot=10)
    extra = pd.concat([all_codes(z), all_codes(z).head(3).assign(account="ghost")])
    with pytest.warns(UserWarning, match=r"W321.*1 coded account"):
        mediate(data, x="openness", m="psi", y="loyalty", codes=extra, key="account", n_boot=0)


def _sim(rng, n_accounts=300, n_replies=20):
    """A predicted X whose error depends on the account's style (naive is biased)."""
    style = rng.normal(size=n_accounts)
    theta = 1 / (1 + np.exp(-(1.2 * rng.normal(size=n_accounts) + 0.3 * style)))
    z = rng.random((n_accounts, n_replies)) < theta[:, None]
    score = 1.6 * (z - 0.5) + 0.6 * style[:, None] + rng.normal(size=z.shape)
    xhat = (1 / (1 + np.exp(-score))).mean(axis=1)
    x = z.mean(axis=1)
    m = 2.0 * x + rng.normal(size=n_accounts)
    y = 0.4 * m + 0.4 * x + rng.normal(size=n_accounts)
    data = pd.DataFrame(
        {"account": np.arange(n_accounts), "openness": xhat, "psi": m, "loyalty": y}
    )
    sampled = rng.choice(n_accounts, n_accounts // 4, replace=False)
    codes = pd.DataFrame(
        {
            "account": np.repeat(sampled, n_replies),
            "openness": z[sampled].ravel().astype(int),
            "pi_group": 0.25,
            "pi_reply": 1.0,
        }
    )
    return data, codes


@pytest.mark.slow
def test_corrected_estimator_is_unbiased_where_naive_is_not():
    """200 fixed-seed replications; true indirect effect 2.0 * 0.4 = 0.8 per unit of the
    true share of replies with the cue."""
    rng = np.random.default_rng(2026)
    naive, corrected = [], []
    for _ in range(200):
        data, codes = _sim(rng)
        kw = {"x": "openness", "m": "psi", "y": "loyalty", "n_boot": 0}
        naive.append(mediate(data, **kw).query("path == 'indirect'")["coef"].iloc[0])
        corrected.append(
            mediate(data, codes=codes, key="account", **kw)
            .query("path == 'indirect'")["coef"]
            .iloc[0]
        )
    naive, corrected = np.array(naive), np.array(corrected)
    mc_se = corrected.std(ddof=1) / np.sqrt(len(corrected))
    assert abs(corrected.mean() - 0.8) < 3 * mc_se
    assert abs(naive.mean() - 0.8) > 10 * naive.std(ddof=1) / np.sqrt(len(naive))


def test_the_corrected_estimator_defaults_to_bias_corrected_limits():
    from cuecoder.stats.bootstrap import interval

    data, z = population(n_accounts=60, seed=4)
    kwargs = {"x": "openness", "m": "psi", "y": "loyalty", "n_boot": 300, "seed": 2}
    corrected, draws = mediate(data, codes=all_codes(z), key="account", return_dist=True, **kwargs)
    assert corrected.attrs["ci"] == "bc"
    row = corrected[corrected.path == "indirect"].iloc[0]
    low, high = interval(draws.iloc[:, 0].to_numpy(), row["coef"], "bc", 0.05)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    percentile = mediate(data, codes=all_codes(z), key="account", ci="percentile", **kwargs)
    assert percentile.attrs["ci"] == "percentile"
    assert mediate(data, **kwargs).attrs["ci"] == "percentile"  # the ordinary estimator
