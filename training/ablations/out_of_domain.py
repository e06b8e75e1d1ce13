"""Ablation: do out-of-domain labelled sets help the openness and listening heads?

Protocol (as ``features.py``): grouped 5-fold out-of-fold (OOF) predictions of the real
training replies (split ``train``; folds by brand for real rows, by industry for written
ones, ``grouped_folds``). Variants per head:

- ``default``: the default recipe, real + written rows, all at weight 1;
- ``+<set> w=1`` / ``+<set> w=.3``: the same, plus the rows of one out-of-domain set
  (``cuecoder.train.out_of_domain``) that inform this head, added to every training fold
  at that sample weight. Out-of-domain rows are never predicted or scored.

The head is the pipeline's (``make_head``: standardise + balanced logistic regression)
on the default design matrix ``[int8 MiniLM embedding, codebook features]``, with the
``C`` that ``models/default`` chose for the label. The threshold is chosen the same way
for every variant, by the pipeline's rule (``fit_label``): F1-best on the OOF real rows
when they hold at least ``min_real_positives`` positives, otherwise on all in-domain
OOF rows (real + written; never out-of-domain rows). Scores on the OOF real rows:
Krippendorff's alpha and F1 at that threshold (optimistic for all variants alike: the
threshold is chosen on the rows it is scored on), average precision (threshold-free),
the alpha difference to ``default`` with a 90% interval from a paired bootstrap over
brands, and the mean alpha difference over three fold splits (seeds 0, 1, 2).

Then one check on the held-out test brands (split ``test``) for the best out-of-domain
variant of each head (highest mean OOF alpha over the three splits): fit on all
training rows (+ that set), threshold from the seed-0 OOF, alpha/F1 on the test brands
beside the default recipe.

The design matrix is built here, not with ``features.design``: that helper also embeds
every context, which would spend the out-of-domain embedding budget on seeker posts and
client turns the heads never see. Matrices are cached in a temporary folder.

    python training/ablations/out_of_domain.py [--config training/configs/default.toml]
        [--cache-dir DIR] [--n-per-set 1000] [--threads 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from cuecoder.codebook import LABELS
from cuecoder.coder import Featurizer
from cuecoder.model.folder import DEFAULT_MODEL
from cuecoder.stats.agreement import binary_report, krippendorff_alpha
from cuecoder.train.data import data_hash
from cuecoder.train.heads import make_head
from cuecoder.train.out_of_domain import INFORMS, load_out_of_domain
from cuecoder.train.pipeline import TrainConfig, load_training_data
from cuecoder.train.selection import best_threshold, grouped_folds

HEADS = ("listening", "openness")
WEIGHTS = (1.0, 0.3)
FOLD_SEEDS = (0, 1, 2)
N_BOOT = 1000  # bootstrap resamples of brands for the alpha-difference interval


def design(rows: pd.DataFrame, model_dir: Path, cache: Path, n_threads: int) -> np.ndarray:
    """The default model's design matrix for ``rows``, cached by item ids and model."""
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    key = hashlib.sha256(
        ("\n".join(rows["item_id"]) + json.dumps(meta["encoder"], sort_keys=True)).encode()
    ).hexdigest()[:16]
    path = cache / f"design_{key}.npy"
    if path.is_file():
        return np.load(path)
    fz = Featurizer.from_meta(model_dir, meta, n_threads=n_threads)
    docs = fz.tokenize(rows["reply"])
    ctx = fz.tokenize_optional(rows["context"].where(rows["context"] != "", None))
    X, _, _ = fz.transform(docs, ctx)
    np.save(path, X)
    return X


def fit_head(X, y, w, C, seed=0):
    head = make_head("logreg", C, seed)
    return head.fit(X, y, logisticregression__sample_weight=w)


def oof_proba(X, y, folds, X_ood, y_ood, w_ood, C):
    """OOF probabilities of the in-domain rows; out-of-domain rows only ever train."""
    oof = np.zeros(len(y))
    for k in np.unique(folds):
        tr, va = folds != k, folds == k
        Xtr = np.vstack([X[tr], X_ood])
        ytr = np.concatenate([y[tr], y_ood])
        wtr = np.concatenate([np.ones(tr.sum()), np.full(len(y_ood), w_ood)])
        oof[va] = fit_head(Xtr, ytr, wtr, C).predict_proba(X[va])[:, 1]
    return oof


def threshold(y, p, is_real, min_real_positives):
    """The pipeline's rule (``fit_label``): real rows if enough positives, else all."""
    sel = is_real if y[is_real].sum() >= min_real_positives else np.ones(len(y), bool)
    return best_threshold(y[sel], p[sel])


def alpha(y, pred):
    return krippendorff_alpha(y, pred.astype(int))


def boot_diff(y, pred_a, pred_b, groups, seed=0):
    """Paired bootstrap over groups of alpha(b) - alpha(a): 5% and 95% quantiles."""
    rng = np.random.default_rng(seed)
    uniq = np.unique(groups)
    idx = {g: np.flatnonzero(groups == g) for g in uniq}
    diffs = []
    for _ in range(N_BOOT):
        take = np.concatenate([idx[g] for g in rng.choice(uniq, len(uniq))])
        a, b = alpha(y[take], pred_a[take]), alpha(y[take], pred_b[take])
        if np.isfinite(a) and np.isfinite(b):
            diffs.append(b - a)
    return np.quantile(diffs, [0.05, 0.95])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("training/configs/default.toml"))
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--n-per-set", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args()
    cache = args.cache_dir or Path(tempfile.mkdtemp(prefix="cuecoder_ood_"))
    cache.mkdir(parents=True, exist_ok=True)
    print(f"cache: {cache}", flush=True)

    cfg = TrainConfig.from_toml(args.config)
    data_dir = cfg.data_dir
    rows = load_training_data(cfg)
    ood = load_out_of_domain(data_dir=data_dir, n=args.n_per_set, seed=cfg.seed)
    X_all = design(rows, DEFAULT_MODEL, cache, args.threads)
    X_ood_all = design(ood, DEFAULT_MODEL, cache, args.threads)
    meta = json.loads((DEFAULT_MODEL / "meta.json").read_text(encoding="utf-8"))

    is_train = (rows["split"] == "train").to_numpy()
    tr = rows[is_train].reset_index(drop=True)
    X, Xte = X_all[is_train], X_all[~is_train]
    is_real = (tr["source"] != "written").to_numpy()
    brands = tr["group"].to_numpy()[is_real]
    folds = {s: grouped_folds(tr["group"].to_numpy(), cfg.n_folds, s) for s in FOLD_SEEDS}
    print(
        f"train rows {len(tr)} (real {is_real.sum()}, brands {len(np.unique(brands))}); "
        f"test rows {(~is_train).sum()} ({rows.loc[~is_train, 'brand'].nunique()} brands); "
        f"ood rows {ood.groupby('source').size().to_dict()}; "
        f"labels_sha256 {data_hash(rows, ['item_id', *LABELS])[:16]}",
        flush=True,
    )

    table, test_rows, results = [], [], {}
    for label in HEADS:
        C = meta["training"]["fit"][label]["C"]
        y = tr[label].to_numpy()
        variants = {"default": (np.empty((0, X.shape[1])), np.empty(0), 1.0)}
        for name in (s for s, lab in INFORMS.items() if lab == label):
            sel = (ood["source"] == name).to_numpy()
            for w in WEIGHTS:
                variants[f"+{name} w={w:g}"] = (
                    X_ood_all[sel],
                    ood.loc[sel, label].astype(int).to_numpy(),
                    w,
                )
        oofs = {
            v: {s: oof_proba(X, y, folds[s], Xo, yo, w, C) for s in FOLD_SEEDS}
            for v, (Xo, yo, w) in variants.items()
        }
        yr = y[is_real]
        preds = {
            v: {s: p >= threshold(y, p, is_real, cfg.min_real_positives) for s, p in o.items()}
            for v, o in oofs.items()
        }
        base_alpha = {s: alpha(yr, preds["default"][s][is_real]) for s in FOLD_SEEDS}
        for v in variants:
            p0, pred0 = oofs[v][0][is_real], preds[v][0][is_real]
            rep = binary_report(yr, pred0)
            mean_diff = np.mean(
                [alpha(yr, preds[v][s][is_real]) - base_alpha[s] for s in FOLD_SEEDS]
            )
            lo, hi = (
                boot_diff(yr, preds["default"][0][is_real], pred0, brands)
                if v != "default"
                else (np.nan, np.nan)
            )
            table.append(
                {
                    "head": label,
                    "variant": v,
                    "alpha": rep["alpha"],
                    "f1": rep["f1"],
                    "avg_precision": average_precision_score(yr, p0),
                    "d_alpha": rep["alpha"] - base_alpha[0],
                    "d_alpha_lo": lo,
                    "d_alpha_hi": hi,
                    "d_alpha_3splits": mean_diff,
                    "real_pos": int(yr.sum()),
                }
            )
            print(table[-1], flush=True)

        # one check on the held-out test brands: the best out-of-domain variant vs default
        mean_alpha = {
            v: np.mean([alpha(yr, preds[v][s][is_real]) for s in FOLD_SEEDS])
            for v in variants
            if v != "default"
        }
        best = max(mean_alpha, key=mean_alpha.get)
        yte = rows.loc[~is_train, label].to_numpy()
        te_groups = rows.loc[~is_train, "group"].to_numpy()
        te_preds = {}
        for v in ("default", best):
            Xo, yo, w = variants[v]
            weights = np.concatenate([np.ones(len(y)), np.full(len(yo), w)])
            head = fit_head(np.vstack([X, Xo]), np.concatenate([y, yo]), weights, C)
            thr = threshold(y, oofs[v][0], is_real, cfg.min_real_positives)
            p = head.predict_proba(Xte)[:, 1]
            te_preds[v] = p >= thr
            rep = binary_report(yte, te_preds[v], p)
            test_rows.append(
                {
                    "head": label,
                    "variant": v,
                    "threshold": thr,
                    "alpha": rep["alpha"],
                    "f1": rep["f1"],
                    "precision": rep["precision"],
                    "recall": rep["recall"],
                    "avg_precision": average_precision_score(yte, p),
                    "test_pos": rep["support"],
                    "n_test": rep["n"],
                }
            )
            print(test_rows[-1], flush=True)
        lo, hi = boot_diff(yte, te_preds["default"], te_preds[best], te_groups)
        results[label] = {"best": best, "test_d_alpha_interval": [float(lo), float(hi)]}
        print(f"{label}: test alpha difference 90% interval [{lo:.3f}, {hi:.3f}]", flush=True)

    oof_table = pd.DataFrame(table)
    test_table = pd.DataFrame(test_rows)
    print("\nOOF on real training replies\n", oof_table.round(3).to_markdown(index=False))
    print("\nHeld-out test brands\n", test_table.round(3).to_markdown(index=False))
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"oof": table, "test": test_rows, "summary": results}, indent=1, default=float
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
