"""Context rules: values worked out by hand for fixed message/reply pairs."""

from __future__ import annotations

import math

import pytest

from cuecoder.cues.context import CONTEXT_FEATURES, context_rules, sentences
from cuecoder.cues.evidence import data_files, read_lexicons
from cuecoder.text.tokenizer import make_nlp

L1, L2 = math.log1p(1), math.log1p(2)


@pytest.fixture(scope="module")
def en():
    return make_nlp("en"), read_lexicons(data_files("en")[1])


@pytest.fixture(scope="module")
def zh():
    return make_nlp("zh"), read_lexicons(data_files("zh")[1])


def rules(lang, message, reply):
    nlp, lexicons = lang
    context = nlp.tokenizer(message) if message is not None else None
    return dict(
        zip(CONTEXT_FEATURES, context_rules(nlp.tokenizer(reply), context, lexicons), strict=True)
    )


def test_an_answer_to_their_question_with_the_place_they_named(en):
    got = rules(
        en,
        "When does the King St store open? Asking for Monday",
        "Hi Maria, the King St store opens at 9. Which day suits you?",
    )
    # message content words: king, st, store, open, asking, monday
    # reply sentence 1 (statement) shares king, st, store; sentence 2 is a question sharing none
    assert got["cx_message_question"] == 1.0
    assert got["cx_answer_overlap"] == pytest.approx(L1)
    assert got["cx_problem_questions"] == pytest.approx(L1)
    assert got["cx_context_questions"] == 0.0
    # "King" and "St" are capitalised mid-sentence and shared; "store" is not capitalised
    assert got["cx_shared_specific"] == pytest.approx(L2)
    assert got["cx_tied_sentences"] == pytest.approx(1 / 2)


def test_a_request_for_an_identifier_is_not_a_question_about_their_problem(en):
    got = rules(
        en,
        "my order never arrived!!",
        "Sorry to hear that. Can you DM us your order number and email address?",
    )
    assert got["cx_identifier_requests"] == pytest.approx(L1)
    assert got["cx_problem_questions"] == 0.0
    # "order" is shared but an identifier word: it ties neither sentence to the message
    assert got["cx_context_questions"] == 0.0
    assert got["cx_tied_sentences"] == 0.0
    assert got["cx_message_question"] == 0.0


def test_a_stock_closing_is_not_a_question_about_their_problem(en):
    got = rules(en, "the app crashes", "We're sorry. Is there anything else we can help with?")
    assert got["cx_problem_questions"] == 0.0
    assert got["cx_identifier_requests"] == 0.0


def test_a_question_about_their_problem_counts(en):
    got = rules(en, "the app crashes when I log in", "Which phone is the app crashing on?")
    assert got["cx_problem_questions"] == pytest.approx(L1)
    assert got["cx_context_questions"] == pytest.approx(L1)  # shares "app"


def test_no_message_gives_zeros(en):
    assert set(rules(en, None, "Which phone is it?").values()) == {0.0}
    assert set(rules(en, "", "Which phone is it?").values()) == {0.0}


def test_sentences_end_at_question_marks_and_stops(en):
    nlp, _ = en
    doc = nlp.tokenizer("Got it. Which store? Thanks")
    assert [(doc[s:e].text, q) for s, e, q in sentences(doc)] == [
        ("Got it.", False),
        ("Which store?", True),
        ("Thanks", False),
    ]


def test_chinese_identifier_request(zh):
    got = rules(zh, "我的订单还没到", "请私信提供您的手机号和订单号。")
    assert got["cx_identifier_requests"] == pytest.approx(L1)
    assert got["cx_problem_questions"] == 0.0


def test_chinese_question_about_the_problem(zh):
    got = rules(zh, "我的手机屏幕坏了", "请问屏幕是什么时候开始坏的？")
    assert got["cx_problem_questions"] == pytest.approx(L1)
    assert got["cx_context_questions"] == pytest.approx(L1)
