"""The codebook's composites and code checks, and the corpus-evidence combination, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cuecoder.codebook import add_composites, check_codes, label_column
from cuecoder.errors import CuecoderError
from cuecoder.templates.evidence import (
    add_corpus_evidence,
    combine_automated,
    corpus_features,
    find_templates,
    index_from_params,
)


def test_label_column():
    assert label_column("interactivity") == "interactivity_label"


def test_composite_is_the_mean_of_its_parts_and_either_label():
    table = pd.DataFrame(
        {
            "responsiveness": [0.9, 0.1, np.nan],
            "listening": [0.3, 0.2, 0.8],
            "responsiveness_label": [True, False, False],
            "listening_label": [False, False, True],
        }
    )
    out = add_composites(table)
    assert out is table
    np.testing.assert_allclose(out["interactivity"], [0.6, 0.15, np.nan])
    assert out["interactivity_label"].tolist() == [True, False, True]
    assert out["interactivity_label"].dtype == bool


def test_composite_needs_both_parts():
    probs_only = add_composites(pd.DataFrame({"responsiveness": [0.5], "listening": [0.7]}))
    assert "interactivity_label" not in probs_only
    assert probs_only["interactivity"].tolist() == [pytest.approx(0.6)]
    labels_only = add_composites(
        pd.DataFrame({"responsiveness_label": [False], "listening_label": [True]})
    )
    assert "interactivity" not in labels_only and labels_only["interactivity_label"].tolist() == [
        True
    ]
    one_part = add_composites(pd.DataFrame({"listening": [0.7], "listening_label": [True]}))
    assert list(one_part.columns) == ["listening", "listening_label"]


def test_check_codes_accepts_consistent_rows_and_evidence_only_codes():
    frame = pd.DataFrame(
        {
            "item_id": ["a", "b"],
            "responsiveness": [1, 0],
            "listening": [1, 0],
            "openness": [0, 1],
            "automated": [0, 1],
            "subcodes": ["R-ANSWER;L-QUESTION;O-IDENTITY", "O-FEELING;A-TEMPLATE;O-IDENTITY"],
        }
    )
    assert check_codes(frame) == []
    frame.loc[0, "openness"] = 1  # O-IDENTITY alone does not make openness 1
    frame.loc[1, "listening"] = 1
    assert check_codes(frame) == [
        "a: openness=1 without a sub-code",
        "b: listening=1 without a sub-code",
    ]


def test_combine_automated_by_hand():
    # z = b0 + b1 logit(p) + b2 log(size) + b3 log(recipients); p clipped to [1e-4, 1 - 1e-4]
    params = {"coef": [0.5, 1.0, -2.0], "intercept": 0.25}
    out = combine_automated([0.8, 0.0, 1.0], [3, 0, 1], [2, 1, 5], params)
    logit = np.log(np.array([0.8, 1e-4, 1 - 1e-4]) / (1 - np.array([0.8, 1e-4, 1 - 1e-4])))
    z = 0.25 + 0.5 * logit + 1.0 * np.log([3, 1, 1]) - 2.0 * np.log([2, 1, 5])
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(
        corpus_features([0.5], [0], [0]), [[0.0, 0.0, 0.0]], atol=1e-15
    )  # sizes below 1 count as 1
    with pytest.raises(CuecoderError, match="E405"):
        combine_automated([0.5], [1], [1], {"coef": [1.0, 1.0], "intercept": 0.0})


def test_index_from_params_takes_the_fitted_settings():
    index = index_from_params({"index": {"threshold": 0.9, "min_size": 3}})
    assert index.threshold == 0.9 and index.min_size == 3
    default = index_from_params(None)
    assert default.threshold == index_from_params({}).threshold


def test_find_templates_warns_for_a_list_much_smaller_than_the_fit(caplog):
    texts = ["thanks for reaching out, we will look into it"] * 3
    with caplog.at_level("WARNING"):
        find_templates(texts, {"fit": {"corpus_size": 31}})
    assert "E407" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        find_templates(texts, {"fit": {"corpus_size": 30}})
    assert "E407" not in caplog.text


def test_add_corpus_evidence_uses_each_rows_own_model():
    table = pd.DataFrame(
        {"automated": [0.5, 0.5, 0.5], "automated_label": [True, False, True], "evidence": [[]] * 3}
    )
    found = pd.DataFrame(
        {"template_id": ["t1", "t1", None], "template_size": [2, 2, 1],
         "template_recipients": [2, 2, 1]}
    )  # fmt: skip
    first = {"coef": [1.0, 1.0, 0.0], "intercept": 0.0, "threshold": 0.6}
    second = {"coef": [1.0, 0.0, 0.0], "intercept": 0.0, "threshold": 0.6}
    out = add_corpus_evidence(table, found, [first, second, None])
    # sigmoid(0 + log 2) = 2/3 for the first; the second ignores size; None keeps p and label
    np.testing.assert_allclose(out["automated_corpus"], [2 / 3, 0.5, 0.5], rtol=1e-12)
    assert out["automated_corpus_label"].tolist() == [True, False, True]
    assert out["template_id"].tolist()[:2] == ["t1", "t1"] and pd.isna(out["template_id"][2])
    assert out["template_recipients"].dtype == np.int64
    assert list(out.columns) == [
        "automated", "automated_label", "automated_corpus", "automated_corpus_label",
        "template_id", "template_size", "template_recipients", "evidence",
    ]  # fmt: skip
    with pytest.raises(CuecoderError, match="E401"):
        add_corpus_evidence(table, found.iloc[:2], first)
    with pytest.raises(CuecoderError, match="E401"):
        add_corpus_evidence(table, found, [first, second])


def test_a_combined_score_equal_to_its_threshold_is_labelled():
    # intercept 0, coef [1, 0, 0], p = .5: sigmoid(logit(.5)) = .5 = the threshold
    table = pd.DataFrame({"automated": [0.5], "automated_label": [False]})
    found = pd.DataFrame({"template_id": ["t"], "template_size": [4], "template_recipients": [4]})
    params = {"coef": [1.0, 0.0, 0.0], "intercept": 0.0, "threshold": 0.5}
    out = add_corpus_evidence(table, found, params)
    assert out["automated_corpus"].tolist() == [0.5]
    assert out["automated_corpus_label"].tolist() == [True]
    assert out["automated_corpus_label"].dtype == bool
    assert list(out.columns)[-1] == "template_recipients"  # no evidence column: at the end
    assert out["template_id"].dtype == "string"


def test_without_a_combination_the_per_reply_label_stays_and_a_warning_says_so(caplog):
    table = pd.DataFrame(
        {"automated": [0.9, 0.1, np.nan], "automated_label": pd.array([True, False, pd.NA])},
        index=[10, 11, 12],
    )
    found = pd.DataFrame(
        {"template_id": [None, None, None], "template_size": [1, 1, 0],
         "template_recipients": [1, 1, 0]},
        index=[0, 1, 2],
    )  # fmt: skip
    with caplog.at_level("WARNING"):
        out = add_corpus_evidence(table, found, None)
    assert "E406" in caplog.text
    assert out.index.tolist() == [10, 11, 12] and len(out) == 3
    assert out["automated_corpus_label"].tolist() == [True, False, False]  # NA is not True
    assert out["template_id"].dtype == "string"  # even when no reply is in a template
    np.testing.assert_allclose(out["automated_corpus"], [0.9, 0.1, np.nan])
    caplog.clear()
    with caplog.at_level("WARNING"):
        add_corpus_evidence(table, found, {"coef": [1, 0, 0], "intercept": 0, "threshold": 0.5})
    assert "E406" not in caplog.text


def test_find_templates_counts_recipients_and_accounts():
    texts = ["thanks for reaching out, we will look into your order today"] * 3
    found = find_templates(texts, None, accounts=["a", "a", "b"], recipients=["x", "x", "y"])
    assert found["template_size"].tolist() == [3, 3, 3]
    assert found["template_recipients"].tolist() == [2, 2, 2]
    by_account = {"index": {"by": "account"}}
    found = find_templates(texts, by_account, accounts=["a", "a", "b"], recipients=["x", "z", "y"])
    assert found["template_size"].tolist() == [2, 2, 1]
    assert found["template_recipients"].tolist() == [2, 2, 1]
