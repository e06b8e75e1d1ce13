"""Labelled data: hand-coded real replies (ids + codes, text read from ``../shared/data``)
and the replies written for this project in ``corpora/written``.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pandas as pd

from ..cues.evidence import ALL_SUBCODES, LABELS, SUBCODES
from ..errors import CuecoderError, Errors

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
DEFAULT_CORPORA = REPO / "corpora"
LABEL_COLUMNS = ["item_id", *LABELS, "subcodes"]


def real_replies(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """All brand replies of the public corpora, keyed by ``item_id``.

    ``twcs:<reply_tweet_id>`` for ``twcs/twcs_brand_replies.csv`` and
    ``ibm:<session_id>:<turn_index>`` for the agent turns of
    ``ibm_twitter_cdp/turns_flat.csv``. Columns: item_id, source, brand, context, reply.
    """
    data_dir = Path(data_dir)
    path = data_dir / "twcs" / "twcs_brand_replies.csv"
    if not path.is_file():
        raise CuecoderError(Errors.E105.format(path=path, reason="file not found"))
    twcs = pd.read_csv(path, dtype=str, keep_default_na=False)
    twcs = pd.DataFrame(
        {
            "item_id": "twcs:" + twcs["reply_tweet_id"],
            "source": "twcs",
            "brand": twcs["brand"],
            "context": twcs["parent_text"],
            "reply": twcs["reply_text"],
            "recipient": twcs["parent_author_id"],
        }
    )
    turns = pd.read_csv(
        data_dir / "ibm_twitter_cdp" / "turns_flat.csv", dtype=str, keep_default_na=False
    )
    agent = turns[turns["role"] == "agent"].drop_duplicates("tweet_id")
    ibm = pd.DataFrame(
        {
            "item_id": "ibm:" + agent["session_id"] + ":" + agent["turn_index"],
            "source": "ibm",
            "brand": agent["company"],
            "context": agent["previous_turn_text"],
            "reply": agent["text"],
            "recipient": "ibm:" + agent["session_id"],
        }
    )
    return pd.concat([twcs, ibm], ignore_index=True)


def read_label_files(paths: list[Path]) -> pd.DataFrame:
    """Concatenate label files (``item_id, <labels>, subcodes[, note]``); ids unique."""
    frames = []
    for path in paths:
        frame = pd.read_csv(path, dtype={"item_id": str, "subcodes": str}, keep_default_na=False)
        missing = [c for c in LABEL_COLUMNS if c not in frame.columns]
        if missing:
            raise CuecoderError(
                Errors.E101.format(column=missing, source=path, available=list(frame.columns))
            )
        frames.append(frame[LABEL_COLUMNS])
    labels = pd.concat(frames, ignore_index=True).drop_duplicates("item_id", keep="last")
    for label in LABELS:
        labels[label] = labels[label].astype(int)
    return labels.reset_index(drop=True)


def load_real(label_files: list[Path], data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Hand-coded real replies joined to their text read from ``data_dir``."""
    labels = read_label_files(label_files)
    texts = real_replies(data_dir)
    joined = labels.merge(texts, on="item_id", how="left", validate="one_to_one")
    lost = joined["reply"].isna().sum()
    if lost:
        logger.warning("%d labelled ids have no text in %s; dropped", lost, data_dir)
        joined = joined.dropna(subset=["reply"])
    joined["group"] = joined["brand"]
    return joined.reset_index(drop=True)


def load_written(paths: list[Path]) -> pd.DataFrame:
    """Replies written for this project (text and codes in the same file)."""
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths]
    written = pd.concat(frames, ignore_index=True)
    written = written.rename(columns={"example_id": "item_id"})
    for label in LABELS:
        written[label] = written[label].astype(int)
    written["source"] = "written"
    written["brand"] = written["item_id"]
    written["group"] = "written:" + written["industry"]
    return written


def brand_split(
    brands: pd.Series, test_share: float = 0.25, val_share: float = 0.15, seed: int = 0
) -> pd.Series:
    """Assign whole brands to ``train``, ``val`` and ``test`` (no brand in two splits).

    Brands are ordered by a seeded hash of their name and taken in that order until each
    split holds its share of the rows, so the split depends only on the brand names.
    """
    counts = brands.value_counts()
    key = {b: hashlib.sha256(f"{seed}:{b}".encode()).hexdigest() for b in counts.index}
    order = sorted(counts.index, key=key.__getitem__)
    total = counts.sum()
    split, acc = {}, 0
    for b in order:
        share = acc / total
        split[b] = (
            "test" if share < test_share else ("val" if share < test_share + val_share else "train")
        )
        acc += counts[b]
    return brands.map(split)


def check_subcodes(frame: pd.DataFrame) -> list[str]:
    """Rows whose sub-codes disagree with their labels (for checking a coding pass)."""
    problems = []
    for row in frame.itertuples(index=False):
        codes = [c for c in str(row.subcodes).split(";") if c]
        unknown = [c for c in codes if c not in ALL_SUBCODES]
        if unknown:
            problems.append(f"{row.item_id}: unknown sub-code(s) {unknown}")
        for label in LABELS:
            own = [c for c in codes if c in SUBCODES[label] and c != "O-IDENTITY"]
            if getattr(row, label) == 1 and not own:
                problems.append(f"{row.item_id}: {label}=1 without a sub-code")
            if getattr(row, label) == 0 and own:
                problems.append(f"{row.item_id}: {label}=0 with {own}")
    return problems


def data_hash(frame: pd.DataFrame, columns: list[str]) -> str:
    """sha256 over the given columns of a frame, row order included."""
    digest = hashlib.sha256()
    for row in frame[columns].astype(str).itertuples(index=False):
        digest.update("\x1f".join(row).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()
