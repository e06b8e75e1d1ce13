"""The cross-encoder teacher: targets, batching, and a fine-tune of a few steps."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cuecoder.codebook import ALL_SUBCODES, LABELS
from cuecoder.errors import CuecoderError
from cuecoder.train.cross_encoder import (
    CrossEncoderSettings,
    _length_batches,
    export_onnx,
    fit_cross_encoder,
    load_fit,
    predict_cross_encoder,
    save_fit,
    targets,
)

ROWS = pd.DataFrame(
    {
        "context": ["my order is late", "", "love the new jacket", None],
        "reply": [
            "So sorry! Which order?",
            "Thanks for reaching out.",
            "I love it too, ^JS",
            "Our team is on it.",
        ],
        "responsiveness": [1, 0, 1, 0],
        "listening": [1, 0, 0, 0],
        "openness": [0, 0, 1, 1],
        "automated": [0, 1, 0, 0],
        "subcodes": ["L-EMPATHY;L-QUESTION;R-CONTENT", "A-TEMPLATE", "O-FEELING;O-IDENTITY", None],
    }
)


def test_targets_hold_labels_then_subcodes_and_mask_missing_subcodes():
    y, names = targets(ROWS)
    assert names == [*LABELS, *ALL_SUBCODES]
    assert y[:, :4].tolist() == ROWS[list(LABELS)].to_numpy().tolist()
    sub = dict(zip(ALL_SUBCODES, y[0, 4:], strict=True))
    assert {k for k, v in sub.items() if v == 1} == {"L-EMPATHY", "L-QUESTION", "R-CONTENT"}
    assert sum(v == 0 for v in sub.values()) == len(ALL_SUBCODES) - 3
    assert np.isnan(y[3, 4:]).all()  # no sub-codes recorded: masked, labels still taught
    assert not np.isnan(y[3, :4]).any()
    y_labels, names_labels = targets(ROWS, subcodes=False)
    assert names_labels == list(LABELS) and y_labels.shape == (4, 4)


def test_length_batches_cover_every_row_once_with_similar_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 500, size=1000)
    batches = _length_batches(lengths, 16, np.random.default_rng(1), pool=10)
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(1000))
    assert max(len(b) for b in batches) == 16
    # within a pool the rows are sorted: a batch spans far less than the whole range
    spans = [np.ptp(lengths[b]) for b in batches if len(b) == 16]
    assert np.median(spans) < 0.25 * np.ptp(lengths)


def test_bad_settings_are_refused():
    with pytest.raises(CuecoderError, match="epochs"):
        fit_cross_encoder(ROWS, CrossEncoderSettings(epochs=0))
    with pytest.raises(CuecoderError, match="rows"):
        fit_cross_encoder(ROWS.iloc[:0], CrossEncoderSettings())


@pytest.mark.slow
def test_a_short_fine_tune_learns_and_saves_without_pickle(tmp_path):
    pytest.importorskip("torch")
    rows = pd.concat([ROWS] * 4, ignore_index=True)
    settings = CrossEncoderSettings(epochs=3, batch_size=4, learning_rate=1e-3, threads=1)
    seen = []
    fit = fit_cross_encoder(rows, settings, on_epoch=lambda f, e: seen.append(e))
    assert seen == [1, 2, 3]
    assert np.mean(fit.losses[-4:]) < np.mean(fit.losses[:4])
    p = predict_cross_encoder(fit, ROWS)
    assert p.shape == (4, len(LABELS) + len(ALL_SUBCODES))
    # order-free: the same rows in reverse give the same probabilities
    np.testing.assert_allclose(predict_cross_encoder(fit, ROWS.iloc[::-1])[::-1], p, atol=1e-5)
    folder = save_fit(fit, tmp_path / "teacher")
    info = json.loads((folder / "cross_encoder.json").read_text(encoding="utf-8"))
    assert info["outputs"][:4] == list(LABELS)
    assert (folder / "out.safetensors").exists()
    assert not list(folder.rglob("*.bin")) and not list(folder.rglob("*.pkl"))
    again = load_fit(folder)
    np.testing.assert_allclose(predict_cross_encoder(again, ROWS), p, atol=1e-6)
    # the ONNX graph gives torch's logits; the tokenizer file encodes the pair as torch does
    import onnxruntime as ort
    from tokenizers import Tokenizer

    entry = export_onnx(fit, tmp_path / "onnx")
    session = ort.InferenceSession(str(tmp_path / "onnx" / "cross_encoder.fp32.onnx"))
    tokenizer = Tokenizer.from_file(str(tmp_path / "onnx" / entry["tokenizer"]))
    enc = tokenizer.encode(ROWS["context"][0], ROWS["reply"][0])
    feed = {
        "input_ids": np.array([enc.ids], np.int64),
        "attention_mask": np.array([enc.attention_mask], np.int64),
        "token_type_ids": np.array([enc.type_ids], np.int64),
    }
    logits = session.run(None, feed)[0][0]
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), p[0], atol=1e-5)
    assert (tmp_path / "onnx" / entry["file"]).exists()


def test_loading_a_folder_without_its_settings_is_refused(tmp_path):
    with pytest.raises(CuecoderError, match="cross_encoder.json"):
        load_fit(tmp_path)
