"""Replies go to the model for their language; other languages are flagged, never scored
as "absent" (issue "Chinese replies"). Replies written for the tests."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import cuecoder
from cuecoder.codebook import LABELS
from cuecoder.corpus.batch import score_corpus
from cuecoder.errors import CuecoderError
from cuecoder.model.folder import CHINESE_MODEL, DEFAULT_MODEL

EN = "So sorry the jacket came late, Maria! Which size did you order?"
ZH = "宝子们，我自己也是油皮，用这款粉底液定妆后能撑一整天！你是什么肤质呀？"
ZH_CONTEXT = "油皮能用吗？会不会脱妆"
FR = "Merci beaucoup pour votre message, nous vérifions votre commande tout de suite."
EMOJI = "😍😍🙌"
LABEL_COLUMNS = [f"{label}_label" for label in LABELS]


@pytest.fixture(scope="module")
def english():
    return cuecoder.load(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def chinese():
    return cuecoder.load(CHINESE_MODEL)


def test_the_shipped_models_declare_english_and_chinese(coder):
    assert coder.routes["en"].path == DEFAULT_MODEL
    assert coder.routes["zh"].path == CHINESE_MODEL
    assert coder.routes["zh"].meta["text"]["language"] == "zh"


def test_a_mixed_corpus_is_one_run(coder, english, chinese):
    with pytest.warns(UserWarning, match=r"W120.*fr: 1"):
        table = coder.score([EN, ZH, FR, EMOJI], [None, ZH_CONTEXT, None, None])
    assert table["language"].tolist() == ["en", "zh", "fr", "und"]
    assert table["unsupported_language"].tolist() == [False, False, True, False]
    probs = list(LABELS)
    alone_en = english.score([EN, EMOJI])
    alone_zh = chinese.score([ZH], [ZH_CONTEXT])
    np.testing.assert_allclose(table.loc[[0, 3], probs], alone_en[probs], rtol=1e-12)
    np.testing.assert_allclose(table.loc[[1], probs], alone_zh[probs], rtol=1e-12)
    assert table.loc[1, "evidence"] == alone_zh.loc[0, "evidence"]
    # French: no loaded model reads it, so nothing is coded "absent"
    assert all(math.isnan(table.loc[2, c]) for c in probs)
    assert table.loc[2, LABEL_COLUMNS].isna().all()


def test_languages_any_scores_every_reply_with_a_warning(coder, english):
    with pytest.warns(UserWarning, match="W121"):
        table = coder.score([FR], languages="any")
    assert table.loc[0, "unsupported_language"]  # scored, but by a model not made for it
    assert table.loc[0, LABEL_COLUMNS].notna().all()
    expected = english.score([FR], languages="any")
    np.testing.assert_allclose(table[list(LABELS)], expected[list(LABELS)], rtol=1e-12)


def test_an_unknown_languages_mode_is_refused(coder):
    with pytest.raises(CuecoderError, match=r"E121.*'every'"):
        coder.score([EN], languages="every")


def test_an_english_model_alone_flags_chinese(english):
    with pytest.warns(UserWarning, match=r"W120.*zh: 1"):
        table = english.score([ZH])
    assert table.loc[0, "unsupported_language"]
    assert table.loc[0, LABEL_COLUMNS].isna().all()


def test_score_corpus_routes_and_counts(coder, tmp_path):
    path = tmp_path / "mixed.csv"
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "text": [EN, ZH, FR, EMOJI],
            "context": [None, ZH_CONTEXT, None, None],
        }
    )
    frame.to_csv(path, index=False)
    out = tmp_path / "scored.parquet"
    summary = score_corpus(path, out, context_col="context", progress=False, model=coder)
    assert summary.rows_scored == 4 and summary.rows_unsupported_language == 1
    scored = pd.read_parquet(out)
    assert scored["language"].tolist() == ["en", "zh", "fr", "und"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = coder.score(frame["text"], frame["context"])
    np.testing.assert_allclose(scored[list(LABELS)], memory[list(LABELS)], rtol=1e-9)


def test_chinese_replies_find_chinese_templates():
    from cuecoder.templates.index import TemplateIndex

    stock = "您好，请您以私信的方式提供宽带账号以及您的姓名、联系方式，以便我们为您核实。"
    replies = [f"@用户{i} {stock}" for i in range(4)] + [
        "亲，您说的情况我们已经记录了，工程师明天上门。",
        "这个颜色我自己也超喜欢，黄皮也很显白！",
    ]
    found = TemplateIndex(min_size=2).add(replies).finalize().lookup(replies)
    assert found["template_size"].tolist()[:4] == [4, 4, 4, 4]
    assert found["template_size"].tolist()[4:] == [1, 1]
