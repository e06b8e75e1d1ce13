from __future__ import annotations

import json
import shutil
import warnings

import pytest

import cuecoder
from cuecoder.errors import ModelError
from cuecoder.model.folder import DEFAULT_MODEL, REQUIRED, load_meta, sha256


@pytest.fixture()
def model_copy(tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, dst)
    return dst


def test_default_model_is_complete_and_small():
    meta = load_meta(DEFAULT_MODEL)
    assert set(REQUIRED) <= set(meta)
    size = sum(p.stat().st_size for p in DEFAULT_MODEL.rglob("*") if p.is_file())
    # two int8 MiniLM graphs (the encoder and the accurate mode's cross-encoder), 23 MB each
    assert size < 50 * 2**20
    files = {
        p.relative_to(DEFAULT_MODEL).as_posix() for p in DEFAULT_MODEL.rglob("*") if p.is_file()
    }
    assert files - {"meta.json"} == set(meta["files"])
    assert not any(f.endswith((".pkl", ".pickle", ".joblib")) for f in files)


def test_tampered_file_is_refused(model_copy):
    head = model_copy / "heads" / "openness.onnx"
    data = bytearray(head.read_bytes())
    data[-10] ^= 0xFF
    head.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="heads/openness.onnx.*does not match its checksum"):
        cuecoder.load(model_copy)


def test_missing_file_is_refused(model_copy):
    (model_copy / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="tokenizer.json.*missing"):
        cuecoder.load(model_copy)


@pytest.mark.parametrize("field", ["thresholds", "labels", "files"])
def test_missing_meta_field_is_named(model_copy, field):
    meta = json.loads((model_copy / "meta.json").read_text())
    del meta[field]
    (model_copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=f"lacks the field\\(s\\) \\['{field}'\\]"):
        cuecoder.load(model_copy)


def test_corrupt_meta_is_refused(model_copy):
    (model_copy / "meta.json").write_text("{not json")
    with pytest.raises(ModelError, match="Can't read meta.json"):
        cuecoder.load(model_copy)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelError, match="Can't find a model folder"):
        cuecoder.load(tmp_path)


def test_version_mismatch_warns(model_copy):
    meta = json.loads((model_copy / "meta.json").read_text())
    meta["cuecoder_version"] = "9.9.0"
    (model_copy / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="built with cuecoder 9.9.0"):
        cuecoder.load(model_copy)


def test_checksums_match_files():
    meta = load_meta(DEFAULT_MODEL, verify=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, digest in meta["files"].items():
            assert sha256(DEFAULT_MODEL / name) == digest


def test_a_path_leaving_the_folder_is_refused(tmp_path):
    """meta.json naming ../outside.onnx (a real head, checksum listed) must not load."""
    import json

    dst = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, dst)
    shutil.copy(dst / "heads" / "listening.onnx", tmp_path / "outside.onnx")
    meta = json.loads((dst / "meta.json").read_text(encoding="utf-8"))
    meta["heads"]["listening"] = "../outside.onnx"
    meta["files"]["../outside.onnx"] = sha256(tmp_path / "outside.onnx")
    (dst / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match=r"\[E008\].*outside\.onnx"):
        load_meta(dst)
    meta["heads"]["listening"] = str(tmp_path / "outside.onnx")  # absolute
    (dst / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match=r"\[E008\]"):
        load_meta(dst)
    (dst / "heads" / "link.onnx").symlink_to(tmp_path / "outside.onnx")
    meta["heads"]["listening"] = "heads/link.onnx"
    (dst / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match=r"\[E008\]"):
        load_meta(dst)


def test_a_file_used_without_a_checksum_is_refused(tmp_path):
    import json

    dst = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, dst)
    shutil.copy(dst / "heads" / "listening.onnx", dst / "heads" / "other.onnx")
    meta = json.loads((dst / "meta.json").read_text(encoding="utf-8"))
    meta["heads"]["listening"] = "heads/other.onnx"  # inside the folder, never checksummed
    (dst / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match=r"\[E013\].*heads/other\.onnx"):
        load_meta(dst)
