"""Mask the slots of a reply so that template instances compare equal.

A slot is what reply software fills into canned text: the @handle of the recipient, a
first name used as address, numbers and order/case ids, links, emails and phone numbers
(and the masked placeholders that corpora such as TWCS put in their place), the agent's
signature, and emoji variants. :func:`template_text` keeps the slots as ``{NAME}``,
``{HANDLE}``, ``{NUMBER}``, ``{URL}``, ``{EMAIL}``, ``{PHONE}``, ``{SIGNATURE}``,
``{EMOJI}``; :func:`normalize` also lower-cases, unifies quotes and squeezes white space,
for keys.

Notes
-----
Rules, in the order they are applied (each sees the output of the previous one):

1. HTML entities are decoded (``&amp;`` -> ``&``; TWCS keeps them escaped).
2. ``{URL}``: ``http(s)://``, ``www.`` and bare ``domain.com/path`` links.
3. ``{EMAIL}``, ``{PHONE}``: addresses, phone numbers and the ``__email__``/``__phone__``
   masks of TWCS; other ``__masked__`` placeholders become ``{NUMBER}``.
4. ``{HANDLE}``: ``@name``; a run of handles (a reply to several people) is one slot.
5. ``{EMOJI}`` (before names and signatures, so "Have a great day, Ian 😀" is seen as
   a vocative): a run of emoji (skin tones, variation selectors, ZWJ sequences) or
   ASCII emoticons (``:)``, ``:-(``, ``;D``, ``<3``).
6. ``{SIGNATURE}``: a sign-off at the end: ``^AB``, ``*AFM``, ``/AY``, ``~JT``, ``^Kartika``,
   ``*MikePerez``, ``-Becky``, ``- Chloe``, ``-AI``, and "Thanks, Sas" / "Ty - James".
7. ``{NAME}``: a capitalised word (or two) used as address: after a greeting at the start
   ("Hi Maria,", "Hello Thomas!"), or as a vocative before closing punctuation
   ("We're sorry, Anthony!", "Great to hear Rebecca!"). Stop words are never names.
8. ``{NUMBER}``: digits with up to three leading letters and any trailing id characters
   (``#48213``, ``W123-44``, ``1/2``, ``8``).

The rules favour recall of slots over precision: masking a capitalised word that is not a
name costs little (two replies differing only there are one template anyway), while a
missed slot splits a template.
"""

from __future__ import annotations

import html
import re

from spacy.lang.en.stop_words import STOP_WORDS

from ..text.tokenizer import EMOJI, SIGN_OFF_EXTRA, SIGNATURE

URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9.-]+\.(?:com|org|net|ly|co|uk|io|me|gl)/\S*", re.I
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b|__email__", re.I)
# Phone shapes (+1 800 555 0199, 1-800-379-6453, (020) 7946 0018); an order id such as
# 114-2233445-9988 has a longer middle group and stays a number.
PHONE = re.compile(
    r"__phone__|(?<![\w-])\+?\(?\d{1,4}\)?[\s.-]\d{2,4}[\s.-]\d{3,4}(?:[\s.-]\d{3,4})?(?![\w-])",
    re.I,
)
PLACEHOLDER = re.compile(r"__\w+?__")
HANDLE = re.compile(r"@\w+")
HANDLE_RUN = re.compile(r"\{HANDLE\}(?:\s*\{HANDLE\})+")
NUMBER = re.compile(r"#?\b[A-Za-z]{0,3}\d[\w-]*")
# Sign-offs at the very end: the tokenizer's agent signature (SIGNATURE, one definition
# for both) and the wider sign-off forms that the tokenizer leaves as ordinary words
# (SIGN_OFF_EXTRA: "^Sarah", "- Sam", "-AB"), optionally after a thanks word ("Thanks,
# Sas", "Ty - James"). Masking is deliberately wider than tokenizing: a missed sign-off
# splits a template, a wrongly split token would change the model's features.
_SIGN = rf"(?:{SIGNATURE}|{SIGN_OFF_EXTRA})"
_THANKS = r"(?:thanks|thank you|cheers|ty|regards|best|thx)"
SIGNATURE_END = re.compile(
    rf"(?:(?<=\s)|(?<=[.!?)])|^)(?:{_SIGN}|(?i:{_THANKS})[,!.]?\s*[-\u2013]?\s*[A-Z][a-z]{{1,14}}[.!]?)"
    r"(?:\s*\{URL\})?\s*$"
)
_NAME_WORD = r"[A-Z][a-z]{1,14}(?:[ -][A-Z][a-z]{1,14})?"
# A greeting followed by a capitalised name, at the start (after handles) or "Thanks, Sam".
NAME = re.compile(
    r"(?P<pre>^(?:\{HANDLE\}\s*)*(?i:hi|hey|hello|dear|hiya|thanks|thank you|morning|evening)"
    rf"[\s,]+)(?P<name>{_NAME_WORD})\b"
)
# A vocative: ", Name" or "to hear Name" right before closing punctuation or the end.
VOCATIVE = re.compile(
    rf"(?P<pre>(?:,\s|(?i:\bhear|\bthanks|\bthank you|\bsorry|\bgreat|\bthere)\s))"
    rf"(?P<name>{_NAME_WORD})(?=\s*(?:[.!?,:;)]|\{{EMOJI\}}|\{{SIGNATURE\}}|\{{URL\}}|$))"
)
EMOTICON = re.compile(r"(?<!\w)(?:[:;=][-']?[()DPpOo3/\\|*]+|<3+|\^_?\^)(?!\w)")
EMOJI_RUN = re.compile(rf"(?:{EMOJI}|\{{EMOJI\}})(?:\s*(?:{EMOJI}|\{{EMOJI\}}))*")
SPACE = re.compile(r"\s+")
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})

SLOTS = ("NAME", "HANDLE", "NUMBER", "URL", "EMAIL", "PHONE", "SIGNATURE", "EMOJI")
#: Non-name capitalised words that follow a greeting or sit in vocative position.
NOT_NAMES = frozenset(
    {
        "there",
        "team",
        "all",
        "everyone",
        "folks",
        "guys",
        "friend",
        "again",
        "so",
        "for",
        "much",
        "you",
        "we",
        "us",
        "please",
        "dm",
        "yes",
        "no",
        "ok",
        "okay",
        "sure",
        "apple",
        "amazon",
        "prime",
        "iphone",
        "ipad",
        "mac",
        "xbox",
        "spotify",
        "uber",
    }
)


def template_text(text: str) -> str:
    """``text`` with its slots replaced by ``{SLOT}`` markers, case kept.

    Examples
    --------
    >>> template_text("@115712 Hi Maria, case #48213 is open: https://t.co/x1 ^JS")
    '{HANDLE} Hi {NAME}, case {NUMBER} is open: {URL} {SIGNATURE}'
    >>> template_text("@1 @2 We're sorry, Anthony! Order 5521 ships today :) - Chloe")
    "{HANDLE} We're sorry, {NAME}! Order {NUMBER} ships today {EMOJI} {SIGNATURE}"
    """
    text = html.unescape(text)
    text = URL.sub("{URL}", text)
    text = EMAIL.sub("{EMAIL}", text)
    text = PHONE.sub("{PHONE}", text)
    text = PLACEHOLDER.sub("{NUMBER}", text)
    text = HANDLE.sub("{HANDLE}", text)
    text = HANDLE_RUN.sub("{HANDLE}", text)
    text = EMOTICON.sub("{EMOJI}", text)
    text = EMOJI_RUN.sub("{EMOJI}", text)
    text = SIGNATURE_END.sub(_mask_signature, text.rstrip())
    text = NAME.sub(_mask_name, text, count=1)
    text = VOCATIVE.sub(_mask_name, text)
    text = NUMBER.sub("{NUMBER}", text)
    return SPACE.sub(" ", text).strip()


def _mask_signature(match: re.Match) -> str:
    return "{SIGNATURE} {URL}" if match.group(0).rstrip().endswith("{URL}") else "{SIGNATURE}"


def _mask_name(match: re.Match) -> str:
    first = match.group("name").split()[0].split("-")[0].lower()
    if first in STOP_WORDS or first in NOT_NAMES:  # "Thanks For reaching out", "Hi There"
        return match.group(0)
    return match.group("pre") + "{NAME}"


def normalize(text: str) -> str:
    """Key for exact-template matching: :func:`template_text`, lower-cased.

    Curly quotes become straight ones and white space is squeezed.

    Examples
    --------
    >>> key = normalize("@1 Hi Sam! Order 5521 ships today 😀")
    >>> key == normalize("@2 hi Ana! order 77 ships today 🎉")
    True
    """
    return template_text(text).translate(QUOTES).lower()
