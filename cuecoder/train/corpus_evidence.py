"""Fit and check the combination of the per-reply ``automated`` score with template evidence.

:func:`fit_corpus_evidence` fits the parameters of
:func:`cuecoder.templates.evidence.combine_automated` (JSON-able; the model folder stores
them as ``meta["corpus_evidence"]``). One call does it all from the project's data::

    from cuecoder.train.corpus_evidence import fit_corpus_evidence
    params = fit_corpus_evidence()          # hand codes in corpora/labels/real_pass1_*.csv

Protocol
--------
1. Template features (``template_size``, ``template_recipients``) come from one
   :class:`~cuecoder.templates.index.TemplateIndex` over every real reply
   (:func:`cuecoder.train.data.real_replies`: TWCS and IBM, about 4,600), across accounts.
2. The per-reply probability is the model's automated head. By default (``p_source="oof"``)
   it is taken out of fold: the head is refit with the model's ``C`` on the written corpus
   plus the real replies of the other brand folds, so a coded reply is never scored by a
   head trained on it. (The shipped model was trained on most of these codes; its own
   probabilities on them are in-sample and too confident, which would teach the
   combination to ignore the corpus.) ``p_source="model"`` uses ``coder.score`` instead.
3. A logistic regression (L2, ``C=1``, unweighted, so its output is a calibrated
   probability) on ``[logit(p), log1p(size - 1), log1p(recipients - 1)]``. ``log1p(x - 1)``
   is 0 for a unique reply and grows slowly, since the 50th copy of a text says little
   more than the 10th; recipients separate a template sent to many people from a thread
   with one.
4. Evaluation: grouped K-fold by brand (a brand's replies are all in one fold), reporting
   ECE and precision/recall/F1 of (a) the per-reply probability at the model's threshold,
   (b) the per-reply probability recalibrated alone (the same regression without the
   corpus features) and (c) the combination, both at the F1-best threshold chosen on the
   training folds.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._optional import require
from ..stats.agreement import binary_report, expected_calibration_error
from ..templates.evidence import CORPUS_FEATURES, corpus_features
from ..templates.index import INDEX_SETTINGS, TemplateIndex
from .data import DEFAULT_CORPORA, load_real, load_written, real_replies
from .selection import best_threshold, grouped_folds

logger = logging.getLogger(__name__)

#: Settings of the TemplateIndex the combination is fit with (stored in the params).
COMBINE_C = 1.0  # L2 strength of the 3-feature regression; weak, the data decide


def corpus_template_features(corpus: pd.DataFrame, settings: dict | None = None) -> pd.DataFrame:
    """Template columns for every row of ``corpus`` (columns reply, brand, recipient)."""
    index = TemplateIndex(**(settings or INDEX_SETTINGS))
    recipients = corpus["recipient"].where(corpus["recipient"] != "", None)
    index.add(corpus["reply"], corpus["brand"], recipients, corpus["item_id"]).finalize()
    found = index.lookup(corpus["reply"], corpus["brand"])
    found.index = corpus.index
    return found


def out_of_fold_automated(
    coder,
    rows: pd.DataFrame,
    written: pd.DataFrame | None = None,
    n_folds: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """Per-reply ``automated`` probability of each real row from a head not trained on it.

    The head is the model's (standardise + class-balanced logistic regression, its ``C``)
    refit on ``written`` plus the rows of the other brand folds, on the model's features.
    """
    require("sklearn", "Fitting corpus evidence")
    from .heads import make_head

    C = float(coder.meta.get("training", {}).get("fit", {}).get("automated", {}).get("C", 0.01))
    ctx = rows["context"].where(rows["context"] != "", None)
    X, _, _ = coder.features(rows["reply"].tolist(), ctx.tolist())
    y = rows["automated"].to_numpy()
    if written is not None and len(written):
        wctx = written["context"].where(written["context"] != "", None)
        Xw, _, _ = coder.features(written["reply"].tolist(), wctx.tolist())
        yw = written["automated"].to_numpy()
    else:
        Xw, yw = np.zeros((0, X.shape[1]), np.float32), np.zeros(0, int)
    folds = grouped_folds(rows["brand"].to_numpy(), n_folds, seed)
    p = np.zeros(len(rows))
    for k in range(n_folds):
        te = folds == k
        head = make_head("logreg", C, seed).fit(np.vstack([X[~te], Xw]), np.r_[y[~te], yw])
        p[te] = head.predict_proba(X[te])[:, 1]
    return p


def fit_combination(X: np.ndarray, y: np.ndarray, seed: int):
    """The combination's logistic regression (weak L2, ``COMBINE_C``)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=COMBINE_C, max_iter=1000, random_state=seed).fit(X, y)


def fit_params(
    p_auto: np.ndarray,
    template_size: np.ndarray,
    template_recipients: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    corpus_size: int,
    n_folds: int = 5,
    seed: int = 0,
    threshold_metric: str = "alpha",
    p_source: str = "oof",
) -> tuple[dict, object, np.ndarray]:
    """Fit the combination and choose its threshold: the one fitter of corpus evidence.

    The threshold is the ``threshold_metric``-best cut of grouped out-of-fold combined
    probabilities (folds by ``groups``). Returns the JSON-able parameters of
    :func:`~cuecoder.templates.evidence.combine_automated` (``coef``, ``intercept``,
    ``threshold``, ``index`` settings, ``fit``), the fitted regression and the
    out-of-fold probabilities.
    """
    y = np.asarray(y).astype(int)
    X = corpus_features(p_auto, template_size, template_recipients)
    folds = grouped_folds(np.asarray(groups), n_folds, seed)
    oof = np.zeros(len(y))
    for k in np.unique(folds):
        te = folds == k
        oof[te] = fit_combination(X[~te], y[~te], seed).predict_proba(X[te])[:, 1]
    model = fit_combination(X, y, seed)
    params = {
        "version": 1,
        "features": list(CORPUS_FEATURES),
        "coef": [round(float(c), 6) for c in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
        "threshold": round(best_threshold(y, oof, threshold_metric), 4),
        "index": dict(INDEX_SETTINGS),
        "fit": {
            "p_source": p_source,
            "n": int(len(y)),
            "n_automated": int(y.sum()),
            "corpus_size": int(corpus_size),
            "C": COMBINE_C,
            "seed": seed,
        },
    }
    return params, model, oof


def evaluate_combination(
    y: np.ndarray,
    X: np.ndarray,
    groups: np.ndarray,
    model_threshold: float,
    n_folds: int = 5,
    seed: int = 0,
) -> dict:
    """Grouped cross-validation of per-reply vs recalibrated vs combined probabilities."""
    folds = grouped_folds(groups, n_folds, seed)
    p_cal, p_comb = np.zeros(len(y)), np.zeros(len(y))
    pred_cal, pred_comb = np.zeros(len(y), bool), np.zeros(len(y), bool)
    for k in range(n_folds):
        te = folds == k
        for cols, p_out, pred_out in (([0], p_cal, pred_cal), ([0, 1, 2], p_comb, pred_comb)):
            model = fit_combination(X[~te][:, cols], y[~te], seed)
            thr = best_threshold(y[~te], model.predict_proba(X[~te][:, cols])[:, 1], "f1")
            p_out[te] = model.predict_proba(X[te][:, cols])[:, 1]
            pred_out[te] = p_out[te] >= thr
    p_raw = 1.0 / (1.0 + np.exp(-X[:, 0]))
    return {
        "per_reply": binary_report(y, p_raw >= model_threshold, p_raw),
        "per_reply_recalibrated": binary_report(y, pred_cal, p_cal),
        "combined": binary_report(y, pred_comb, p_comb),
        "n_folds": n_folds,
        "folds_by": "brand",
    }


def fit_corpus_evidence(
    label_files: Sequence[Path] | None = None,
    data_dir: Path | None = None,
    coder=None,
    p_source: Literal["oof", "model"] = "oof",
    written_files: Sequence[Path] | None = None,
    n_folds: int = 5,
    seed: int = 0,
    threshold_metric: str = "alpha",
) -> dict:
    """Fit the parameters of :func:`~cuecoder.templates.evidence.combine_automated` from
    the hand codes and the model's per-reply probabilities (:func:`fit_params`).

    Parameters
    ----------
    label_files : list of Path, optional
        Hand codes (default ``corpora/labels/real_pass1_*.csv``).
    data_dir : Path
        Where the real corpora are (default ``$CUECODER_DATA``).
    coder : Coder, optional
        The per-reply model (default :func:`cuecoder.load`).
    p_source : {"oof", "model"}
        Out-of-fold head probabilities (default) or the model's own (see the module notes).
    written_files : list of Path, optional
        Written corpus the out-of-fold heads also train on (default
        ``corpora/written/written_[abc].csv``, as the model was trained).
    n_folds, seed : int
        Grouped K-fold by brand.
    threshold_metric : {"alpha", "f1"}
        What the threshold maximises on out-of-fold combined probabilities (the
        training pipeline uses its config's metric, alpha for the default model).

    Returns
    -------
    dict
        JSON-able: ``coef``, ``intercept``, ``features``, ``threshold`` (best by
        ``threshold_metric`` on out-of-fold combined probabilities), ``index``
        (TemplateIndex settings), ``fit`` (data sizes and the cross-validated report).
    """
    if label_files is None:
        label_files = [
            Path(p) for p in sorted(glob.glob(str(DEFAULT_CORPORA / "labels" / "real_pass1_*.csv")))
        ]
    if coder is None:
        from ..coder import load

        coder = load()
    labelled = load_real(list(label_files), data_dir)
    corpus = real_replies(data_dir)
    found = corpus_template_features(corpus)
    found["item_id"] = corpus["item_id"].to_numpy()
    rows = labelled.merge(found, on="item_id", how="left", validate="one_to_one")
    if p_source == "oof":
        if written_files is None:
            written_files = [
                Path(p)
                for p in sorted(glob.glob(str(DEFAULT_CORPORA / "written" / "written_[abc].csv")))
            ]
        written = load_written(list(written_files)) if written_files else None
        p = out_of_fold_automated(coder, rows, written, n_folds, seed)
    else:
        ctx = rows["context"].where(rows["context"] != "", None)
        p = coder.score(rows["reply"].tolist(), ctx.tolist())["automated"].to_numpy()
    y = rows["automated"].to_numpy().astype(int)
    params, _, oof = fit_params(
        p,
        rows["template_size"],
        rows["template_recipients"],
        y,
        rows["brand"].to_numpy(),
        corpus_size=len(corpus),
        n_folds=n_folds,
        seed=seed,
        threshold_metric=threshold_metric,
        p_source=p_source,
    )
    X = corpus_features(p, rows["template_size"], rows["template_recipients"])
    params["fit"].update(
        n_brands=int(rows["brand"].nunique()),
        n_in_template=int((rows["template_size"] >= 2).sum()),
        oof_ece=expected_calibration_error(y, oof),
        cv=evaluate_combination(
            y, X, rows["brand"].to_numpy(), coder.thresholds["automated"], n_folds, seed
        ),
    )
    return params


def automated_check_sample(
    data_dir: Path | None = None,
    n: int = 100,
    seed: int = 0,
    exclude: Sequence[str] = (),
) -> pd.DataFrame:
    """The 100 flagged + 100 unflagged TWCS replies of the manual check of ``automated``.

    Flagged: in a template cluster of two or more replies of a TemplateIndex over
    ``twcs/twcs_brand_replies.csv`` (across accounts, default settings); unflagged: not.
    Ids in ``exclude`` (already hand-coded replies) are not drawn.
    """
    corpus = real_replies(data_dir)
    corpus = corpus[corpus["source"] == "twcs"].reset_index(drop=True)
    found = corpus_template_features(corpus)
    corpus["flagged"] = (found["template_size"] >= 2).astype(int).to_numpy()
    corpus = corpus[~corpus["item_id"].isin(set(exclude))]
    rng = np.random.default_rng(seed)
    parts = []
    for flag in (1, 0):
        pool = corpus[corpus["flagged"] == flag]
        parts.append(pool.iloc[np.sort(rng.choice(len(pool), size=n, replace=False))])
    return pd.concat(parts, ignore_index=True)


def evaluate_check(
    check_file: Path = DEFAULT_CORPORA / "labels" / "automated_check.csv",
    params: dict | None = None,
    coder=None,
    data_dir: Path | None = None,
) -> dict:
    """Precision and recall of ``automated`` on the manual check, without and with corpus
    evidence (template features from the whole TWCS file, combined with ``params``).

    Besides the figures on the 200 sampled replies (half flagged), gives them reweighted
    to the corpus (each stratum weighted by its share of the corpus).
    """
    if coder is None:
        from ..coder import load

        coder = load()
    check = pd.read_csv(check_file, dtype={"item_id": str})
    corpus = real_replies(data_dir)
    corpus = corpus[corpus["source"] == "twcs"].reset_index(drop=True)
    found = corpus_template_features(corpus, (params or {}).get("index"))
    found["item_id"] = corpus["item_id"].to_numpy()
    share = float((found["template_size"] >= 2).mean())
    rows = check.merge(corpus, on="item_id", how="left").merge(found, on="item_id", how="left")
    ctx = rows["context"].where(rows["context"] != "", None)
    p = coder.score(rows["reply"].tolist(), ctx.tolist())["automated"].to_numpy()
    from ..templates.evidence import combine_automated

    pc = combine_automated(p, rows["template_size"], rows["template_recipients"], params)
    y = rows["automated"].to_numpy()
    weight = np.where(rows["flagged"] == 1, share / 100, (1 - share) / 100)
    out = {"n": int(len(y)), "n_automated": int(y.sum()), "flagged_share_in_corpus": share}
    for name, pred in (
        ("without", p >= coder.thresholds["automated"]),
        ("with", pc >= (params or {}).get("threshold", 0.5)),
    ):
        tp = (pred == 1) & (y == 1)
        fp = (pred == 1) & (y == 0)
        fn = (pred == 0) & (y == 1)
        out[name] = {
            "precision": tp.sum() / max(tp.sum() + fp.sum(), 1),
            "recall": tp.sum() / max(tp.sum() + fn.sum(), 1),
            "f1": 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1),
            "precision_weighted": (weight * tp).sum() / max((weight * (tp | fp)).sum(), 1e-12),
            "recall_weighted": (weight * tp).sum() / max((weight * (tp | fn)).sum(), 1e-12),
            "by_stratum": {
                int(f): {
                    "precision": float(tp[m].sum() / max((tp | fp)[m].sum(), 1)),
                    "recall": float(tp[m].sum() / max((tp | fn)[m].sum(), 1)),
                }
                for f in (1, 0)
                for m in [rows["flagged"].to_numpy() == f]
            },
        }
        out[name] = {k: (float(v) if not isinstance(v, dict) else v) for k, v in out[name].items()}
    return out
