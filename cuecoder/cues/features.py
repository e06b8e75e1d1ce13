"""Codebook features: what the classifier sees besides the sentence embedding.

Counts of evidence per sub-code plus surface and context features. Every feature is a
float32 column with a fixed name (:data:`FEATURE_NAMES`), stored in ``meta.json`` so a
model refuses a feature set it was not trained with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from spacy.tokens import Doc

from ..codebook import ALL_SUBCODES
from .context import CONTEXT_FEATURES, context_rules
from .evidence import Evidence, content_words

SURFACE = (
    "log_tokens",
    "n_questions",
    "n_exclamations",
    "n_first_singular",
    "n_first_plural",
    "n_second",
    "n_urls",
    "n_handles",
    "n_emoji",
    "n_digits",
    "has_context",
    "context_overlap",
    "context_overlap_share",
)
FEATURE_NAMES = tuple(f"ev_{s}" for s in ALL_SUBCODES) + SURFACE
#: Every feature set a model can list in its meta.json: the codebook features, and the
#: codebook features plus the context rules of :mod:`cuecoder.cues.context`.
FEATURE_SETS: tuple[tuple[str, ...], ...] = (FEATURE_NAMES, FEATURE_NAMES + CONTEXT_FEATURES)


def featurize(
    doc: Doc,
    evidence: Sequence[Evidence],
    lexicons: dict[str, frozenset[str]],
    context: Doc | None = None,
    with_context_rules: bool = False,
) -> np.ndarray:
    """Feature vector of one reply, in the order of :data:`FEATURE_NAMES` (followed by
    :data:`~cuecoder.cues.context.CONTEXT_FEATURES` with ``with_context_rules``)."""
    counts = dict.fromkeys(ALL_SUBCODES, 0)
    for ev in evidence:
        counts[ev.subcode] += 1
    first_s = lexicons.get("first_singular", frozenset())
    first_p = lexicons.get("first_plural", frozenset())
    second = lexicons.get("second", frozenset())
    # one pass over the tokens (spaCy builds a Token object on every access)
    questions = exclaims = n_first_s = n_first_p = n_second = 0
    urls = handles = emoji = digits = 0
    chinese = doc.lang_ == "zh"
    for i, tok in enumerate(doc):
        low, text = tok.lower_, tok.text
        questions += "?" in low or (chinese and "？" in low)
        exclaims += "!" in low or (chinese and "！" in low)
        n_first_s += low in first_s
        n_first_p += low in first_p
        n_second += low in second
        urls += tok.like_url
        handles += i > 0 and low.startswith("@")
        emoji += _is_emoji_zh(text) if chinese else _is_emoji(text)
        digits += tok.like_num or any(c.isdigit() for c in text)
    content = content_words(doc)
    has_context = context is not None and len(context) > 0
    overlap = len(content & content_words(context)) if has_context else 0
    surface = (
        math.log1p(len(doc)),
        questions,
        exclaims,
        n_first_s,
        n_first_p,
        n_second,
        urls,
        handles,
        emoji,
        digits,
        float(has_context),
        math.log1p(overlap),
        overlap / max(len(content), 1),
    )
    ev = [math.log1p(counts[s]) for s in ALL_SUBCODES]
    rules = context_rules(doc, context, lexicons) if with_context_rules else []
    return np.asarray(ev + list(surface) + rules, dtype=np.float32)


def _is_emoji(text: str) -> bool:
    return bool(text) and ord(text[0]) >= 0x2190 and not text[0].isalnum()


def _is_emoji_zh(text: str) -> bool:
    # Weibo's bracketed emoticon codes ([呵呵]) count as emoji; CJK and full-width
    # punctuation (U+3000-303F, U+FF00-FFEF) does not
    if len(text) > 2 and text[0] == "[" and text[-1] == "]":
        return True
    return _is_emoji(text) and not (
        "\u3000" <= text[0] <= "\u303f" or "\uff00" <= text[0] <= "\uffef"
    )
