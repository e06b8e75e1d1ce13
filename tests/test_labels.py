"""The committed codes obey the codebook: every label coded 1 has one of its own
sub-codes, a label coded 0 has none (evidence-only sub-codes aside), no unknown sub-code;
also after the recodes are applied."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cuecoder.codebook import LABELS, check_codes
from cuecoder.train.data import apply_recodes, read_label_files

LABELS_DIR = Path(__file__).resolve().parent.parent / "corpora" / "labels"
CODED = [
    p
    for p in sorted(LABELS_DIR.glob("*.csv"))
    if {*LABELS, "subcodes"} <= set(pd.read_csv(p, nrows=0).columns)
]


@pytest.mark.parametrize("path", CODED, ids=lambda p: p.name)
def test_every_coding_is_consistent(path):
    assert check_codes(pd.read_csv(path, dtype=str, keep_default_na=False)) == []


@pytest.mark.parametrize("kind", ["pass1", "pass2"])
def test_codes_stay_consistent_after_the_recodes(kind):
    first = read_label_files(sorted(LABELS_DIR.glob(f"real_round3_{kind}_*.csv")))
    recodes = sorted(LABELS_DIR.glob(f"real_round3_recode_*_{kind}_*.csv"))
    assert recodes
    assert check_codes(apply_recodes(first, recodes)) == []


def test_check_codes_finds_what_is_wrong():
    frame = pd.DataFrame(
        {
            "item_id": ["a", "b", "c", "d"],
            "responsiveness": ["1", "0", "0", "0"],
            "listening": ["0", "0", "0", "0"],
            "openness": ["0", "1", "0", "0"],
            "automated": ["0", "0", "0", "0"],
            "subcodes": ["", "O-IDENTITY", "L-ACK", "X-NEW;O-IDENTITY"],
        }
    )
    assert check_codes(frame) == [
        "a: responsiveness=1 without a sub-code",
        "b: openness=1 without a sub-code",
        "c: listening=0 with ['L-ACK']",
        "d: unknown sub-code(s) ['X-NEW']",
    ]
