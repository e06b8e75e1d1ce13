"""The coder's building blocks without the model: heads, lexical head and featurizer are
stand-ins whose outputs are written out here, so every expected score, label and span
below is computed by hand, not by the code under test. (The model-loading tests in
test_coder.py check the same rules end to end; these run in milliseconds, which is what
the mutation benchmark needs.)"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from cuecoder.coder import Coder, _dedupe
from cuecoder.cues.evidence import Evidence
from cuecoder.errors import CuecoderError

LABELS = ("responsiveness", "listening", "openness", "automated")


class Head:
    """An ONNX head stand-in: the probability of label ``column`` is that column of X."""

    def __init__(self, column: int, kind: str = "tensor(float)") -> None:
        self.column, self.kind, self.seen = column, kind, []

    def get_inputs(self):
        return [SimpleNamespace(name="features", type=self.kind)]

    def run(self, outputs, feed):
        assert outputs == ["probabilities"]
        (x,) = feed.values()
        self.seen.append(x.dtype)
        p = x[:, self.column].astype(np.float64)
        return [np.column_stack([1 - p, p])]


class Lexical:
    """A lexical head stand-in with its labels in another order than the coder's."""

    labels = ("automated", "openness", "listening", "responsiveness")

    def __init__(self, table: np.ndarray) -> None:
        self.table, self.texts = table, []

    def predict_proba(self, texts):
        self.texts.append(list(texts))
        return self.table[: len(texts)]


class Featurizer:
    """Design matrix and evidence given by the test; records what it was asked."""

    def __init__(self, X: np.ndarray, evidence, truncated) -> None:
        self.X, self.evidence, self.truncated = X, evidence, np.asarray(truncated)
        self.calls: dict = {}

    def tokenize(self, texts):
        self.calls["texts"] = list(texts)
        return [f"doc:{t}" for t in texts]

    def tokenize_optional(self, texts):
        self.calls["contexts"] = list(texts)
        return [None if t is None else f"ctx:{t}" for t in texts]

    def transform(self, docs, context_docs, batch_size):
        ctx = None if context_docs is None else list(context_docs)
        self.calls["transform"] = (list(docs), ctx, batch_size)
        return self.X, self.evidence, self.truncated


def make_coder(
    thresholds=None, blend=None, lexical=None, corpus_model=None, featurizer=None, kinds=None
) -> Coder:
    """A Coder whose parts are the stand-ins above (no model folder is read)."""
    coder = Coder.__new__(Coder)
    coder.labels = LABELS
    coder.thresholds = thresholds or {
        "responsiveness": 0.5,
        "listening": 0.25,
        "openness": 0.75,
        "automated": 0.375,
    }
    coder.meta = {"name": "stand-in", "lexical": {"blend": blend or {}}}
    coder.lexical = lexical
    coder.corpus_model = corpus_model
    coder.featurizer = featurizer
    kinds = kinds or ["tensor(float)"] * 4
    coder.heads = {label: Head(j, kinds[j]) for j, label in enumerate(LABELS)}
    coder.cross_encoder, coder.accurate = None, False  # the default mode
    return coder


# -- _dedupe -----------------------------------------------------------------------------


def ev(subcode: str, start: int, end: int) -> Evidence:
    return Evidence(subcode, start, end, f"{start}-{end}")


def test_dedupe_drops_spans_nested_in_a_longer_span_of_the_same_subcode():
    spans = [
        ev("L-QUESTION", 4, 10),  # ends where the longer one ends: nested
        ev("L-QUESTION", 0, 10),
        ev("L-QUESTION", 0, 3),  # starts where the longer one starts: nested
        ev("L-QUESTION", 2, 6),  # strictly inside
        ev("L-QUESTION", 0, 10),  # the same span twice
        ev("L-EMPATHY", 2, 6),  # another sub-code: kept
        ev("L-QUESTION", 8, 14),  # overlaps, not nested: kept
        ev("L-QUESTION", 10, 12),  # starts at the end of (0, 10), inside (8, 14): nested
        ev("L-QUESTION", 14, 16),  # after: kept
    ]
    assert _dedupe(spans) == [
        ev("L-QUESTION", 0, 10),
        ev("L-EMPATHY", 2, 6),
        ev("L-QUESTION", 8, 14),
        ev("L-QUESTION", 14, 16),
    ]


def test_dedupe_keeps_the_longer_of_two_spans_that_start_together_in_start_order():
    spans = [ev("R-CONTENT", 7, 9), ev("R-CONTENT", 3, 5), ev("R-CONTENT", 3, 8)]
    assert _dedupe(spans) == [ev("R-CONTENT", 3, 8), ev("R-CONTENT", 7, 9)]
    assert _dedupe(iter([])) == []


# -- threshold ---------------------------------------------------------------------------


def test_threshold_of_a_label_and_of_the_corpus_combination():
    coder = make_coder(corpus_model={"threshold": "0.4"})
    assert coder.threshold("listening") == 0.25
    assert coder.threshold("automated_corpus") == 0.4
    assert isinstance(coder.threshold("automated_corpus"), float)
    with pytest.raises(CuecoderError, match=r"Unknown value 'loyalty' for 'label'.*'automated'"):
        coder.threshold("loyalty")


def test_without_a_corpus_combination_automated_corpus_has_no_threshold():
    with pytest.raises(CuecoderError, match="Unknown value 'automated_corpus' for 'label'"):
        make_coder().threshold("automated_corpus")


# -- blend -------------------------------------------------------------------------------

PROBS = np.array([[0.2, 0.4, 0.6, 0.8], [1.0, 0.0, 0.5, 0.1]])
#: lexical probabilities in the lexical head's order: automated, openness, listening, resp.
LEXICAL = np.array([[0.9, 0.7, 0.3, 0.6], [0.0, 0.1, 1.0, 0.2]])


def test_blend_mixes_each_label_with_its_lexical_column_by_its_weight():
    lexical = Lexical(LEXICAL)
    # openness weight 0: unchanged; automated has no weight: unchanged
    coder = make_coder(
        blend={"responsiveness": 0.25, "listening": "0.5", "openness": 0.0}, lexical=lexical
    )
    probs = PROBS.copy()
    out = coder.blend(probs, ["a", "b"])
    expected = np.array(
        [
            [0.75 * 0.2 + 0.25 * 0.6, 0.5 * 0.4 + 0.5 * 0.3, 0.6, 0.8],
            [0.75 * 1.0 + 0.25 * 0.2, 0.5 * 0.0 + 0.5 * 1.0, 0.5, 0.1],
        ]
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(probs, PROBS)  # the input is not changed
    assert lexical.texts == [["a", "b"]]


def test_blend_with_full_weight_is_the_lexical_head():
    coder = make_coder(blend={"automated": 1, "openness": 1}, lexical=Lexical(LEXICAL))
    out = coder.blend(PROBS.copy(), ["a", "b"])
    np.testing.assert_allclose(out[:, 3], [0.9, 0.0], atol=1e-12)
    np.testing.assert_allclose(out[:, 2], [0.7, 0.1], atol=1e-12)
    np.testing.assert_allclose(out[:, :2], PROBS[:, :2], atol=1e-12)


def test_blend_without_a_lexical_head_or_without_texts_is_the_identity():
    probs = PROBS.copy()
    np.testing.assert_array_equal(make_coder().blend(probs, ["a", "b"]), PROBS)
    lexical = Lexical(LEXICAL)
    coder = make_coder(blend={"responsiveness": 0.5}, lexical=lexical)
    empty = np.zeros((0, 4))
    assert coder.blend(empty, []).shape == (0, 4)
    assert lexical.texts == []  # not asked


# -- _score_rows -------------------------------------------------------------------------

#: columns = the heads' probabilities (float32-exact, so a score can sit on a threshold)
X = np.array(
    [
        [0.5, 0.25, 0.75, 0.375],  # every score equal to its threshold: every label True
        [0.4375, 0.1875, 0.6875, 0.3125],  # every score below its threshold: none
        [0.875, 0.0, 0.0, 0.0],  # responsiveness only
    ],
    dtype=np.float32,
)
EVIDENCE = [
    [ev("R-ADDRESS", 3, 8), ev("L-QUESTION", 10, 20), ev("L-QUESTION", 12, 20)],
    [ev("R-CONTENT", 0, 4), ev("O-IDENTITY", 30, 33), ev("A-TEMPLATE", 5, 9)],
    [ev("R-CONTENT", 0, 4), ev("L-EMPATHY", 6, 10), ev("O-IDENTITY", 12, 15)],
]


def test_score_rows_labels_at_or_above_the_threshold_and_shows_the_evidence_of_true_labels():
    featurizer = Featurizer(X, EVIDENCE, [False, True, False])
    coder = make_coder(featurizer=featurizer, kinds=["tensor(float)", "tensor(double)"] * 2)
    probs, labels, shown, truncated = coder._score_rows(["r0", "r1", "r2"], ["c0", None, "c2"], 7)
    np.testing.assert_array_equal(probs, X.astype(np.float64))
    assert labels.dtype == bool
    assert labels.tolist() == [
        [True, True, True, True],
        [False, False, False, False],
        [True, False, False, False],
    ]
    assert shown == [
        [  # the nested question is dropped
            {"subcode": "R-ADDRESS", "start": 3, "end": 8, "text": "3-8"},
            {"subcode": "L-QUESTION", "start": 10, "end": 20, "text": "10-20"},
        ],
        # no label: only the evidence-only sub-code (a signature) is shown
        [{"subcode": "O-IDENTITY", "start": 30, "end": 33, "text": "30-33"}],
        [
            {"subcode": "R-CONTENT", "start": 0, "end": 4, "text": "0-4"},
            {"subcode": "O-IDENTITY", "start": 12, "end": 15, "text": "12-15"},
        ],
    ]
    assert truncated.tolist() == [False, True, False]
    assert featurizer.calls == {
        "texts": ["r0", "r1", "r2"],
        "contexts": ["c0", None, "c2"],
        "transform": (["doc:r0", "doc:r1", "doc:r2"], ["ctx:c0", None, "ctx:c2"], 7),
    }
    # heads declared as double get float64, the others float32
    assert [coder.heads[label].seen for label in LABELS] == [
        [np.float32],
        [np.float64],
        [np.float32],
        [np.float64],
    ]


def test_score_rows_labels_the_blended_score():
    """A head below its threshold that the lexical head lifts above it is labelled, and
    the other way round; the lexical head reads the reply texts."""
    x = np.array([[0.375, 0.5, 0.0, 0.0]], dtype=np.float32)
    lexical = Lexical(np.array([[0.0, 0.0, 0.0, 0.875]]))  # responsiveness .875, listening 0
    featurizer = Featurizer(x, [[]], [False])
    coder = make_coder(
        blend={"responsiveness": 0.5, "listening": 0.75}, lexical=lexical, featurizer=featurizer
    )
    probs, labels, shown, _ = coder._score_rows(["only reply"], [None], 1)
    # .5 * .375 + .5 * .875 = .625 >= .5; .25 * .5 + .75 * 0 = .125 < .25
    np.testing.assert_allclose(probs[0], [0.625, 0.125, 0.0, 0.0], atol=1e-12)
    assert labels.tolist() == [[True, False, False, False]]
    assert shown == [[]]
    assert lexical.texts == [["only reply"]]


def test_score_rows_of_no_reply():
    featurizer = Featurizer(np.zeros((0, 4), np.float32), [], [])
    probs, labels, shown, truncated = make_coder(featurizer=featurizer)._score_rows([], [], 1)
    assert probs.shape == (0, 4)
    assert labels.shape == (0, 4) and labels.dtype == bool
    assert shown == [] and len(truncated) == 0


# -- input cleaning, routing, unsupported languages ----------------------------------------


def test_replies_are_text_or_missing():
    from cuecoder.coder import _as_text

    assert [_as_text(v) for v in ["ok", " ok ", "", " \n", None, 3, float("nan")]] == [
        "ok",
        " ok ",
        None,
        None,
        None,
        None,
        None,
    ]


def test_long_replies_are_cut_at_4096_characters_and_lone_surrogates_repaired():
    from cuecoder.coder import MAX_TEXT_CHARS, _bounded

    assert MAX_TEXT_CHARS == 4096
    assert _bounded(None) == (None, False, False)
    assert _bounded("a" * 4096) == ("a" * 4096, False, False)
    assert _bounded("a" * 4096 + "b") == ("a" * 4096, True, False)
    assert _bounded("cut \ud83d here") == ("cut \ufffd here", False, True)
    # the cut comes first: a surrogate beyond the limit is gone, not repaired
    assert _bounded("a" * 4096 + "\ud83d") == ("a" * 4096, True, False)


def test_each_reply_goes_to_the_model_of_its_language():
    english, chinese = make_coder(), make_coder()
    english.routes = {"en": english, "zh": chinese}
    languages = ["en", "zh", "und", "fr"]
    assert english.route(languages) == [english, chinese, english, None]
    assert english.route(languages, "any") == [english, chinese, english, english]
    with pytest.raises(CuecoderError, match="Unknown value 'all' for 'languages'"):
        english.route(languages, "all")


def test_unscored_replies_in_an_unsupported_language_get_missing_labels():
    import pandas as pd

    from cuecoder.coder import blank_unsupported

    table = pd.DataFrame(
        {
            "openness": [0.9, np.nan, 0.2, np.nan],
            "openness_label": [True, False, False, False],
            "automated": [0.1, np.nan, 0.7, np.nan],
            "automated_label": [False, False, True, False],
            "empty": [False, False, False, True],
            "unsupported_language": [False, True, True, False],
        }
    )
    out = blank_unsupported(table.copy())
    # row 1: not read by any model; row 2 scored anyway (languages="any"); row 3 empty
    for column, expected in [
        ("openness_label", [True, pd.NA, False, False]),
        ("automated_label", [False, pd.NA, True, False]),
    ]:
        assert str(out[column].dtype) == "boolean"
        assert out[column].tolist() == expected
    pd.testing.assert_frame_equal(out[["openness", "automated"]], table[["openness", "automated"]])


class Raw:
    """A head stand-in that returns fixed probabilities, whatever the input."""

    def __init__(self, p) -> None:
        self.p, self.fed = np.asarray(p, dtype=np.float64), []

    def get_inputs(self):
        return [SimpleNamespace(name="features", type="tensor(double)")]

    def run(self, outputs, feed):
        self.fed.append(next(iter(feed.values())))
        return [np.column_stack([1 - self.p, self.p])]


def test_head_probabilities_are_clipped_to_zero_one_and_read_float32_features():
    coder = make_coder()
    coder.heads = {label: Raw([-1e-7, 0.25, 1 + 1e-7]) for label in LABELS}
    X = np.full((3, 2), 0.1)  # float64 features, as a user might pass them
    out = coder.predict_proba(X)
    assert out.dtype == np.float64 and out.shape == (3, 4)
    np.testing.assert_array_equal(out[:, 0], [0.0, 0.25, 1.0])
    fed = coder.heads["openness"].fed[0]
    # a double head gets the features rounded to float32 first, as the scorer's are
    assert fed.dtype == np.float64 and fed[0, 0] == float(np.float32(0.1)) != 0.1
    assert coder.predict_proba(np.zeros((0, 2))).shape == (0, 4)


def test_a_missing_label_of_a_scored_reply_becomes_false():
    import pandas as pd

    from cuecoder.coder import blank_unsupported

    table = pd.DataFrame(
        {
            "automated": [0.9, np.nan, 0.5],
            "automated_label": pd.array([pd.NA, pd.NA, pd.NA], dtype="boolean"),
            "unsupported_language": [False, True, True],
        }
    )
    # row 0 was scored: NA is not a label, it is False; row 2 was scored too
    assert blank_unsupported(table)["automated_label"].tolist() == [False, pd.NA, False]


# -- the featurizer around a stand-in encoder ------------------------------------------------


class Encoder:
    """An encoder stand-in: row i of the embedding is (i + 1, -(i + 1)); text 1 was cut."""

    def __init__(self) -> None:
        self.calls = []

    def encode(self, texts, batch_size=1, return_truncated=False):
        self.calls.append((list(texts), batch_size, return_truncated))
        n = len(texts)
        emb = np.column_stack([np.arange(1, n + 1), -np.arange(1, n + 1)]).astype(np.float64)
        return emb, np.arange(n) == 1


@pytest.fixture()
def featurizer():
    """A featurizer per test (its construction is part of what is tested)."""
    from cuecoder.coder import Featurizer
    from cuecoder.model.folder import DEFAULT_MODEL

    return Featurizer(
        Encoder(),
        DEFAULT_MODEL / "patterns.tsv",
        DEFAULT_MODEL / "lexicons.tsv",
        {"rules": "social"},
    )


def test_the_featurizer_reads_its_profile_and_tables(tmp_path):
    from cuecoder.coder import Featurizer
    from cuecoder.model.folder import DEFAULT_MODEL

    lexicons = tmp_path / "lexicons.tsv"
    lexicons.write_text("lexicon\tword\tprovenance\nsecond\tYou\ttest\n", encoding="utf-8")
    plain = Featurizer(Encoder(), DEFAULT_MODEL / "patterns.tsv", lexicons, {"rules": "none"})
    assert plain.text_profile == {"language": "en", "rules": "none"}
    assert [t.text for t in plain.tokenize(["ok #sale"])[0]] == ["ok", "#", "sale"]
    assert plain.matcher.lexicons == {"second": frozenset({"you"})}


def test_the_featurizer_tokenizes_with_the_profile_and_skips_missing_contexts(featurizer):
    assert featurizer.text_profile == {"language": "en", "rules": "social"}
    assert [t.text for t in featurizer.tokenize(["ok #sale"])[0]] == ["ok", "#sale"]
    docs = featurizer.tokenize(["Hi Maria!", "@amy ok?"])
    assert [[t.text for t in d] for d in docs] == [["Hi", "Maria", "!"], ["@amy", "ok", "?"]]
    optional = featurizer.tokenize_optional([None, "late jacket", "  ", 5, "ok"])
    assert [None if d is None else d.text for d in optional] == [
        None,
        "late jacket",
        None,
        None,
        "ok",
    ]


def test_the_design_matrix_is_the_embedding_then_the_codebook_features(featurizer):
    from cuecoder.cues.features import FEATURE_NAMES, featurize

    replies = ["Hi Maria, sorry the jacket is late! Which size?", "Thanks for waiting."]
    docs = featurizer.tokenize(replies)
    ctx = featurizer.tokenize_optional(["my jacket is late", None])
    featurizer.encoder.calls.clear()
    X, evidence, truncated = featurizer.transform(docs, ctx, batch_size=4)
    assert X.dtype == np.float32 and X.shape == (2, 2 + len(FEATURE_NAMES))
    np.testing.assert_array_equal(X[:, :2], [[1, -1], [2, -2]])
    matcher, lexicons = featurizer.matcher, featurizer.matcher.lexicons
    for i in range(2):
        assert evidence[i] == matcher(docs[i], ctx[i])
        expected = featurize(docs[i], evidence[i], lexicons, ctx[i]).astype(np.float32)
        np.testing.assert_array_equal(X[i, 2:], expected)
    assert [e.subcode for e in evidence[0]].count("R-CONTENT") == 2  # the context was used
    assert truncated.tolist() == [False, True]
    assert featurizer.encoder.calls == [(replies, 4, True)]
    # without contexts: as if every context were missing
    X2, evidence2, _ = featurizer.transform(docs)
    assert evidence2 == [matcher(d) for d in docs]
    assert featurizer.encoder.calls[-1][1] == 1


def test_features_tokenize_replies_and_contexts():
    featurizer = Featurizer(np.zeros((1, 4), np.float32), [[]], [False])
    coder = make_coder(featurizer=featurizer)
    assert coder.features(["a reply"], ["its context"], batch_size=3)[0].shape == (1, 4)
    assert featurizer.calls == {
        "texts": ["a reply"],
        "contexts": ["its context"],
        "transform": (["doc:a reply"], ["ctx:its context"], 3),
    }
    featurizer.calls.clear()
    coder.features(["a reply"])
    assert "contexts" not in featurizer.calls
    assert featurizer.calls["transform"][1:] == (None, 1)  # no contexts, one at a time


# -- Coder.score from stand-ins ----------------------------------------------------------------


class ByText:
    """A featurizer stand-in whose design-matrix row, evidence and truncation are given per
    reply text; records what it was asked."""

    def __init__(self, rows: dict, cut=()) -> None:
        self.rows, self.cut, self.seen = rows, set(cut), []

    def tokenize(self, texts):
        return list(texts)

    def tokenize_optional(self, texts):
        return list(texts)

    def transform(self, docs, context_docs, batch_size):
        self.seen.append((list(docs), list(context_docs), batch_size))
        X = np.array([self.rows[d][0] for d in docs], dtype=np.float32).reshape(len(docs), 4)
        return X, [list(self.rows[d][1]) for d in docs], np.array([d in self.cut for d in docs])


SORRY = "Hi Maria, so sorry the jacket came late!"
FIXED = "We fixed the broken zip on your order today."
CHINESE = "亲，已为您办理退款。"
GERMAN = "Vielen Dank für Ihre Nachricht, wir melden uns morgen."
THUMBS = "👍"
ROWS = {
    # responsiveness .5 (= its threshold), listening .25 (=), openness 0, automated 0
    SORRY: ([0.5, 0.25, 0.0, 0.0], [ev("R-ADDRESS", 3, 8), ev("A-TEMPLATE", 0, 2)]),
    # responsiveness below, listening, openness (= .75) and automated (.5 > .375) above
    FIXED: ([0.25, 0.5, 0.75, 0.5], [ev("L-QUESTION", 0, 5), ev("O-IDENTITY", 40, 44)]),
    THUMBS: ([0.0, 0.0, 1.0, 0.0], []),
    GERMAN: ([1.0, 1.0, 1.0, 1.0], []),
}
COLUMNS = [
    *LABELS,
    "interactivity",
    *(f"{c}_label" for c in [*LABELS, "interactivity"]),
    "evidence",
    "empty",
    "truncated",
    "language",
    "unsupported_language",
]


def english_coder(rows=ROWS, cut=()) -> Coder:
    coder = make_coder(featurizer=ByText(rows, cut))
    coder.routes, coder.paths = {"en": coder}, (None,)
    coder.encoder = SimpleNamespace(max_tokens=256)
    return coder


def test_score_puts_each_reply_in_its_row_with_composites_and_flags():
    coder = english_coder()
    with pytest.warns(UserWarning, match="2 of 4 replies were empty"):
        table = coder.score([SORRY, "  ", None, FIXED], ["it is late", None, None, "broken zip"])
    assert list(table.columns) == COLUMNS
    nan = np.nan
    np.testing.assert_array_equal(
        table[[*LABELS, "interactivity"]].to_numpy(),
        [
            [0.5, 0.25, 0.0, 0.0, 0.375],
            [nan] * 5,
            [nan] * 5,
            [0.25, 0.5, 0.75, 0.5, 0.375],
        ],
    )
    labels = table[[f"{c}_label" for c in [*LABELS, "interactivity"]]]
    assert all(str(t) == "boolean" for t in labels.dtypes)
    assert labels.to_numpy().tolist() == [
        [True, True, False, False, True],
        [False] * 5,
        [False] * 5,
        [False, True, True, True, True],
    ]
    assert table["evidence"].tolist() == [
        [{"subcode": "R-ADDRESS", "start": 3, "end": 8, "text": "3-8"}],
        [],
        [],
        [
            {"subcode": "L-QUESTION", "start": 0, "end": 5, "text": "0-5"},
            {"subcode": "O-IDENTITY", "start": 40, "end": 44, "text": "40-44"},
        ],
    ]
    assert table["empty"].tolist() == [False, True, True, False]
    assert table["truncated"].tolist() == [False] * 4
    assert table["language"].tolist() == ["en", "und", "und", "en"]
    assert table["unsupported_language"].tolist() == [False] * 4
    assert list(table.index) == [0, 1, 2, 3]
    # only the replies with text were scored, with their contexts, one call, batch 1
    assert coder.featurizer.seen == [([SORRY, FIXED], ["it is late", "broken zip"], 1)]


def test_score_checks_contexts_and_passes_the_batch_size():
    import pandas as pd

    coder = english_coder()
    with pytest.raises(CuecoderError, match="'contexts' has 1 entries but 'replies' has 2"):
        coder.score([SORRY, FIXED], ["only one"])
    table = coder.score(pd.Series([FIXED, SORRY], index=[7, 3]), batch_size=5)
    assert list(table.index) == [0, 1] and table["responsiveness"].tolist() == [0.25, 0.5]
    assert coder.featurizer.seen[-1] == ([FIXED, SORRY], [None, None], 5)


def test_score_cuts_long_replies_and_counts_encoder_truncation():
    long = "word " * 820  # 4,100 characters: cut at 4,096
    rows = {**ROWS, long[:4096]: ([0.5, 0.5, 0.5, 0.5], [])}
    coder = english_coder(rows, cut={FIXED})
    with pytest.warns(UserWarning) as caught:
        table = coder.score([long, FIXED, SORRY])
    messages = [str(w.message) for w in caught]
    assert any("Of 3 replies, 1 were longer than 4,096 characters" in m for m in messages)
    assert "[W002] 1 of 3 replies were longer than 256 tokens and were truncated." in messages
    assert table["truncated"].tolist() == [True, True, False]
    assert coder.featurizer.seen[-1][0] == [long[:4096], FIXED, SORRY]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing cut, nothing truncated: no warning
        english_coder().score([SORRY])


def test_score_routes_replies_by_language_and_flags_the_rest():
    english = english_coder()
    chinese = make_coder(
        thresholds=dict.fromkeys(LABELS, 0.875),
        featurizer=ByText(
            {CHINESE: ([0.75, 0.875, 0.5, 0.25], [ev("R-ADDRESS", 0, 1), ev("L-ACK", 1, 2)])}
        ),
    )
    english.routes = {"en": english, "zh": chinese}
    replies = [GERMAN, CHINESE, THUMBS, SORRY]
    with pytest.warns(UserWarning, match=r"1 of 4 replies are in languages no loaded .*de: 1"):
        table = english.score(replies)
    assert table["language"].tolist() == ["de", "zh", "und", "en"]
    assert table["unsupported_language"].tolist() == [True, False, False, False]
    np.testing.assert_array_equal(
        table[list(LABELS)].to_numpy()[1:],
        [[0.75, 0.875, 0.5, 0.25], [0.0, 0.0, 1.0, 0.0], [0.5, 0.25, 0.0, 0.0]],
    )
    assert np.isnan(table.loc[0, list(LABELS)].to_numpy(dtype=float)).all()
    # the German reply has no label; the Chinese one has the Chinese model's thresholds
    assert table["listening_label"].tolist() == [pd_na(), True, False, True]
    assert table["responsiveness_label"].tolist() == [pd_na(), False, False, True]
    assert table["openness_label"].tolist() == [pd_na(), False, True, False]
    # responsiveness .75 < .875: its address is not shown; listening .875: its ack is
    assert table["evidence"].tolist()[1] == [
        {"subcode": "L-ACK", "start": 1, "end": 2, "text": "1-2"}
    ]
    assert chinese.featurizer.seen == [([CHINESE], [None], 1)]
    assert english.featurizer.seen == [([THUMBS, SORRY], [None, None], 1)]
    # languages="any": the German reply is scored by this model, still flagged
    with pytest.warns(UserWarning, match="languages='any': 1 of 4 replies .* by 'stand-in'"):
        anyway = english.score(replies, languages="any")
    assert anyway["unsupported_language"].tolist() == [True, False, False, False]
    assert anyway.loc[0, list(LABELS)].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert bool(anyway.loc[0, "automated_label"]) is True


def pd_na():
    import pandas as pd

    return pd.NA


def test_score_with_corpus_evidence_uses_the_replies_as_the_corpus():
    """The corpus path: the replies (with accounts and recipients) are the template corpus,
    combined by the model that scored each row."""
    import json

    import pandas as pd

    from cuecoder.coder import blank_unsupported
    from cuecoder.model.folder import DEFAULT_MODEL
    from cuecoder.templates.evidence import add_corpus_evidence, find_templates

    corpus_model = json.loads((DEFAULT_MODEL / "meta.json").read_text())["corpus_evidence"]
    rows = {**ROWS, FIXED + " x": ([0.25, 0.5, 0.75, 0.25], [])}
    coder = english_coder(rows)
    coder.corpus_model = corpus_model
    replies = [FIXED, FIXED, SORRY, FIXED + " x"]
    accounts, recipients = ["a", "a", "b", "a"], ["u1", "u2", "u3", "u1"]
    plain = coder.score(replies)
    table = coder.score(replies, corpus_evidence=True, accounts=accounts, recipients=recipients)
    found = find_templates(replies, corpus_model, accounts, recipients)
    expected = blank_unsupported(add_corpus_evidence(plain, found, corpus_model))
    pd.testing.assert_frame_equal(table, expected)
    assert table["template_size"].tolist() == [3, 3, 1, 3]
    assert table["template_recipients"].tolist() == [2, 2, 1, 2]
    # two loaded models: each row gets the combination of the model that scored it
    other = make_coder(featurizer=ByText({CHINESE: ([0.0, 0.0, 0.0, 0.75], [])}))
    other.corpus_model = None
    coder.routes, coder.paths = {"en": coder, "zh": other}, (None, None)
    mixed = [FIXED, FIXED, CHINESE]
    table = coder.score(mixed, corpus_evidence=True)
    found = find_templates(mixed, corpus_model)
    models = [corpus_model, corpus_model, None]
    expected = blank_unsupported(add_corpus_evidence(coder.score(mixed), found, models))
    pd.testing.assert_frame_equal(table, expected)


def test_repr_names_the_model_and_its_languages():
    coder = english_coder()
    coder.meta["version"] = "0.1.0"
    coder.routes = {"zh": None, "en": coder}
    assert repr(coder) == "Coder(name='stand-in', version='0.1.0', languages=[en, zh])"


MEGAN = "Hi, Megan!  We love you too!  ^SP"  # fastText unsure (Italian .30, English second)


def test_score_prefers_the_languages_of_the_loaded_models_and_skips_a_model_without_text():
    english = english_coder({**ROWS, MEGAN: ([0.5, 0.5, 0.5, 0.5], [])})
    chinese = make_coder(featurizer=ByText({CHINESE: ([0.75, 0.875, 0.5, 0.25], [])}))
    english.routes = {"en": english, "zh": chinese}
    table = english.score([MEGAN])
    assert table["language"].tolist() == ["en"] and table["responsiveness"].tolist() == [0.5]
    # the first model routed (this one, for the empty reply) has no text to score
    with pytest.warns(UserWarning, match="1 of 2 replies were empty"):
        table = english.score(["", CHINESE])
    assert table["automated"].tolist()[1] == 0.25


def test_score_with_corpus_evidence_takes_the_index_settings_and_accounts_of_the_model():
    import json

    from cuecoder.model.folder import DEFAULT_MODEL

    corpus_model = json.loads((DEFAULT_MODEL / "meta.json").read_text())["corpus_evidence"]
    by_account = {**corpus_model, "index": {**corpus_model["index"], "by": "account"}}
    rows = {**ROWS, FIXED + " x": ([0.25, 0.5, 0.75, 0.25], [])}
    coder = english_coder(rows)
    coder.corpus_model = by_account
    replies, accounts = [FIXED, FIXED, SORRY, FIXED + " x"], ["a", "b", "b", "a"]
    table = coder.score(replies, corpus_evidence=True, accounts=accounts)
    assert table["template_size"].tolist() == [2, 1, 1, 2]  # within each account
    coder.corpus_model = {**corpus_model, "index": {**corpus_model["index"], "min_size": 4}}
    table = coder.score(replies, corpus_evidence=True)
    assert table["template_size"].tolist() == [3, 3, 1, 3]
    assert table["template_id"].isna().all()  # 3 replies: below min_size 4


def test_corpus_evidence_of_a_reply_scored_anyway_uses_this_model():
    import json

    from cuecoder.model.folder import DEFAULT_MODEL
    from cuecoder.templates.evidence import combine_automated

    corpus_model = json.loads((DEFAULT_MODEL / "meta.json").read_text())["corpus_evidence"]
    coder = english_coder({**ROWS, GERMAN: ([0.5, 0.5, 0.5, 0.5], [])})
    coder.corpus_model = corpus_model
    other = make_coder(featurizer=ByText({CHINESE: ([0.0, 0.0, 0.0, 0.75], [])}))
    coder.routes, coder.paths = {"en": coder, "zh": other}, (None, None)
    with pytest.warns(UserWarning, match="languages='any'"):
        table = coder.score([GERMAN, CHINESE], corpus_evidence=True, languages="any")
    # the German reply, read by this model, gets this model's combination, not none
    expected = combine_automated(np.array([0.5]), np.array([1]), np.array([1]), corpus_model)
    np.testing.assert_allclose(table["automated_corpus"].iloc[0], expected[0])
    assert abs(table["automated_corpus"].iloc[0] - 0.5) > 0.01  # combined, not kept
