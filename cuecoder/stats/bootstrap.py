"""The one resampling engine of the statistics: nonparametric bootstrap draws in seeded
blocks, and percentile, bias-corrected (BC) and BCa intervals with bootstrap p-values.
Mediation, SEM and agreement (``validate``) all draw and summarise through it.

References
----------
Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 14 (BC, BCa).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

CI_METHODS: tuple[str, ...] = ("percentile", "bc", "bca")
# Resamples x rows per block: small enough (1.6 MB of float64 counts) to stay in cache,
# which measured faster than one big block; also bounds memory for large n.
CHUNK_CELLS = 200_000


def boot_pval(boot: np.ndarray, estimate: float) -> float:
    """Two-sided bootstrap p-value as in R's ``mediation`` and pingouin."""
    if estimate == 0:
        return 1.0
    share = 2 * min(np.mean(boot > 0), np.mean(boot < 0))
    return float(min(share, 1.0))


def interval(
    boot: np.ndarray,
    estimate: float,
    method: str,
    alpha: float,
    jack: np.ndarray | None = None,
) -> tuple[float, float]:
    """Percentile, bias-corrected or BCa bootstrap interval for one statistic."""
    if method == "percentile":
        q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    else:
        lo, hi = stats.norm.ppf(alpha / 2), stats.norm.ppf(1 - alpha / 2)
        z0 = stats.norm.ppf(np.mean(boot < estimate))
        accel = 0.0
        if method == "bca" and jack is not None:
            dev = jack.mean() - jack
            denom = 6.0 * np.sum(dev**2) ** 1.5
            accel = float(np.sum(dev**3) / denom) if denom > 0 else 0.0
        q = [100 * stats.norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z))) for z in (lo, hi)]
        q = [0.0 if np.isnan(v) else v for v in q]
    low, high = np.percentile(boot, q)
    return float(low), float(high)


def resample_blocks(n: int, n_boot: int, seed: int | None) -> list[tuple[int, np.random.Generator]]:
    """Blocks of resamples, each with its own random stream: ``(size, generator)``.

    Block sizes and streams (children of ``np.random.SeedSequence(seed)``) depend only
    on ``n``, ``n_boot`` and ``seed``, so the draws are the same whichever thread runs
    which block.
    """
    block = max(1, CHUNK_CELLS // n)
    sizes = [min(block, n_boot - start) for start in range(0, n_boot, block)]
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    return [(size, np.random.default_rng(s)) for size, s in zip(sizes, streams, strict=True)]


def draw(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, n) row indices of ``size`` resamples."""
    return rng.integers(0, n, size=(size, n))


def draw_strata(strata: list[np.ndarray], size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, n) unit indices of ``size`` resamples drawn within each stratum.

    ``strata`` lists the unit indices of each stratum (together 0..n-1); every resample
    draws as many units from a stratum as it holds, with replacement, so stratum sizes
    fixed by the design stay fixed (e.g. hand-coded and uncoded accounts).
    """
    parts = [s[rng.integers(0, len(s), size=(size, len(s)))] for s in strata if len(s)]
    return np.concatenate(parts, axis=1)
