"""Benchmark: TemplateIndex on 100k and 1M replies (real replies repeated with slot variation).

Each real reply of ``../shared/data`` is turned into its template (slots masked) and
re-filled with random names, handles, numbers, links, signatures and emoji, chunk by chunk,
so the input is streamed and never held whole. Each size runs in a fresh process; the
figures are wall time of add + finalize + templates, and peak RSS (``ru_maxrss``) of that
process. Prints figures and the 1M/100k ratios; asserts nothing about time.

    python benchmarks/bench_templates.py            # 100k and 1M
    python benchmarks/bench_templates.py --sizes 20000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

NAMES = [
    "Maria",
    "Sam",
    "Ana",
    "Joe",
    "Priya",
    "Tom",
    "Lena",
    "Omar",
    "Kate",
    "Ian",
    "Zoe",
    "Raj",
    "Eva",
    "Max",
    "Nina",
    "Leo",
    "Aisha",
    "Ben",
    "Chloe",
    "Dan",
]
EMOJI = ["😀", "🎉", "👍🏽", "💙", "😊", "🙏"]
CHUNK = 50_000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def fill(template: str, rng: np.random.Generator) -> str:
    parts = template.split("{")
    out = [parts[0]]
    for part in parts[1:]:
        slot, _, rest = part.partition("}")
        if slot == "HANDLE":
            val = f"@{rng.integers(100000, 999999)}"
        elif slot == "NAME":
            val = NAMES[rng.integers(len(NAMES))]
        elif slot == "NUMBER":
            val = str(rng.integers(1, 10**6))
        elif slot == "URL":
            val = f"https://t.co/{rng.integers(10**9, 10**10):x}"
        elif slot == "SIGNATURE":
            val = "^" + "".join(chr(65 + c) for c in rng.integers(0, 26, 2))
        elif slot == "EMOJI":
            val = EMOJI[rng.integers(len(EMOJI))]
        else:
            val = "{" + slot
            rest = part[len(slot) :]
        out.append(val + rest)
    return "".join(out)


def run_one(n: int, seed: int = 0) -> dict:
    from cuecoder.templates.index import TemplateIndex
    from cuecoder.templates.normalize import template_text
    from cuecoder.train.data import real_replies

    real = real_replies()
    bases = [template_text(t) for t in real["reply"] if t.strip()]
    brands = real.loc[real["reply"].str.strip() != "", "brand"].tolist()
    rng = np.random.default_rng(seed)
    rss_before = rss_mb()
    index = TemplateIndex()
    start = time.perf_counter()
    done = 0
    while done < n:
        m = min(CHUNK, n - done)
        pick = rng.integers(len(bases), size=m)
        texts = [fill(bases[i], rng) for i in pick]
        index.add(texts, [brands[i] for i in pick])
        done += m
    gen_and_add = time.perf_counter() - start
    t0 = time.perf_counter()
    index.finalize()
    table = index.templates()
    finalize = time.perf_counter() - t0
    return {
        "n": n,
        "seconds": round(time.perf_counter() - start, 2),
        "add_seconds": round(gen_and_add, 2),
        "finalize_seconds": round(finalize, 2),
        "distinct_texts": index.n_keys,
        "templates": len(table),
        "peak_rss_mb": round(rss_mb(), 1),
        "rss_before_mb": round(rss_before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    results = []
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True
        )
        res = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(res)
        print(
            f"{n:>9,} replies: {res['seconds']:7.1f} s (add {res['add_seconds']} s incl. "
            f"generation, finalize {res['finalize_seconds']} s), {res['distinct_texts']:,} "
            f"distinct texts, {res['templates']:,} templates, peak RSS "
            f"{res['peak_rss_mb']:.0f} MB (before index {res['rss_before_mb']:.0f} MB)"
        )
    if len(results) >= 2:
        a, b = results[0], results[-1]
        print(
            f"ratio {b['n'] / a['n']:.0f}x replies: time x{b['seconds'] / a['seconds']:.2f}, "
            f"peak RSS x{b['peak_rss_mb'] / a['peak_rss_mb']:.2f}"
        )


if __name__ == "__main__":
    main()
