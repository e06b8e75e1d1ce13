from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cuecoder.model.lexical import TOKEN_PATTERN, LexicalHead, ngrams

sklearn = pytest.importorskip("sklearn", reason="the reference needs the [train] extra")

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

TRAIN = [
    "Hi Maria, so sorry the jacket came late! Which size was it?",
    "Please DM us your order number and we'll take a look.",
    "Please DM us your order number so we can help.",
    "I LOVE this colour too, it's my go-to for summer 😍",
    "Thanks for reaching out. Please DM us your email address.",
    "We hear you, that's not the experience we want for you. Which store?",
    "Honestly I cried at the finale too, our whole team did.",
    "Sorry for the wait! Fixed now? Let us know how it goes.",
]
ODD = [
    "",  # no token at all
    "!!! ??? 😍😍",
    "Café crème, naïve façade: déjà vu",  # accents split tokens under the ASCII pattern
    "DM DM DM us us us",  # repeated n-grams: term frequency
    "I'm ok",  # one-letter tokens dropped
    "x" * 300 + " please dm us",
    *TRAIN,
]


def test_ngrams_equal_scikit_learn_analyzer():
    analyzer = TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=(1, 2)).build_analyzer()
    for text in ODD:
        assert ngrams(text) == analyzer(text)


def test_stored_head_equals_scikit_learn(tmp_path):
    vec = TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=(1, 2), min_df=1)
    X = vec.fit_transform(TRAIN)
    y = {"listening": [1, 0, 0, 0, 0, 1, 0, 1], "openness": [0, 0, 0, 1, 0, 0, 1, 0]}
    models = {k: LogisticRegression(C=3.0).fit(X, v) for k, v in y.items()}
    table = pd.DataFrame({"ngram": vec.get_feature_names_out(), "idf": vec.idf_})
    for k, m in models.items():
        table[k] = m.coef_[0]
    table.to_csv(tmp_path / "lexical.tsv", sep="\t", index=False, float_format="%.17g")
    head = LexicalHead(tmp_path / "lexical.tsv", {k: m.intercept_[0] for k, m in models.items()})
    ours = head.predict_proba(ODD)
    for j, k in enumerate(head.labels):
        ref = models[k].predict_proba(vec.transform(ODD))[:, 1]
        np.testing.assert_allclose(ours[:, j], ref, atol=1e-12)
    # a text with no known n-gram gets the intercept alone
    assert ours[0, 0] == pytest.approx(1 / (1 + np.exp(-models["listening"].intercept_[0])))
