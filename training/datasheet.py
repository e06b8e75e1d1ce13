"""Print the datasheet tables of corpora/README.md from the label files.

python training/datasheet.py [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from cuecoder.codebook import ALL_SUBCODES, LABELS
from cuecoder.stats.agreement import krippendorff_alpha
from cuecoder.train.data import load_real, load_written, read_label_files

CORPORA = Path(__file__).resolve().parent.parent / "corpora"


def subcode_counts(frame: pd.DataFrame) -> pd.Series:
    codes = frame["subcodes"].fillna("").str.split(";").explode()
    return codes[codes.isin(ALL_SUBCODES)].value_counts().reindex(ALL_SUBCODES, fill_value=0)


def agreement_table(both: pd.DataFrame) -> pd.DataFrame:
    """Per label: alpha and raw agreement between ``<label>_1`` and ``<label>_2``."""
    rows = []
    for label in LABELS:
        a, b = both[f"{label}_1"], both[f"{label}_2"]
        rows.append(
            {
                "label": label,
                "alpha": round(krippendorff_alpha(a, b), 3),
                "agreement": round((a == b).mean(), 3),
                "1s pass 1": int(a.sum()),
                "1s pass 2": int(b.sum()),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    pass1 = sorted((CORPORA / "labels").glob("real_pass1_*.csv"))
    real = load_real(pass1, args.data_dir)
    written = load_written(sorted((CORPORA / "written").glob("written_*.csv")))

    print("## Real replies (hand-coded)\n")
    table = real.groupby("source")[list(LABELS)].agg(["sum"]).droplevel(1, axis=1)
    table.insert(0, "replies", real.groupby("source").size())
    table.insert(1, "brands", real.groupby("source")["brand"].nunique())
    print(table.to_markdown(), "\n")

    first = read_label_files(pass1)
    for title, path in (
        ("Second pass (blind, 200 replies)", "real_pass2.csv"),
        ("Held-out brands coded twice (blind, every test reply)", "real_test_pass2.csv"),
    ):
        print(f"## {title}\n")
        both = read_label_files([CORPORA / "labels" / path]).merge(
            first, on="item_id", suffixes=("_2", "_1")
        )
        print(f"n = {len(both)}\n")
        print(agreement_table(both).to_markdown(index=False), "\n")

    print("## Written replies\n")
    print(f"{len(written)} reply/context pairs.\n")
    for col in ("industry", "platform", "speaker"):
        t = written.groupby(col)[list(LABELS)].sum()
        t.insert(0, "examples", written.groupby(col).size())
        print(t.to_markdown(), "\n")

    print("## Sub-codes\n")
    sub = pd.DataFrame({"real": subcode_counts(real), "written": subcode_counts(written)})
    print(sub.to_markdown(), "\n")


if __name__ == "__main__":
    main()
