"""Ablation: which inputs help the heads, judged on out-of-fold predictions of the
real training replies (grouped by brand). The test brands are not touched.

Variants: the embedding alone; + codebook features; + reply-context similarity;
the written corpus at weight 1 or 0.3 or left out; thresholds by F1 or by alpha.

    python training/ablations/features.py [--config training/configs/default.toml]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from cuecoder.codebook import LABELS
from cuecoder.coder import Featurizer
from cuecoder.model.encoder import OnnxEncoder
from cuecoder.model.folder import DEFAULT_MODEL
from cuecoder.stats.agreement import krippendorff_alpha
from cuecoder.train.heads import make_head
from cuecoder.train.pipeline import TrainConfig, load_training_data
from cuecoder.train.selection import best_threshold, grouped_folds


def design(rows: pd.DataFrame, model_dir: Path) -> dict[str, np.ndarray]:
    meta = json.loads((model_dir / "meta.json").read_text())
    enc = OnnxEncoder(model_dir / meta["encoder"]["file"], model_dir / meta["encoder"]["tokenizer"])
    fz = Featurizer(enc, model_dir / "patterns.tsv", model_dir / "lexicons.tsv")
    docs = fz.tokenize(rows["reply"])
    ctx = fz.tokenize_optional(rows["context"].where(rows["context"] != "", None))
    X, _, _ = fz.transform(docs, ctx)
    has = rows["context"].to_numpy() != ""
    C = np.zeros((len(rows), enc.dim), np.float32)
    C[has] = enc.encode(rows.loc[has, "context"].tolist())
    cos = (X[:, : enc.dim] * C).sum(1, keepdims=True)
    return {"emb": X[:, : enc.dim], "feats": X[:, enc.dim :], "cos": np.hstack([cos, has[:, None]])}


def oof_alpha(X, y, folds, weights, is_real, C, by):
    oof = np.zeros(len(y))
    for k in np.unique(folds):
        tr, va = folds != k, folds == k
        head = make_head("logreg", C)
        head.fit(X[tr], y[tr], logisticregression__sample_weight=weights[tr])
        oof[va] = head.predict_proba(X[va])[:, 1]
    r = is_real
    if by == "f1":
        t = best_threshold(y[r], oof[r])
    else:
        grid = np.unique(np.round(oof[r], 3))
        t = max(grid, key=lambda t: krippendorff_alpha(y[r], (oof[r] >= t).astype(int)))
    # the threshold is chosen on the same OOF rows: optimistic for all variants alike
    return krippendorff_alpha(y[r], (oof[r] >= t).astype(int))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("training/configs/default.toml"))
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "cuecoder_ablation.npz"
    )
    args = parser.parse_args()
    cfg = TrainConfig.from_toml(args.config)
    rows = load_training_data(cfg)
    rows = rows[rows["split"] == "train"].reset_index(drop=True)
    if args.cache.is_file():
        parts = dict(np.load(args.cache))
    else:
        parts = design(rows, DEFAULT_MODEL)
        np.savez(args.cache, **parts)
    is_real = (rows["source"] != "written").to_numpy()
    folds = grouped_folds(rows["group"].to_numpy(), 5, 0)
    variants = {
        "emb": (["emb"], 1.0, "f1"),
        "emb+feats": (["emb", "feats"], 1.0, "f1"),
        "emb+feats+cos": (["emb", "feats", "cos"], 1.0, "f1"),
        "emb+feats, written w=.3": (["emb", "feats"], 0.3, "f1"),
        "emb+feats, no written": (["emb", "feats"], 0.0, "f1"),
        "emb+feats, thr by alpha": (["emb", "feats"], 1.0, "alpha"),
        "emb+feats+cos, w=.3, alpha": (["emb", "feats", "cos"], 0.3, "alpha"),
    }
    table = {}
    for name, (blocks, w, by) in variants.items():
        X = np.hstack([parts[b] for b in blocks])
        weights = np.where(is_real, 1.0, w)
        keep = weights > 0
        res = {}
        for label in LABELS:
            y = rows[label].to_numpy()
            res[label] = oof_alpha(
                X[keep], y[keep], folds[keep], weights[keep], is_real[keep], 0.03, by
            )
        table[name] = res
        print(f"{name:30s}", "  ".join(f"{k[:5]} {v:.3f}" for k, v in res.items()), flush=True)
    print(pd.DataFrame(table).T.round(3).to_markdown())


if __name__ == "__main__":
    main()
