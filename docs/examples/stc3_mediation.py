"""Worked example: a predicted cue in real helpdesk dialogues, naive and corrected.

Run from the repository root: ``nice -n 10 python docs/examples/stc3_mediation.py``
(reads ``../shared/data/stc3_weibo`` and the project's round-3 codes in corpora/labels;
writes nothing into the repository; prints the tables quoted in docs/stc3_example.md).

Units are STC-3 dialogues (English translations): X = listening, the mean predicted
probability over the dialogue's helpdesk turns (default model, which was not trained on
STC-3); M = effectiveness E and Y = customer satisfaction S, each the mean of the 19
annotators' scores (-2..2). Every English helpdesk turn was hand-coded in round 3
(corpora/README.md), so the analysis with the coded share as X is the reference. The
corrected estimator gets only a random quarter of the dialogues' codes (pi_group = .25,
all turns of a drawn dialogue coded), 20 times with different draws.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import cuecoder
from cuecoder.stats import aggregate, mediate
from cuecoder.train.data import load_real, stc3_replies

DATA = Path(os.environ.get("CUECODER_DATA", "../shared/data"))
LABELS = Path("corpora/labels")
CUE = "listening"
N_DRAWS = 20
SHARE = 0.25
N_BOOT = 2000


def main() -> None:
    dialogues = json.loads((DATA / "stc3_weibo" / "train_data_en.json").read_text("utf-8"))
    quality = pd.DataFrame(
        {
            "dialogue": [f"stc3:{d['id']}" for d in dialogues],
            "S": [np.mean([a["quality"]["S"] for a in d["annotations"]]) for d in dialogues],
            "E": [np.mean([a["quality"]["E"] for a in d["annotations"]]) for d in dialogues],
        }
    )
    replies = stc3_replies(DATA)
    replies = replies[replies["language"] == "en"].reset_index(drop=True)
    coded = load_real(
        sorted(LABELS.glob("real_round3_pass1_*.csv")),
        DATA,
        recodes=sorted(LABELS.glob("real_round3_recode_*_pass1_*.csv")),
        adjudicated=[LABELS / "real_round3_adjudicated.csv"],
    )
    coded = coded[(coded["source"] == "stc3") & (coded["language"] == "en")]
    codes = coded.set_index("item_id")[CUE]
    # dialogues whose every English helpdesk turn was coded
    replies["code"] = replies["item_id"].map(codes)
    complete = replies.groupby("recipient")["code"].apply(lambda c: c.notna().all())
    replies = replies[replies["recipient"].isin(complete.index[complete])]
    print(
        f"{len(replies)} English helpdesk turns in {replies['recipient'].nunique()} dialogues, "
        f"all hand-coded ({len(dialogues)} dialogues in the file)",
        file=sys.stderr,
    )
    coder = cuecoder.load()
    scored = coder.score(replies["reply"].tolist(), replies["context"].tolist())
    scored.insert(0, "dialogue", replies["recipient"].to_numpy())
    cues = aggregate(scored, by="dialogue", cues=[CUE])
    shares = replies.groupby("recipient")["code"].mean().rename("coded_share")
    data = cues.merge(quality, on="dialogue").merge(shares, left_on="dialogue", right_index=True)
    pred = scored[f"{CUE}_label"].astype(int).to_numpy()
    from cuecoder.stats.agreement import krippendorff_alpha

    alpha = krippendorff_alpha(replies["code"].to_numpy(int), pred)
    print(
        f"reply-level alpha of the model's {CUE} vs the codes: {alpha:.3f}; "
        f"share coded {replies['code'].mean():.3f}, predicted {pred.mean():.3f}; "
        f"corr(X-hat, coded share) over dialogues {data[CUE].corr(data['coded_share']):.3f}"
    )
    kw = {"m": "E", "y": "S", "n_boot": N_BOOT, "seed": 0, "ci": "percentile"}
    rows = []

    def keep(name: str, res: pd.DataFrame) -> None:
        for path in ("a", "b", "direct", "indirect"):
            r = res[res.path == path].iloc[0]
            rows.append(
                {
                    "estimator": name,
                    "path": path,
                    "coef": r.coef,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                }
            )

    keep("naive (predicted X)", mediate(data, x=CUE, **kw))
    keep(
        "reference (every dialogue coded)",
        mediate(data.assign(**{CUE: data["coded_share"]}), x=CUE, **kw),
    )
    all_dialogues = data["dialogue"].to_numpy()
    rng = np.random.default_rng(17)
    for draw in range(N_DRAWS):
        drawn = rng.choice(all_dialogues, int(round(SHARE * len(all_dialogues))), replace=False)
        sample = replies[replies["recipient"].isin(drawn)]
        codes_table = pd.DataFrame(
            {
                "dialogue": sample["recipient"],
                CUE: sample["code"].astype(int),
                "pi_group": len(drawn) / len(all_dialogues),
                "pi_reply": 1.0,
            }
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = mediate(data, x=CUE, codes=codes_table, key="dialogue", **kw)
        keep(f"corrected, draw {draw}", res)
        sub = data[data["dialogue"].isin(drawn)]
        keep(
            f"labelled only, draw {draw}",
            mediate(sub.assign(**{CUE: sub["coded_share"]}), x=CUE, **kw),
        )
    table = pd.DataFrame(rows)
    table["group"] = table["estimator"].str.replace(r", draw \d+", "", regex=True)
    first = table[
        ~table["estimator"].str.contains("draw") | table["estimator"].str.endswith("draw 0")
    ]
    with pd.option_context("display.width", 160):
        print(first.drop(columns="group").round(3).to_string(index=False))
        summary = (
            table[table["estimator"].str.contains("draw")]
            .groupby(["group", "path"])
            .agg(
                mean_coef=("coef", "mean"),
                sd_coef=("coef", "std"),
                median_width=("ci_high", lambda s: np.nan),
            )
        )
        widths = (
            table.assign(width=table.ci_high - table.ci_low)
            .groupby(["group", "path"])["width"]
            .median()
        )
        summary["median_width"] = widths
        print(f"\nover {N_DRAWS} random draws of {SHARE:.0%} of the dialogues:")
        print(summary.round(3).to_string())


if __name__ == "__main__":
    main()
