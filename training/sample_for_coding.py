"""Draw the real replies that were hand-coded for training and evaluation.

Writes batch files (id, brand, context, reply) for coders to a folder outside the
repository; only the ids and the codes are committed (``corpora/labels/``).

Sample (seed 0): 700 replies at random from ``twcs/twcs_brand_replies.csv``, 130 more
from its replies with first-person wording (openness is rare in support replies), and
220 agent turns from ``ibm_twitter_cdp/turns_flat.csv``. 200 of the 1,050 are drawn
again for a blind second pass. Round 2 (``--round 2``) draws 1,000 more TWCS replies and
250 more IBM agent turns from what round 1 left, at random (seed 2).

Round 3 (``--round 3``, seed 3) takes every real reply not coded yet: the rest of TWCS and
IBM, every translated STC-3 helpdesk turn (coded reading the Chinese beside the English)
and 2,800 Chinese-only STC-3 turns at random; 15% of each of those three strata (seed 4)
is drawn again for a blind second coding by other coders.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|my|me)\b")


def draw(data_dir: Path, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    twcs = pd.read_csv(data_dir / "twcs" / "twcs_brand_replies.csv", dtype=str)
    twcs = pd.DataFrame(
        {
            "item_id": "twcs:" + twcs["reply_tweet_id"],
            "brand": twcs["brand"],
            "context": twcs["parent_text"].fillna(""),
            "reply": twcs["reply_text"],
        }
    )
    order = rng.permutation(len(twcs))
    random_part = twcs.iloc[order[:700]]
    rest = twcs.iloc[order[700:]]
    fp = rest[rest["reply"].str.contains(FIRST_PERSON)]
    fp_part = fp.iloc[rng.permutation(len(fp))[:130]]

    turns = pd.read_csv(data_dir / "ibm_twitter_cdp" / "turns_flat.csv", dtype=str)
    agent = turns[turns["role"] == "agent"].drop_duplicates("tweet_id")
    ibm = pd.DataFrame(
        {
            "item_id": "ibm:" + agent["session_id"] + ":" + agent["turn_index"],
            "brand": agent["company"],
            "context": agent["previous_turn_text"].fillna(""),
            "reply": agent["text"],
        }
    )
    ibm_part = ibm.iloc[rng.permutation(len(ibm))[:220]]
    sample = pd.concat([random_part, fp_part, ibm_part], ignore_index=True)
    return sample.iloc[rng.permutation(len(sample))].reset_index(drop=True)


def draw_round2(data_dir: Path, seed: int = 2) -> pd.DataFrame:
    """1,000 TWCS replies and 250 IBM agent turns not drawn in round 1."""
    from cuecoder.train.data import real_replies

    taken = set(draw(data_dir)["item_id"])
    rest = real_replies(data_dir)
    rest = rest[~rest["item_id"].isin(taken)]
    rng = np.random.default_rng(seed)
    parts = []
    for source, n in (("twcs", 1000), ("ibm", 250)):
        pool = rest[rest["source"] == source]
        parts.append(pool.iloc[rng.permutation(len(pool))[:n]])
    sample = pd.concat(parts, ignore_index=True)[["item_id", "brand", "context", "reply"]]
    return sample.iloc[rng.permutation(len(sample))].reset_index(drop=True)


ROUND3_CHINESE_ONLY = 2800
SECOND_SHARE = 0.15
SECOND_BATCH = 300  # replies per second-pass batch, about


def draw_round3(data_dir: Path, coded: set[str], seed: int = 3) -> dict[str, pd.DataFrame]:
    """Every uncoded real reply, as three strata: ``en`` (TWCS, IBM), ``bilingual``, ``zh``."""
    from cuecoder.train.data import real_replies

    rng = np.random.default_rng(seed)
    replies = real_replies(data_dir, sources=("twcs", "ibm", "stc3"))
    replies = replies[~replies["item_id"].isin(coded)]
    english = replies[replies["source"] != "stc3"][["item_id", "brand", "context", "reply"]]
    stc3 = replies[replies["source"] == "stc3"]
    en = stc3[stc3["language"] == "en"].set_index("item_id")
    zh = stc3[stc3["language"] == "zh"].set_index("item_id")
    both = zh.loc[zh.index.isin(en.index)]
    bilingual = pd.DataFrame(
        {
            "item_id": both.index,
            "brand": both["brand"].to_numpy(),
            "context_zh": both["context"].to_numpy(),
            "reply_zh": both["reply"].to_numpy(),
            "context_en": en.loc[both.index, "context"].to_numpy(),
            "reply_en": en.loc[both.index, "reply"].to_numpy(),
        }
    )
    only = zh.loc[~zh.index.isin(en.index)].reset_index()[["item_id", "brand", "context", "reply"]]
    only = only.iloc[rng.permutation(len(only))[:ROUND3_CHINESE_ONLY]]
    strata = {"en": english, "bilingual": bilingual, "zh": only}
    return {k: v.iloc[rng.permutation(len(v))].reset_index(drop=True) for k, v in strata.items()}


def write_round3(data_dir: Path, out: Path, coded: set[str], batch_size: int = 350) -> None:
    strata = draw_round3(data_dir, coded)
    rng = np.random.default_rng(4)
    out.mkdir(parents=True, exist_ok=True)
    for name, sample in strata.items():
        n_batches = max(1, round(len(sample) / batch_size))
        for k, part in enumerate(np.array_split(np.arange(len(sample)), n_batches)):
            sample.iloc[part].to_csv(out / f"round3_{name}_{k + 1}.csv", index=False)
        drawn = rng.permutation(len(sample))[: round(SECOND_SHARE * len(sample))]
        second = sample.iloc[np.sort(drawn)]
        n_parts = max(1, round(len(second) / SECOND_BATCH))
        if n_parts == 1:
            second.to_csv(out / f"round3_{name}_second.csv", index=False)
        for k, part in enumerate(np.array_split(np.arange(len(second)), n_parts)):
            if n_parts > 1:
                second.iloc[part].to_csv(out / f"round3_{name}_second_{k + 1}.csv", index=False)
        print(f"{name}: {len(sample)} replies, {n_batches} batches, {len(second)} second-coded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n-batches", type=int, default=4)
    parser.add_argument("--round", type=int, default=1, choices=[1, 2, 3])
    parser.add_argument("--labels", type=Path, default=Path("corpora/labels"))
    args = parser.parse_args()
    from cuecoder.train.data import resolve_data_dir

    args.data_dir = resolve_data_dir(args.data_dir)
    if args.round == 3:
        coded = set()
        for path in args.labels.glob("*.csv"):
            if not path.name.startswith("real_round3_"):  # what was coded before round 3
                coded |= set(pd.read_csv(path, dtype=str)["item_id"])
        write_round3(args.data_dir, args.out, coded)
        return
    if args.round == 2:
        sample = draw_round2(args.data_dir)
        args.out.mkdir(parents=True, exist_ok=True)
        for k, part in enumerate(np.array_split(np.arange(len(sample)), args.n_batches)):
            sample.iloc[part].to_csv(args.out / f"round2_batch_{k + 1}.csv", index=False)
        print(f"{len(sample)} replies in {args.n_batches} batches")
        return
    sample = draw(args.data_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    for k, part in enumerate(np.array_split(np.arange(len(sample)), args.n_batches)):
        sample.iloc[part].to_csv(args.out / f"batch_{k + 1}.csv", index=False)
    second = sample.iloc[np.random.default_rng(1).permutation(len(sample))[:200]]
    second.to_csv(args.out / "second_pass.csv", index=False)
    print(f"{len(sample)} replies in {args.n_batches} batches, 200 for the second pass")


if __name__ == "__main__":
    main()
