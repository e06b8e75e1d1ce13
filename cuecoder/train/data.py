"""Labelled data: hand-coded real replies (ids + codes, text read from the data folder)
and the replies written for this project in ``corpora/written``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path

import pandas as pd

from ..codebook import LABEL_OF, LABELS
from ..errors import CuecoderError, Errors

logger = logging.getLogger(__name__)

#: Environment variable naming the folder of the public corpora (``twcs/``,
#: ``ibm_twitter_cdp/``, ``stc3_weibo/``), used when no ``data_dir`` is passed.
DATA_ENV = "CUECODER_DATA"
#: Labelled data of a checkout, relative to the working directory (training runs from
#: the repository root, as the configs' paths are).
DEFAULT_CORPORA = Path("corpora")
LABEL_COLUMNS = ["item_id", *LABELS, "subcodes"]


SOURCES = ("twcs", "ibm", "stc3")
STC3_FILES = {"zh": "train_data_cn.json", "en": "train_data_en.json"}
_MENTION = re.compile(r"@([^\s@:：,，.。!！?？]+)")


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The data folder: ``data_dir`` if given, else ``$CUECODER_DATA`` (E112 if neither)."""
    if data_dir is None:
        data_dir = os.environ.get(DATA_ENV)
        if not data_dir:
            raise CuecoderError(Errors.E112.format(env=DATA_ENV))
    return Path(data_dir)


def real_replies(
    data_dir: str | Path | None = None, sources: tuple[str, ...] = ("twcs", "ibm")
) -> pd.DataFrame:
    """All brand replies of the public corpora, keyed by ``item_id``.

    ``twcs:<reply_tweet_id>`` for ``twcs/twcs_brand_replies.csv``,
    ``ibm:<session_id>:<turn_index>`` for the agent turns of
    ``ibm_twitter_cdp/turns_flat.csv`` and ``stc3:<dialogue id>:<turn index>`` for the
    helpdesk turns of ``stc3_weibo`` (:func:`stc3_replies`; a translated turn gives one
    row per language under the same id). ``sources`` defaults to TWCS and IBM, the
    corpus the shipped corpus evidence was fit on. Columns: item_id, source, language,
    brand, context, reply, recipient.
    """
    data_dir = resolve_data_dir(data_dir)
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise CuecoderError(Errors.E111.format(values=unknown, valid=list(SOURCES)))
    frames = []
    if "twcs" in sources:
        path = data_dir / "twcs" / "twcs_brand_replies.csv"
        if not path.is_file():
            raise CuecoderError(Errors.E105.format(path=path, reason="file not found"))
        twcs = pd.read_csv(path, dtype=str, keep_default_na=False)
        frames.append(
            pd.DataFrame(
                {
                    "item_id": "twcs:" + twcs["reply_tweet_id"],
                    "source": "twcs",
                    "language": "en",
                    "brand": twcs["brand"],
                    "context": twcs["parent_text"],
                    "reply": twcs["reply_text"],
                    "recipient": twcs["parent_author_id"],
                }
            )
        )
    if "ibm" in sources:
        turns = pd.read_csv(
            data_dir / "ibm_twitter_cdp" / "turns_flat.csv", dtype=str, keep_default_na=False
        )
        agent = turns[turns["role"] == "agent"].drop_duplicates("tweet_id")
        frames.append(
            pd.DataFrame(
                {
                    "item_id": "ibm:" + agent["session_id"] + ":" + agent["turn_index"],
                    "source": "ibm",
                    "language": "en",
                    "brand": agent["company"],
                    "context": agent["previous_turn_text"],
                    "reply": agent["text"],
                    "recipient": "ibm:" + agent["session_id"],
                }
            )
        )
    if "stc3" in sources:
        frames.append(stc3_replies(data_dir))
    return pd.concat(frames, ignore_index=True)


def stc3_replies(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Helpdesk turns of the STC-3 Weibo dialogues, in Chinese and (where translated) English.

    The reply is one helpdesk turn (its utterances joined), the context the customer turn
    before it; ids are ``stc3:<dialogue id>:<turn index>``, shared by a turn's Chinese
    original and its English translation. ``brand`` is the helpdesk account the customer
    @-mentioned in the opening turn (the first mention naming 客服, customer service, else
    the first mention); ``recipient`` is the dialogue. The quality and nugget
    annotations are not read.
    """
    rows = []
    data_dir = resolve_data_dir(data_dir)
    for language, name in STC3_FILES.items():
        path = data_dir / "stc3_weibo" / name
        if not path.is_file():
            raise CuecoderError(Errors.E105.format(path=path, reason="file not found"))
        dialogues = json.loads(path.read_text(encoding="utf-8"))
        joiner = "" if language == "zh" else " "
        for dialogue in dialogues:
            turns = dialogue["turns"]
            brand = _stc3_brand(joiner.join(turns[0]["utterances"])) if turns else ""
            for index, turn in enumerate(turns):
                if turn["sender"] != "helpdesk":
                    continue
                before = turns[index - 1] if index > 0 else None
                context = ""
                if before is not None and before["sender"] == "customer":
                    context = joiner.join(before["utterances"])
                rows.append(
                    {
                        "item_id": f"stc3:{dialogue['id']}:{index}",
                        "source": "stc3",
                        "language": language,
                        "brand": brand,
                        "context": context,
                        "reply": joiner.join(turn["utterances"]),
                        "recipient": f"stc3:{dialogue['id']}",
                    }
                )
    frame = pd.DataFrame(rows)
    # the English file names accounts in English: take each dialogue's brand from Chinese
    zh_brand = frame[frame["language"] == "zh"].drop_duplicates("recipient")
    frame["brand"] = frame["recipient"].map(zh_brand.set_index("recipient")["brand"])
    return frame


def _stc3_brand(text: str) -> str:
    mentions = _MENTION.findall(text)
    named = [m for m in mentions if "客服" in m]
    return (named or mentions or [""])[0]


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


def apply_recodes(labels: pd.DataFrame, paths: list[Path]) -> pd.DataFrame:
    """Replace single labels by a later recoding of them (``item_id, <label>, subcodes``).

    A recode file holds one of the codebook's labels; for each of its ids that label and
    its sub-codes are replaced, the other labels and sub-codes kept. A recode whose id
    is not among ``labels`` is ignored.
    """
    out = labels.copy()
    for path in paths:
        frame = pd.read_csv(path, dtype={"item_id": str, "subcodes": str}, keep_default_na=False)
        recoded = [c for c in LABELS if c in frame.columns]
        if len(recoded) != 1 or "subcodes" not in frame.columns:
            raise CuecoderError(
                Errors.E101.format(
                    column="one label and 'subcodes'", source=path, available=list(frame.columns)
                )
            )
        label = recoded[0]
        new = frame.set_index("item_id")
        hit = out["item_id"].isin(new.index)
        ids = out.loc[hit, "item_id"]
        out.loc[hit, label] = new.loc[ids, label].astype(int).to_numpy()
        kept = [
            [c for c in str(codes).split(";") if c and LABEL_OF.get(c) != label]
            for codes in out.loc[hit, "subcodes"]
        ]
        added = [[c for c in str(codes).split(";") if c] for codes in new.loc[ids, "subcodes"]]
        out.loc[hit, "subcodes"] = [";".join(k + a) for k, a in zip(kept, added, strict=True)]
    return out


def load_real(
    label_files: list[Path],
    data_dir: str | Path | None = None,
    recodes: list[Path] | None = None,
    adjudicated: list[Path] | None = None,
) -> pd.DataFrame:
    """Hand-coded real replies joined to their text read from ``data_dir``.

    ``recodes`` replace single labels by a later recoding (:func:`apply_recodes`);
    ``adjudicated`` codes (label files of replies coded twice whose passes disagreed)
    then replace whole rows. A code of a translated STC-3 turn labels the reply in both
    languages: it gives one row per language (same ``item_id``, column ``language``).
    """
    labels = apply_recodes(read_label_files(label_files), list(recodes or []))
    if adjudicated:
        final = read_label_files(list(adjudicated)).set_index("item_id")
        labels = labels.set_index("item_id")
        hit = labels.index.isin(final.index)
        labels.loc[hit, final.columns] = final.loc[labels.index[hit]].to_numpy()
        labels = labels.reset_index().astype(dict.fromkeys(LABELS, int))
    sources = tuple(s for s in SOURCES if labels["item_id"].str.startswith(f"{s}:").any())
    texts = real_replies(data_dir, sources=sources or ("twcs",))
    joined = labels.merge(texts, on="item_id", how="left", validate="one_to_many")
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


def data_hash(frame: pd.DataFrame, columns: list[str]) -> str:
    """sha256 over the given columns of a frame, row order included (missing values
    as ``str`` gives them: ``None``, ``nan``)."""
    digest = hashlib.sha256()
    for row in frame[columns].itertuples(index=False):
        digest.update("\x1f".join(map(str, row)).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()
