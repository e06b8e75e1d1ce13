"""Train the lexical head (:mod:`cuecoder.model.lexical`) and blend it with the
embedding heads.

Per label, C is chosen by out-of-fold log-loss (as for the embedding heads), and the
blend weight of the lexical probability together with the threshold by the
out-of-fold agreement with the codes (``threshold_metric``), on the same grouped folds.
The vectorizer is refit inside every fold, so no fold sees the vocabulary of the rows
it predicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._optional import require
from ..errors import CuecoderError, Errors
from ..model.lexical import TOKEN_PATTERN, LexicalHead
from ..stats.agreement import binary_report
from .heads import PARITY_TOL
from .selection import best_threshold

#: Lexical weights tried when blending: 0 keeps the embedding heads alone.
BLEND_GRID: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75)
#: Inverse regularisation strengths tried per label.
C_GRID: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0)
MIN_DF = 2  # an n-gram must occur in two training replies


def make_vectorizer(token_pattern: str = TOKEN_PATTERN, n_max: int = 2):
    """scikit-learn's TF-IDF of token 1..``n_max``-grams, as the lexical head scores it."""
    require("sklearn", "Training the lexical head")
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(token_pattern=token_pattern, ngram_range=(1, n_max), min_df=MIN_DF)


def _logreg(C: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=seed)


@dataclass
class LexicalFit:
    """The fitted vectorizer and regressions, with out-of-fold probabilities."""

    vectorizer: object
    models: dict[str, object]
    C: dict[str, float]
    oof: dict[str, np.ndarray] = field(default_factory=dict)
    token_pattern: str = TOKEN_PATTERN
    n_max: int = 2

    def predict_proba(self, texts) -> dict[str, np.ndarray]:
        X = self.vectorizer.transform(texts)
        return {k: m.predict_proba(X)[:, 1] for k, m in self.models.items()}


def fit_lexical(
    texts: pd.Series,
    labels: pd.DataFrame,
    folds: np.ndarray,
    seed: int = 0,
    token_pattern: str = TOKEN_PATTERN,
    n_max: int = 2,
) -> LexicalFit:
    """Fit per label, C by out-of-fold log-loss; keep the out-of-fold probabilities.
    ``token_pattern`` and ``n_max`` are the head's (:data:`cuecoder.model.lexical.PROFILES`).
    """
    texts = pd.Series(texts).reset_index(drop=True)
    fold_ids = np.unique(folds)
    fold_data = []
    for k in fold_ids:
        tr, va = folds != k, folds == k
        vec = make_vectorizer(token_pattern, n_max)
        fold_data.append((tr, va, vec.fit_transform(texts[tr]), vec.transform(texts[va])))
    best_C, oof = {}, {}
    eps = 1e-7
    for label in labels.columns:
        y = labels[label].to_numpy()
        best = None
        for C in C_GRID:
            p = np.zeros(len(y))
            for tr, va, Xtr, Xva in fold_data:
                if len(np.unique(y[tr])) < 2:
                    p[va] = y[tr].mean()
                    continue
                p[va] = _logreg(C, seed).fit(Xtr, y[tr]).predict_proba(Xva)[:, 1]
            loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
            if best is None or loss < best[0]:
                best = (loss, C, p)
        best_C[label], oof[label] = best[1], best[2]
    vec = make_vectorizer(token_pattern, n_max)
    X = vec.fit_transform(texts)
    models = {k: _logreg(best_C[k], seed).fit(X, labels[k].to_numpy()) for k in labels.columns}
    return LexicalFit(vec, models, best_C, oof, token_pattern, n_max)


def choose_blend(
    y: np.ndarray,
    p_embedding: np.ndarray,
    p_lexical: np.ndarray,
    metric: str = "alpha",
    grid: tuple[float, ...] = BLEND_GRID,
) -> tuple[float, float, float]:
    """The lexical weight and threshold that agree best with ``y`` out of fold.

    Returns ``(weight, threshold, score)``; ties keep the smaller weight.
    """
    best = None
    for w in grid:
        p = (1 - w) * p_embedding + w * p_lexical
        thr = best_threshold(y, p, metric)
        score = binary_report(y, p >= thr)[metric]
        if best is None or score > best[2] + 1e-12:
            best = (w, thr, score)
    return best


def write_lexical(folder: Path, fit: LexicalFit, file: str = "lexical.tsv") -> dict:
    """Write ``lexical.tsv`` and return the ``meta["lexical"]`` entry (weights to come)."""
    vec = fit.vectorizer
    vocab = vec.get_feature_names_out()
    table = pd.DataFrame({"ngram": vocab, "idf": vec.idf_})
    for label, model in fit.models.items():
        table[label] = model.coef_[0]
    table.to_csv(Path(folder) / file, sep="\t", index=False, float_format="%.17g")
    return {
        "file": file,
        "token_pattern": fit.token_pattern,
        "n_max": fit.n_max,
        "intercepts": {k: float(m.intercept_[0]) for k, m in fit.models.items()},
        "C": fit.C,
    }


def check_lexical_parity(folder: Path, entry: dict, fit: LexicalFit, texts) -> float:
    """Max |stored head - scikit-learn| over ``texts``; raises above ``PARITY_TOL``."""
    head = LexicalHead(
        Path(folder) / entry["file"],
        entry["intercepts"],
        entry["token_pattern"],
        int(entry.get("n_max", 2)),
    )
    ours = head.predict_proba(list(texts))
    ref = fit.predict_proba(list(texts))
    diff = max(float(np.abs(ours[:, j] - ref[k]).max()) for j, k in enumerate(head.labels))
    if diff > PARITY_TOL:
        raise CuecoderError(Errors.E006.format(path=entry["file"], diff=diff, tol=PARITY_TOL))
    return diff
