"""Ablation: what a Chinese model can learn offline, lever by lever.

Same rows and split as ``training/configs/zh.toml`` (every Chinese reply coded in round
3; whole helpdesk accounts held out as test). Each arm picks its C and threshold from
grouped out-of-fold predictions on the training accounts (as the pipeline does) and is
scored once on the test accounts (Krippendorff's alpha against the codes):

- ``lexical``: TF-IDF of character 1-3-grams + logistic regression (the lexical head);
- ``features``: the 27 codebook features with the Chinese tokenizer and patterns alone;
- ``minilm``: all-MiniLM-L6-v2 (English; it reads Chinese as characters) + features;
- ``minilm+lexical``: the blend the pipeline ships;
- ``distilled``: the English model (the shipped default) reads the English translation
  of each training reply (bilingual batches, plus the translated STC-3 turns nobody
  coded); the Chinese student (``minilm`` design) learns its probabilities as soft
  targets, alone or together with the codes (``distilled+codes``).

The test rows are never used to fit or to choose anything.

``--shares .25 .5 .75 1`` runs only the learning curve instead: the shipped design
(``minilm+lexical``) and the lexical head alone refit on a random share of the training
accounts' real rows (the written exchanges always in; ``--repeats`` draws per share
below 1), C, blend and thresholds out of fold within that share (thresholds and blend on
its real rows, as the pipeline chooses them), each scored on the same
test accounts. It answers whether coding more Chinese turns would move a label.

    CUECODER_DATA=../shared/data python training/ablations/chinese_levers.py
"""

from __future__ import annotations

import argparse
import json
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from cuecoder.codebook import LABELS
from cuecoder.coder import Featurizer, load
from cuecoder.cues.evidence import data_files
from cuecoder.model.encoder import OnnxEncoder
from cuecoder.model.folder import DEFAULT_MODEL, load_meta
from cuecoder.model.lexical import profile
from cuecoder.stats.agreement import binary_report
from cuecoder.train.data import stc3_replies
from cuecoder.train.heads import make_head
from cuecoder.train.lexical import choose_blend, fit_lexical
from cuecoder.train.pipeline import TrainConfig, load_training_data
from cuecoder.train.selection import best_threshold, grouped_folds


def featurize(rows: pd.DataFrame, featurizer: Featurizer) -> np.ndarray:
    docs = featurizer.tokenize(rows["reply"])
    ctx = featurizer.tokenize_optional(rows["context"].where(rows["context"] != "", None))
    X, _, _ = featurizer.transform(docs, ctx)
    return X


def fit_oof(X, y, folds, Cs, seed, weight=None):
    """Out-of-fold probabilities and the C with the lowest out-of-fold log-loss; ``y``
    may be soft (in [0, 1]): each row then enters as a positive with weight y and a
    negative with weight 1 - y."""
    best = None
    for C in Cs:
        oof = np.zeros(len(y))
        for k in np.unique(folds):
            tr, va = folds != k, folds == k
            oof[va] = fit(
                X[tr], y[tr], C, seed, None if weight is None else weight[tr]
            ).predict_proba(X[va])[:, 1]
        eps = 1e-7
        loss = -np.mean(y * np.log(oof + eps) + (1 - y) * np.log(1 - oof + eps))
        if best is None or loss < best[0]:
            best = (loss, C, oof)
    return best[1], best[2]


def fit(X, y, C, seed, weight=None):
    hard = np.isin(y, (0, 1)).all()
    if hard and weight is None:
        return make_head("logreg", C, seed).fit(X, y.astype(int))
    w = np.ones(len(y)) if weight is None else weight
    Xd = np.vstack([X, X])
    yd = np.r_[np.ones(len(y), int), np.zeros(len(y), int)]
    wd = np.r_[y * w, (1 - y) * w]
    keep = wd > 0
    head = make_head("logreg", C, seed)
    return head.fit(Xd[keep], yd[keep], logisticregression__sample_weight=wd[keep])


def learning_curve(train, test, Xtr, Xte, cfg, shares, repeats) -> pd.DataFrame:
    """Test alpha of the shipped design and of the lexical head per share of real rows."""
    is_real = (train["source"] != "written").to_numpy()
    out = []
    for share in shares:
        for rep in range(1 if share >= 1 else repeats):
            keep = ~is_real | (np.random.default_rng(rep).random(len(train)) < share)
            sub, X, real = train[keep], Xtr[keep], is_real[keep]
            folds = grouped_folds(sub["group"].to_numpy(), cfg.n_folds, cfg.seed)
            lex = fit_lexical(sub["reply"], sub[list(LABELS)], folds, cfg.seed, *profile("zh"))
            lex_test = lex.predict_proba(test["reply"])
            for label in LABELS:
                y, yt = sub[label].to_numpy(), test[label].to_numpy()
                C, oof = fit_oof(X, y, folds, cfg.C, cfg.seed)
                p = fit(X, y, C, cfg.seed).predict_proba(Xte)[:, 1]
                # thresholds and blend on the real rows, as the pipeline chooses them
                w, thr, _ = choose_blend(y[real], oof[real], lex.oof[label][real])
                blend = (1 - w) * p + w * lex_test[label]
                t_lex = best_threshold(y[real], lex.oof[label][real])
                out.append(
                    {
                        "share": share,
                        "repeat": rep,
                        "real_rows": int((keep & is_real).sum()),
                        "label": label,
                        "minilm+lexical": binary_report(yt, blend >= thr, blend)["alpha"],
                        "lexical": binary_report(yt, lex_test[label] >= t_lex, lex_test[label])[
                            "alpha"
                        ],
                    }
                )
            print(f"share {share} draw {rep} done", flush=True)
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("training/configs/zh.toml"))
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "cuecoder_zh_levers.npz"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the table as JSON")
    parser.add_argument(
        "--shares", type=float, nargs="+", default=None, help="run only the learning curve"
    )
    parser.add_argument("--repeats", type=int, default=3, help="draws per share below 1")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    cfg = TrainConfig.from_toml(args.config)
    rows = load_training_data(cfg)
    train, test = rows[rows["split"] == "train"], rows[rows["split"] == "test"]
    print(f"{len(train)} training rows, {len(test)} test rows", flush=True)

    # unlabelled translated turns of the training accounts (the teacher's extra data)
    stc3 = stc3_replies(cfg.data_dir)
    both = stc3.pivot_table(index="item_id", columns="language", values="reply", aggfunc="first")
    both = both.dropna(subset=["zh", "en"])
    ctx = stc3.pivot_table(index="item_id", columns="language", values="context", aggfunc="first")
    brand = stc3.drop_duplicates("item_id").set_index("item_id")["brand"]
    extra = both[~both.index.isin(rows["item_id"]) & brand.loc[both.index].isin(train["brand"])]
    extra = pd.DataFrame(
        {
            "item_id": extra.index,
            "reply": extra["zh"].to_numpy(),
            "reply_en": extra["en"].to_numpy(),
            "context": ctx.loc[extra.index, "zh"].fillna("").to_numpy(),
            "context_en": ctx.loc[extra.index, "en"].fillna("").to_numpy(),
            "group": brand.loc[extra.index].to_numpy(),
        }
    )
    translated = train["item_id"].isin(both.index).to_numpy()
    print(f"{translated.sum()} training rows with a translation, {len(extra)} uncoded", flush=True)

    source = Path(cfg.encoder_source)
    enc = OnnxEncoder.from_meta(source, load_meta(source)["encoder"])
    featurizer = Featurizer(enc, *data_files("zh"), {"language": "zh", "rules": "social"})
    if args.cache.exists():
        cached = np.load(args.cache)
        Xtr, Xte, Xex = cached["train"], cached["test"], cached["extra"]
    else:
        Xtr, Xte, Xex = (featurize(f, featurizer) for f in (train, test, extra))
        np.savez(args.cache, train=Xtr, test=Xte, extra=Xex)
    if args.shares:
        curve = learning_curve(train, test, Xtr, Xte, cfg, args.shares, args.repeats)
        by = curve.groupby(["share", "label"], sort=False)
        table = by[["real_rows", "minilm+lexical", "lexical"]].agg(["mean", "std"])
        print(table.drop(columns=[("real_rows", "std")]).round(3).to_string())
        if args.out:
            curve.to_json(args.out, orient="records", indent=1)
        return

    teacher = load(DEFAULT_MODEL)
    en_train = pd.DataFrame(
        {
            "reply": both.reindex(train["item_id"])["en"].fillna("").to_numpy(),
            "context": ctx.reindex(train["item_id"])["en"].fillna("").to_numpy(),
        }
    )
    soft_train = teacher.score(
        en_train["reply"].where(translated, "."), en_train["context"].tolist(), languages="any"
    )
    soft_extra = teacher.score(extra["reply_en"], extra["context_en"].tolist(), languages="any")

    n_emb = enc.dim
    folds = grouped_folds(train["group"].to_numpy(), cfg.n_folds, cfg.seed)
    fold_extra = grouped_folds(extra["group"].to_numpy(), cfg.n_folds, cfg.seed)
    lex = fit_lexical(train["reply"], train[list(LABELS)], folds, cfg.seed, *profile("zh"))
    lex_test = lex.predict_proba(test["reply"])
    results: dict[str, dict] = {}

    def report(name, label, oof_p, y_oof, test_p):
        thr = best_threshold(y_oof, oof_p)
        yt = test[label].to_numpy()
        results.setdefault(name, {})[label] = binary_report(yt, test_p >= thr, test_p)

    for label in LABELS:
        y = train[label].to_numpy()
        yt_oof = y
        # lexical alone
        report("lexical", label, lex.oof[label], y, lex_test[label])
        # features alone, embedding + features
        for name, cols in (("features", slice(n_emb, None)), ("minilm", slice(None))):
            C, oof = fit_oof(Xtr[:, cols], y, folds, cfg.C, cfg.seed)
            head = fit(Xtr[:, cols], y, C, cfg.seed)
            p = head.predict_proba(Xte[:, cols])[:, 1]
            report(name, label, oof, yt_oof, p)
            if name == "minilm":
                w, thr, _ = choose_blend(y, oof, lex.oof[label])
                blend = (1 - w) * p + w * lex_test[label]
                yt = test[label].to_numpy()
                results.setdefault("minilm+lexical", {})[label] = {
                    **binary_report(yt, blend >= thr, blend),
                    "blend": w,
                }
        # distillation: teacher probabilities on the translations as soft targets
        t_train = soft_train[label].to_numpy()
        t_extra = soft_extra[label].to_numpy()
        Xs = np.vstack([Xtr[translated], Xex])
        ys = np.r_[t_train[translated], t_extra]
        fs = np.r_[folds[translated], fold_extra]
        C, _ = fit_oof(Xs, ys, fs, cfg.C, cfg.seed)
        student = fit(Xs, ys, C, cfg.seed)
        # its threshold from out-of-fold predictions against the codes of training rows
        oof = np.zeros(len(y))
        for k in np.unique(folds):
            sel = fs != k
            oof[folds == k] = fit(Xs[sel], ys[sel], C, cfg.seed).predict_proba(Xtr[folds == k])[
                :, 1
            ]
        report("distilled", label, oof, y, student.predict_proba(Xte)[:, 1])
        # codes and soft targets together (codes where coded, the teacher on the rest)
        Xm = np.vstack([Xtr, Xex])
        ym = np.r_[y.astype(float), t_extra]
        fm = np.r_[folds, fold_extra]
        C, oofm = fit_oof(Xm, ym, fm, cfg.C, cfg.seed)
        mixed = fit(Xm, ym, C, cfg.seed)
        report("distilled+codes", label, oofm[: len(y)], y, mixed.predict_proba(Xte)[:, 1])
        # the teacher itself, on the translations of the test rows that have one
        print(f"{label} done", flush=True)

    table = pd.DataFrame(
        {
            arm: {label: round(r[label]["alpha"], 3) for label in LABELS}
            for arm, r in results.items()
        }
    ).T
    print(table.to_string())
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
