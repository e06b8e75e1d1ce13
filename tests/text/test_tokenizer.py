from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuecoder.text.tokenizer import find_signature, make_nlp

nlp = make_nlp()


def tokens(text: str) -> list[str]:
    return [t.text for t in nlp(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@115712 hi", ["@115712", "hi"]),
        ("loving #BlackFriday!", ["loving", "#BlackFriday", "!"]),
        ("see https://t.co/AbC123 now", ["see", "https://t.co/AbC123", "now"]),
        ("mail __email__ or __phone__.", ["mail", "__email__", "or", "__phone__", "."]),
        ("thanks!^JS", ["thanks", "!", "^JS"]),
        ("on it *AFM", ["on", "it", "*AFM"]),
        ("fixed /AY", ["fixed", "/AY"]),
        ("enjoy -Becky", ["enjoy", "-Becky"]),
        ("there!-Anwar", ["there", "!", "-Anwar"]),
        ("yay👍🏽👍🏽", ["yay", "👍🏽", "👍🏽"]),
        ("love ❤️ it", ["love", "❤️", "it"]),
        ("family 👨‍👩‍👧 trip 🇬🇧", ["family", "👨‍👩‍👧", "trip", "🇬🇧"]),
        ("sad :( but ok :-)", ["sad", ":(", "but", "ok", ":-)"]),
        ("ください。https://t.co/x1 ET", ["ください。", "https://t.co/x1", "ET"]),
    ],
)
def test_social_media_tokens(text, expected):
    assert tokens(text) == expected


def test_ordinary_punctuation_still_splits():
    assert tokens("Hi, Maria.") == ["Hi", ",", "Maria", "."]
    assert tokens("a - b") == ["a", "-", "b"]


@pytest.mark.parametrize(
    ("text", "sig"),
    [
        ("Done. ^JS", "^JS"),
        ("We're on it -Becky", "-Becky"),
        ("ok!*AFM", "*AFM"),
        ("No sig here", None),
    ],
)
def test_find_signature(text, sig):
    span = find_signature(text)
    assert (text[span[0] : span[1]] if span else None) == sig


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_tokenizes_losslessly(text):
    doc = nlp(text)
    assert doc.text == text


def test_real_replies_keep_handles_urls_and_signatures(twcs_replies):
    """On real TWCS replies: every @handle, URL and end signature is one token."""
    handle = re.compile(r"(?<![\w@])@\w+")
    url = re.compile(r"https?://\S+")
    checked = 0
    for text in twcs_replies["reply_text"].head(1500):
        toks = set(tokens(text))
        for h in handle.findall(text):
            assert h in toks or any(t.startswith(h) for t in toks), (h, text)
        for u in url.findall(text):
            u = u.rstrip(".,!?)…")
            assert any(t.startswith(u[:20]) for t in toks), (u, text)
        span = find_signature(text)
        if span:
            assert text[span[0] : span[1]] in toks, text
        checked += 1
    assert checked == 1500


def test_real_replies_signatures_found(twcs_replies):
    """TWCS agents sign replies (^AB, -Becky, *AFM, /AY): a good share carry one."""
    found = sum(find_signature(t) is not None for t in twcs_replies["reply_text"])
    assert found / len(twcs_replies) > 0.15
