"""Context rules: codebook decisions that need the consumer message beside the reply.

Each feature reads one decision rule of the codebook and ``training/CODING.md`` that a
sentence embedding of the reply alone cannot see:

- ``cx_message_question``: the message asks something (a sentence ending in a question
  mark), so an answer is possible (R-ANSWER "answers their question").
- ``cx_answer_overlap``: the message asks something and a statement of the reply (not a
  question) shares content words with the message: an answer to *their* question
  rather than a stock text.
- ``cx_identifier_requests``: reply sentences that ask only for an identifier (order or
  account number, e-mail, "DM us your details"; the ``identifier`` lexicon) and share
  nothing else with the message: not L-QUESTION, not R-CONTENT on their own.
- ``cx_problem_questions``: reply questions that are not identifier requests nor stock
  closings (the ``closing`` lexicon, "anything else we can help with?"): questions about
  their problem (L-QUESTION).
- ``cx_context_questions``: reply questions that share a content word with the message.
- ``cx_shared_specific``: shared numbers, hashtags and capitalised words (products,
  places, order numbers they mentioned: R-CONTENT).
- ``cx_tied_sentences``: share of the reply's sentences that share a content word with
  the message ("could not be sent unchanged to a different consumer").
- ``cx_echo``: Jaccard similarity of the two sets of content words.

All are 0 when there is no message. Sentences end at the ``ends`` tokens of the language
(as L-QUESTION evidence does) or at a question mark.
"""

from __future__ import annotations

import math

from spacy.tokens import Doc

from .evidence import _ENDS as _EN_ENDS
from .evidence import _ZH_ENDS, content_words, is_content_token

CONTEXT_FEATURES: tuple[str, ...] = (
    "cx_message_question",
    "cx_answer_overlap",
    "cx_identifier_requests",
    "cx_problem_questions",
    "cx_context_questions",
    "cx_shared_specific",
    "cx_tied_sentences",
    "cx_echo",
)

# the sentence ends of L-QUESTION evidence; in Chinese without the commas, which end a
# question's clause there but not a sentence
_ENDS = {"en": _EN_ENDS, "zh": _ZH_ENDS - {"，", ","}}
_MARKS = ("?", "？")


def sentences(doc: Doc) -> list[tuple[int, int, bool]]:
    """``(start, end, is_question)`` token ranges of ``doc``'s sentences."""
    ends = _ENDS.get(doc.lang_, _ENDS["en"])
    out, start = [], 0
    for tok in doc:
        question = any(mark in tok.text for mark in _MARKS)
        if question or tok.text in ends or "\n" in tok.text:
            if tok.i + 1 > start:
                out.append((start, tok.i + 1, question))
            start = tok.i + 1
    if start < len(doc):
        out.append((start, len(doc), False))
    return out


def context_rules(doc: Doc, context: Doc | None, lexicons: dict[str, frozenset[str]]) -> list:
    """Values of :data:`CONTEXT_FEATURES` for one reply and its message (or None)."""
    if context is None or not len(context):
        return [0.0] * len(CONTEXT_FEATURES)
    identifiers = lexicons.get("identifier", frozenset())
    closings = lexicons.get("closing", frozenset())
    message = content_words(context)
    reply = content_words(doc)
    asks = any(q for _, _, q in sentences(context))
    answer = identifier = problem = ctx_q = tied = 0
    parts = sentences(doc)
    for start, end, question in parts:
        words = {t.lower_ for t in doc[start:end] if is_content_token(t)}
        # "your order number" shares "order" with "my order never came" but asks for an
        # identifier all the same: identifier words do not tie a sentence to the message
        shared = (words & message) - identifiers
        tied += bool(shared)
        if not question:
            answer += bool(asks and shared)
            # "please DM us your order number": a request, not a question, same rule
            if words and not shared and words & identifiers and _mostly(words, identifiers):
                identifier += 1
            continue
        text = doc[start:end].text.lower()
        if words & identifiers and not shared and _mostly(words, identifiers):
            identifier += 1
        elif any(c in text for c in closings) and not shared:
            pass
        else:
            problem += 1
        ctx_q += bool(shared)
    specific = _specific(doc) & _specific(context)
    union = message | reply
    return [
        float(asks),
        math.log1p(answer),
        math.log1p(identifier),
        math.log1p(problem),
        math.log1p(ctx_q),
        math.log1p(len(specific)),
        tied / max(len(parts), 1),
        len(message & reply) / max(len(union), 1),
    ]


def _specific(doc: Doc) -> set[str]:
    """Numbers, hashtags and capitalised words after the first token, lower-cased."""
    return {
        t.lower_
        for t in doc
        if (t.like_num and len(t) > 1)
        or (t.text.startswith("#") and len(t) > 1)
        or (t.i > 0 and t.is_title and t.is_alpha and doc[t.i - 1].text not in _SENTENCE_END)
    }


_SENTENCE_END = _ENDS["en"] | _ENDS["zh"] | frozenset(_MARKS)


def _mostly(words: set[str], lexicon: frozenset[str]) -> bool:
    # at least a third of the sentence's content words name an identifier
    return 3 * len(words & lexicon) >= len(words)
