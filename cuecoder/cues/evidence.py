"""Evidence spans for the codebook's sub-codes.

Patterns come from a TSV data file (``subcode, kind, pattern, provenance``): ``phrase``
rows go to a :class:`spacy.matcher.PhraseMatcher` on lower-cased text, ``tokens`` rows
(JSON token patterns) to a :class:`spacy.matcher.Matcher`. Four sub-codes need more than
a pattern and are found in code: R-ADDRESS (a greeting followed by a name that is not an
@handle), R-CONTENT (content words shared with the consumer message), L-QUESTION (a
sentence that ends in a question mark) and O-IDENTITY (a signature or "this is <Name>").

Evidence explains a score; the classifier decides it.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS
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
    """A token that can carry topic overlap: a word, not a stop word, handle or link."""
    text = token.lower_
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
        by_kind: dict[tuple[str, str], list] = {}
        with open(patterns_path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                by_kind.setdefault((row["subcode"], row["kind"]), []).append(row["pattern"])
        for (subcode, kind), patterns in by_kind.items():
            if kind == "phrase":
                self.phrases.add(subcode, list(nlp.tokenizer.pipe(patterns)))
            elif kind == "tokens":
                self.tokens.add(subcode, [json.loads(p) for p in patterns])
            else:
                raise ModelError(
                    Errors.E009.format(kind=kind, path=patterns_path, valid=["phrase", "tokens"])
                )
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
        for match_id, start, end in list(self.phrases(doc)) + list(self.tokens(doc)):
            subcode = vocab_strings[match_id]
            span = doc[start:end]
            if subcode == "O-IDENTITY":
                # "this is Sam", "my name is Sam": only with a capitalised name after it
                if end < len(doc) and doc[end].is_title and doc[end].is_alpha:
                    add(subcode, span.start_char, doc[end].idx + len(doc[end]))
                continue
            add(subcode, span.start_char, span.end_char)
        for subcode, start, end in self._computed(doc, context, text):
            add(subcode, start, end)
        return sorted(found.values(), key=lambda e: (e.start, e.end, e.subcode))

    def _computed(self, doc: Doc, context: Doc | None, text: str):
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
        # L-QUESTION: every sentence-like stretch that ends in "?"
        start = 0
        for tok in doc:
            if tok.text in {".", "!", "\n"} or tok.is_space:
                start = tok.i + 1
            elif "?" in tok.text:
                first = start
                while first < tok.i and doc[first].text.startswith("@"):
                    first += 1
                if first < tok.i:
                    yield "L-QUESTION", doc[first].idx, tok.idx + len(tok)
                start = tok.i + 1
        # O-IDENTITY: signature at the end
        sig = find_signature(text)
        if sig is not None:
            yield "O-IDENTITY", sig[0], sig[1]
        # R-CONTENT: content words shared with the consumer message
        if context is not None and len(context):
            shared = content_words(context) & content_words(doc)
            if shared:
                for tok in doc:
                    if tok.lower_ in shared and is_content_token(tok):
                        yield "R-CONTENT", tok.idx, tok.idx + len(tok)
