"""Ablation: would more hand-coded real replies help? Out-of-fold alpha of the real
training replies (grouped by brand, 5 folds) when each fold's model sees only a share of
the other folds' real replies (the written corpus always in full). The test brands are
not touched.

    python training/ablations/learning_curve.py [--config training/configs/default.toml]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from features import design  # same directory: the design matrix of the features ablation

from cuecoder.codebook import LABELS
from cuecoder.model.folder import DEFAULT_MODEL
from cuecoder.stats.agreement import krippendorff_alpha
from cuecoder.train.heads import make_head
from cuecoder.train.pipeline import TrainConfig, load_training_data
from cuecoder.train.selection import best_threshold, grouped_folds

SHARES = (0.25, 0.5, 0.75, 1.0)


def oof_at_share(X, y, folds, is_real, share, C, seed):
    """Out-of-fold probabilities when training keeps ``share`` of the real rows."""
    rng = np.random.default_rng(seed)
    keep_real = rng.random(len(y)) < share
    oof = np.zeros(len(y))
    for k in np.unique(folds):
        tr = (folds != k) & (~is_real | keep_real)
        va = folds == k
        oof[va] = make_head("logreg", C, seed).fit(X[tr], y[tr]).predict_proba(X[va])[:, 1]
    return oof


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("training/configs/default.toml"))
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "cuecoder_learning_curve.npz"
    )
    parser.add_argument("--repeats", type=int, default=3, help="subsamples per share")
    args = parser.parse_args()
    cfg = TrainConfig.from_toml(args.config)
    rows = load_training_data(cfg)
    rows = rows[rows["split"] == "train"].reset_index(drop=True)
    parts = dict(np.load(args.cache)) if args.cache.is_file() else {}
    if len(parts.get("emb", ())) != len(rows):  # no cache, or one for other rows
        parts = design(rows, DEFAULT_MODEL)
        np.savez(args.cache, **parts)
    X = np.hstack([parts["emb"], parts["feats"]])
    is_real = (rows["source"] != "written").to_numpy()
    folds = grouped_folds(rows["group"].to_numpy(), 5, 0)
    n_real_train = int(is_real.sum() * 0.8)  # about 4 of 5 folds train each model
    table = []
    for share in SHARES:
        repeats = 1 if share == 1.0 else args.repeats
        for label in LABELS:
            y = rows[label].to_numpy()
            alphas = []
            for rep in range(repeats):
                oof = oof_at_share(X, y, folds, is_real, share, 0.03, rep)
                r = is_real
                t = best_threshold(y[r], oof[r], "alpha")  # same-OOF choice, alike for all
                alphas.append(krippendorff_alpha(y[r], (oof[r] >= t).astype(int)))
            table.append(
                {
                    "share": share,
                    "real_train": round(n_real_train * share),
                    "label": label,
                    "alpha": float(np.mean(alphas)),
                    "sd": float(np.std(alphas)),
                }
            )
        print(pd.DataFrame(table[-4:]).round(3).to_string(index=False), flush=True)
    wide = pd.DataFrame(table).pivot(index=["share", "real_train"], columns="label", values="alpha")
    print(wide[list(LABELS)].round(3).to_markdown())


if __name__ == "__main__":
    main()
