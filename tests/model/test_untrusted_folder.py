"""A model folder from someone else: paths confined, meta.json types checked, sizes
limited before anything is parsed, file kinds fixed by role (issue 13)."""

from __future__ import annotations

import json
import shutil

import pytest

import cuecoder
from cuecoder.errors import ModelError
from cuecoder.model import folder as mfolder
from cuecoder.model.folder import DEFAULT_MODEL, load_meta, sha256


@pytest.fixture()
def model(tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, dst)
    return dst


def edit_meta(model, change) -> None:
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
    change(meta)
    (model / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def test_the_issue_reproduction_does_not_load(model, tmp_path):
    """Defect 2: heads.listening = ../outside.onnx, a real head with its checksum."""
    shutil.copy(model / "heads" / "listening.onnx", tmp_path / "outside.onnx")
    digest = sha256(tmp_path / "outside.onnx")

    def point_outside(meta):
        meta["heads"]["listening"] = "../outside.onnx"
        meta["files"]["../outside.onnx"] = digest

    edit_meta(model, point_outside)
    with pytest.raises(ModelError, match=r"\[E008\].*\.\./outside\.onnx"):
        cuecoder.load(model)


def test_a_default_table_linked_outside_is_refused(model, tmp_path):
    """``patterns`` absent from meta.json still means patterns.tsv: it is checked too."""
    (tmp_path / "elsewhere.tsv").write_bytes((model / "patterns.tsv").read_bytes())
    (model / "patterns.tsv").unlink()
    (model / "patterns.tsv").symlink_to(tmp_path / "elsewhere.tsv")
    edit_meta(model, lambda meta: meta.pop("patterns"))
    with pytest.raises(ModelError, match=r"\[E008\].*patterns\.tsv"):
        load_meta(model)


@pytest.mark.parametrize(
    "change, field, expected",
    [
        (lambda m: m["thresholds"].update(openness="0.4"), "thresholds", "numbers in [0, 1]"),
        (lambda m: m["thresholds"].update(openness=1.5), "thresholds", "numbers in [0, 1]"),
        (lambda m: m["encoder"].update(dim="384"), "encoder.dim", "an integer > 0"),
        (lambda m: m["encoder"].update(max_tokens=True), "encoder.max_tokens", "an integer"),
        (lambda m: m["heads"].update(listening=7), "heads", "an object of strings"),
        (lambda m: m.update(labels="openness"), "labels", "a list of strings"),
        (lambda m: m.update(labels=["openness", "openness"]), "labels", "distinct"),
        (lambda m: m["encoder"].pop("file"), "encoder.file", "a string"),
        (lambda m: m["lexical"].update(blend=[0.5]), "lexical.blend", "an object of numbers"),
        (lambda m: m.update(cuecoder_version=0.1), "cuecoder_version", "a string"),
        (lambda m: m["files"].update({"README.md": "not a digest"}), "files", "sha256"),
        (lambda m: m["corpus_evidence"].update(coef="1,2,3"), "corpus_evidence.coef", "numbers"),
        (lambda m: m["text"].update(languages="zh"), "text.languages", "a list of strings"),
        (lambda m: m["text"].update(language=["zh"]), "text.language", "a string"),
    ],
)
def test_wrong_field_types_are_named(model, change, field, expected):
    edit_meta(model, change)
    with pytest.raises(ModelError, match=r"\[E014\]") as err:
        load_meta(model)
    message = str(err.value)
    assert f"field '{field}'" in message and expected in message


def test_null_corpus_evidence_is_allowed(model):
    edit_meta(model, lambda m: m.update(corpus_evidence=None))
    assert load_meta(model)["corpus_evidence"] is None


def test_a_label_without_a_head_is_named(model):
    edit_meta(model, lambda m: m["heads"].pop("openness"))
    with pytest.raises(ModelError, match=r"\[E015\].*'heads'.*\['openness'\]"):
        load_meta(model)


def test_oversized_file_is_refused_before_it_is_read(model, monkeypatch):
    """A tokenizer.json above the limit fails on its size: not on its checksum (it was
    replaced by garbage) and not in the tokenizer's parser."""
    (model / "tokenizer.json").write_bytes(b"{" * 600_000)
    # above the folder's other JSON files (the cross-encoder's tokenizer, 527 kB)
    monkeypatch.setitem(mfolder.SIZE_LIMITS, ".json", 550_000)
    with pytest.raises(ModelError, match=r"\[E016\].*'tokenizer\.json'.*600,000 bytes"):
        cuecoder.load(model)


def test_oversized_meta_is_refused_unparsed(model):
    meta = (model / "meta.json").read_text(encoding="utf-8")
    (model / "meta.json").write_text(meta[:-2] + ', "pad": "' + "x" * (2 << 20) + '"}')
    with pytest.raises(ModelError, match=r"\[E016\].*meta\.json"):
        load_meta(model)


def test_a_head_must_be_onnx(model):
    shutil.copy(model / "heads" / "listening.onnx", model / "heads" / "listening.pkl")
    digest = sha256(model / "heads" / "listening.pkl")

    def use_pickle(meta):
        meta["heads"]["listening"] = "heads/listening.pkl"
        meta["files"]["heads/listening.pkl"] = digest

    edit_meta(model, use_pickle)
    with pytest.raises(ModelError, match=r"\[E017\].*listening\.pkl.*\.onnx"):
        load_meta(model)


def test_meta_that_is_not_utf8_or_too_deep_is_e005(model):
    (model / "meta.json").write_bytes(b'{"name": "\xff"}')
    with pytest.raises(ModelError, match=r"\[E005\]"):
        load_meta(model)
    (model / "meta.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelError, match=r"\[E005\]|\[E016\]"):
        load_meta(model)
