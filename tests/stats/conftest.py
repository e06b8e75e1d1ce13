from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def simulate(
    n: int,
    seed: int,
    a: float = 0.5,
    b: float = 0.4,
    c: float = 0.1,
    a3: float = 0.0,
    b3: float = 0.0,
) -> pd.DataFrame:
    """X -> M -> Y with a 0/1 moderator W on both stages (a3, b3 are the interactions)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    w = rng.integers(0, 2, size=n).astype(float)
    cov = rng.normal(size=n)
    m = a * x + 0.2 * w + a3 * x * w + 0.3 * cov + rng.normal(size=n)
    y = c * x + b * m + 0.1 * w + b3 * m * w + 0.2 * cov + rng.normal(size=n)
    return pd.DataFrame(
        {
            "x": x,
            "m": m,
            "y": y,
            "w": w,
            "cov": cov,
            "m2": 0.3 * x + rng.normal(size=n),
            "y2": 0.5 * m + rng.normal(size=n),
        }
    )


@pytest.fixture(scope="session")
def make_data():
    return simulate


@pytest.fixture(scope="session")
def sim_data() -> pd.DataFrame:
    return simulate(400, seed=7, a3=0.4, b3=0.3)
