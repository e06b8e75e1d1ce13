"""Print the datasheet tables of corpora/README.md from the label files.

python training/datasheet.py [--data-dir ../shared/data] [--round3]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from cuecoder.codebook import ALL_SUBCODES, LABELS
from cuecoder.stats.agreement import krippendorff_alpha
from cuecoder.train.data import apply_recodes, load_real, load_written, read_label_files

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


STRATA = {"twcs": "Twitter (TWCS)", "ibm": "Twitter (IBM)"}


def stratum(real: pd.DataFrame) -> pd.Series:
    """Source of each row, STC-3 split into bilingual (translated) and Chinese-only turns."""
    languages = real.groupby("item_id")["language"].transform("nunique")
    out = real["source"].map(STRATA)
    stc3 = real["source"] == "stc3"
    out[stc3 & (languages == 2)] = "STC-3 bilingual"
    out[stc3 & (languages == 1)] = "STC-3 Chinese-only"
    return out


def round3(data_dir: Path | None, all_brands: bool = False) -> None:
    """Tables of the round-3 coding: counts, prevalence, second-coding alphas."""
    labels = CORPORA / "labels"
    pass1 = sorted(labels.glob("real_round3_pass1_*.csv"))
    pass2 = sorted(labels.glob("real_round3_pass2_*.csv"))
    recodes = sorted(labels.glob("real_round3_recode_*_pass1_*.csv"))
    recodes2 = sorted(labels.glob("real_round3_recode_*_pass2_*.csv"))
    real = load_real(pass1, data_dir, recodes)
    real["stratum"] = stratum(real)
    ids = real.drop_duplicates("item_id")
    print("## Round 3: every other real reply (first pass)\n")
    table = ids.groupby("stratum")[list(LABELS)].sum()
    table.insert(0, "replies", ids.groupby("stratum").size())
    table.insert(1, "brands", ids.groupby("stratum")["brand"].nunique())
    total = table.sum(numeric_only=True).rename("all")
    total["brands"] = ids["brand"].nunique()
    table = pd.concat([table, total.to_frame().T])
    for label in LABELS:
        table[f"{label} %"] = (100 * table[label] / table["replies"]).round(1)
    print(table.to_markdown(), "\n")
    print("Rows for training by language (a translated turn gives one row per language):\n")
    print(real.groupby(["stratum", "language"]).size().rename("rows").to_markdown(), "\n")
    print("Brands (for STC-3 the @-mentioned helpdesk account), the 20 with most replies:\n")
    by_brand = ids.groupby(["stratum", "brand"])[list(LABELS)].sum()
    by_brand.insert(0, "replies", ids.groupby(["stratum", "brand"]).size())
    by_brand = by_brand.sort_values("replies", ascending=False)
    print((by_brand if all_brands else by_brand.head(20)).to_markdown(), "\n")
    print(
        f"All {ids['brand'].nunique()} brands: `python training/datasheet.py --round3 --brands`.\n"
    )

    first = read_label_files(pass1)
    second = read_label_files(pass2)
    both_raw = second.merge(first, on="item_id", suffixes=("_2", "_1"))
    both = apply_recodes(second, recodes2).merge(
        apply_recodes(first, recodes), on="item_id", suffixes=("_2", "_1")
    )
    strata = ids.set_index("item_id")["stratum"].replace(
        {name: "Twitter (TWCS + IBM)" for name in STRATA.values()}
    )
    print("## Round 3: blind second coding (Krippendorff's alpha, first vs second pass)\n")
    rows = []
    for name, group in both.groupby(both["item_id"].map(strata)):
        raw = both_raw[both_raw["item_id"].isin(group["item_id"])]
        row = {"stratum": name, "n": len(group)}
        for label in LABELS:
            row[label] = round(krippendorff_alpha(group[f"{label}_1"], group[f"{label}_2"]), 3)
        for label in ("responsiveness", "automated"):
            row[f"{label} (before recode)"] = round(
                krippendorff_alpha(raw[f"{label}_1"], raw[f"{label}_2"]), 3
            )
        rows.append(row)
    print(pd.DataFrame(rows).to_markdown(index=False), "\n")
    print(f"{len(both)} replies coded twice, {len(first)} coded once or more.\n")
    lead_check(first, labels)


def lead_check(first: pd.DataFrame, labels: Path) -> None:
    """The lead's blind 10% check of each batch against the coder, before and after recodes."""
    path = labels / "round3_lead_check.csv"
    if not path.is_file():
        return
    lead = pd.read_csv(path, dtype={"item_id": str})
    recoded = {
        label: apply_recodes(first, sorted(labels.glob(f"real_round3_recode_{label}_pass1_*.csv")))
        for label in ("automated", "responsiveness")
    }
    rows = []
    for batch, group in lead.groupby("batch", sort=True):
        coder = first.set_index("item_id").loc[group["item_id"]]
        row = {"batch": batch, "n": len(group), "rules": group["rules"].iloc[0]}
        for label in LABELS:
            row[label] = round(krippendorff_alpha(group[label], coder[label]), 2)
        for label, table in recoded.items():
            after = table.set_index("item_id").loc[group["item_id"], label]
            row[f"{label} after recode"] = round(krippendorff_alpha(group[label], after), 2)
        rows.append(row)
    print("## Round 3: the lead's blind check (alpha, lead vs coder, 10% of each batch)\n")
    print(pd.DataFrame(rows).to_markdown(index=False), "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--round3", action="store_true", help="only the round-3 tables")
    parser.add_argument("--brands", action="store_true", help="with --round3: every brand")
    args = parser.parse_args()
    if args.round3:
        round3(args.data_dir, args.brands)
        return
    pass1 = sorted((CORPORA / "labels").glob("real_pass1_*.csv"))
    real = load_real(pass1, args.data_dir)
    written = load_written(sorted((CORPORA / "written").glob("written_[abc].csv")))

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
