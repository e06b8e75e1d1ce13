from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
# the tests know the checkout's layout (../shared beside it); the library does not
SHARED_DATA = Path(os.environ.setdefault("CUECODER_DATA", str(REPO.parent / "shared" / "data")))
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


# Written for these tests: brand-reply-like texts with the cues the model looks for.
WRITTEN = [
    "Hi Maria, so sorry the jacket came late! Which size did you order?",
    "Thanks for reaching out. Please DM us your order number and we'll look into it.",
    "We're sorry to hear that. Can you tell us more about what happened?",
    "Honestly, I had the same problem with my first phone, it drove me mad.",
    "Please send us a private message so that we can further assist you.",
    "That sounds really frustrating, we totally get it. Let's fix this together.",
    "Your refund of $20 was processed today; it can take 3-5 days to show.",
    "Love this photo! The view from the balcony looks amazing.",
    "Have you tried restarting the app? That usually clears the cache.",
    "I'm Sam from the support team, happy to help with your booking.",
    "Thank you for your feedback, we have passed it on to the team.",
    "Oh no! Which station were you at? We'll let the manager know.",
]


@pytest.fixture(scope="session")
def replies() -> pd.DataFrame:
    """240 replies with ids and contexts: real TWCS replies when present, else written."""
    if TWCS.exists():
        frame = pd.read_csv(TWCS, dtype=str).dropna(subset=["reply_text"]).head(240)
        return pd.DataFrame(
            {
                "id": frame["reply_tweet_id"].to_numpy(),
                "text": frame["reply_text"].to_numpy(),
                "context": frame["parent_text"].to_numpy(),
                "brand": frame["brand"].to_numpy(),
            }
        ).reset_index(drop=True)
    texts = [f"{t} (#{i})" for i in range(20) for t in WRITTEN]
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(texts))],
            "text": texts,
            "context": [
                None if i % 3 else "My order is late, where is it?" for i in range(len(texts))
            ],
            "brand": [f"brand{i % 4}" for i in range(len(texts))],
        }
    )
