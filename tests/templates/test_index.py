"""TemplateIndex: planted templates, unrelated replies, order independence, real TWCS."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cuecoder.errors import CuecoderError
from cuecoder.templates.evidence import add_corpus_evidence, combine_automated, find_templates
from cuecoder.templates.index import TemplateIndex

DEFAULT_DATA_DIR = Path(os.environ.get("CUECODER_DATA", "../shared/data"))  # set by conftest

TWCS = DEFAULT_DATA_DIR / "twcs" / "twcs_brand_replies.csv"
needs_twcs = pytest.mark.skipif(not TWCS.is_file(), reason=f"{TWCS} not present (../shared)")

NAMES = ["Maria", "Sam", "Ana", "Joe", "Priya", "Tom", "Lena", "Omar", "Kate", "Ian"]
PRODUCTS = ["jacket", "blender", "kettle", "lamp", "sofa"]
UNRELATED = [
    "@5 Loved the photo of your dog at the beach, what a view!",
    "@6 The King St store opens at 9 on Sundays.",
    "@7 I've reissued your refund; it should land by Friday.",
    "@8 Which size did you go for? The medium runs small.",
    "@9 Our team is testing a fix tonight, we messed this one up.",
    "@10 Send us a DM with your email address so we can connect.",
    "@11 Send us a DM with your order number and zip code, we'll check the courier.",
    "@12 Honestly, that shade is my favourite too!",
]


def planted(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        f"@{100 + i} Hi {NAMES[i % len(NAMES)]}, sorry about order #{rng.integers(10**4, 10**7)}"
        f" and your {PRODUCTS[i % len(PRODUCTS)]}. We've refunded it: "
        f"https://t.co/{rng.integers(10**8):x} ^{'ABCDEFGH'[i % 8]}{'XYZ'[i % 3]}"
        for i in range(n)
    ]


def build(texts, **kw) -> TemplateIndex:
    return TemplateIndex(**kw).add(texts).finalize()


def test_planted_template_recovered_with_slots():
    texts = planted(30) + UNRELATED
    index = build(texts)
    table = index.templates()
    assert len(table) == 1
    row = table.iloc[0]
    assert row["size"] == 30 and row["recipients"] == 30
    assert row["template"] == (
        "{HANDLE} Hi {NAME}, sorry about order {NUMBER} and your {VAR}. "
        "We've refunded it: {URL} {SIGNATURE}"
    )
    assert len(row["examples"]) == 5
    found = index.lookup(texts)
    assert found["template_size"].tolist() == [30] * 30 + [1] * len(UNRELATED)
    assert found["template_id"].iloc[:30].nunique() == 1
    assert found["template_id"].iloc[30:].isna().all()


def test_unrelated_replies_are_not_merged():
    texts = UNRELATED * 3  # each unrelated reply three times: eight templates of three
    table = build(texts).templates()
    assert len(table) == len(UNRELATED)
    assert (table["size"] == 3).all()
    assert (table["variants"] == 1).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_results_do_not_depend_on_input_order_or_chunks(seed):
    texts = planted(25, seed=seed) + planted(10, seed=seed + 10)[:5] + UNRELATED * 2
    rng = np.random.default_rng(seed)
    shuffled = [texts[i] for i in rng.permutation(len(texts))]
    a = build(texts)
    b = TemplateIndex()
    for start in range(0, len(shuffled), 7):
        b.add(shuffled[start : start + 7])
    b.finalize()
    cols = ["template_id", "template", "size", "recipients", "variants", "examples"]
    pd.testing.assert_frame_equal(a.templates()[cols], b.templates()[cols])
    pd.testing.assert_frame_equal(a.lookup(texts), b.lookup(texts))
    pd.testing.assert_frame_equal(a.account_rates(), b.account_rates())


def test_recipients_accounts_and_by_account():
    text = "@1 Thanks for reaching out! Please send us a DM so we can look into this."
    same_person = build([text] * 5, recipient_cap=4)
    assert same_person.lookup([text]).iloc[0].tolist() == [
        same_person.templates()["template_id"].iloc[0],
        5,
        1,
    ]
    texts = [text.replace("@1", f"@{i}") for i in range(6)]
    accounts = ["BrandA"] * 3 + ["BrandB"] * 3
    across = TemplateIndex().add(texts, accounts).finalize()
    assert across.templates()[["size", "accounts"]].values.tolist() == [[6, 2]]
    per = TemplateIndex(by="account").add(texts, accounts).finalize()
    assert sorted(per.templates()["account"]) == ["BrandA", "BrandB"]
    rates = per.account_rates().set_index("account")
    assert rates.loc["BrandA", "template_rate"] == 1.0


def test_many_recipients_are_estimated_within_bounds():
    texts = [f"@{i} Here to help! Send us a note so our team can connect." for i in range(3000)]
    index = build(texts, recipient_cap=256)
    est = index.templates()["recipients"].iloc[0]
    assert 3000 * 0.75 < est < 3000 * 1.25


def test_lookup_of_unseen_near_duplicate_and_empty():
    index = build(planted(10))
    new = planted(12, seed=5)[11:]
    found = index.lookup([new[0], None, "Something else entirely, about bikes."])
    assert found["template_size"].tolist() == [10, 0, 1]
    assert found["template_id"].iloc[0] is not None
    assert found["template_id"].iloc[1:].isna().all()


def test_min_size_and_errors():
    index = TemplateIndex(min_size=3).add(UNRELATED * 2)
    with pytest.raises(CuecoderError):
        index.lookup(UNRELATED)
    index.finalize()
    assert index.templates().empty
    assert index.lookup(UNRELATED[:1])["template_size"].iloc[0] == 2
    with pytest.raises(CuecoderError):
        index.add(["more"])
    with pytest.raises(CuecoderError):
        TemplateIndex(by="brand")
    with pytest.raises(CuecoderError):
        TemplateIndex().add(["a", "b"], accounts=["x"])


def test_combine_automated():
    p = np.array([0.2, 0.2, 0.2, np.nan])
    assert np.array_equal(
        combine_automated(p, [1, 5, 50, 5], [1, 5, 50, 5], None), p, equal_nan=True
    )
    params = {"coef": [0.74, 0.89, 0.90], "intercept": -0.91}
    out = combine_automated(p, [1, 5, 50, 5], [1, 5, 50, 5], params)
    assert np.isnan(out[3])
    assert out[0] < out[1] < out[2] and ((out[:3] > 0) & (out[:3] < 1)).all()
    with pytest.raises(CuecoderError):
        combine_automated(p, p, p, {"coef": [1.0], "intercept": 0.0})


def test_add_corpus_evidence_keeps_the_per_reply_columns():
    texts = planted(6) + UNRELATED[:2] + [None]
    table = pd.DataFrame(
        {
            "automated": [0.4] * 8 + [np.nan],
            "automated_label": [False] * 9,
            "evidence": [[]] * 9,
        }
    )
    params = {"coef": [1.0, 1.0, 1.0], "intercept": 0.0, "threshold": 0.5}
    out = add_corpus_evidence(table, find_templates(texts, params), params)
    assert out["automated"].equals(table["automated"])
    assert out["automated_label"].equals(table["automated_label"])
    # by hand: sigmoid(logit(.4) + log(6) + log(6)) for the templated six, .4 for the rest
    templated = 1 / (1 + np.exp(-(np.log(0.4 / 0.6) + 2 * np.log(6))))
    np.testing.assert_allclose(out["automated_corpus"].iloc[:6], templated, rtol=1e-12)
    np.testing.assert_allclose(out["automated_corpus"].iloc[6:8], 0.4, rtol=1e-12)
    assert out["automated_corpus_label"].tolist() == [True] * 6 + [False] * 3
    assert out["template_size"].tolist() == [6] * 6 + [1, 1, 0]
    assert np.isnan(out["automated_corpus"].iloc[8])
    assert list(out.columns)[-1] == "evidence"
    kept = add_corpus_evidence(table, find_templates(texts, None), None)
    assert kept["automated_corpus"].equals(table["automated"])


def test_cli_writes_tables_and_page(tmp_path):
    import typer

    from cuecoder.cli.templates import templates_command

    app = typer.Typer()
    app.command("templates")(templates_command)
    app.command("other")(lambda: None)
    texts = planted(12) + UNRELATED
    corpus = tmp_path / "replies.csv"
    pd.DataFrame({"text": texts, "brand": ["A"] * 12 + ["B"] * len(UNRELATED)}).to_csv(
        corpus, index=False
    )
    runner = CliRunner()
    res = runner.invoke(app, ["templates", str(corpus), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "out" / "templates.csv")
    assert table["size"].tolist() == [12]
    page = (tmp_path / "out" / "templates.html").read_text(encoding="utf-8")
    assert '<span class="slot">{NAME}</span>' in page and "<details>" in page
    bad = runner.invoke(
        app, ["templates", str(corpus), "--out", str(tmp_path / "o2"), "--text-column", "nope"]
    )
    assert bad.exit_code == 1


@needs_twcs
def test_real_twcs_repeats_are_found():
    twcs = pd.read_csv(TWCS, dtype=str, keep_default_na=False)
    index = TemplateIndex().add(twcs["reply_text"], twcs["brand"]).finalize()
    found = index.lookup(twcs["reply_text"], twcs["brand"])
    # the same normalised text sent by a brand to two or more different customers
    twcs["handle"] = twcs["reply_text"].str.extract(r"^(@\w+)", expand=False)
    spread = twcs.groupby(["brand", "reply_text_normalized"])["handle"].transform("nunique")
    repeated = (spread >= 2).to_numpy()
    assert repeated.sum() > 100
    assert (found["template_size"].to_numpy()[repeated] >= 2).mean() >= 0.95
    table = index.templates()
    assert len(table) > 50
    assert table["template"].str.contains(r"\{(?:HANDLE|URL|NAME|SIGNATURE)\}").mean() > 0.9


NEAR_A = (
    "We're sorry your order arrived damaged. Please DM us your order number and we'll "
    "send a replacement."
)
NEAR_B = (
    "We're sorry your order arrived late. Please DM us your order number and we'll look "
    "into the delay."
)


def test_two_near_but_different_templates_stay_two():
    """Two stock replies that share most words but say different things (damaged ->
    replacement, late -> delay; word-shingle Jaccard .51) are two templates at the default
    threshold, each sent to three people."""
    texts = [f"@{i} Hi {n}, {t}" for t in (NEAR_A, NEAR_B) for i, n in enumerate(NAMES[:3])]
    found = TemplateIndex().add(texts).finalize().lookup(texts)
    assert found["template_size"].tolist() == [3] * 6
    assert found["template_id"].iloc[:3].nunique() == 1
    assert found["template_id"].iloc[0] != found["template_id"].iloc[3]


def test_the_default_threshold_is_defined_once():
    import inspect

    from cuecoder.cli.templates import templates_command
    from cuecoder.templates import index
    from cuecoder.templates.mining import mine_templates

    assert index.THRESHOLD == 0.8  # the setting the shipped combination was fit with
    assert TemplateIndex().threshold == index.THRESHOLD
    assert inspect.signature(mine_templates).parameters["threshold"].default == index.THRESHOLD
    assert inspect.signature(templates_command).parameters["threshold"].default == index.THRESHOLD
    assert index.INDEX_SETTINGS["threshold"] == index.THRESHOLD


BASE = "thanks for waiting while our support team checks the delivery status"  # 12 words


def test_lookup_of_an_unseen_reply_takes_its_nearest_template():
    near = BASE + " today"  # shingles 23 + 2: Jaccard 23 / 25 = .92
    far = "thanks for waiting while our billing people check the refund request"
    index = TemplateIndex().add([BASE] * 3 + ["something else entirely, sorry"]).finalize()
    seen = index.lookup([BASE])
    out = index.lookup([near, far, None, ""])
    assert out["template_id"].tolist()[0] == seen["template_id"].iloc[0] is not None
    assert out["template_size"].tolist() == [3, 1, 0, 0]
    assert out["template_recipients"].tolist() == [3, 1, 0, 0]
    assert out["template_id"].tolist()[1:] == [None, None, None]


def test_lookup_prefers_the_more_similar_of_two_templates():
    other = BASE.replace("delivery status", "refund request")  # Jaccard with BASE: 19 / 27
    index = TemplateIndex().add([BASE] * 2 + [other] * 4).finalize()
    ids = index.lookup([BASE, other])["template_id"].tolist()
    assert ids[0] != ids[1]
    near_other = other + " now"  # 23 / 25 with other, 19 / 29 with BASE
    near_base = BASE + " now"
    out = index.lookup([near_other, near_base])
    assert out["template_id"].tolist() == [ids[1], ids[0]]
    assert out["template_size"].tolist() == [4, 2]


def test_lookup_by_account_matches_within_the_account_only():
    index = TemplateIndex(by="account").add([BASE] * 3, accounts=["a"] * 3).finalize()
    out = index.lookup([BASE + " today"] * 2, accounts=["a", "b"])
    assert out["template_size"].tolist() == [3, 1]
    assert out["template_id"].iloc[0] is not None and out["template_id"].iloc[1] is None


def test_lookup_in_an_empty_index():
    out = TemplateIndex().add([]).finalize().lookup(["anything at all here"])
    assert out.to_dict("list") == {
        "template_id": [None],
        "template_size": [1],
        "template_recipients": [1],
    }


T2 = "we are sorry the parcel went to the wrong depot, a new one ships on monday"


def account_index():
    texts = [BASE, BASE, BASE, "a reply only account a sends, about hats"]
    texts += [T2, T2, BASE, "and one only account b sends, about shoes"]
    texts += ["account c writes this alone"]
    accounts = ["a"] * 4 + ["b"] * 4 + ["c"]
    return TemplateIndex().add(texts, accounts).finalize()


def test_account_rates_by_hand():
    index = account_index()
    ids = index.lookup([BASE, T2])["template_id"].tolist()
    rates = index.account_rates().to_dict("list")
    top = rates.pop("top_template_id")
    assert top[:2] == ids and pd.isna(top[2])  # b sent T2 twice, BASE once; c none
    assert rates == {
        "account": ["a", "b", "c"],  # 4, 4 and 1 replies: by replies, then name
        "replies": [4, 4, 1],
        "templated": [3, 3, 0],
        "template_rate": [0.75, 0.75, 0.0],
        "templates": [1, 2, 0],
    }


def test_templates_by_hand():
    index = account_index()
    ids = index.lookup([BASE, T2])["template_id"].tolist()
    table = index.templates()
    assert list(table.columns) == [
        "template_id", "account", "template", "size", "recipients", "accounts",
        "first_seen", "last_seen", "variants", "examples", "example_ids",
    ]  # fmt: skip
    assert table["template_id"].tolist() == ids  # largest first
    assert table["size"].tolist() == [4, 2]
    assert table["accounts"].tolist() == [2, 1]
    assert table["account"].tolist() == ["a", "b"]
    assert table["template"].tolist() == [BASE, T2]
    assert table["variants"].tolist() == [1, 1]


def test_recipients_come_from_the_column_then_the_handle_then_count_once_each():
    texts = [f"@{h} {BASE}" for h in ("ann", "ann", "bob")] + [BASE, BASE]
    index = TemplateIndex().add(texts).finalize()
    # @ann twice is one recipient; the two replies without a handle are one each
    assert index.lookup([BASE])["template_recipients"].tolist() == [4]
    given = TemplateIndex().add(texts, recipients=["x", "y", "x", None, "y"]).finalize()
    assert given.lookup([BASE])["template_recipients"].tolist() == [3]  # x, y, reply 4


def test_many_recipients_are_estimated_beyond_the_cap():
    n = 400
    index = TemplateIndex(recipient_cap=64).add([BASE] * n, recipients=range(n)).finalize()
    estimate = index.lookup([BASE])["template_recipients"].iloc[0]
    assert 0.7 * n < estimate < 1.3 * n  # k-minimum values with k = 64: about 12% error
    exact = TemplateIndex(recipient_cap=64).add([BASE] * 60, recipients=range(60)).finalize()
    assert exact.lookup([BASE])["template_recipients"].iloc[0] == 60


def test_times_ids_and_examples_of_a_template():
    """A reply without a send time does not move first_seen (it once made it 1970)."""
    texts = [BASE] * 4
    times = ["2024-03-02T10:00:00Z", "2024-03-05T10:30:00+02:00", None, "2024-03-01T09:00:00Z"]
    index = TemplateIndex(max_examples=2).add(texts, ids=["a", "b", "c", "d"], times=times)
    row = index.finalize().templates().iloc[0]
    assert row["first_seen"] == pd.Timestamp("2024-03-01T09:00:00Z")
    assert row["last_seen"] == pd.Timestamp("2024-03-05T08:30:00Z")  # +02:00 in UTC
    assert row["size"] == 4 and len(row["examples"]) == 1  # one distinct text
    untimed = TemplateIndex().add(texts).finalize().templates().iloc[0]
    assert (untimed["first_seen"], untimed["last_seen"]) == (0, 3)  # stream positions


def test_an_empty_entry_does_not_stop_the_chunk():
    texts = [BASE, None, "  ", BASE, "hello there, this is a different reply"]
    index = TemplateIndex().add(texts, ids=["a", "b", "c", "d", "e"]).finalize()
    assert index.n_replies == 3
    row = index.templates().iloc[0]
    assert row["size"] == 2 and row["example_ids"] == ["a"]  # one distinct text: first id
    plain = TemplateIndex().add([None, "x y z", BASE, BASE]).finalize()
    assert plain.n_replies == 3 and plain.templates()["example_ids"].iloc[0] == [2]


# -- from the surviving mutants of benchmarks/mutation.py (docs/mutation.md) -------------


def test_the_recipient_sketch_is_exact_up_to_the_cap_then_keeps_the_smallest_hashes():
    from cuecoder.templates.index import HASH_SPACE, _Recipients

    quarter = int(HASH_SPACE) // 4
    sketch = _Recipients()
    for h in (5, 4, 3, 2):  # 2 * cap: kept whole
        sketch.add(h, cap=2)
    assert sketch.hashes == {2, 3, 4, 5} and not sketch.trimmed
    sketch.add(1, cap=2)  # beyond 2 * cap: the cap smallest
    assert sketch.hashes == {1, 2} and sketch.trimmed
    exact = _Recipients([1, 2, 3])
    exact.trim(3)  # at the cap: nothing to drop, still exact
    assert exact.hashes == {1, 2, 3} and not exact.trimmed
    assert exact.count(3) == 3
    # k-minimum values: (k - 1) / (k-th smallest hash / hash space); k = 4, 4th = 1/4
    kmv = _Recipients([1, 2, 3, quarter])
    kmv.trimmed = True
    assert kmv.count(4) == 12  # (4 - 1) / 0.25
    big = _Recipients([1, 2, 3, quarter, quarter + 1, quarter + 2])  # 6 > cap 4, not trimmed
    assert big.count(4) == 12 and big.hashes == {1, 2, 3, quarter}


def test_merged_sketches_stay_trimmed_and_trim_beyond_twice_the_cap():
    from cuecoder.templates.index import _Recipients

    a, b = _Recipients([1, 2]), _Recipients([3])
    a.trimmed = True
    a.update(b, cap=2)  # 3 hashes <= 2 * cap: kept; trimmed stays
    assert a.hashes == {1, 2, 3} and a.trimmed
    c, d = _Recipients([7]), _Recipients([8])
    d.trimmed = True
    c.update(d, cap=2)
    assert c.trimmed
    e = _Recipients([1, 2])
    e.update(_Recipients([3, 4]), cap=2)  # exactly 2 * cap
    assert e.hashes == {1, 2, 3, 4} and not e.trimmed
    e.update(_Recipients([0]), cap=2)
    assert e.hashes == {0, 1} and e.trimmed


def test_threshold_bounds_defaults_and_seed():
    from cuecoder.templates.minhash import MinHasher

    for bad in (0.0, 1.5, -0.1):
        with pytest.raises(CuecoderError, match=r"'threshold' must be in \(0, 1\]"):
            TemplateIndex(threshold=bad)
    assert TemplateIndex(threshold=1.0).threshold == 1.0
    index = TemplateIndex()
    assert (index.recipient_cap, index.seed, index.num_perm) == (256, 1, 64)
    seeded = TemplateIndex(num_perm=32, seed=7)
    assert (seeded.num_perm, seeded.seed) == (32, 7)
    np.testing.assert_array_equal(seeded._hasher.a, MinHasher(32, 0.8, 7).a)


A_DAY_LATER = BASE + " today"  # 11 words + 1: Jaccard 21 / 23 with BASE


def test_a_pair_exactly_at_the_threshold_is_joined_and_found():
    at = 21 / 23
    index = TemplateIndex(threshold=at).add([BASE, A_DAY_LATER]).finalize()
    assert index.lookup([BASE, A_DAY_LATER])["template_size"].tolist() == [2, 2]
    above = TemplateIndex(threshold=0.92).add([BASE, A_DAY_LATER]).finalize()
    assert above.lookup([BASE, A_DAY_LATER])["template_size"].tolist() == [1, 1]
    only_later = TemplateIndex(threshold=at).add([A_DAY_LATER] * 2).finalize()
    assert only_later.lookup([BASE])["template_size"].tolist() == [2]


# BASE with "status" replaced: Jaccard .76 with A_DAY_LATER, and an LSH candidate for it
REFUND = BASE.replace("status", "refund")


def test_lookup_ignores_a_candidate_below_the_threshold():
    """The candidate below the threshold is not taken when nothing better is found, and
    does not replace a better one (it has the smaller template id)."""
    alone = TemplateIndex(threshold=0.9).add([REFUND] * 2).finalize()
    assert alone.lookup([A_DAY_LATER]).to_dict("list") == {
        "template_id": [None],
        "template_size": [1],
        "template_recipients": [1],
    }
    both = TemplateIndex(threshold=0.9).add([BASE] * 2 + [REFUND] * 3).finalize()
    base_id, refund_id = both.lookup([BASE, REFUND])["template_id"].tolist()
    assert refund_id < base_id  # what makes the test bite
    out = both.lookup([A_DAY_LATER])
    assert out["template_id"].tolist() == [base_id] and out["template_size"].tolist() == [2]


def test_lookup_between_equally_similar_templates_takes_the_smaller_id():
    # each 21 / 23 with BASE, 21 / 25 together; the smaller id is not the last candidate
    one, two = BASE + " today", BASE + " now"
    for texts in ([one, one, two, two], [two, two, one, one]):
        index = TemplateIndex(threshold=0.9).add(texts).finalize()
        ids = index.lookup([one, two])["template_id"].tolist()
        assert ids[0] != ids[1]
        assert index.lookup([BASE])["template_id"].tolist() == [min(ids)]


def test_lookup_columns_are_integers_and_missing_accounts_match_missing_accounts():
    index = TemplateIndex(by="account").add([BASE] * 3).finalize()
    out = index.lookup([BASE, "something else entirely, about bikes", None])
    assert out["template_size"].dtype == np.int64
    assert out["template_recipients"].dtype == np.int64
    assert out["template_size"].tolist() == [3, 1, 0]
    rates = index.account_rates()
    assert rates["account"].tolist() == [None] and rates["replies"].tolist() == [3]


def test_send_times_in_mixed_formats_and_missing_ones():
    times = ["2024-03-05T10:30:00Z", "2024-03-01 09:00", "not a time", None]
    row = TemplateIndex().add([BASE] * 4, times=times).finalize().templates().iloc[0]
    assert row["first_seen"] == pd.Timestamp("2024-03-01T09:00:00Z")  # naive read as UTC
    assert row["last_seen"] == pd.Timestamp("2024-03-05T10:30:00Z")  # the first reply
    unknown = TemplateIndex().add([BASE] * 2, times=[None, "never"]).finalize().templates()
    assert unknown["first_seen"].isna().all() and unknown["last_seen"].isna().all()


def test_a_missing_float_text_is_empty():
    index = TemplateIndex().add([np.nan, BASE, float("nan"), BASE]).finalize()
    assert index.n_replies == 2
    assert index.lookup([np.nan])["template_size"].tolist() == [0]


def test_the_template_text_is_the_same_in_any_order():
    lower, upper = "hi there, " + BASE, "Hi there, " + BASE  # one key, two cased forms
    for texts in ([lower, upper], [upper, lower]):
        table = TemplateIndex().add(texts).finalize().templates()
        assert table["template"].tolist() == ["Hi there, " + BASE]


WORDS = (
    "so sorry to hear about this, please send us a direct message with your order details "
    "and we will sort it out quickly"
)

#: a long reply (the same 71 words twice: 283 tokens with the spaces)
LONG = " ".join(
    [
        "we are so sorry for the trouble with your order and we want to make this right for "
        "you as soon as we can so please send us a direct message with your order number the "
        "email address on the account and a short note about what went wrong then our team "
        "will look into it and get back to you within one working day with a refund or a "
        "replacement"
    ]
    * 2
)


@pytest.mark.parametrize(
    "texts, template",
    [
        # the most frequent key is the base; its extra word varies (the other lacks it)
        ([BASE, A_DAY_LATER, A_DAY_LATER, A_DAY_LATER], BASE + " {VAR}"),
        ([A_DAY_LATER, BASE, BASE, BASE], BASE),
        # a run of varying words, spaces between them, is one {VAR}: first, middle, last
        (["hello there, " + WORDS, "good morning, " + WORDS], "{VAR}, " + WORDS),
        (
            [WORDS, WORDS, WORDS.replace("direct message", "private note")],
            WORDS.replace("direct message", "{VAR}"),
        ),
        ([WORDS + " today.", WORDS + " today.", WORDS + " tomorrow!"], WORDS + " {VAR}"),
        # words and punctuation that vary, then the rest of the reply
        (["thank you. " + WORDS, "thank you. " + WORDS, "thanks! " + WORDS], "{VAR} " + WORDS),
        # a template whose second token is not a space
        (
            ["hi, " + WORDS, "hi, " + WORDS, "hi, " + WORDS.replace("direct message", "x y")],
            "hi, " + WORDS.replace("direct message", "{VAR}"),
        ),
        # over 200 tokens: difflib's "popular token" heuristic would misalign the copies
        (
            [LONG, LONG, LONG.replace("direct message", "private note", 1)],
            LONG.replace("direct message", "{VAR}", 1),
        ),
    ],
)
def test_words_that_vary_become_one_var(texts, template):
    assert TemplateIndex().add(texts).finalize().templates()["template"].tolist() == [template]


def test_examples_are_the_members_with_the_smallest_text_hashes_in_any_order():
    from cuecoder.templates.minhash import stable_hash

    texts = [f"@{h} {BASE}" for h in ("ann", "bob", "cat", "dan", "eve")]
    texts += [f"@{h} {A_DAY_LATER}" for h in ("fay", "gus")]
    ranked = sorted(texts, key=stable_hash)
    rng = np.random.default_rng(0)
    for _ in range(6):
        order = rng.permutation(len(texts))
        shuffled = [texts[i] for i in order]
        row = TemplateIndex(max_examples=3).add(shuffled, ids=order).finalize().templates()
        assert row["examples"].iloc[0] == ranked[:3]
        assert row["example_ids"].iloc[0] == [texts.index(t) for t in ranked[:3]]


def test_the_examples_of_one_text_are_its_smallest_hashes_in_any_order():
    from cuecoder.templates.minhash import stable_hash

    texts = [f"@{h} {BASE}" for h in ("ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal")]
    ranked = sorted(texts, key=stable_hash)[:3]
    rng = np.random.default_rng(1)
    for _ in range(8):
        shuffled = [texts[i] for i in rng.permutation(len(texts))]
        row = TemplateIndex(max_examples=3).add(shuffled).finalize().templates().iloc[0]
        assert row["examples"] == ranked


def test_a_cluster_below_min_size_does_not_hide_the_templates_after_it():
    pairs = [
        "our billing desk is closed today",
        "the blue kettle is back in stock",
        "please restart the app and log in again",
        "your voucher code works online only",
        "we have passed this on to the store manager",
        "the courier collects parcels after noon",
    ]
    texts = [BASE] * 3 + [p for p in pairs for _ in range(2)]
    index = TemplateIndex(min_size=3).add(texts).finalize()
    pair_ids = TemplateIndex().add(texts).finalize().templates()["template_id"].tolist()
    table = index.templates()
    assert table["template"].tolist() == [BASE] and table["size"].tolist() == [3]
    assert min(pair_ids) < table["template_id"].iloc[0]  # a pair is described first
    # below min_size a pair has no template id, but its size and recipients are counted
    assert index.lookup(pairs[:1]).to_dict("list") == {
        "template_id": [None],
        "template_size": [2],
        "template_recipients": [2],
    }


def test_the_account_of_a_template_is_the_one_that_sent_it_most():
    texts = [BASE] * 5
    index = TemplateIndex().add(texts, accounts=["a", "b", "b", "c", "c"]).finalize()
    assert index.templates()["account"].tolist() == ["b"]  # b and c twice: by name
    index = TemplateIndex().add(texts, accounts=["z", "y", "y", "x", "y"]).finalize()
    assert index.templates()["account"].tolist() == ["y"]


def test_tables_are_numbered_from_zero_and_ties_ordered_by_id():
    texts = [BASE, BASE, T2, T2, "one more reply, about shoes"]
    index = TemplateIndex().add(texts, accounts=["b", "b", "a", "a", "c"]).finalize()
    ids = sorted(index.lookup([BASE, T2])["template_id"])
    table = index.templates()
    assert table["template_id"].tolist() == ids  # both of size 2: by id
    assert list(table.index) == [0, 1]
    rates = index.account_rates()
    assert rates["account"].tolist() == ["a", "b", "c"] and list(rates.index) == [0, 1, 2]
    # the larger template has the larger id: sorting moves it up, the index follows
    ids = TemplateIndex().add([BASE, BASE, T2, T2]).finalize().lookup([BASE, T2])
    by_id = dict(zip(ids["template_id"], [BASE, T2], strict=True))
    small, large = sorted(by_id)
    table = TemplateIndex().add([by_id[small]] * 2 + [by_id[large]] * 3).finalize().templates()
    assert table["template_id"].tolist() == [large, small] and list(table.index) == [0, 1]
    empty = TemplateIndex().add([]).finalize().account_rates()
    assert list(empty.columns) == [
        "account", "replies", "templated", "template_rate", "templates", "top_template_id",
    ]  # fmt: skip
    assert empty.empty


def test_the_top_template_of_an_account_is_its_most_used_then_the_smaller_id():
    ids = TemplateIndex().add([BASE, BASE, T2, T2]).finalize().lookup([BASE, T2])
    by_id = dict(zip(ids["template_id"], [BASE, T2], strict=True))
    small, large = sorted(by_id)  # the most used has the larger id: order alone won't do
    texts = [by_id[large], by_id[large], by_id[small], by_id[large], by_id[small]]
    index = TemplateIndex().add(texts, accounts=["a", "a", "a", "b", "b"]).finalize()
    rates = index.account_rates().set_index("account")
    assert rates.loc["a", "top_template_id"] == large  # twice, the other once
    assert rates.loc["b", "top_template_id"] == small  # once each: the smaller id


class Bands:
    """A MinHasher stand-in whose LSH band hashes are set by the test, per key: which keys
    share a bucket is then known, not left to the hash functions."""

    def __init__(self, table: dict[str, list[int]]) -> None:
        from cuecoder.templates.index import _key_shingles
        from cuecoder.templates.normalize import normalize

        self.bands = len(next(iter(table.values())))
        self.table = {frozenset(_key_shingles(normalize(t))): v for t, v in table.items()}

    def signature(self, grams):
        return frozenset(grams)

    def band_hashes(self, signature, salt=0):
        return np.array(self.table[signature], dtype=np.uint64)


def by_key_hash(texts):
    from cuecoder.templates.minhash import stable_hash
    from cuecoder.templates.normalize import normalize

    return sorted(texts, key=lambda t: stable_hash(normalize(t)))


def banded(table, threshold=0.8) -> TemplateIndex:
    index = TemplateIndex(threshold=threshold)
    index._hasher = Bands(table)
    return index


# near-duplicates of each other: Jaccard 21 / 25 = .84 for every pair
NEAR = [f"{BASE} {word}" for word in ("today", "now", "please", "soon")]


def test_every_key_of_a_bucket_is_compared_with_its_anchor():
    """A bucket's later keys are compared even after a pair already checked (a) or a
    key already joined (b); a key that shares no bucket is never compared (c)."""
    a, b, c, d = by_key_hash(NEAR)  # the anchor of a bucket is its smallest key hash
    # (a) band 0: {a, b}; band 1: {a, b, c} -> (a, b) was checked, c is still compared
    index = banded({a: [1, 2], b: [1, 2], c: [10, 2], d: [11, 12]}).add([a, b, c, d])
    assert index.finalize().lookup([a, b, c, d])["template_size"].tolist() == [3, 3, 3, 1]
    # (b) {a, d}, then {b, d}: a and b are joined, never compared; then {a, b, c}
    table = {a: [1, 20, 3], b: [10, 2, 3], c: [11, 21, 3], d: [1, 2, 30]}
    index = banded(table).add([a, b, c, d]).finalize()
    assert index.lookup([a, b, c, d])["template_size"].tolist() == [4, 4, 4, 4]
    # (c) c and d share no bucket with a or b: similar as they are, they stay apart
    table = {a: [5, 6], b: [5, 6], c: [1, 2], d: [7, 8]}
    index = banded(table).add([a, b, c, d]).finalize()
    assert index.lookup([a, b, c, d])["template_size"].tolist() == [2, 2, 1, 1]


def test_lookup_looks_past_a_candidate_it_has_seen():
    far = "something else entirely, about our bikes and the spring sale"
    near, query = NEAR[0], NEAR[0] + " again"  # Jaccard 23 / 25
    # far comes first in both bands; near only in the second
    table = {far: [1, 2], near: [9, 2], query: [1, 2]}
    index = banded(table).add([far, far, near, near]).finalize()
    assert index.lookup([query])["template_size"].tolist() == [2]
    assert (
        index.lookup([query])["template_id"].iloc[0] == index.lookup([near])["template_id"].iloc[0]
    )


def test_with_min_size_one_every_reply_is_a_template_in_every_table():
    """lookup gave a reply seen once a template id, account_rates counted it, but
    templates() had no row for it (fixed)."""
    once, twice = "a reply seen once only here", "another reply, sent twice"
    index = TemplateIndex(min_size=1).add([once, twice, twice]).finalize()
    ids = index.lookup([once, twice])["template_id"].tolist()
    table = index.templates()
    assert sorted(table["template_id"]) == sorted(ids)
    assert table.set_index("template_id").loc[ids[0], ["size", "recipients"]].tolist() == [1, 1]
    assert index.account_rates()["templates"].tolist() == [2]
