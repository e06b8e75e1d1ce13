"""Bootstrap of a simple mediation, n = 2,000, 5,000 resamples: cuecoder vs pingouin.

Run: ``python benchmarks/bench_mediation.py``. Prints times and the ratio; asserts nothing.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pingouin as pg

from cuecoder.stats import mediate

N, N_BOOT, SEED = 2_000, 5_000, 0
REPEATS = 5  # best of 5 runs each (timeit's convention); medians printed too


def main() -> None:
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=N)
    m = 0.4 * x + rng.normal(size=N)
    df = pd.DataFrame({"x": x, "m": m, "y": 0.3 * m + 0.1 * x + rng.normal(size=N)})
    mediate(df, x="x", m="m", y="y", n_boot=10)  # warm-up (imports, BLAS threads)

    def best_of(repeats, fn):
        times, out = [], None
        for _ in range(repeats):
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
        return min(times), float(np.median(times)), out

    t_ours, med_ours, ours = best_of(
        REPEATS, lambda: mediate(df, x="x", m="m", y="y", n_boot=N_BOOT, ci="bc", seed=SEED)
    )
    t_one, med_one, one = best_of(
        REPEATS,
        lambda: mediate(df, x="x", m="m", y="y", n_boot=N_BOOT, ci="bc", seed=SEED, n_jobs=1),
    )
    t_pg, med_pg, ref = best_of(
        REPEATS,
        lambda: pg.mediation_analysis(data=df, x="x", m="m", y="y", n_boot=N_BOOT, seed=SEED),
    )
    ind = ours[ours.path == "indirect"].iloc[0]
    ref_ind = ref.set_index("path").loc["Indirect"]
    print(f"n = {N}, n_boot = {N_BOOT}, bias-corrected CI")
    print(
        f"cuecoder  {t_ours:8.3f} s (median {med_ours:.3f})  indirect {ind.coef:.6f}  "
        f"CI [{ind.ci_low:.4f}, {ind.ci_high:.4f}]  se {ind.se:.4f}"
    )
    print(
        f"pingouin  {t_pg:8.3f} s (median {med_pg:.3f})  indirect {ref_ind.coef:.6f}  "
        f"CI [{ref_ind['CI2.5']:.4f}, {ref_ind['CI97.5']:.4f}]  se {ref_ind.se:.4f}"
    )
    print(
        f"cuecoder, one thread (n_jobs=1)  {t_one:8.3f} s (median {med_one:.3f}), "
        f"same table as with every core: {one.equals(ours)}"
    )
    print(f"|point difference| = {abs(ind.coef - ref_ind.coef):.2e}")
    print(
        f"speed-up, every core ({os.cpu_count()}): {t_pg / t_ours:.1f}x (best of {REPEATS}), "
        f"{med_pg / med_ours:.1f}x (medians)"
    )
    print(
        f"speed-up, one thread: {t_pg / t_one:.1f}x (best of {REPEATS}), "
        f"{med_pg / med_one:.1f}x (medians)"
    )


if __name__ == "__main__":
    main()
