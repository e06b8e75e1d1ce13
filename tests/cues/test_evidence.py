"""Evidence spans at exact offsets, written out by hand for fixed replies (character
positions counted on the strings below, not taken from the matcher).

The matcher is built from the default model folder's pattern and lexicon tables and its
tokenizer, without loading the encoder: the same spans the coder finds
(:meth:`cuecoder.coder.Featurizer.transform`)."""

from __future__ import annotations

import pytest

from cuecoder.coder import _dedupe
from cuecoder.cues.evidence import EvidenceMatcher
from cuecoder.model.folder import CHINESE_MODEL, DEFAULT_MODEL
from cuecoder.text.tokenizer import shared_nlp


@pytest.fixture(scope="module")
def nlp():
    return shared_nlp("en", "social")


@pytest.fixture(scope="module")
def matcher(nlp):
    return EvidenceMatcher(nlp, DEFAULT_MODEL / "patterns.tsv", DEFAULT_MODEL / "lexicons.tsv")


def spans(nlp, matcher, reply, context=None, dedupe=True):
    doc = nlp.tokenizer(reply)
    ctx = None if context is None else nlp.tokenizer(context)
    found = matcher(doc, ctx)
    return {(e.subcode, e.text, e.start, e.end) for e in (_dedupe(found) if dedupe else found)}


CASES = [
    (
        "Hi Maria, so sorry the jacket came late! Which size did you order? ^JS",
        "My jacket is late",
        {
            ("R-ADDRESS", "Maria", 3, 8),
            ("L-EMPATHY", "so sorry", 10, 18),
            ("R-CONTENT", "jacket", 23, 29),  # shared with the consumer's message
            ("R-CONTENT", "late", 35, 39),
            ("L-QUESTION", "Which size did you order?", 41, 66),
            ("O-IDENTITY", "^JS", 67, 70),
        },
    ),
    (
        "Thanks for flagging this. Could you tell us which store you visited?",
        None,
        {
            ("L-ACK", "Thanks for flagging", 0, 19),
            ("L-QUESTION", "Could you tell us which store you visited?", 26, 68),
        },
    ),
]


@pytest.mark.parametrize("reply, context, expected", CASES)
def test_spans_are_exactly_where_the_words_are(nlp, matcher, reply, context, expected):
    assert spans(nlp, matcher, reply, context) == expected


# R-ADDRESS: a greeting, then a capitalised name that is not a stop word, an @handle or
# a word with digits; after leading @handles, "you" and a comma; greeting among the
# first three tokens; only the first greeting counts.
ADDRESS = [
    ("@amy @bob Thanks, Maria! Your parcel left today.", {("Maria", 18, 23)}),
    ("@amy Hi Maria", {("Maria", 8, 13)}),
    ("@a @b @c Hi Maria", {("Maria", 12, 17)}),  # three handles, then the greeting
    ("Thanks, Maria", {("Maria", 8, 13)}),
    ("Thank you Maria, we fixed it.", {("Maria", 10, 15)}),
    ("Thank you, Maria.", {("Maria", 11, 16)}),
    ("Hi you Jo", {("Jo", 7, 9)}),
    ("Well well hi Maria", {("Maria", 13, 18)}),  # greeting third
    ("Well well well hi Maria", set()),  # greeting fourth: too late
    ("Hi, Sam and hello Jo", {("Sam", 4, 7)}),  # the first greeting only
    ("Morning Jo", {("Jo", 8, 10)}),
    ("Hi There, thanks", set()),  # a stop word, capitalised
    ("Hi maria", set()),  # not capitalised
    ("Hi Maria2", set()),  # not a word
    ("Hey @bob Jo", set()),  # a handle in between
    ("Hi", set()),
    ("Thank you", set()),
    ("Hi you", set()),
    ("Thanks,", set()),
    ("@sam", set()),
]


@pytest.mark.parametrize("reply, expected", ADDRESS)
def test_a_name_after_a_greeting_is_addressed(nlp, matcher, reply, expected):
    found = {(t, s, e) for code, t, s, e in spans(nlp, matcher, reply) if code == "R-ADDRESS"}
    assert found == expected


# L-QUESTION: from the last sentence end (".", "!", a newline or a space token) to the
# token with the question mark, leading @handles left out; spans nested in a longer
# question (patterns) are there before deduplication.
QUESTIONS = [
    (
        "@amy Sorry! @bob why? Is it late? ok.",
        {("why?", 17, 21), ("Is it", 22, 27), ("Is it late?", 22, 33)},
    ),
    ("What?? no. Sure? Yes!", {("What", 0, 4), ("What?", 0, 5), ("Sure?", 11, 16)}),
    ("Ok  any news?", {("any news?", 4, 13)}),  # two spaces: a space token
    ("Got it\nany news?", {("any news?", 7, 16)}),
    ("Yes. @amy @bob ok?", {("ok?", 15, 18)}),
    ("@bob ?", set()),  # nothing but a handle
]


@pytest.mark.parametrize("reply, expected", QUESTIONS)
def test_questions_run_from_the_sentence_start_to_the_question_mark(nlp, matcher, reply, expected):
    found = spans(nlp, matcher, reply, dedupe=False)
    assert {(t, s, e) for code, t, s, e in found if code == "L-QUESTION"} == expected


def test_content_words_shared_with_the_context_and_a_signature(nlp, matcher):
    reply = "We sent the Jacket. Late jackets happen. -Becky"
    assert spans(nlp, matcher, reply, "the jacket was late, jackets") == {
        ("R-ANSWER", "We sent", 0, 7),
        ("R-CONTENT", "Jacket", 12, 18),  # case does not matter
        ("R-CONTENT", "Late", 20, 24),
        ("R-CONTENT", "jackets", 25, 32),
        ("O-IDENTITY", "-Becky", 41, 47),
    }
    # "the" is shared too, but a stop word; an empty or missing context shares nothing
    assert spans(nlp, matcher, "We have the jacket", "the jacket") == {
        ("R-CONTENT", "jacket", 12, 18)
    }
    assert spans(nlp, matcher, "We have the jacket", "") == set()
    assert spans(nlp, matcher, "We have the jacket", None) == set()


def test_matcher_lists_spans_by_start_then_end(nlp, matcher):
    doc = nlp.tokenizer("@amy Sorry! @bob why? Is it late? ok.")
    assert [(e.subcode, e.start, e.end) for e in matcher(doc)] == [
        ("L-EMPATHY", 5, 10),
        ("L-QUESTION", 17, 21),
        ("L-QUESTION", 22, 27),
        ("L-QUESTION", 22, 33),
    ]


# O-IDENTITY from a pattern ("this is", "my name is"): only with a capitalised word after
IDENTITY = [
    ("This is Sam from support.", {("This is Sam", 0, 11)}),
    ("This is great. This is Sam", {("This is Sam", 15, 26)}),  # the second match
    ("this is sam", set()),
    ("my name is Sam2", set()),
    ("Hi! This is", set()),  # nothing after the pattern
]


@pytest.mark.parametrize("reply, expected", IDENTITY)
def test_an_identity_pattern_needs_a_name_after_it(nlp, matcher, reply, expected):
    found = {(t, s, e) for code, t, s, e in spans(nlp, matcher, reply) if code == "O-IDENTITY"}
    assert found == expected


def test_text_patterns_are_found_case_blind_at_every_occurrence(nlp, tmp_path):
    """``text`` rows (literal strings, as in the Chinese tables) match the lower-cased
    reply anywhere, overlapping occurrences included."""
    table = tmp_path / "patterns.tsv"
    table.write_text(
        "subcode\tkind\tpattern\tprovenance\nA-MARKER\ttext\taa\ttest\nL-ACK\ttext\tGot It\ttest\n",
        encoding="utf-8",
    )
    literal = EvidenceMatcher(nlp, table, DEFAULT_MODEL / "lexicons.tsv")
    found = spans(nlp, literal, "Aaa, got it? AA", dedupe=False)
    assert {f for f in found if f[0] != "L-QUESTION"} == {
        ("A-MARKER", "Aa", 0, 2),
        ("A-MARKER", "aa", 1, 3),
        ("A-MARKER", "AA", 13, 15),
        ("L-ACK", "got it", 5, 11),
    }


@pytest.fixture(scope="module")
def chinese():
    language = "zh"
    zh = shared_nlp(language, "social")
    tables = CHINESE_MODEL / "patterns.tsv", CHINESE_MODEL / "lexicons.tsv"
    return zh, EvidenceMatcher(zh, *tables)


def test_chinese_spans(chinese):
    """Address (surname + 女士), answers (text patterns, twice), shared content and the
    question after the sentence end, at character offsets counted by hand."""
    zh, matcher = chinese
    reply = "王女士您好，已为您办理退款。请问还有其他问题吗？"
    assert spans(zh, matcher, reply, "我的退款还没到账", dedupe=False) == {
        ("R-ADDRESS", "王女士", 0, 3),
        ("R-ANSWER", "已为您", 6, 9),
        ("R-ANSWER", "为您办理", 7, 11),
        ("R-CONTENT", "退款", 11, 13),
        ("L-QUESTION", "请问", 14, 16),
        ("L-QUESTION", "请问还有其他问题吗？", 14, 24),
    }
    assert spans(zh, matcher, "亲，已为您查询，已为您补发。") == {
        ("R-ANSWER", "已为您", 2, 5),
        ("R-ANSWER", "已为您", 8, 11),
    }


CHINESE = [
    # two addresses: a surname with 先生 or 小姐; the name is shared with the message
    (
        "李先生，张小姐，您好",
        "李先生",
        {
            ("R-ADDRESS", "李先生", 0, 3),
            ("R-ADDRESS", "张小姐", 4, 7),
            ("R-CONTENT", "李先生", 0, 3),
        },
    ),
    # questions start after a clause comma and end at an ASCII or a full-width mark
    (
        "好的，请问是哪个型号?还是别的？",
        "型号不对",
        {
            ("L-QUESTION", "请问", 3, 5),
            ("L-QUESTION", "请问是哪个型号?", 3, 11),
            ("L-QUESTION", "还是别的？", 11, 16),
            ("R-CONTENT", "型号", 8, 10),
        },
    ),
    # leading @handles are not part of the question; a #topic# is not content
    (
        "@小王 @客服 什么时候发货？",
        "发货太慢了 #吐槽#",
        {("L-QUESTION", "什么时候发货？", 8, 15), ("R-CONTENT", "发货", 12, 14)},
    ),
]


@pytest.mark.parametrize("reply, context, expected", CHINESE)
def test_chinese_addresses_questions_and_content(chinese, reply, context, expected):
    zh, matcher = chinese
    assert spans(zh, matcher, reply, context, dedupe=False) == expected


def test_content_tokens(nlp, chinese):
    from cuecoder.cues.evidence import content_words, is_content_token

    doc = nlp.tokenizer("The app jacket is ok, see example.com or @shop #sale")
    # "the", "see" stop words; "ok" two letters ("app" three: kept); a domain, a handle,
    # a hashtag not words
    assert [t.text for t in doc if is_content_token(t)] == ["app", "jacket"]
    zh, _ = chinese
    doc = zh.tokenizer("张小姐，您的快递已经到了吗")
    # 张 and 到 are one character, 已经 a stop word
    assert [t.text for t in doc if is_content_token(t)] == ["小姐", "快递"]
    doc = nlp.tokenizer("Jacket jacket JACKET late")
    assert content_words(doc) == frozenset({"jacket", "late"})
    assert content_words(doc) is doc.user_data["cuecoder_content"]  # cached on the doc


def test_evidence_as_a_dict_and_its_label():
    from cuecoder.cues.evidence import Evidence

    ev = Evidence("L-QUESTION", 3, 11, "Which size?")
    assert ev.as_dict() == {"subcode": "L-QUESTION", "start": 3, "end": 11, "text": "Which size?"}
    assert ev.label == "listening"
