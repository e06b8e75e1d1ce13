"""A small run of benchmarks/fuzz_inputs.py (the full 10,000-text run is a benchmark):
hostile texts through Coder.score, score_corpus, explain and the templates page."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

from cuecoder.coder import MAX_TEXT_CHARS

FUZZ = Path(__file__).resolve().parent.parent / "benchmarks" / "fuzz_inputs.py"


@pytest.fixture(scope="module")
def fuzz():
    spec = importlib.util.spec_from_file_location("fuzz_inputs", FUZZ)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hostile_texts_cover_every_kind(fuzz):
    values, kinds = fuzz.hostile_texts(400, seed=1)
    assert set(kinds) == set(fuzz.KINDS)
    assert sum(isinstance(v, str) and len(v) == fuzz.LONG for v in values) >= 2


def test_small_fuzz_run_finds_nothing(fuzz, coder):
    result = fuzz.run(n=150, seed=3, coder=coder)
    assert result["failures"] == []
    assert result["coder_score"]["rows"] == 150
    for fmt in ("jsonl", "csv"):
        stage = result[f"score_corpus_{fmt}"]
        assert stage["rows_lost"] == 0 and "crashed" not in stage
    n_text = sum(isinstance(v, str) for v in fuzz.hostile_texts(150, seed=3)[0])
    assert result["explain"]["explained"] == n_text


def test_long_and_broken_text_is_scored_and_flagged(coder):
    texts = ["😀" * 20_000, "cut inside an emoji \ud83d", "fine reply, thanks!"]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        table = coder.score(texts)
    assert any("[W502]" in str(w.message) and "1 were longer" in str(w.message) for w in seen)
    probs = table[["responsiveness", "listening", "openness", "automated"]].to_numpy()
    assert np.isfinite(probs).all() and ((probs >= 0) & (probs <= 1)).all()
    assert table["truncated"].tolist() == [True, False, False]
    assert all(e["end"] <= MAX_TEXT_CHARS for e in table["evidence"][0])
