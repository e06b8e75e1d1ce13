"""A cross-encoder inside a model folder: trained by the pipeline's ``[cross_encoder]``
stage, mixed into the frozen design's probabilities at scoring, checked on loading."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="training needs the [train] extra")
pytest.importorskip("skl2onnx", reason="training needs the [train] extra")

import cuecoder  # noqa: E402
from cuecoder.errors import CuecoderError, ModelError  # noqa: E402
from cuecoder.model.folder import DEFAULT_MODEL  # noqa: E402
from cuecoder.train.cross_encoder import STAGE_OPTIONS, stage_settings  # noqa: E402
from cuecoder.train.pipeline import TrainConfig, train  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
REPLIES = [
    "Sorry about the wait! Which gate are you at?",
    "Please DM us your order number.",
    "I wore mine all winter, honestly my favourite coat.",
]
CONTEXTS = ["My flight is delayed again", None, "Is the coat warm enough?"]


@pytest.fixture(scope="module")
def mixed_model(tmp_path_factory):
    """The CI config with a one-epoch cross-encoder stage."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    out = tmp_path_factory.mktemp("models") / "tiny_cross"
    cfg = TrainConfig.from_toml(REPO / "training" / "configs" / "tiny.toml")
    cfg.cross_encoder = {"epochs": 1, "batch_size": 8, "max_tokens": 64, "threads": 1}
    cfg.cross_encoder["val_share"] = 0.34
    import os

    cwd = Path.cwd()
    os.chdir(REPO)
    try:
        meta = train(cfg, out)
    finally:
        os.chdir(cwd)
    return out, meta


@pytest.fixture(scope="module")
def weighted_model(mixed_model, tmp_path_factory):
    """The mixed model with every label's weight above 0, so the mode shows in the scores."""
    out, _ = mixed_model
    folder = tmp_path_factory.mktemp("models") / "weighted"
    shutil.copytree(out, folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    weights = dict(zip(meta["labels"], (0.25, 0.5, 0.75, 1.0), strict=True))
    meta["cross_encoder"]["blend"] = weights  # meta.json itself is not checksummed
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder, meta


@pytest.mark.slow
def test_the_stage_ships_one_quantized_graph_with_weights_for_every_label(mixed_model):
    out, meta = mixed_model
    spec = meta["cross_encoder"]
    assert set(spec["thresholds"]) == set(meta["labels"])
    assert {"cross_encoder.onnx", "cross_encoder_tokenizer.json"} <= set(meta["files"])
    assert not (out / "cross_encoder.fp32.onnx").exists()
    assert spec["outputs"][:4] == list(meta["labels"])
    assert set(spec["blend"]) == set(meta["labels"])
    assert set(spec["blend"].values()) <= set(STAGE_OPTIONS["blend_grid"])
    assert spec["parity"]["export_max_abs_diff"] < 1e-4  # the ONNX graph is the torch model
    assert 0 < spec["validation"]["n_rows"] < meta["training_data"]["n_train"]
    assert spec["n_fit"] + spec["validation"]["n_rows"] == meta["training_data"]["n_train"]
    assert "Cross-encoder" in (out / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_scores_mix_the_cross_encoder_by_its_weights(weighted_model):
    folder, meta = weighted_model
    weights = meta["cross_encoder"]["blend"]
    plain = cuecoder.load(folder)
    assert plain.cross_encoder is None and not plain.accurate
    coder = cuecoder.load(folder, accurate=True)
    assert coder.accurate and "accurate=True" in repr(coder)
    assert coder.thresholds == meta["cross_encoder"]["thresholds"]
    assert plain.thresholds == meta["thresholds"]
    X, _, _ = coder.features(REPLIES, CONTEXTS)
    frozen = coder.blend(coder.predict_proba(X), REPLIES)
    cross = coder.cross_encoder.predict_proba(REPLIES, CONTEXTS)
    assert not np.allclose(cross, frozen, atol=1e-3)
    as_usual = plain.score(REPLIES, CONTEXTS)
    np.testing.assert_allclose(as_usual[list(plain.labels)].to_numpy(), frozen, atol=1e-9)
    table = coder.score(REPLIES, CONTEXTS)
    for j, label in enumerate(coder.labels):
        expected = (1 - weights[label]) * frozen[:, j] + weights[label] * cross[:, j]
        assert table[label].to_numpy() == pytest.approx(expected, abs=1e-9)
        assert (table[f"{label}_label"] == (expected >= coder.thresholds[label])).all()
    # the message matters to the cross-encoder: without it the scores move
    assert not np.allclose(coder.cross_encoder.predict_proba(REPLIES), cross, atol=1e-4)


@pytest.mark.slow
def test_a_reply_scores_the_same_alone_and_among_others(mixed_model):
    out, _ = mixed_model
    coder = cuecoder.load(out, accurate=True)
    together = coder.cross_encoder.predict_proba(REPLIES[::-1], CONTEXTS[::-1])[::-1]
    for i, (reply, context) in enumerate(zip(REPLIES, CONTEXTS, strict=True)):
        alone = coder.cross_encoder.predict_proba([reply], [context])[0]
        np.testing.assert_array_equal(alone, together[i])


def _with_cross_encoder(tmp_path: Path, entry: dict) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["cross_encoder"] = entry
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


GOOD = {
    "file": "encoder.onnx",
    "tokenizer": "tokenizer.json",
    "outputs": ["responsiveness", "listening", "openness", "automated"],
    "max_tokens": 64,
    "blend": {"responsiveness": 0.5, "listening": 0.5, "openness": 0.5, "automated": 0.5},
    "thresholds": {"responsiveness": 0.5, "listening": 0.5, "openness": 0.5, "automated": 0.5},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"blend": {"responsiveness": 0.5}}, "E015.*cross_encoder.blend"),
        ({"blend": {**GOOD["blend"], "automated": 1.5}}, "E014.*cross_encoder.blend"),
        ({"file": "weights.bin"}, "E017.*weights.bin"),
        ({"tokenizer": "../tokenizer.json"}, "E008"),
        ({"max_tokens": 0}, "E014.*cross_encoder.max_tokens"),
        ({"thresholds": {"listening": 0.5}}, "E015.*cross_encoder.thresholds"),
    ],
)
def test_a_bad_cross_encoder_entry_is_refused_with_its_field_named(tmp_path, change, message):
    folder = _with_cross_encoder(tmp_path, {**GOOD, **change})
    with pytest.raises(ModelError, match=message):
        cuecoder.load(folder)


def test_a_cross_encoder_without_a_label_among_its_outputs_is_refused(tmp_path):
    entry = {**GOOD, "outputs": ["responsiveness", "listening", "openness"]}
    folder = _with_cross_encoder(tmp_path, entry)
    with pytest.raises(ModelError, match="E015.*cross_encoder.outputs.*automated"):
        cuecoder.load(folder, accurate=True)
    assert cuecoder.load(folder).cross_encoder is None  # read only when asked for


def _without_cross_encoder(folder: Path) -> Path:
    shutil.copytree(DEFAULT_MODEL, folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta.pop("cross_encoder", None)
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def test_accurate_needs_a_cross_encoder_in_the_first_folder(tmp_path):
    folder = _without_cross_encoder(tmp_path / "plain")
    with pytest.raises(CuecoderError, match="E018.*no cross-encoder"):
        cuecoder.load(folder, accurate=True)


def test_cli_accurate_on_a_folder_without_one_is_a_one_line_error(tmp_path):
    from typer.testing import CliRunner

    from cuecoder.cli import app

    folder = _without_cross_encoder(tmp_path / "plain")
    result = CliRunner().invoke(app, ["explain", "Thanks!", "--model", str(folder), "--accurate"])
    assert result.exit_code == 1
    assert "E018" in result.output


@pytest.mark.slow
def test_other_folders_without_one_score_as_usual_with_a_warning(mixed_model, tmp_path):
    out, _ = mixed_model
    plain = _without_cross_encoder(tmp_path / "plain")
    with pytest.warns(UserWarning, match="W122"):
        coder = cuecoder.load([out, plain], accurate=True)
    assert coder.accurate and coder.cross_encoder is not None


@pytest.mark.slow
def test_the_spacy_component_takes_accurate(mixed_model):
    import spacy

    out, _ = mixed_model
    nlp = spacy.blank("en")
    config = {"coder": {"@misc": "cuecoder.cues.v3", "models": [str(out)], "accurate": True}}
    nlp.add_pipe("cuecoder", config=config)
    assert nlp.get_pipe("cuecoder").coder.accurate


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"epoch": 2}, "E104.*epoch"),
        ({"quantize": "int4"}, "E104.*int4"),
        ({"val_share": 1.0}, "E307.*val_share"),
        ({"blend_grid": [0.5, 2.0]}, "E307.*blend_grid"),
    ],
)
def test_bad_cross_encoder_options_are_named(section, message):
    with pytest.raises(CuecoderError, match=message):
        stage_settings(section, seed=0)


def test_cross_encoder_options_default_and_take_the_config_seed():
    settings, options = stage_settings({"epochs": 2}, seed=7)
    assert settings.epochs == 2 and settings.seed == 7
    assert options == STAGE_OPTIONS
    settings, _ = stage_settings({"seed": 3}, seed=7)
    assert settings.seed == 3


@pytest.mark.slow
def test_worker_processes_score_in_accurate_mode_too(weighted_model, tmp_path):
    import pandas as pd

    from cuecoder.corpus.batch import score_corpus

    out, _ = weighted_model
    src = tmp_path / "pairs.csv"
    replies = REPLIES * 4
    contexts = [c or "" for c in CONTEXTS] * 4
    pd.DataFrame({"id": range(len(replies)), "text": replies, "context": contexts}).to_csv(
        src, index=False
    )
    coder = cuecoder.load(out, accurate=True)
    tables = {}
    for workers in (1, 2):
        dest = tmp_path / f"scored{workers}.csv"
        score_corpus(
            src,
            dest,
            model=coder,
            context_col="context",
            workers=workers,
            chunk_rows=4,
            progress=False,
            corpus_evidence=False,
        )
        tables[workers] = pd.read_csv(dest).sort_values("id")
    expected = coder.score(replies, contexts)
    frozen = cuecoder.load(out).score(replies, contexts)
    assert not np.allclose(frozen["openness"], expected["openness"], atol=1e-3)
    for label in coder.labels:
        for workers, table in tables.items():
            got = table[label].to_numpy()
            assert got == pytest.approx(expected[label].to_numpy(), abs=1e-6), workers
