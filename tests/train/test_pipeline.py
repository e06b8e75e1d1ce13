from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="training needs the [train] extra")
pytest.importorskip("skl2onnx", reason="training needs the [train] extra")

import cuecoder  # noqa: E402
from cuecoder.errors import CuecoderError  # noqa: E402
from cuecoder.train.heads import PARITY_TOL  # noqa: E402
from cuecoder.train.lexical import BLEND_GRID, choose_blend  # noqa: E402
from cuecoder.train.pipeline import TrainConfig, train  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """The CI config: a few dozen written examples, trained end to end."""
    out = tmp_path_factory.mktemp("models") / "tiny"
    cwd = Path.cwd()
    import os

    os.chdir(REPO)
    try:
        meta = train(REPO / "training" / "configs" / "tiny.toml", out)
    finally:
        os.chdir(cwd)
    return out, meta


def test_tiny_config_writes_a_model_that_loads_and_scores(tiny_model):
    out, meta = tiny_model
    assert meta["training_data"]["n_rows"] == 48
    coder = cuecoder.load(out)
    table = coder.score(["Sorry about the wait! Which gate are you at?", "DM us."])
    assert len(table) == 2 and table[["listening", "automated"]].notna().all().all()
    for label in coder.labels:
        assert meta["training"]["fit"][label]["parity_max_abs_diff"] <= PARITY_TOL
    on_disk = json.loads((out / "meta.json").read_text())
    assert set(on_disk["files"]) >= {
        "encoder.onnx",
        "tokenizer.json",
        "README.md",
        "heads/openness.onnx",
    }
    assert (out / "README.md").read_text().startswith("# cuecoder-tiny")


def test_tiny_model_blends_its_lexical_head_as_trained(tiny_model):
    out, meta = tiny_model
    lexical = meta["lexical"]
    assert "lexical.tsv" in meta["files"]
    assert lexical["parity_max_abs_diff"] <= PARITY_TOL
    assert set(lexical["blend"]) == set(meta["labels"])
    assert all(w in BLEND_GRID for w in lexical["blend"].values())
    coder = cuecoder.load(out)
    replies = ["Sorry about the wait! Which gate are you at?", "Please DM us your order number."]
    X, _, _ = coder.features(replies)
    embedding = coder.predict_proba(X)
    words = coder.lexical.predict_proba(replies)
    table = coder.score(replies)
    for j, label in enumerate(coder.labels):
        w = lexical["blend"][label]
        expected = (1 - w) * embedding[:, j] + w * words[:, coder.lexical.labels.index(label)]
        assert table[label].to_numpy() == pytest.approx(expected, abs=1e-9)


def test_retraining_gives_the_same_model(tiny_model, tmp_path, monkeypatch):
    out, meta = tiny_model
    monkeypatch.chdir(REPO)
    again = train(REPO / "training" / "configs" / "tiny.toml", tmp_path / "again")
    assert again["thresholds"] == meta["thresholds"]
    assert again["files"]["heads/automated.onnx"] == meta["files"]["heads/automated.onnx"]


def test_unknown_config_key_is_named(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('name = "x"\n[head]\nkind = "logreg"\nCC = [1.0]\n')
    with pytest.raises(CuecoderError, match="CC"):
        TrainConfig.from_toml(cfg)


def test_default_config_describes_the_shipped_model():
    cfg = TrainConfig.from_toml(REPO / "training" / "configs" / "default.toml")
    meta = json.loads((REPO / "cuecoder" / "models" / "default" / "meta.json").read_text())
    assert meta["name"] == cfg.name and meta["version"] == cfg.version
    assert meta["training"]["seed"] == cfg.seed
    if cfg.cross_encoder is not None:  # the accurate mode ships with it
        assert set(meta["cross_encoder"]["blend"]) == set(meta["labels"])
        assert meta["cross_encoder"]["file"] in meta["files"]


@pytest.mark.parametrize("grid", [[], [0.5, 1.5], [-0.25]])
def test_a_blend_grid_outside_zero_to_one_is_refused(grid):
    with pytest.raises(CuecoderError, match="blend_grid"):
        train(TrainConfig(blend_grid=grid, written=["nothing"]))


def test_a_blend_weight_of_one_lets_the_lexical_head_decide_alone():
    y = np.array([0, 0, 0, 1, 1, 1])
    embedding = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])  # wrong on every reply
    lexical = np.array([0.40, 0.45, 0.48, 0.52, 0.55, 0.60])  # right, by a small margin
    # any embedding weight of .25 or more turns the order round: only 1.0 separates
    assert choose_blend(y, embedding, lexical)[2] < 1.0
    weight, threshold, score = choose_blend(y, embedding, lexical, grid=(0.0, 0.5, 1.0))
    assert (weight, threshold, score) == (1.0, 0.52, 1.0)
