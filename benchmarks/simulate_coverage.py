"""Coverage of cuecoder's bootstrap CIs on simulated data with known paths.

Run: ``python benchmarks/simulate_coverage.py [--reps 500] [--n 200] [--n-boot 1000]``.
For each scenario it simulates ``reps`` data sets, fits :func:`cuecoder.stats.mediate`
and reports the bias of the estimates and how often the 95% CI covers the truth.
Monte-Carlo SE of a coverage of .95 over 500 replications: sqrt(.95 * .05 / 500) = .0097.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from cuecoder.stats import mediate

# True paths. Model 4: a, b, c'. Model 7: the first stage is moderated by a 0/1 W.
A, B, C = 0.4, 0.3, 0.1
A3 = 0.3  # X x W -> M in the moderated scenario


def simulate(n: int, rng: np.random.Generator, moderated: bool) -> pd.DataFrame:
    x = rng.normal(size=n)
    w = rng.integers(0, 2, size=n).astype(float)
    m = A * x + 0.2 * w + (A3 * x * w if moderated else 0.0) + rng.normal(size=n)
    y = C * x + B * m + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "y": y, "w": w})


def truths(moderated: bool) -> dict[tuple[str, float], float]:
    if not moderated:
        return {
            ("indirect", np.nan): A * B,
            ("a", np.nan): A,
            ("b", np.nan): B,
            ("direct", np.nan): C,
        }
    return {
        ("indirect", 0.0): A * B,
        ("indirect", 1.0): (A + A3) * B,
        ("index_mm", np.nan): A3 * B,
        ("b", np.nan): B,
        ("direct", np.nan): C,
    }


def run(reps: int, n: int, n_boot: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    records = []
    for scenario, moderated in (("model 4", False), ("model 7 (W = 0/1)", True)):
        true = truths(moderated)
        for method in ("percentile", "bc", "bca"):
            for _rep in range(reps):
                df = simulate(n, rng, moderated)
                kwargs = {"moderator": "w", "stage": "first"} if moderated else {}
                res = mediate(
                    df,
                    x="x",
                    m="m",
                    y="y",
                    n_boot=n_boot,
                    ci=method,
                    seed=int(rng.integers(2**31)),
                    **kwargs,
                )
                for (path, wval), value in true.items():
                    sel = res[(res.path == path)]
                    if path == "a" or path == "b":
                        sel = sel[sel.term == ("x" if path == "a" else "m")]
                    if np.isfinite(wval):
                        sel = sel[sel.moderator_value == wval]
                    row = sel.iloc[0]
                    records.append(
                        {
                            "scenario": scenario,
                            "ci": method,
                            "effect": path if np.isnan(wval) else f"{path} (W={wval:g})",
                            "truth": value,
                            "estimate": row.coef,
                            "covered": row.ci_low <= value <= row.ci_high,
                            "width": row.ci_high - row.ci_low,
                        }
                    )
    out = pd.DataFrame(records)
    table = out.groupby(["scenario", "effect", "ci"], sort=False).agg(
        truth=("truth", "first"),
        mean_estimate=("estimate", "mean"),
        coverage=("covered", "mean"),
        mean_width=("width", "mean"),
        reps=("covered", "size"),
    )
    table["bias"] = table["mean_estimate"] - table["truth"]
    return table.reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    start = time.perf_counter()
    table = run(args.reps, args.n, args.n_boot, args.seed)
    with pd.option_context("display.width", 120, "display.max_rows", 100):
        print(table.round(4).to_string(index=False))
    print(
        f"\n{args.reps} replications per row, n = {args.n}, n_boot = {args.n_boot}, "
        f"{time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
