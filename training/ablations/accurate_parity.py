"""Validity parity of the accurate mode: the shipped int8 cross-encoder against its fp32
weights, on the held-out brands of the config that trained it.

The test rows of the config (``load_training_data``: the same split as the model card)
are scored by the shipped model in its default mode (the frozen design, as mixed in
training), by the model's int8 cross-encoder, and by the fp32 cross-encoder of the
training checkpoint (torch). Both are mixed with the frozen design by the shipped
weights and thresholds, so the difference is the quantization alone. Prints alpha per
label for the frozen design, the int8 mix and the fp32 mix.

    CUECODER_DATA=../shared/data python training/ablations/accurate_parity.py \\
        --config training/configs/default.toml --model cuecoder/models/default \\
        --checkpoint runs/cross_encoder/default
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import cuecoder
from cuecoder.stats.agreement import binary_report
from cuecoder.train.cross_encoder import load_fit, predict_cross_encoder
from cuecoder.train.pipeline import TrainConfig, load_training_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    cfg = TrainConfig.from_toml(args.config)
    if args.data_dir:
        cfg.data_dir = args.data_dir
    rows = load_training_data(cfg)
    test = rows[rows["split"] == "test"].reset_index(drop=True)
    coder = cuecoder.load(args.model, accurate=True)
    contexts = test["context"].where(test["context"] != "", None).tolist()
    X, _, _ = coder.features(test["reply"].tolist(), contexts)
    frozen = coder.blend(coder.predict_proba(X), test["reply"].tolist())
    int8 = coder.cross_encoder.predict_proba(test["reply"].tolist(), contexts)
    fit = load_fit(args.checkpoint)
    cols = [fit.outputs.index(label) for label in coder.labels]
    fp32 = predict_cross_encoder(fit, test)[:, cols]
    weights = coder.meta["cross_encoder"]["blend"]
    out = {"n_test": len(test)}
    for j, label in enumerate(coder.labels):
        y = test[label].to_numpy()
        w, thr = float(weights[label]), coder.thresholds[label]
        row = {"frozen": binary_report(y, frozen[:, j] >= coder.meta["thresholds"][label])}
        for name, cross in (("int8", int8), ("fp32", fp32)):
            p = (1 - w) * frozen[:, j] + w * cross[:, j]
            row[name] = binary_report(y, p >= thr, p)
        row["cross_max_abs_diff"] = float(np.abs(int8[:, j] - fp32[:, j]).max())
        out[label] = {
            "alpha_frozen": round(row["frozen"]["alpha"], 4),
            "alpha_int8_mix": round(row["int8"]["alpha"], 4),
            "alpha_fp32_mix": round(row["fp32"]["alpha"], 4),
            "int8_minus_fp32": round(row["int8"]["alpha"] - row["fp32"]["alpha"], 4),
            "cross_max_abs_diff": round(row["cross_max_abs_diff"], 4),
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
