from __future__ import annotations

import json

import pandas as pd
import pytest

HOSTILE = "lol I typed <script>alert('x')</script> into the box & it ran"


def make_scored() -> pd.DataFrame:
    """A hand-made scored table: 4 accounts, labels chosen so every share is countable.

    brandA: 4 replies, responsiveness 3/4, openness 0/4, automated 2/4, template 2/4
    nano1:  3 replies, responsiveness 1/3, openness 2/3, automated 0/3
    micro1: 2 replies, responsiveness 2/2, openness 1/2, automated 0/2
    solo:   1 reply,   responsiveness 0/1, openness 1/1, automated 1/1 (one reply)
    """
    rows = [
        # account, text, R, L, O, A, template_id, language
        ("brandA", "Hi Ana, please DM us your order number.", 1, 0, 0, 1, "t1", "en"),
        ("brandA", "Hi Ben, please DM us your order number.", 1, 0, 0, 1, "t1", "en"),
        ("brandA", "The store opens at nine on Sundays.", 1, 0, 0, 0, None, "en"),
        ("brandA", "Thanks for the note.", 0, 1, 0, 0, None, "zh"),
        ("nano1", "I burned the first batch too, so annoying!", 0, 1, 1, 0, None, "en"),
        ("nano1", HOSTILE, 1, 0, 1, 0, None, "en"),
        ("nano1", "cheers", 0, 0, 0, 0, None, "en"),
        ("micro1", "Which size did you get? I went one up.", 1, 1, 1, 0, None, "en"),
        ("micro1", "It's in the caption!", 1, 0, 0, 0, None, "en"),
        ("solo", "Tap the link for everything I wear, love you all", 0, 0, 1, 1, None, "en"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["account", "text", "r", "l", "o", "a", "template_id", "language"],
    )
    out = pd.DataFrame({"id": [f"x{i}" for i in range(len(frame))]})
    out["account"] = frame["account"]
    out["platform"] = ["twitter"] * 4 + ["instagram"] * 6
    out["text"] = frame["text"]
    out["language"] = frame["language"]
    out["unsupported_language"] = frame["language"] == "zh"
    for name, col in (
        ("responsiveness", "r"),
        ("listening", "l"),
        ("openness", "o"),
        ("automated", "a"),
    ):
        out[name] = frame[col] * 0.5 + 0.3  # 0.3 or 0.8
        out[f"{name}_label"] = frame[col].astype(bool)
    out["interactivity"] = (out["responsiveness"] + out["listening"]) / 2
    out["interactivity_label"] = out["responsiveness_label"] | out["listening_label"]
    out["automated_corpus"] = out["automated"]
    out["automated_corpus_label"] = out["automated_label"]
    out["template_id"] = frame["template_id"]
    evidence = []
    for text in out["text"]:
        spans = [{"subcode": "O-FEELING", "start": 0, "end": min(6, len(text)), "text": text[:6]}]
        if text == HOSTILE:
            start = text.index("<script>")
            spans.append(
                {"subcode": "R-CONTENT", "start": start, "end": start + 8, "text": "<script>"}
            )
        if "DM us" in text:
            start = text.index("DM us")
            spans.append(
                {"subcode": "A-TEMPLATE", "start": start, "end": start + 5, "text": "DM us"}
            )
        evidence.append(json.dumps(spans))
    out["evidence"] = evidence
    out["empty"] = False
    out["truncated"] = False
    return out


@pytest.fixture()
def hostile() -> str:
    return HOSTILE


@pytest.fixture()
def scored() -> pd.DataFrame:
    return make_scored()


@pytest.fixture()
def accounts() -> pd.DataFrame:
    # micro1 has exactly 10,000 followers (the micro cut-off); nobody is 'mid' (empty tier);
    # 'ghost' has no replies; nano1 has a follower count that is not a number
    return pd.DataFrame(
        {
            "account": ["brandA", "nano1", "micro1", "solo", "ghost"],
            "followers": [2_000_000, "lots", 10_000, 9_999, 500],
            "type": ["brand", "consumer", "consumer", "consumer", "consumer"],
            "engagement": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
