"""The report's numbers against hand counts, streaming against in-memory, the HTML."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cuecoder.errors import CuecoderError
from cuecoder.report import build


def quiet_build(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build(*args, **kwargs)


def test_prevalence_against_hand_counts(scored):
    report = quiet_build(scored, n_boot=500)
    p = report.prevalence.set_index("measure")
    # responsiveness: brandA 3 + nano1 1 + micro1 2 + solo 0 = 6 of 10
    assert p.loc["responsiveness", "with_cue"] == 6 and p.loc["responsiveness", "replies"] == 10
    assert p.loc["responsiveness", "share"] == pytest.approx(0.6)
    low, high = proportion_confint(6, 10, method="wilson")
    assert p.loc["responsiveness", "wilson_low"] == pytest.approx(low)
    assert p.loc["responsiveness", "wilson_high"] == pytest.approx(high)
    assert (
        p.loc["responsiveness", "accounts_low"] <= 0.6 <= p.loc["responsiveness", "accounts_high"]
    )
    # interaction: responsiveness or listening: 3+1 (brandA) 2 (nano1) 2 (micro1) 0 = 8
    assert p.loc["interactivity", "with_cue"] == 8
    # openness 0 + 2 + 1 + 1 = 4; template: 2 of 10
    assert p.loc["openness", "with_cue"] == 4
    assert p.loc["template", "with_cue"] == 2
    assert p.loc["openness", "mean_probability"] == pytest.approx((4 * 0.8 + 6 * 0.3) / 10)


def test_account_profiles_by_hand(scored):
    a = quiet_build(scored, n_boot=200).accounts.set_index("account")
    assert a.loc["brandA", "n_replies"] == 4
    assert a.loc["brandA", "responsiveness_share"] == pytest.approx(3 / 4)
    assert a.loc["brandA", "automated_share"] == pytest.approx(2 / 4)
    assert a.loc["brandA", "template_share"] == pytest.approx(2 / 4)
    low, high = proportion_confint(3, 4, method="wilson")
    assert a.loc["brandA", "responsiveness_share_ci_low"] == pytest.approx(low)
    assert a.loc["brandA", "responsiveness_share_ci_high"] == pytest.approx(high)
    # one reply: share 1 of 1, Wilson [0.2065, 1]
    assert a.loc["solo", "n_replies"] == 1
    assert a.loc["solo", "openness_share"] == 1.0
    low, high = proportion_confint(1, 1, method="wilson")
    assert a.loc["solo", "openness_share_ci_low"] == pytest.approx(low)
    assert a.loc["solo", "openness_share_ci_high"] == pytest.approx(high)


def test_tiers_in_report(scored, accounts):
    with pytest.warns(UserWarning) as caught:
        report = build(scored, accounts=accounts, n_boot=300)
    messages = " ".join(str(w.message) for w in caught)
    assert "[W350]" in messages and "'nano1'" in messages  # 'lots' followers
    a = report.accounts.set_index("account")
    assert a.loc["micro1", "tier"] == "micro"  # exactly 10,000
    assert a.loc["solo", "tier"] == "nano"  # 9,999
    assert a.loc["brandA", "tier"] == "mega"
    assert pd.isna(a.loc["nano1", "tier"])  # reported, not put in a tier
    t = report.tier_means
    mid = t[(t.group == "mid") & (t.measure == "openness_share")].iloc[0]
    assert mid.n_accounts == 0 and np.isnan(mid["mean"])  # a tier with no accounts
    nano = t[(t.group == "nano") & (t.measure == "openness_share")].iloc[0]
    assert nano.n_accounts == 1 and nano["mean"] == 1.0 and np.isnan(nano.ci_low)
    assert any("W350" in n for n in report.notes)
    html = report.to_html()
    assert "(no tier)" in html


def test_kol_koc_brand_scheme_and_outcome(scored, accounts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = build(
            scored,
            accounts=accounts,
            scheme="kol_koc",
            account_type="type",
            outcome="engagement",
            n_boot=200,
        )
    a = report.accounts.set_index("account")
    assert a.loc["brandA", "tier"] == "brand"
    assert a.loc["micro1", "tier"] == "KOL" and a.loc["solo", "tier"] == "KOC"
    assert report.outcome is not None and "cuecoder validate" in report.outcome.attrs["caveat"]
    assert "cuecoder validate" in report.to_html()


def test_unknown_accounts_warn(scored):
    acc = pd.DataFrame({"account": ["brandA", "micro1"], "followers": [10, 20_000]})
    with pytest.warns(UserWarning, match=r"W351\] 2 of 4 scored accounts"):
        build(scored, accounts=acc, n_boot=100)
    with pytest.raises(CuecoderError, match="E354"):
        build(scored, accounts=acc.assign(account=["x", "y"]), n_boot=100)


def test_languages_when_present_and_absent(scored):
    o = quiet_build(scored, n_boot=100).overview
    assert o["languages"] == {"en": 9, "zh": 1} and o["unsupported_language"] == 1
    o = quiet_build(scored.drop(columns=["language", "unsupported_language"]), n_boot=100).overview
    assert o["languages"] == {} and o["unsupported_language"] is None


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_streamed_file_equals_in_memory(scored, tmp_path, suffix):
    path = tmp_path / f"scored{suffix}"
    if suffix == ".parquet":
        scored.to_parquet(path)
    elif suffix == ".csv":
        scored.to_csv(path, index=False)
    else:
        scored.to_json(path, orient="records", lines=True)
    whole = quiet_build(scored, n_boot=300)
    streamed = quiet_build(path, n_boot=300, chunk_rows=3)
    pd.testing.assert_frame_equal(whole.prevalence, streamed.prevalence)
    cols = [c for c in whole.accounts.columns]
    pd.testing.assert_frame_equal(
        whole.accounts[cols].reset_index(drop=True),
        streamed.accounts[cols].reset_index(drop=True),
        check_dtype=False,
    )
    assert whole.templates["template_id"].tolist() == streamed.templates["template_id"].tolist()
    assert streamed.overview["quarantined"] is None


def test_quarantine_counted(scored, tmp_path):
    path = tmp_path / "scored.csv"
    scored.to_csv(path, index=False)
    (tmp_path / "scored.quarantine.jsonl").write_text('{"line": 3}\n{"line": 9}\n')
    assert quiet_build(path, n_boot=50).overview["quarantined"] == 2


def test_html_escapes_every_corpus_text(scored):
    hostile_account = "<img src=x onerror=alert(1)>"
    scored = scored.assign(account=scored["account"].replace("solo", hostile_account))
    html = quiet_build(scored, n_boot=100).to_html()
    assert "<script" not in html.lower()  # the page has no script at all
    assert "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    # self-contained: no external resource of any kind
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and not re.search(r"url\((?!#)", html)  # only url(#id)
    for section in (
        "overview",
        "prevalence",
        "accounts",
        "tiers",
        "templates",
        "examples",
        "validity",
    ):
        assert f"<section id='{section}'>" in html


def test_evidence_highlighted_in_examples(scored, hostile):
    report = quiet_build(scored, n_boot=50)
    e = report.examples
    assert set(e["cue"]) >= {"openness", "automated"}
    html = report.to_html()
    assert '<mark class="automated" title="A-TEMPLATE">DM us' in html
    assert hostile.split("<")[0] in html


def test_without_account_or_text_columns(scored):
    report = quiet_build(scored.drop(columns=["account", "text"]), n_boot=50)
    assert report.overview["accounts"] is None
    assert report.examples.empty and "distribution" not in report.figures
    assert any("no account column" in n for n in report.notes)
    assert "<section id='examples'>" in report.to_html()


def test_empty_table_is_an_error(scored):
    with pytest.raises(CuecoderError, match="E355"):
        quiet_build(scored.iloc[:0])


def test_model_info_from_card(scored):
    report = quiet_build(scored, n_boot=50)
    m = report.overview["model"]
    assert m["name"] == "cuecoder-default" and len(m["hash"]) == 16
    v = report.validity.set_index("label")
    assert {"responsiveness", "listening", "openness", "automated"} <= set(v.index)
    assert 0 < v.loc["openness", "alpha"] < v.loc["openness", "alpha_coders"]
