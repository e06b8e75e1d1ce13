"""Ablation: does fine-tuning the encoder (SetFit-style, on CPU) beat frozen embeddings?

Same split as the pipeline (``load_training_data``: whole brands held out as ``test``).
Both arms use the same rows, codebook features, folds and ``fit_label`` (C by
out-of-fold log-loss, threshold by out-of-fold F1), and encode one reply at a time
(``batch_size=1``, as serving does):

(a) frozen: the int8 encoder of ``models/default``;
(b) tuned: all-MiniLM-L6-v2 fine-tuned on the training rows only
    (:func:`cuecoder.train.finetune.finetune_encoder`), exported int8 per-channel.

Reported per label on the test brands: alpha, F1, precision, recall, ECE, ROC AUC
(threshold-free), the out-of-fold alpha on the real training rows (optimistic for (b),
whose encoder has seen those rows' codes), and a brand-cluster bootstrap interval of the
alpha difference (b - a). Wall-clock seconds of fine-tuning, export and embedding too.

    python training/ablations/finetune.py --work "$(mktemp -d)" [--n-pairs 4000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cuecoder.codebook import LABELS
from cuecoder.coder import Featurizer
from cuecoder.cues.evidence import LEXICONS_FILE, PATTERNS_FILE
from cuecoder.model.encoder import OnnxEncoder
from cuecoder.model.folder import DEFAULT_MODEL
from cuecoder.stats.agreement import binary_report, krippendorff_alpha
from cuecoder.train.data import data_hash
from cuecoder.train.pipeline import TrainConfig, fit_label, load_training_data
from cuecoder.train.selection import grouped_folds

N_BOOT = 1000  # brand-cluster bootstrap replicates of the alpha difference


def design(rows: pd.DataFrame, model_path: Path, tokenizer_path: Path) -> tuple:
    """Design matrix of ``rows`` with one encoder, one reply per batch; with timings."""
    encoder = OnnxEncoder(model_path, tokenizer_path, n_threads=1)
    featurizer = Featurizer(encoder, PATTERNS_FILE, LEXICONS_FILE)
    seconds = {"embed": 0.0}
    encode = encoder.encode

    def timed_encode(*args, **kwargs):
        started = time.perf_counter()
        out = encode(*args, **kwargs)
        seconds["embed"] += time.perf_counter() - started
        return out

    encoder.encode = timed_encode
    started = time.perf_counter()
    docs = featurizer.tokenize(rows["reply"])
    ctx = featurizer.tokenize_optional(rows["context"].where(rows["context"] != "", None))
    X, _, _ = featurizer.transform(docs, ctx, batch_size=1)
    seconds["transform"] = time.perf_counter() - started
    seconds["replies_per_s"] = len(rows) / seconds["embed"]
    return X, encoder.dim, {k: round(v, 1) for k, v in seconds.items()}


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    ranks = pd.Series(p).rank().to_numpy()
    n1 = int(y.sum())
    n0 = len(y) - n1
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)) if n1 and n0 else np.nan


def evaluate(X, rows, cfg) -> dict:
    """Heads by ``fit_label`` on the training rows; per-label report on the test rows."""
    is_train = (rows["split"] == "train").to_numpy()
    is_real = (rows["source"] != "written").to_numpy()
    folds = grouped_folds(rows.loc[is_train, "group"].to_numpy(), cfg.n_folds, cfg.seed)
    real_tr = is_real[is_train]
    out = {}
    for label in LABELS:
        y = rows[label].to_numpy()
        head, C, thr, info, oof = fit_label(X[is_train], y[is_train], folds, real_tr, cfg)
        p = head.predict_proba(X[~is_train])[:, 1]
        report = binary_report(y[~is_train], p >= thr, p)
        report["auc"] = roc_auc(y[~is_train], p)
        report["oof_alpha_real_train"] = krippendorff_alpha(
            y[is_train][real_tr], (oof[real_tr] >= thr).astype(int)
        )
        report.update(C=C, threshold=round(thr, 4), threshold_from=info["threshold_from"])
        out[label] = {"report": report, "pred": (p >= thr).astype(int), "proba": p}
    return out


def _alpha_from_counts(n_agree0, n_agree1, n_disagree) -> float:
    """Nominal alpha of two coders on binary codes from the counts of (0,0), (1,1) and
    disagreeing units: ``1 - (n - 1) * d / (n_0 * n_1)`` with ``n = 2 * units`` values,
    ``n_c`` the values equal to ``c`` and ``d`` the disagreeing units."""
    n0 = 2 * n_agree0 + n_disagree
    n1 = 2 * n_agree1 + n_disagree
    n = n0 + n1
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n0 * n1 > 0, 1 - (n - 1) * n_disagree / (n0 * n1), np.nan)


def bootstrap_alpha_diff(y, pred_a, pred_b, brands, seed: int) -> tuple[float, float]:
    """95% percentile interval of alpha(b) - alpha(a), resampling test brands."""
    rng = np.random.default_rng(seed)
    uniq, inverse = np.unique(brands, return_inverse=True)

    def counts(pred):  # per brand: (0,0), (1,1), disagreements
        kinds = np.stack([(y == 0) & (pred == 0), (y == 1) & (pred == 1), y != pred], 1)
        return np.stack([np.bincount(inverse, k, len(uniq)) for k in kinds.T], 1)

    ca, cb = counts(pred_a), counts(pred_b)
    for c, pred in ((ca, pred_a), (cb, pred_b)):  # closed form == the library's alpha
        if not np.isclose(_alpha_from_counts(*c.sum(0)), krippendorff_alpha(y, pred)):
            raise RuntimeError("closed-form alpha disagrees with krippendorff_alpha")
    draws = rng.integers(0, len(uniq), (N_BOOT, len(uniq)))
    weights = np.stack([np.bincount(d, minlength=len(uniq)) for d in draws])
    diffs = _alpha_from_counts(*(weights @ cb).T) - _alpha_from_counts(*(weights @ ca).T)
    diffs = diffs[np.isfinite(diffs)]
    return float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("training/configs/default.toml"))
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="frozen arm")
    parser.add_argument("--work", type=Path, required=True, help="scratch folder")
    parser.add_argument("--n-pairs", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    logging.basicConfig(format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("cuecoder").setLevel(logging.INFO)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    from cuecoder.train.finetune import finetune_encoder

    torch.set_num_threads(1)
    cfg = TrainConfig.from_toml(args.config)
    rows = load_training_data(cfg)
    is_train = (rows["split"] == "train").to_numpy()
    rows.to_csv(args.work / "rows.csv", index=False)  # the snapshot both arms used
    test = rows[~is_train]
    result = {
        "data": {
            "n_train": int(is_train.sum()),
            "n_test": int(len(test)),
            "train_sources": rows[is_train].groupby("source").size().to_dict(),
            "test_sources": test.groupby("source").size().to_dict(),
            "test_support": {label: int(test[label].sum()) for label in LABELS},
            "test_brands": sorted(test["brand"].unique().tolist()),
            "labels_sha256": data_hash(rows, ["item_id", *LABELS]),
            "text_sha256": data_hash(rows, ["item_id", "reply", "context"]),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_avg_start": os.getloadavg(),
            "python": platform.python_version(),
        },
    }

    meta = json.loads((args.model / "meta.json").read_text(encoding="utf-8"))
    X_a, dim, t_a = design(
        rows, args.model / meta["encoder"]["file"], args.model / meta["encoder"]["tokenizer"]
    )
    arm_a = evaluate(X_a, rows, cfg)

    started = time.perf_counter()
    tuned = finetune_encoder(
        rows.loc[is_train, "reply"].tolist(),
        rows.loc[is_train, list(LABELS)].to_numpy(),
        args.work / "tuned",
        epochs=args.epochs,
        n_pairs=args.n_pairs,
        seed=cfg.seed,
        batch_size=args.batch_size,
    )
    t_ft = time.perf_counter() - started
    ft_info = json.loads((tuned / "finetune.json").read_text(encoding="utf-8"))
    X_b, _, t_b = design(rows, tuned / "encoder.onnx", tuned / "tokenizer.json")
    arm_b = evaluate(X_b, rows, cfg)

    # int8 vs fp32 of the tuned encoder on the test replies (quantization loss check)
    fp32 = OnnxEncoder(tuned / "encoder.fp32.onnx", tuned / "tokenizer.json", n_threads=1)
    cos = (fp32.encode(test["reply"].tolist()) * X_b[~is_train, :dim]).sum(1)
    # how far tuning moved the embeddings: cosine frozen vs tuned, per test reply
    moved = (X_a[~is_train, :dim] * X_b[~is_train, :dim]).sum(1)

    brands = test["brand"].to_numpy()
    table = []
    for label in LABELS:
        y = test[label].to_numpy()
        lo, hi = bootstrap_alpha_diff(y, arm_a[label]["pred"], arm_b[label]["pred"], brands, 0)
        for arm, res in (("frozen", arm_a), ("tuned", arm_b)):
            r = res[label]["report"]
            table.append(
                {
                    "label": label,
                    "arm": arm,
                    **r,
                    **({"alpha_diff_ci": [lo, hi]} if arm == "tuned" else {}),
                }
            )
    result.update(
        table=table,
        settings=ft_info["settings"],
        loss_per_50_steps=ft_info["loss_per_50_steps"],
        seconds={
            "finetune_total": round(t_ft, 1),
            "finetune_train": ft_info["seconds"]["train"],
            "finetune_export": ft_info["seconds"]["export"],
            "frozen": t_a,
            "tuned": t_b,
        },
        tuned_int8_vs_fp32_cos={"min": float(cos.min()), "mean": float(cos.mean())},
        frozen_vs_tuned_cos={"min": float(moved.min()), "mean": float(moved.mean())},
    )
    result["machine"]["load_avg_end"] = os.getloadavg()
    (args.work / "finetune_ablation.json").write_text(json.dumps(result, indent=1))

    frame = pd.DataFrame(table)
    cols = [
        "label",
        "arm",
        "alpha",
        "f1",
        "precision",
        "recall",
        "ece",
        "auc",
        "oof_alpha_real_train",
        "C",
        "threshold",
        "support",
        "n",
    ]
    print(frame[cols].round(3).to_markdown(index=False))
    mean = frame.groupby("arm")[["alpha", "f1", "ece", "auc"]].mean().round(3)
    print(mean.to_markdown())
    print(
        json.dumps(
            {
                k: result[k]
                for k in ("seconds", "tuned_int8_vs_fp32_cos", "frozen_vs_tuned_cos", "machine")
            },
            indent=1,
        )
    )
    for row in table:
        if "alpha_diff_ci" in row:
            print(row["label"], "alpha diff 95% CI", np.round(row["alpha_diff_ci"], 3))


if __name__ == "__main__":
    main()
