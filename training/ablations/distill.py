"""Ablation: distil the fine-tuned teacher into today's fast design (the student).

The student has today's architecture (frozen int8 MiniLM embedding + codebook features,
one logistic head per label, blended with the lexical head), so it scores at today's
speed. It is trained on the coded training rows (their codes) plus uncoded real English
replies with the teacher's probabilities as soft targets: each uncoded reply enters twice,
as a positive with weight ``w * p`` and as a negative with weight ``w * (1 - p)``
(``--soft-weight`` w). Uncoded replies come only from brands outside the test split, so
the test brands stay unseen, even unlabelled.

Protocol as ``context_levers.py`` (same data, split, folds, lexical head; C fixed to the
base lever's choice): the uncoded rows join every fold's training part; out-of-fold
probabilities on the coded real rows choose the blend and threshold by alpha; the test
brands are scored once.

    python training/ablations/distill.py --work /tmp/levers --teacher /tmp/teacher/<run> \
        --n-uncoded 6000
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from teacher import language_rows

from cuecoder.codebook import LABELS
from cuecoder.coder import Featurizer
from cuecoder.model.folder import load_meta
from cuecoder.stats.agreement import binary_report
from cuecoder.train.cross_encoder import load_fit, predict_cross_encoder
from cuecoder.train.data import real_replies
from cuecoder.train.heads import make_head
from cuecoder.train.lexical import choose_blend, fit_lexical
from cuecoder.train.pipeline import TrainConfig
from cuecoder.train.selection import grouped_folds


def uncoded(rows, data_dir, n, seed) -> pd.DataFrame:
    corpus = real_replies(data_dir, sources=("twcs", "ibm", "stc3"))
    corpus = corpus[corpus["language"] == "en"]
    test_brands = set(rows.loc[rows["split"] == "test", "brand"])
    keep = ~corpus["item_id"].isin(set(rows["item_id"])) & ~corpus["brand"].isin(test_brands)
    keep &= corpus["reply"].str.strip().str.len() > 0
    pool = corpus[keep]
    return pool.sample(n=min(n, len(pool)), random_state=seed).reset_index(drop=True)


def soft_fit(C, seed, X, y, Xu, pu, w):
    """Logistic head on hard rows plus soft rows (positive and negative copies)."""
    Xa = np.vstack([X, Xu, Xu])
    ya = np.concatenate([y, np.ones(len(Xu)), np.zeros(len(Xu))])
    sw = np.concatenate([np.ones(len(y)), w * pu, w * (1 - pu)])
    head = make_head("logreg", C, seed)
    return head.fit(Xa, ya, logisticregression__sample_weight=sw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("training/configs/round3.toml"))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--model", type=Path, default=Path("cuecoder/models/default"))
    parser.add_argument("--work", type=Path, required=True, help="context_levers.py's folder")
    parser.add_argument("--teacher", type=Path, required=True, help="a saved teacher run")
    parser.add_argument("--n-uncoded", type=int, default=6000)
    parser.add_argument("--soft-weight", type=float, nargs="+", default=[1.0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    rows = language_rows(args.config, args.data_dir, "en")
    X = np.load(args.work / "design.npz")["X"]
    cache = args.work / f"uncoded_{args.n_uncoded}.npz"
    extra = uncoded(rows, args.data_dir, args.n_uncoded, args.seed)
    if cache.exists():
        saved = np.load(cache, allow_pickle=False)
        Xu, Pu = saved["X"], saved["P"]
    else:
        featurizer = Featurizer.from_meta(args.model, load_meta(args.model))
        docs = featurizer.tokenize(extra["reply"])
        ctx = featurizer.tokenize_optional(extra["context"].where(extra["context"] != "", None))
        Xu, _, _ = featurizer.transform(docs, ctx, batch_size=32)
        logging.info("featurized %d uncoded replies", len(extra))
        teacher = load_fit(args.teacher, threads=1)
        Pu = predict_cross_encoder(teacher, extra)[:, : len(LABELS)]
        np.savez(cache, X=Xu, P=Pu)
        logging.info("teacher probabilities for %d uncoded replies", len(extra))

    is_train = (rows["split"] == "train").to_numpy()
    is_real = (rows["source"] != "written").to_numpy()
    cfg = TrainConfig.from_toml(args.config)
    folds = grouped_folds(rows.loc[is_train, "group"].to_numpy(), cfg.n_folds, args.seed)
    lexical = fit_lexical(
        rows.loc[is_train, "reply"], rows.loc[is_train, list(LABELS)], folds, args.seed
    )
    lexical_test = lexical.predict_proba(rows.loc[~is_train, "reply"])
    base = json.loads((args.work / "results.json").read_text(encoding="utf-8"))["base"]
    Xtr, Xte = X[is_train], X[~is_train]
    real_tr = is_real[is_train]
    results = {}
    for w in args.soft_weight:
        entry = {}
        for j, label in enumerate(LABELS):
            y = rows.loc[is_train, label].to_numpy()
            C = base[label]["C"]
            oof = np.zeros(len(y))
            for k in np.unique(folds):
                tr, va = folds != k, folds == k
                head = soft_fit(C, args.seed, Xtr[tr], y[tr], Xu, Pu[:, j], w)
                oof[va] = head.predict_proba(Xtr[va])[:, 1]
            weight, thr, _ = choose_blend(y[real_tr], oof[real_tr], lexical.oof[label][real_tr])
            head = soft_fit(C, args.seed, Xtr, y, Xu, Pu[:, j], w)
            p = (1 - weight) * head.predict_proba(Xte)[:, 1] + weight * lexical_test[label]
            yt = rows.loc[~is_train, label].to_numpy()
            report = binary_report(yt, p >= thr, p)
            entry[label] = {k: round(float(report[k]), 3) for k in ("alpha", "f1", "ece")}
            entry[label].update(C=C, blend=weight, threshold=round(thr, 3))
            logging.info("w=%g %s: %s", w, label, entry[label])
        entry["mean_alpha"] = round(float(np.mean([entry[k]["alpha"] for k in LABELS])), 3)
        results[f"student_w{w:g}_n{len(extra)}"] = entry
        out = args.work / "distill.json"
        old = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
        out.write_text(json.dumps({**old, **results}, indent=1), encoding="utf-8")
    print(json.dumps({k: v["mean_alpha"] for k, v in results.items()}))


if __name__ == "__main__":
    main()
