"""Benchmark: `cuecoder.report.build` on a scored Parquet of 100k and 1M rows.

A synthetic scored table with the columns of ``cuecoder score --keep account,text``
(probabilities, labels, template ids, evidence JSON, a tweet-length text) is written
chunk by chunk, so it is never held whole. Each measurement runs in a fresh process and
reports wall time and peak RSS (``ru_maxrss``):

- baseline: a process with the same imports (``cuecoder.report``) reading the file batch
  by batch with pyarrow and summing one column (imports plus one batch, no report work);
- report: ``build(path)`` on the file (default chunk of 50,000 rows), then the HTML.

Bounded memory shows as a report RSS that does not grow with the rows (1M / 100k ratio near
1) and stays a fixed amount above the baseline. Prints figures; asserts nothing.

    python benchmarks/bench_report.py                  # 100k and 1M rows, 5,000 accounts
    python benchmarks/bench_report.py --sizes 20000 200000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHUNK = 50_000
WORDS = (
    "thanks order please help sorry store today size happy team look send email "
    "delivery refund love great weekend photo try again soon update app account"
).split()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def write_scored(path: Path, n: int, accounts: int, seed: int = 0) -> None:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer = None
    labels = ("responsiveness", "listening", "openness", "automated")
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        acc = rng.zipf(1.6, m) % accounts
        frame = pd.DataFrame(
            {
                "id": np.arange(start, start + m).astype(str),
                "account": [f"@acct{a}" for a in acc],
                "platform": rng.choice(["twitter", "instagram", "tiktok"], m),
                "text": [
                    " ".join(rng.choice(WORDS, rng.integers(5, 25))).capitalize() + "."
                    for _ in range(m)
                ],
            }
        )
        for label in labels:
            frame[label] = rng.beta(2, 3, m)
        frame["interactivity"] = (frame["responsiveness"] + frame["listening"]) / 2
        for label in (*labels, "interactivity"):
            frame[f"{label}_label"] = frame[label] >= 0.5
        frame["automated_corpus"] = rng.beta(1, 4, m)
        frame["automated_corpus_label"] = frame["automated_corpus"] >= 0.5
        templated = rng.uniform(size=m) < 0.3
        frame["template_id"] = np.where(
            templated, [f"t{t:x}" for t in rng.integers(0, 20_000, m)], None
        )
        frame["template_size"] = np.where(templated, rng.integers(2, 500, m), 1)
        frame["template_recipients"] = frame["template_size"]
        frame["evidence"] = [
            json.dumps([{"subcode": "R-CONTENT", "start": 0, "end": 5, "text": t[:5]}])
            for t in frame["text"]
        ]
        frame["empty"] = False
        frame["truncated"] = False
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def run(mode: str, path: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout
    t0 = time.perf_counter()
    if mode == "baseline":
        import pyarrow.parquet as pq

        import cuecoder.report  # noqa: F401  (the same imports, none of the work)

        total = 0.0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK, columns=["openness"]):
            total += float(batch.column(0).to_numpy().sum())
        rows = pq.ParquetFile(path).metadata.num_rows
    else:
        from cuecoder.report import build

        report = build(path, n_boot=1000)
        html = report.to_html()
        rows = report.overview["rows"]
        assert len(html) > 1000
    print(json.dumps({"seconds": time.perf_counter() - t0, "rss_mb": rss_mb(), "rows": rows}))


def measure(mode: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        run(*args.child)
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"scored_{n}.parquet"
            t0 = time.perf_counter()
            write_scored(path, n, args.accounts)
            made = time.perf_counter() - t0
            base = measure("baseline", path)
            rep = measure("report", path)
            results[n] = (base, rep)
            size = path.stat().st_size / 2**20
            print(
                f"{n:>9,} rows ({size:,.0f} MB Parquet, written in {made:.0f} s): "
                f"baseline {base['seconds']:.1f} s, {base['rss_mb']:.0f} MB | "
                f"report {rep['seconds']:.1f} s, {rep['rss_mb']:.0f} MB "
                f"({rep['seconds'] / n * 1e6:.1f} us/row)"
            )
            path.unlink()
    if len(args.sizes) >= 2:
        small, big = min(args.sizes), max(args.sizes)
        (bs, rs), (bb, rb) = results[small], results[big]
        print(
            f"{big:,} / {small:,} rows: report time x{rb['seconds'] / rs['seconds']:.2f}, "
            f"report peak RSS x{rb['rss_mb'] / rs['rss_mb']:.2f} "
            f"(baseline RSS x{bb['rss_mb'] / bs['rss_mb']:.2f})"
        )


if __name__ == "__main__":
    main()
