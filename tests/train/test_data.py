"""Labelled data: recodes replace one label, STC-3 codes label both languages, and the
brand split keeps a reply's Chinese and English versions on the same side."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from cuecoder.train.data import apply_recodes, brand_split, load_real

REPO = Path(__file__).resolve().parents[2]
LABELS_DIR = REPO / "corpora" / "labels"
STC3 = Path(os.environ.get("CUECODER_DATA", "")) / "stc3_weibo" / "train_data_en.json"


def test_a_recode_replaces_one_label_and_its_subcodes(tmp_path):
    labels = pd.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "responsiveness": [1, 0, 1],
            "listening": [1, 0, 0],
            "openness": [0, 0, 0],
            "automated": [0, 1, 0],
            "subcodes": ["R-CONTENT;L-ACK", "A-TEMPLATE;O-IDENTITY", "R-ANSWER"],
        }
    )
    path = tmp_path / "recode.csv"
    pd.DataFrame(
        {"item_id": ["b", "a", "z"], "automated": [0, 1, 1], "subcodes": ["", "A-SLOT", "A-MARKER"]}
    ).to_csv(path, index=False)
    out = apply_recodes(labels, [path])
    assert out["automated"].tolist() == [1, 0, 0]
    assert out["subcodes"].tolist() == ["R-CONTENT;L-ACK;A-SLOT", "O-IDENTITY", "R-ANSWER"]
    assert out[["responsiveness", "listening", "openness"]].equals(
        labels[["responsiveness", "listening", "openness"]]
    )


@pytest.mark.skipif(not STC3.is_file(), reason=f"{STC3} not present (../shared)")
def test_bilingual_codes_label_both_languages_on_one_side_of_the_split():
    files = sorted(LABELS_DIR.glob("real_round3_pass1_bilingual_*.csv"))
    if not files:
        pytest.skip("no bilingual round-3 codes")
    codes = pd.concat([pd.read_csv(f, dtype=str) for f in files])
    real = load_real(files)
    assert set(real["language"]) == {"zh", "en"}
    per_id = real.groupby("item_id")["language"].nunique()
    assert (per_id == 2).mean() > 0.99  # every translated turn has both texts
    assert set(real["item_id"]) == set(codes["item_id"])
    real["split"] = brand_split(real["group"])
    assert (real.groupby("item_id")["split"].nunique() == 1).all()
    assert real.groupby("split")["item_id"].nunique().min() > 0


def test_adjudicated_codes_replace_whole_rows_in_place(tmp_path):
    cols = ["item_id", "responsiveness", "listening", "openness", "automated", "subcodes"]
    first = tmp_path / "first.csv"
    pd.DataFrame(
        [
            ["a", 1, 0, 0, 0, "R-ANSWER"],
            ["b", 0, 1, 0, 1, "L-ACK;A-TEMPLATE"],
            ["c", 0, 0, 0, 0, ""],
        ],
        columns=cols,
    ).to_csv(first, index=False)
    final = tmp_path / "adjudicated.csv"
    pd.DataFrame([["b", 1, 1, 0, 0, "R-CONTENT;L-ACK"]], columns=cols).to_csv(final, index=False)
    data = tmp_path / "data"
    (data / "twcs").mkdir(parents=True)
    pd.DataFrame(
        {
            "reply_tweet_id": ["a", "b", "c"],
            "brand": ["x", "x", "y"],
            "parent_text": ["", "", ""],
            "reply_text": ["one", "two", "three"],
            "parent_author_id": ["1", "2", "3"],
        }
    ).to_csv(data / "twcs" / "twcs_brand_replies.csv", index=False)
    for path in (first, final):  # ids as the loader expects them
        frame = pd.read_csv(path, dtype=str)
        frame["item_id"] = "twcs:" + frame["item_id"]
        frame.to_csv(path, index=False)
    real = load_real([first], data, adjudicated=[final])
    assert real["item_id"].tolist() == ["twcs:a", "twcs:b", "twcs:c"]
    assert real[["responsiveness", "automated"]].values.tolist() == [[1, 0], [1, 0], [0, 0]]
    assert real.loc[1, "subcodes"] == "R-CONTENT;L-ACK"
