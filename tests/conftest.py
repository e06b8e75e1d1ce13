from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
TWCS = SHARED_DATA / "twcs" / "twcs_brand_replies.csv"


@pytest.fixture(scope="session")
def coder():
    """The default model, loaded once."""
    import cuecoder

    return cuecoder.load()


@pytest.fixture(scope="session")
def twcs_replies() -> pd.DataFrame:
    """Real brand replies from ../shared/data/twcs (skipped when it is absent)."""
    if not TWCS.is_file():
        pytest.skip(f"real replies not available: {TWCS} is absent (../shared beside the repo)")
    return pd.read_csv(TWCS, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def example_corpus() -> pd.DataFrame:
    """The example corpus shipped in corpora/examples (text written for this project)."""
    path = REPO / "corpora" / "examples" / "replies.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)
