"""Evidence spans for the codebook's sub-codes.

Patterns come from a TSV data file (``subcode, kind, pattern, provenance``): ``phrase``
rows go to a :class:`spacy.matcher.PhraseMatcher` on lower-cased text, ``tokens`` rows
(JSON token patterns) to a :class:`spacy.matcher.Matcher`, ``text`` rows (literal
strings, for languages written without spaces, where a phrase need not fall on word
boundaries) are found in the lower-cased reply as they are. Four sub-codes need more than
a pattern and are found in code: R-ADDRESS (a greeting followed by a name that is not an
@handle; in Chinese a surname with 先生/女士/小姐), R-CONTENT (content words shared with
the consumer message), L-QUESTION (a sentence that ends in a question mark, ASCII or
full-width) and O-IDENTITY (a signature or "this is <Name>").

English patterns are ``cuecoder/data/patterns.tsv``, Chinese ``cuecoder/data/zh/``
(:func:`data_files`); a model folder carries its own copies.

Evidence explains a score; the classifier decides it.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lang.zh.stop_words import STOP_WORDS as ZH_STOP_WORDS
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from ..codebook import LABEL_OF
from ..errors import Errors, ModelError
from ..text.tokenizer import find_signature

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PATTERNS_FILE = DATA_DIR / "patterns.tsv"
LEXICONS_FILE = DATA_DIR / "lexicons.tsv"
KINDS = ("phrase", "tokens", "text")
#: Where a question stretch of Chinese text starts: after a sentence end or a clause
#: comma (full-width and ASCII), as a question is its last clause.
_ZH_ENDS = frozenset({".", "!", "\n", "。", "！", "；", ";", "…", "，", ","})
_ENDS = frozenset({".", "!", "\n"})
_ZH_ADDRESS = re.compile(r"[\u4e00-\u9fff]{1,2}(?:先生|女士|小姐)")


def data_files(language: str = "en") -> tuple[Path, Path]:
    """The pattern and lexicon tables shipped for ``language`` (English for any language
    without its own folder under ``cuecoder/data``)."""
    folder = DATA_DIR / language
    if language != "en" and (folder / "patterns.tsv").is_file():
        return folder / "patterns.tsv", folder / "lexicons.tsv"
    return PATTERNS_FILE, LEXICONS_FILE


@dataclass(frozen=True)
class Evidence:
    """One evidence span: sub-code and character offsets into the reply."""

    subcode: str
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return LABEL_OF[self.subcode]

    def as_dict(self) -> dict:
        return {"subcode": self.subcode, "start": self.start, "end": self.end, "text": self.text}


def read_lexicons(path: Path = LEXICONS_FILE) -> dict[str, frozenset[str]]:
    """Word lists by lexicon name from a ``lexicon, word, provenance`` TSV."""
    words: dict[str, set[str]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            words.setdefault(row["lexicon"], set()).add(row["word"].lower())
    return {k: frozenset(v) for k, v in words.items()}


def is_content_token(token) -> bool:
    """A token that can carry topic overlap: a word, not a stop word, handle or link (in
    Chinese text: a word of two characters or more, not a stop word)."""
    text = token.lower_
    if token.lang_ == "zh":
        return (
            token.is_alpha
            and len(text) > 1
            and text not in ZH_STOP_WORDS
            and not text.startswith(("@", "#", "["))
        )
    return (
        token.is_alpha
        and len(text) > 2
        and text not in STOP_WORDS
        and not token.like_url
        and not text.startswith("@")
    )


def content_words(doc: Doc) -> frozenset[str]:
    """Lower-cased content words of ``doc`` (see :func:`is_content_token`), cached on it."""
    cached = doc.user_data.get("cuecoder_content")
    if cached is None:
        cached = frozenset(t.lower_ for t in doc if is_content_token(t))
        doc.user_data["cuecoder_content"] = cached
    return cached


class EvidenceMatcher:
    """Find sub-code evidence in tokenized replies.

    Parameters
    ----------
    nlp : Language
        The pipeline whose vocab the matchers use (see :func:`~cuecoder.text.make_nlp`).
    patterns_path, lexicons_path : Path
        Pattern and lexicon tables; a model folder carries its own copies.
    """

    def __init__(
        self,
        nlp: Language,
        patterns_path: Path = PATTERNS_FILE,
        lexicons_path: Path = LEXICONS_FILE,
    ) -> None:
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.tokens = Matcher(nlp.vocab)
        self.chinese = nlp.lang == "zh"
        self.texts: list[tuple[str, str]] = []  # (lower-cased literal, subcode)
        by_kind: dict[tuple[str, str], list] = {}
        with open(patterns_path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                by_kind.setdefault((row["subcode"], row["kind"]), []).append(row["pattern"])
        for (subcode, kind), patterns in by_kind.items():
            if kind == "phrase":
                self.phrases.add(subcode, list(nlp.tokenizer.pipe(patterns)))
            elif kind == "tokens":
                self.tokens.add(subcode, [json.loads(p) for p in patterns])
            elif kind == "text":
                self.texts += [(p.lower(), subcode) for p in patterns if p]
            else:
                raise ModelError(Errors.E009.format(kind=kind, path=patterns_path, valid=KINDS))
        self.lexicons = read_lexicons(lexicons_path)
        self.greetings = self.lexicons.get("greeting", frozenset())

    def __call__(self, doc: Doc, context: Doc | None = None) -> list[Evidence]:
        """All evidence spans in ``doc``, sorted by start offset."""
        found: dict[tuple[str, int, int], Evidence] = {}
        text = doc.text  # built from the tokens on every access: read it once

        def add(subcode: str, start: int, end: int) -> None:
            key = (subcode, start, end)
            if key not in found:
                found[key] = Evidence(subcode, start, end, text[start:end])

        vocab_strings = doc.vocab.strings
        matches = list(self.phrases(doc)) if len(self.phrases) else []
        if len(self.tokens):
            matches += self.tokens(doc)
        for match_id, start, end in matches:
            subcode = vocab_strings[match_id]
            span = doc[start:end]
            if subcode == "O-IDENTITY":
                # "this is Sam", "my name is Sam": only with a capitalised name after it
                if end < len(doc) and doc[end].is_title and doc[end].is_alpha:
                    add(subcode, span.start_char, doc[end].idx + len(doc[end]))
                continue
            add(subcode, span.start_char, span.end_char)
        if self.texts:
            lower = text.lower()
            for literal, subcode in self.texts:
                start = lower.find(literal)
                while start >= 0:
                    add(subcode, start, start + len(literal))
                    start = lower.find(literal, start + 1)
        for subcode, start, end in self._computed(doc, context, text):
            add(subcode, start, end)
        return sorted(found.values(), key=lambda e: (e.start, e.end, e.subcode))

    def _computed(self, doc: Doc, context: Doc | None, text: str):
        if self.chinese:
            yield from self._computed_chinese(doc, context, text)
            return
        # R-ADDRESS: greeting + capitalised name, after any leading @handles
        i = 0
        while i < len(doc) and doc[i].text.startswith("@"):
            i += 1
        for j in range(i, min(i + 3, len(doc) - 1)):
            tok, nxt = doc[j], doc[j + 1]
            if tok.lower_ in self.greetings:
                k = j + 1
                if nxt.lower_ == "you" and k + 1 < len(doc):  # "Thank you Maria"
                    k += 1
                if doc[k].text == "," and k + 1 < len(doc):  # "Thanks, Maria"
                    k += 1
                name = doc[k]
                if name.is_title and name.is_alpha and name.lower_ not in STOP_WORDS:
                    yield "R-ADDRESS", name.idx, name.idx + len(name)
                break
        yield from _questions(doc, _ENDS, ("?",))
        # O-IDENTITY: signature at the end
        sig = find_signature(text)
        if sig is not None:
            yield "O-IDENTITY", sig[0], sig[1]
        yield from _shared_content(doc, context)

    def _computed_chinese(self, doc: Doc, context: Doc | None, text: str):
        # R-ADDRESS: a surname with 先生/女士/小姐 (greetings such as 亲/您好 are generic)
        for m in _ZH_ADDRESS.finditer(text):
            yield "R-ADDRESS", m.start(), m.end()
        yield from _questions(doc, _ZH_ENDS, ("?", "？"))
        yield from _shared_content(doc, context)


def _questions(doc: Doc, ends: frozenset[str], marks: tuple[str, ...]):
    """L-QUESTION: every stretch from a sentence end (``ends``, or a space) to a token
    with a question mark, leading @handles left out."""
    start = 0
    for tok in doc:
        if tok.text in ends or tok.is_space:
            start = tok.i + 1
        elif any(mark in tok.text for mark in marks):
            first = start
            while first < tok.i and doc[first].text.startswith("@"):
                first += 1
            if first < tok.i:
                yield "L-QUESTION", doc[first].idx, tok.idx + len(tok)
            start = tok.i + 1


def _shared_content(doc: Doc, context: Doc | None):
    """R-CONTENT: the reply's content words that the consumer message shares."""
    if context is not None and len(context):
        shared = content_words(context) & content_words(doc)
        for tok in doc:
            if tok.lower_ in shared and is_content_token(tok):
                yield "R-CONTENT", tok.idx, tok.idx + len(tok)
