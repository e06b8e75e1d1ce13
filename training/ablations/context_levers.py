"""Ablation: what lifts the frozen design on every coded English reply.

Levers, each measured with the pipeline's protocol (heads by ``fit_label``: C by
out-of-fold log-loss on grouped folds, the lexical blend and the threshold by out-of-fold
alpha on the real rows) and scored once on the held-out test brands:

- ``base``: frozen int8 MiniLM embedding + the codebook features + the lexical blend
  (today's design), trained on the round-3 data;
- ``context``: + the context rules of :mod:`cuecoder.cues.context`;
- ``subcodes``: + out-of-fold probabilities of one head per sub-code (stacking:
  sub-code supervision);
- ``from_subcodes``: labels from the sub-code probabilities alone (sub-codes first);
- ``teacher``: the best of the above blended with a fine-tuned cross-encoder
  (``training/ablations/teacher.py``: its ``--work`` folder), weight and threshold
  chosen on the validation brands the teacher never saw.

Data and split are ``teacher.py``'s (round-3 config, English rows, brands held out).
The design matrix is cached in ``--work``.

    python training/ablations/context_levers.py --work /tmp/levers --teacher /tmp/teacher
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
from teacher import evaluate, language_rows, validation_mask

from cuecoder.codebook import LABELS
from cuecoder.coder import Featurizer
from cuecoder.cues.context import context_rules
from cuecoder.cues.evidence import data_files, read_lexicons
from cuecoder.model.folder import load_meta
from cuecoder.stats.agreement import binary_report
from cuecoder.train.cross_encoder import targets
from cuecoder.train.heads import make_head
from cuecoder.train.lexical import choose_blend, fit_lexical
from cuecoder.train.pipeline import TrainConfig, fit_label
from cuecoder.train.selection import best_threshold, grouped_folds

SUBCODE_C = 0.03


def design(rows, work: Path, model: Path) -> dict:
    cache = work / "design.npz"
    if cache.exists():
        return dict(np.load(cache))
    featurizer = Featurizer.from_meta(model, load_meta(model))
    lexicons = read_lexicons(data_files("en")[1])
    docs = featurizer.tokenize(rows["reply"])
    ctx = featurizer.tokenize_optional(rows["context"].where(rows["context"] != "", None))
    X, _, _ = featurizer.transform(docs, ctx, batch_size=32)
    CX = np.array([context_rules(d, c, lexicons) for d, c in zip(docs, ctx, strict=True)])
    out = {"X": X, "CX": CX.astype(np.float32)}
    np.savez(cache, **out)
    return out


def oof_subcodes(Z, sub, is_train, folds, seed):
    """Out-of-fold sub-code probabilities on the training rows, refit ones on the rest."""
    out = np.zeros((len(Z), sub.shape[1]))
    tr_idx = np.flatnonzero(is_train)
    for j in range(sub.shape[1]):
        known = ~np.isnan(sub[:, j])
        y = np.nan_to_num(sub[:, j]).astype(int)
        for k in np.unique(folds):
            fit = tr_idx[(folds != k) & known[tr_idx]]
            pred = tr_idx[folds == k]
            if y[fit].sum() < 5:
                continue
            out[pred, j] = (
                make_head("logreg", SUBCODE_C, seed)
                .fit(Z[fit], y[fit])
                .predict_proba(Z[pred])[:, 1]
            )
        fit = tr_idx[known[tr_idx]]
        if y[fit].sum() >= 5:
            out[~is_train, j] = (
                make_head("logreg", SUBCODE_C, seed)
                .fit(Z[fit], y[fit])
                .predict_proba(Z[~is_train])[:, 1]
            )
    return out


def design_of(name, X, CX, sub, is_train, folds, seed):
    """The design matrix of one lever."""
    if name == "base":
        return X
    if name == "context":
        return np.hstack([X, CX])
    SUB = oof_subcodes(np.hstack([X, CX]), sub, is_train, folds, seed)
    return np.hstack([X, CX, SUB]) if name == "subcodes" else SUB


def run_variant(name, Z, rows, is_train, is_real, folds, lexical, lexical_test, cfg):
    """Heads per label as the pipeline fits them; test metrics and OOF/test probabilities."""
    result, oof_all, test_all = {}, {}, {}
    for label in LABELS:
        y = rows[label].to_numpy()
        head, _, thr, info, oof = fit_label(Z[is_train], y[is_train], folds, is_real[is_train], cfg)
        sel = is_real[is_train]
        weight, thr, _ = choose_blend(y[is_train][sel], oof[sel], lexical.oof[label][sel])
        p = head.predict_proba(Z[~is_train])[:, 1]
        p = (1 - weight) * p + weight * lexical_test[label]
        oof_all[label] = (1 - weight) * oof + weight * lexical.oof[label]
        test_all[label] = p
        report = binary_report(y[~is_train], p >= thr, p)
        result[label] = {k: round(float(report[k]), 3) for k in ("alpha", "f1", "ece")}
        result[label].update(C=info["C"], blend=weight, threshold=round(thr, 3))
    result["mean_alpha"] = round(float(np.mean([result[k]["alpha"] for k in LABELS])), 3)
    logging.info("%s: %s", name, json.dumps({k: result[k]["alpha"] for k in LABELS}))
    return result, oof_all, test_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("training/configs/round3.toml"))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--model", type=Path, default=Path("cuecoder/models/default"))
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--teacher", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["base", "context", "subcodes", "from_subcodes"],
        help="levers to (re)fit; finished ones are read from --work",
    )
    parser.add_argument(
        "--fractions",
        type=float,
        nargs="*",
        default=[],
        help="learning curve: refit the base lever on these shares of the real training rows",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.work.mkdir(parents=True, exist_ok=True)

    rows = language_rows(args.config, args.data_dir, "en")
    d = design(rows, args.work, args.model)
    X, CX = d["X"], d["CX"]
    is_train = (rows["split"] == "train").to_numpy()
    is_real = (rows["source"] != "written").to_numpy()
    val = validation_mask(rows, 0.2, 0)
    cfg = TrainConfig.from_toml(args.config)
    folds = grouped_folds(rows.loc[is_train, "group"].to_numpy(), cfg.n_folds, args.seed)
    lexical = fit_lexical(
        rows.loc[is_train, "reply"], rows.loc[is_train, list(LABELS)], folds, args.seed
    )
    lexical_test = lexical.predict_proba(rows.loc[~is_train, "reply"])
    sub, _ = targets(rows)
    sub = sub[:, len(LABELS) :]

    results_file = args.work / "results.json"
    results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else {}
    probs = {}
    for name in args.variants:
        cache = args.work / f"probs_{name}.npz"
        if name in results and cache.exists():
            saved = np.load(cache, allow_pickle=False)
            probs[name] = (
                {k: saved[f"oof_{k}"] for k in LABELS},
                {k: saved[f"test_{k}"] for k in LABELS},
            )
            continue
        Z = design_of(name, X, CX, sub, is_train, folds, args.seed)
        results[name], oof, test = run_variant(
            name, Z, rows, is_train, is_real, folds, lexical, lexical_test, cfg
        )
        probs[name] = (oof, test)
        np.savez(
            cache, **{f"oof_{k}": oof[k] for k in LABELS}, **{f"test_{k}": test[k] for k in LABELS}
        )
        results_file.write_text(json.dumps(results, indent=1), encoding="utf-8")

    for share in args.fractions:
        name = f"base_real{share:g}"
        rng = np.random.default_rng(args.seed)
        real_train = np.flatnonzero(is_train & is_real)
        drop = rng.permutation(real_train)[int(round(len(real_train) * share)) :]
        keep = np.setdiff1d(np.arange(len(rows)), drop)
        part = rows.iloc[keep].reset_index(drop=True)
        part_train = is_train[keep]
        part_folds = grouped_folds(part.loc[part_train, "group"].to_numpy(), cfg.n_folds, args.seed)
        part_lexical = fit_lexical(
            part.loc[part_train, "reply"], part.loc[part_train, list(LABELS)], part_folds, args.seed
        )
        results[name], _, _ = run_variant(
            name,
            X[keep],
            part,
            part_train,
            is_real[keep],
            part_folds,
            part_lexical,
            part_lexical.predict_proba(part.loc[~part_train, "reply"]),
            cfg,
        )
        results[name]["n_real_train"] = int(len(real_train) - len(drop))
        results_file.write_text(json.dumps(results, indent=1), encoding="utf-8")

    if args.teacher is not None:
        results.update(blend_teacher(args.teacher, rows, is_train, val, probs))
        results_file.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps({k: v.get("mean_alpha") for k, v in results.items()}, indent=1))


def blend_teacher(folder: Path, rows, is_train, val, probs) -> dict:
    """Blend each finished teacher run with each frozen variant on the validation brands."""
    split = np.load(folder / "split.npz", allow_pickle=False)
    if not (split["val"] == val).all():
        raise SystemExit("the teacher's validation brands differ from these")
    y = rows[list(LABELS)].to_numpy()
    test = ~is_train
    val_in_train = val[is_train]
    out = {}
    for path in sorted(folder.glob("*_epoch*.npz")):
        t = np.load(path, allow_pickle=False)
        run = path.stem
        out[f"teacher:{run}"] = evaluate(y[val], t["val"][:, :4], y[test], t["test"][:, :4])
        for name, (oof, ptest) in probs.items():
            entry = {}
            for j, label in enumerate(LABELS):
                best = None
                for w in (0.0, 0.25, 0.5, 0.75, 1.0):
                    pv = (1 - w) * oof[label][val_in_train] + w * t["val"][:, j]
                    thr = best_threshold(y[val, j], pv, "alpha")
                    score = binary_report(y[val, j], pv >= thr)["alpha"]
                    if best is None or score > best[0] + 1e-12:
                        best = (score, w, thr)
                _, w, thr = best
                pt = (1 - w) * ptest[label] + w * t["test"][:, j]
                report = binary_report(y[test, j], pt >= thr, pt)
                entry[label] = {k: round(float(report[k]), 3) for k in ("alpha", "f1", "ece")}
                entry[label].update(weight=w, threshold=round(thr, 3))
            entry["mean_alpha"] = round(float(np.mean([entry[k]["alpha"] for k in LABELS])), 3)
            out[f"{name}+teacher:{run}"] = entry
    return out


if __name__ == "__main__":
    main()
