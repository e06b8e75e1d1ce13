"""Mask the slots of a reply so that template instances compare equal.

A slot is what reply software fills into canned text: the @handle of the recipient, a
first name used as address, numbers and order/case ids, links, emails and phone numbers
(and the masked placeholders that corpora such as TWCS put in their place), the agent's
signature, and emoji variants. :func:`template_text` keeps the slots as ``{NAME}``,
``{HANDLE}``, ``{NUMBER}``, ``{URL}``, ``{EMAIL}``, ``{PHONE}``, ``{SIGNATURE}``,
``{EMOJI}``; :func:`normalize` also lower-cases and squeezes white space, for keys.
"""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

from ..text.tokenizer import EMOJI, SIGNATURE

URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9.-]+\.(?:com|org|net|ly|co)/\S*", re.I)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b|__email__", re.I)
PHONE = re.compile(r"__phone__|\+?\d[\d\s().-]{7,}\d")
PLACEHOLDER = re.compile(r"__\w+?__")
HANDLE = re.compile(r"@\w+")
NUMBER = re.compile(r"#?\b[A-Za-z]{0,3}\d[\w-]*")
SIGNATURE_END = re.compile(rf"(?:(?<=\s)|(?<=[.!?])|^)(?:{SIGNATURE})\s*$")
# A greeting followed by a capitalised name, at the start (after handles) or "Thanks, Sam".
NAME = re.compile(
    r"(?P<pre>^(?:\{HANDLE\}\s*)*(?i:hi|hey|hello|dear|hiya|thanks|thank you|morning|evening)"
    r"[\s,]+)(?P<name>[A-Z][a-z]+)\b"
)
EMOJI_RUN = re.compile(rf"{EMOJI}+")
SPACE = re.compile(r"\s+")

SLOTS = ("NAME", "HANDLE", "NUMBER", "URL", "EMAIL", "PHONE", "SIGNATURE", "EMOJI")


def template_text(text: str) -> str:
    """``text`` with its slots replaced by ``{SLOT}`` markers, case kept.

    Examples
    --------
    >>> template_text("@115712 Hi Maria, case #48213 is open: https://t.co/x1 ^JS")
    '{HANDLE} Hi {NAME}, case {NUMBER} is open: {URL} {SIGNATURE}'
    """
    text = URL.sub("{URL}", text)
    text = EMAIL.sub("{EMAIL}", text)
    text = PHONE.sub("{PHONE}", text)
    text = PLACEHOLDER.sub("{NUMBER}", text)
    text = HANDLE.sub("{HANDLE}", text)
    text = SIGNATURE_END.sub("{SIGNATURE}", text.rstrip())
    text = NAME.sub(_mask_name, text, count=1)
    text = NUMBER.sub("{NUMBER}", text)
    text = EMOJI_RUN.sub("{EMOJI}", text)
    return SPACE.sub(" ", text).strip()


def _mask_name(match: re.Match) -> str:
    if match.group("name").lower() in STOP_WORDS:  # "Thanks For reaching out"
        return match.group(0)
    return match.group("pre") + "{NAME}"


def normalize(text: str) -> str:
    """Key for exact-template matching: :func:`template_text`, lower-cased.

    Examples
    --------
    >>> normalize("@1 Hi Sam! Order 5521 ships today 😀") == normalize("@2 hi Ana! order 77 ships today 🎉")
    True
    """
    return template_text(text).lower()
