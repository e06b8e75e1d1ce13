from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cuecoder.codebook import COMPOSITES
from cuecoder.errors import CuecoderError

INTERACTIVITY = COMPOSITES["interactivity"]

LABELS = ["responsiveness", "listening", "openness", "automated"]
PROB_COLUMNS = [*LABELS, "interactivity"]

# Replies as they come: any unicode, plus social-media pieces glued together.
social = st.lists(
    st.one_of(
        st.text(min_size=0, max_size=40),
        st.sampled_from(
            [
                "@115712",
                "#Sale",
                "https://t.co/x1",
                "^JS",
                "-Becky",
                "😀",
                "👍🏽",
                ":)",
                "__email__",
                "?",
                "!",
            ]
        ),
    ),
    max_size=12,
).map(" ".join)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(social, min_size=1, max_size=6))
def test_any_text_scores_one_row_per_reply_in_range(coder, replies):
    table = coder.score(replies)
    assert len(table) == len(replies)
    for i, text in enumerate(replies):
        if text.strip() and table.loc[i, "unsupported_language"]:
            # a language no loaded model reads: NaN, never "absent"
            assert all(math.isnan(table.loc[i, c]) for c in PROB_COLUMNS)
            assert table.loc[i, [c for c in table.columns if c.endswith("_label")]].isna().all()
        elif text.strip():
            assert not table.loc[i, "empty"]
            values = table.loc[i, PROB_COLUMNS].to_numpy(dtype=float)
            assert np.all((values >= 0) & (values <= 1)), values
        else:
            assert table.loc[i, "empty"]
            assert all(math.isnan(table.loc[i, c]) for c in PROB_COLUMNS)
        for ev in table.loc[i, "evidence"]:
            assert text[ev["start"] : ev["end"]] == ev["text"]


def test_columns_and_label_thresholds(coder, example_corpus):
    table = coder.score(example_corpus["text"], example_corpus["context"])
    for col in [
        *PROB_COLUMNS,
        *(f"{c}_label" for c in PROB_COLUMNS),
        "evidence",
        "empty",
        "truncated",
    ]:
        assert col in table.columns
    for label in LABELS:
        assert (table[f"{label}_label"] == (table[label] >= coder.thresholds[label])).all()
    assert np.allclose(table["interactivity"], table[list(INTERACTIVITY)].mean(axis=1))
    assert (
        table["interactivity_label"] == table[[f"{c}_label" for c in INTERACTIVITY]].any(axis=1)
    ).all()


def test_order_does_not_change_batched_scores(coder, example_corpus):
    """Batches are formed from texts sorted by (length, text): order-free too."""
    texts = example_corpus["text"].tolist()
    ctx = example_corpus["context"].tolist()
    perm = np.random.default_rng(0).permutation(len(texts))
    a = coder.score(texts, ctx, batch_size=8)
    b = coder.score([texts[i] for i in perm], [ctx[i] for i in perm], batch_size=8)
    np.testing.assert_array_equal(a[LABELS].to_numpy()[perm], b[LABELS].to_numpy())


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunk=st.integers(min_value=1, max_value=12), seed=st.integers(0, 2**16))
def test_scores_do_not_depend_on_chunking_or_order(coder, example_corpus, chunk, seed):
    """With the default per-reply encoding, scoring in chunks of any size and in any
    order gives exactly the scores of one call on the whole list."""
    texts = example_corpus["text"].tolist()
    ctx = example_corpus["context"].tolist()
    whole = coder.score(texts, ctx)[LABELS].to_numpy()
    perm = np.random.default_rng(seed).permutation(len(texts))
    parts = [
        coder.score([texts[i] for i in perm[k : k + chunk]], [ctx[i] for i in perm[k : k + chunk]])
        for k in range(0, len(texts), chunk)
    ]
    chunked = pd.concat(parts, ignore_index=True)[LABELS].to_numpy()
    np.testing.assert_allclose(chunked, whole[perm], rtol=0, atol=1e-6)


def test_larger_batches_stay_close(coder, example_corpus):
    """Opt-in batching (faster on idle machines) moves int8 scores only a little."""
    texts, ctx = example_corpus["text"], example_corpus["context"]
    ref = coder.score(texts, ctx)
    other = coder.score(texts, ctx, batch_size=16)
    agree = np.mean([(ref[f"{c}_label"] == other[f"{c}_label"]).mean() for c in LABELS])
    assert agree >= 0.9
    assert np.abs(ref[LABELS].to_numpy() - other[LABELS].to_numpy()).mean() < 0.05


def test_codebook_examples_get_their_labels(coder):
    """The codebook's own examples, as a sanity floor for the shipped model."""
    table = coder.score(
        [
            "Hi Maria, sorry the blue jacket you ordered on Monday was late. "
            "Which size did you go for?",
            "Thanks for reaching out! Please send us a DM so we can look into this.",
            "Our team is offline. We'll reply within 24 hours.",
        ],
        ["my blue jacket order from Monday is late", None, None],
    )
    assert table.loc[0, "responsiveness_label"] and table.loc[0, "listening_label"]
    assert not table.loc[0, "automated_label"]
    assert table.loc[1, "automated_label"] and not table.loc[1, "responsiveness_label"]
    assert table.loc[2, "automated_label"]


def test_bad_inputs_are_flagged_not_crashing(coder):
    replies = ["", "   ", None, float("nan"), 42, "fine reply, thanks!"]
    with pytest.warns(UserWarning, match="5 of 6 replies were empty"):
        table = coder.score(replies)
    assert table["empty"].tolist() == [True, True, True, True, True, False]
    assert not table[[f"{c}_label" for c in LABELS]].iloc[:5].to_numpy().any()


def test_overlong_replies_are_truncated_and_counted(coder):
    long = "word " * 600
    with pytest.warns(UserWarning, match="1 of 2 replies were longer than 256 tokens"):
        table = coder.score([long, "short"])
    assert table["truncated"].tolist() == [True, False]


def test_contexts_must_match_replies(coder):
    with pytest.raises(CuecoderError, match="'contexts' has 1 entries but 'replies' has 2"):
        coder.score(["a", "b"], ["only one"])


def test_accepts_series_and_keeps_order(coder):
    s = pd.Series(["We love this!", "DM us."], index=[10, 3])
    table = coder.score(s)
    assert list(table.index) == [0, 1]
    assert table.loc[0, "openness"] > table.loc[1, "openness"]


@pytest.fixture()
def own_coder():
    """A coder of the default model that a test may change (thresholds)."""
    import cuecoder

    return cuecoder.load()


def test_a_score_equal_to_its_threshold_is_labelled(own_coder):
    reply, context = "Sorry about that! Which store did you visit?", "My order never came"
    table = own_coder.score([reply], [context])
    for label in own_coder.labels:
        own_coder.thresholds[label] = float(table.loc[0, label])
    at = own_coder.score([reply], [context])
    assert all(bool(at.loc[0, f"{label}_label"]) for label in own_coder.labels)
    for label in own_coder.labels:
        own_coder.thresholds[label] = float(np.nextafter(table.loc[0, label], 2.0))
    above = own_coder.score([reply], [context])
    assert not any(bool(above.loc[0, f"{label}_label"]) for label in own_coder.labels)


def test_a_score_is_the_blend_of_its_parts_by_the_stored_weights(coder):
    """Recompute each probability from its parts: the ONNX head run directly on the design
    matrix, the lexical head, and the blend weight stored in meta.json."""
    from cuecoder.model.lexical import LexicalHead

    replies = [
        "Hi Maria, so sorry the jacket came late! Which size did you order?",
        "Thanks for reaching out. Please DM us your order number.",
    ]
    contexts = ["My jacket is late", None]
    X, _, _ = coder.features(replies, contexts)
    lexical = LexicalHead.from_meta(coder.path, coder.meta).predict_proba(replies)
    weights = coder.meta["lexical"]["blend"]
    assert any(float(w) > 0 for w in weights.values())
    table = coder.score(replies, contexts)
    for j, label in enumerate(coder.labels):
        session = coder.heads[label]
        feed = {session.get_inputs()[0].name: X.astype(np.float32)}
        head = session.run(["probabilities"], feed)[0][:, 1].astype(float)
        w = float(weights[label])
        expected = (1 - w) * head + w * lexical[:, j]
        np.testing.assert_allclose(table[label].to_numpy(), expected, rtol=1e-6)
