"""spaCy tokenizers for social-media replies, in English and Chinese.

English: blank English plus rules for what support and influencer replies contain:
@handles, #hashtags, URLs, emoji sequences (skin tones, variation selectors, ZWJ
families, flags) and emoticons, agent signatures (``^AB``, ``-Becky``, ``/AY``,
``*AFM``), and masked placeholders such as ``__email__``.

Chinese (:class:`ChineseSocialTokenizer`): the same social units kept whole, Weibo's
``#话题#`` topics and ``[呵呵]`` emoticon codes among them, runs of Han characters
segmented into words by jieba's dictionary (bundled with the package, no download),
Latin words and numbers kept whole, and every other character (full-width punctuation
included) a token of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from ..errors import Errors, ModelError

# One emoji "grapheme": a pictograph or regional-indicator pair, with optional variation
# selector and skin-tone modifier, joined by ZWJ into families. Ranges from Unicode's
# emoji-data.txt (Extended_Pictographic) for the blocks that social text uses.
_PICTO = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328"
    "\u23cf\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe"
    "\u2600-\u27bf\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001f000-\U0001faff"
)
_MOD = "\ufe0f\u20e3\U0001f3fb-\U0001f3ff"
EMOJI = rf"(?:[\U0001f1e6-\U0001f1ff]{{2}}|[{_PICTO}][{_MOD}]*(?:\u200d[{_PICTO}][{_MOD}]*)*)"
HANDLE = r"@\w+"
HASHTAG = r"#\w+"
PLACEHOLDER = r"__\w+?__"
# Agent signatures: ^AB, *AFM, /AY, ~JT (1-4 capitals, optional digit), -Becky, –Sam.
SIGNATURE = r"(?:[\^\*/~][A-Z]{1,4}\d?|[-\u2013\u2014][A-Z][a-z]{1,14})"
#: Sign-off forms beyond SIGNATURE that template masking also treats as a signature but
#: the tokenizer keeps as words: a name after ^ * ~ ("^Sarah"; not "/", which ends
#: paths), a dash, a space and a name ("- Sam"), a dash and initials ("-AB").
SIGN_OFF_EXTRA = (
    r"(?:[\^\*~][A-Z][A-Za-z]{1,15}|[-\u2013\u2014]\s[A-Z][a-z]{1,14}|[-\u2013\u2014][A-Z]{1,4})"
)

TOKEN_MATCH = re.compile(rf"^(?:{HANDLE}|{HASHTAG}|{PLACEHOLDER}|{SIGNATURE})$")
SIGNATURE_RE = re.compile(rf"(?:^|(?<=\s)|(?<=[.!?]))({SIGNATURE})\s*$")


HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: One token of Chinese social text, in order of precedence; ``han`` runs go to jieba.
ZH_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<url>https?://[^\s\u3000-\u303f\uff01-\uff0f\uff1a-\uff20" + HAN + r"]+)"
    r"|(?P<topic>#[^#\s]{1,40}#)"
    r"|(?P<emoticon>\[[^\[\]\s]{1,8}\])"
    rf"|(?P<placeholder>{PLACEHOLDER})"
    r"|(?P<handle>@[^\s@,.:;!?，。：；！？、()（）\[\]【】]{1,30})"
    rf"|(?P<emoji>{EMOJI})"
    rf"|(?P<han>[{HAN}]+)"
    rf"|(?P<word>[^\W_{HAN}]+(?:['’.-][^\W_{HAN}]+)*)"
    r"|(?P<other>.)",
    re.DOTALL,
)


class ChineseSocialTokenizer:
    """Tokenize Chinese social-media replies into a :class:`~spacy.tokens.Doc`.

    ``doc.text`` is always the input text, so evidence offsets index the reply.

    Examples
    --------
    >>> nlp = make_nlp("zh")
    >>> [t.text for t in nlp("@中国电信客服 您好，请私信订单号 http://t.cn/x [呵呵]")]
    ['@中国电信客服', '您好', '，', '请', '私信', '订单号', 'http://t.cn/x', '[呵呵]']
    """

    def __init__(self, vocab) -> None:
        import jieba  # its dictionary loads on the first cut, once per process

        jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr
        self.vocab = vocab
        self._cut = jieba.cut

    def _segment(self, run: str) -> list[str]:
        return [w for w in self._cut(run, HMM=False) if w]

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        for m in ZH_TOKEN.finditer(text):
            piece = m.group()
            if m.lastgroup == "space":
                if words and not spaces[-1] and piece.startswith(" "):
                    spaces[-1] = True
                    piece = piece[1:]
                if piece:
                    words.append(piece)
                    spaces.append(False)
            elif m.lastgroup == "han":
                for w in self._segment(piece):
                    words.append(w)
                    spaces.append(False)
            else:
                words.append(piece)
                spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Doc]:
        for text in texts:
            yield self(text)


def _build_tokenizer(nlp: Language) -> Tokenizer:
    defaults = nlp.Defaults
    prefixes = [
        rf"{EMOJI}",
        r"#(?!\w)",
        r"_(?!_\w+?__)",
        # text glued to a link ("ください。https://t.co/x"): split it off, keep the link whole
        r"[^\s]+?(?=https?://)",
    ] + [p for p in defaults.prefixes if p not in ("#", "_")]
    suffixes = [rf"{EMOJI}"] + list(defaults.suffixes)
    infixes = [
        rf"{EMOJI}",
        # punctuation glued to a trailing signature: "thanks!^JS" -> thanks ! ^JS
        rf"[.!?,;:]+(?={SIGNATURE}$)",
    ] + list(defaults.infixes)
    return Tokenizer(
        nlp.vocab,
        rules=defaults.tokenizer_exceptions,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=TOKEN_MATCH.match,
        url_match=defaults.url_match,
    )


#: The text profile of a model (``meta["text"]``) when its folder names none: blank
#: English with the social-media rules of this module.
DEFAULT_PROFILE: dict = {"language": "en", "rules": "social"}
RULES = ("social", "none")
#: Languages with social-media rules: their ``rules="social"`` tokenizer.
SOCIAL_LANGUAGES = ("en", "zh")


def make_nlp(language: str = "en", rules: str = "social") -> Language:
    """A blank spaCy pipeline for ``language``, with the social-media tokenizer rules.

    ``rules="social"`` replaces the tokenizer with this module's (handles, hashtags,
    URLs, emoji, signatures): for Chinese :class:`ChineseSocialTokenizer`, for other
    languages the English rules on the language's own punctuation rules; ``"none"``
    keeps spaCy's tokenizer for the language (for ``zh``, one token per character).

    Examples
    --------
    >>> nlp = make_nlp()
    >>> [t.text for t in nlp("@115712 Loving #NewIn 👍🏽 thanks!^JS")]
    ['@115712', 'Loving', '#NewIn', '👍🏽', 'thanks', '!', '^JS']
    """
    if rules not in RULES:
        raise ModelError(Errors.E012.format(language=language, rules=rules, valid=RULES))
    nlp = spacy.blank(language)
    if rules == "social" and language == "zh":
        nlp.tokenizer = ChineseSocialTokenizer(nlp.vocab)
    elif rules == "social":
        if not isinstance(nlp.tokenizer, Tokenizer):
            raise ModelError(Errors.E012.format(language=language, rules=rules, valid=RULES))
        nlp.tokenizer = _build_tokenizer(nlp)
    return nlp


@lru_cache(maxsize=8)
def shared_nlp(language: str = "en", rules: str = "social") -> Language:
    """One tokenizer pipeline per text profile and process, built on first use."""
    return make_nlp(language, rules)


def find_signature(text: str) -> tuple[int, int] | None:
    """Character span of an agent signature at the end of ``text``, if any.

    Examples
    --------
    >>> text = "We're on it. -Becky"
    >>> start, end = find_signature(text)
    >>> text[start:end]
    '-Becky'
    """
    m = SIGNATURE_RE.search(text.rstrip())
    if m is None:
        return None
    return m.start(1), m.end(1)
