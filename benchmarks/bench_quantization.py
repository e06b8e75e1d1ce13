"""How far the encoder's precision can be traded for speed before labels change.

Issue 5 asks for two things at once: at least 4x the speed of the plain baseline
(sentence-transformers on torch, fp32) and the same labels on at least 99% of replies.
This prints, in one run on the same real replies, for the fp32 ONNX export of
all-MiniLM-L6-v2 and several int8 variants (dynamic, per-channel; some layers kept in
fp32): encoder replies/s (one reply per run, every core), file size, cosine to fp32, and
how often the shipped model's four labels agree with the labels from fp32 embeddings.

Needs the training extras (torch, to export fp32). Asserts nothing. Run::

    HF_HUB_OFFLINE=1 python benchmarks/bench_quantization.py [--replies 3000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_scoring import reply_pool  # noqa: E402

# which MatMul nodes stay in fp32, by a substring of their name (None: no int8 at all)
VARIANTS = {
    "int8, every MatMul (shipped)": (),
    "int8, layer 0 in fp32": ("layer.0/",),
    "int8, FFN input in fp32": ("intermediate/dense",),
    "int8, FFN output in fp32": (
        "layer.0/output/dense",
        "layer.1/output/dense",
        "layer.2/output/dense",
        "layer.3/output/dense",
        "layer.4/output/dense",
        "layer.5/output/dense",
    ),
    "fp32": None,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=3000)
    args = parser.parse_args()

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from cuecoder.coder import load
    from cuecoder.cues.features import featurize
    from cuecoder.model.encoder import OnnxEncoder
    from cuecoder.train.export_encoder import export_fp32

    texts = reply_pool(args.replies)
    coder = load()
    matcher = coder.featurizer.matcher
    docs = coder.featurizer.tokenize(texts)
    feats = np.stack([featurize(d, matcher(d, None), matcher.lexicons) for d in docs])
    thresholds = np.array([coder.thresholds[k] for k in coder.labels])
    tokenizer = coder.path / coder.meta["encoder"]["tokenizer"]

    def labels(emb):  # as served: embedding heads blended with the lexical head
        probs = coder.predict_proba(np.hstack([emb, feats]).astype(np.float32))
        return coder.blend(probs, texts) >= thresholds

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = export_fp32(Path(tmp) / "fp32.onnx")
        names = [n.name for n in onnx.load(str(fp32)).graph.node if n.op_type == "MatMul"]
        results = {}
        for name, keep in VARIANTS.items():
            path = fp32
            if keep is not None:
                path = Path(tmp) / f"v{len(results)}.onnx"
                exclude = [n for n in names if any(k in n for k in keep)]
                quantize_dynamic(
                    str(fp32),
                    str(path),
                    per_channel=True,
                    weight_type=QuantType.QInt8,
                    nodes_to_exclude=exclude,
                )
            encoder = OnnxEncoder(path, tokenizer)
            encoder.encode(texts[:64])
            start = time.perf_counter()
            emb = encoder.encode(texts)
            results[name] = (
                emb,
                len(texts) / (time.perf_counter() - start),
                path.stat().st_size / 2**20,
            )
        ref = results["fp32"][0]
        ref_labels = labels(ref)
        for name, (emb, speed, mib) in results.items():
            cos = (emb * ref).sum(axis=1)
            same = labels(emb) == ref_labels
            rows.append(
                {
                    "encoder": name,
                    "replies/s": round(speed),
                    "MiB": round(mib, 1),
                    "cosine min": round(float(cos.min()), 4),
                    "cosine mean": round(float(cos.mean()), 4),
                    "all four labels agree": round(float(same.all(axis=1).mean()), 4),
                    **{
                        f"agree {k[:4]}": round(float(v), 4)
                        for k, v in zip(coder.labels, same.mean(axis=0), strict=True)
                    },
                }
            )
    print(f"{len(texts)} real replies, {os.cpu_count()} cores, one reply per run")
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
