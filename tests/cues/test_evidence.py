"""Evidence spans at exact offsets, written out by hand for fixed replies (character
positions counted on the strings below, not taken from the matcher)."""

from __future__ import annotations

import pytest

from cuecoder.coder import _dedupe

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
def test_spans_are_exactly_where_the_words_are(coder, reply, context, expected):
    doc = coder.featurizer.tokenize([reply])[0]
    ctx = coder.featurizer.tokenize_optional([context])[0]
    found = {
        (e.subcode, e.text, e.start, e.end) for e in _dedupe(coder.featurizer.matcher(doc, ctx))
    }
    assert found == expected
