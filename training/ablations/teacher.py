"""Ablation: a fine-tuned cross-encoder teacher on every coded English reply, with its
learning curve.

The data are the round-3 config's (every hand-coded real reply with its recodes and
adjudications, plus the written replies), English rows only: Twitter (TWCS, IBM) and the
English side of the STC-3 Weibo turns. Split: the pipeline's (whole brands held out as
test, ``test_share`` .25, seed 0); a fifth of the real training brands (``--val-share``)
is kept out of fine-tuning to choose thresholds and blend weights. The test brands are
touched only to report.

Each run fine-tunes :func:`cuecoder.train.cross_encoder.fit_cross_encoder` on a share of
the real fitting rows (``--sizes``, whole rows drawn with the run's seed; written rows
always in), predicts validation and test rows after every epoch and appends a line per
epoch to ``results.jsonl`` in ``--work``. The predictions are saved as ``.npz`` beside
it (``training/ablations/context_levers.py`` blends them with the frozen design), so a
killed run keeps every finished epoch.

    python training/ablations/teacher.py --work /tmp/teacher --sizes 1.0 0.5 --seeds 0

``--languages en zh --config training/configs/round3.toml training/configs/zh.toml``
fine-tunes one teacher on both languages (the Chinese rows split as the Chinese model's
config splits them; a brand held out by either is held out from both), and reports the
test alpha per language. Its validation rows are whole brands up to ``--val-share`` of the
rows (:func:`cuecoder.train.selection.held_out_groups`).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from cuecoder.codebook import LABELS
from cuecoder.stats.agreement import binary_report
from cuecoder.train.cross_encoder import (
    CrossEncoderSettings,
    fit_cross_encoder,
    predict_cross_encoder,
    save_fit,
)
from cuecoder.train.pipeline import TrainConfig, load_training_data
from cuecoder.train.selection import best_threshold, held_out_groups


def language_rows(config: Path, data_dir: str | None, language: str = "en"):
    """The config's rows in one language, split as that language's model splits them."""
    cfg = TrainConfig.from_toml(config)
    if data_dir:
        cfg.data_dir = data_dir
    cfg.languages = [language]
    rows = load_training_data(cfg)
    rows["language"] = language
    return rows.reset_index(drop=True)


def bilingual_rows(configs: list[Path], languages: list[str], data_dir: str | None):
    """Rows of every language, each from its own config; a brand held out in any is held out.

    A translated STC-3 turn has one row per language under the same id and brand, so the
    union of the test brands keeps both of its rows out of fine-tuning whenever either
    language's model tests on it.
    """
    parts = [language_rows(c, data_dir, lang) for c, lang in zip(configs, languages, strict=True)]
    rows = pd.concat(parts, ignore_index=True)
    real = rows["source"] != "written"
    held = set(rows.loc[real & (rows["split"] == "test"), "brand"])
    rows["split"] = np.where(real & rows["brand"].isin(held), "test", "train")
    return rows


def validation_mask(rows, share: float, seed: int) -> np.ndarray:
    """Real training rows of a random ``share`` of the real training brands."""
    train = rows["split"] == "train"
    real = rows["source"] != "written"
    brands = np.asarray(sorted(rows.loc[train & real, "group"].unique()), dtype=object)
    brands = np.random.default_rng(seed).permutation(brands)
    held = brands[: max(1, int(round(len(brands) * share)))]
    return (train & real & rows["group"].isin(held)).to_numpy()


def validation_rows(rows, share: float, seed: int) -> np.ndarray:
    """Real training rows of whole brands up to ``share`` of them
    (:func:`cuecoder.train.selection.held_out_groups`): the helpdesks' sizes differ too
    much for a share of brands."""
    pool = ((rows["split"] == "train") & (rows["source"] != "written")).to_numpy()
    out = np.zeros(len(rows), dtype=bool)
    out[pool] = held_out_groups(rows.loc[pool, "group"].to_numpy(), share, seed)
    return out


def evaluate_by_language(rows, val, test, y, p_val, p_test) -> dict:
    """:func:`evaluate` per language (thresholds from that language's validation rows)."""
    lang_val = rows.loc[val, "language"].to_numpy()
    lang_test = rows.loc[test, "language"].to_numpy()
    out = {}
    for lang in sorted(set(lang_test)):
        v, t = lang_val == lang, lang_test == lang
        out[lang] = evaluate(y[val][v], p_val[v, :4], y[test][t], p_test[t, :4])
    return out


def evaluate(y_val, p_val, y_test, p_test) -> dict:
    out = {}
    for j, label in enumerate(LABELS):
        threshold = best_threshold(y_val[:, j], p_val[:, j], "alpha")
        report = binary_report(y_test[:, j], p_test[:, j] >= threshold, p_test[:, j])
        out[label] = {k: round(float(v), 3) for k, v in report.items() if k in {"alpha", "f1"}}
        out[label]["threshold"] = round(float(threshold), 3)
    out["mean_alpha"] = round(float(np.mean([out[label]["alpha"] for label in LABELS])), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--config",
        type=Path,
        nargs="+",
        default=[Path("training/configs/round3.toml")],
        help="one config per language in --languages (each language split as its model is)",
    )
    parser.add_argument("--languages", nargs="+", default=["en"])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--subcode-weight", type=float, default=0.5)
    parser.add_argument("--val-share", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save", action="store_true", help="keep the weights of each run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.work.mkdir(parents=True, exist_ok=True)

    if len(args.config) != len(args.languages):
        parser.error("give one --config per language in --languages")
    if len(args.languages) == 1:
        rows = language_rows(args.config[0], args.data_dir, args.languages[0])
    else:
        rows = bilingual_rows(args.config, args.languages, args.data_dir)
    if len(args.languages) == 1:
        val = validation_mask(rows, args.val_share, 0)
    else:  # the helpdesks' sizes differ too much for a share of brands
        val = validation_rows(rows, args.val_share, 0)
    test = (rows["split"] == "test").to_numpy()
    fitting = (rows["split"] == "train").to_numpy() & ~val
    np.savez(
        args.work / "split.npz",
        item_id=rows["item_id"].astype(str).to_numpy(),
        source=rows["source"].astype(str).to_numpy(),
        language=rows["language"].astype(str).to_numpy(),
        val=val,
        test=test,
    )
    y = rows[list(LABELS)].to_numpy(dtype=float)
    done = set()
    results = args.work / "results.jsonl"
    if results.exists():
        for line in results.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry["epoch"] == entry["epochs"]:
                done.add(entry["run"])
    for seed in args.seeds:
        for size in args.sizes:
            run = f"size{size:g}_seed{seed}_sub{args.subcode_weight:g}_lr{args.lr:g}"
            if args.languages != ["en"]:
                run += "_" + "+".join(args.languages)
            if run in done:
                continue
            real_fit = np.flatnonzero(fitting & (rows["source"] != "written").to_numpy())
            keep = np.random.default_rng(seed).permutation(real_fit)[
                : int(round(len(real_fit) * size))
            ]
            chosen = np.sort(
                np.concatenate([keep, np.flatnonzero(fitting & (rows["source"] == "written"))])
            )
            fit_rows = rows.iloc[chosen].reset_index(drop=True)
            logging.info("%s: fine-tuning on %d rows (%d real)", run, len(fit_rows), len(keep))
            settings = CrossEncoderSettings(
                epochs=args.epochs,
                learning_rate=args.lr,
                seed=seed,
                subcode_weight=args.subcode_weight,
                threads=args.threads,
            )

            n_real, n_fit = len(keep), len(fit_rows)

            def on_epoch(fit, epoch, run=run, n_real=n_real, n_fit=n_fit):
                p_val = predict_cross_encoder(fit, rows[val])
                p_test = predict_cross_encoder(fit, rows[test])
                np.savez(args.work / f"{run}_epoch{epoch}.npz", val=p_val, test=p_test)
                entry = {
                    "run": run,
                    "epoch": epoch,
                    "epochs": args.epochs,
                    "n_fit": n_fit,
                    "n_real_fit": n_real,
                    "seconds": round(fit.seconds, 1),
                    "test": evaluate(y[val], p_val[:, :4], y[test], p_test[:, :4]),
                }
                if len(args.languages) > 1:
                    entry["by_language"] = evaluate_by_language(rows, val, test, y, p_val, p_test)
                with results.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry) + "\n")
                logging.info("%s epoch %d: %s", run, epoch, json.dumps(entry["test"]))

            fit = fit_cross_encoder(fit_rows, settings, on_epoch=on_epoch)
            if args.save:
                save_fit(fit, args.work / run)


if __name__ == "__main__":
    main()
