"""The lexical head: word uni- and bigram TF-IDF and one logistic regression per label.

Stock replies and service formulas are largely fixed wording, which word n-grams catch
where a sentence embedding blurs it. The head is stored as a table, ``lexical.tsv``
(one row per n-gram: its ``idf`` and one weight column per label), with the intercepts
in ``meta.json``: a researcher can read which n-grams push a label up or down. Scoring
needs only numpy and reproduces scikit-learn's ``TfidfVectorizer`` (lowercase, token
pattern, smoothed idf, l2 norm) followed by ``LogisticRegression.predict_proba``
(checked to 1e-6 when a model is trained).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

#: scikit-learn's token pattern with one-letter tokens dropped, as ASCII letters, digits
#: and underscores: the pattern skl2onnx converts faithfully (see ../shared/notes).
TOKEN_PATTERN = r"[A-Za-z0-9_]{2,}"
#: Chinese: each Han character a token (so n-grams are character n-grams, which need no
#: word segmentation), Latin words and numbers as in English.
ZH_TOKEN_PATTERN = r"[\u3400-\u4dbf\u4e00-\u9fff]|[A-Za-z0-9_]{2,}"
#: Token pattern and longest n-gram of the lexical head, by the model's text language.
PROFILES: dict[str, tuple[str, int]] = {"en": (TOKEN_PATTERN, 2), "zh": (ZH_TOKEN_PATTERN, 3)}


def profile(language: str) -> tuple[str, int]:
    """``(token_pattern, n_max)`` of the lexical head for ``language`` (English's for a
    language without its own)."""
    return PROFILES.get(language, PROFILES["en"])


def ngrams(text: str, token_pattern: str = TOKEN_PATTERN, n_max: int = 2) -> list[str]:
    """Lowercased word n-grams of ``text`` (1..``n_max``), joined by spaces as in
    scikit-learn's ``_word_ngrams``."""
    tokens = re.findall(token_pattern, text.lower())
    out = list(tokens)
    for n in range(2, n_max + 1):
        out += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return out


class LexicalHead:
    """Score texts with a stored TF-IDF + logistic-regression head.

    Parameters
    ----------
    path : Path
        ``lexical.tsv``: columns ``ngram``, ``idf`` and one weight column per label.
    intercepts : dict of str to float
        Logistic-regression intercept per label.
    token_pattern : str
        Regular expression of a token.
    n_max : int
        Longest n-gram.
    """

    def __init__(
        self,
        path: Path,
        intercepts: dict[str, float],
        token_pattern: str = TOKEN_PATTERN,
        n_max: int = 2,
    ) -> None:
        table = pd.read_csv(path, sep="\t", keep_default_na=False, dtype={"ngram": str})
        self.labels = tuple(intercepts)
        self.index = {g: i for i, g in enumerate(table["ngram"])}
        self.idf = table["idf"].to_numpy(dtype=np.float64)
        self.weights = table[list(self.labels)].to_numpy(dtype=np.float64)
        self.intercepts = np.array([intercepts[k] for k in self.labels], dtype=np.float64)
        self.token_pattern = token_pattern
        self.n_max = n_max

    @classmethod
    def from_meta(cls, folder: Path, meta: dict) -> LexicalHead:
        """The head described by ``meta["lexical"]`` of a model folder."""
        lex = meta["lexical"]
        return cls(
            Path(folder) / lex["file"],
            lex["intercepts"],
            lex.get("token_pattern", TOKEN_PATTERN),
            int(lex.get("n_max", 2)),
        )

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Logits, shape ``(len(texts), len(labels))``."""
        out = np.tile(self.intercepts, (len(texts), 1))
        for row, text in enumerate(texts):
            counts = Counter(
                self.index[g]
                for g in ngrams(text, self.token_pattern, self.n_max)
                if g in self.index
            )
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64)
            tfidf = np.fromiter(counts.values(), dtype=np.float64) * self.idf[idx]
            tfidf /= np.sqrt(tfidf @ tfidf)
            out[row] += tfidf @ self.weights[idx]
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each label, shape ``(len(texts), len(labels))``."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(texts)))
