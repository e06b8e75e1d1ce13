"""Checkpoints of a corpus run, without a model: tokens, fingerprints, manifest lines."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace

import pytest

from cuecoder.corpus import checkpoint as ck
from cuecoder.corpus import read as cread
from cuecoder.errors import CuecoderError


class FakeModel:
    """Anything with a ``.meta`` (and ``.routes``) names a model."""

    def __init__(self, name, version, files):
        self.meta = {"name": name, "version": version, "files": files}
        self.routes = {}


def fake_model(name, version, files):
    return FakeModel(name, version, files)


def test_model_token_of_one_model_by_hand():
    model = fake_model("cues", "1.2", {"head.onnx": "abc", "meta.json": "def"})
    model.routes = {"en": model}
    digest = hashlib.sha256(b'{"head.onnx": "abc", "meta.json": "def"}').hexdigest()[:16]
    assert ck.model_token(model) == f"cues@1.2:{digest}"
    # a plain object with .meta and no routes names one model too
    bare = SimpleNamespace(meta=model.meta)
    assert ck.model_token(bare) == f"cues@1.2:{digest}"


def test_model_token_names_every_routed_model_once():
    en, zh = fake_model("en", "1", {"a": "1"}), fake_model("zh", "2", {"b": "2"})
    en.routes = {"en": en, "und": en, "zh": zh, "yue": zh}
    digest = hashlib.sha256(b'[{"a": "1"}, {"b": "2"}]').hexdigest()[:16]
    assert ck.model_token(en) == f"en@1+zh@2:{digest}"
    changed = fake_model("zh", "2", {"b": "3"})
    en.routes = {"en": en, "zh": changed}
    assert ck.model_token(en) != f"en@1+zh@2:{digest}"


def test_fingerprint_is_what_json_gives(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,text\n1,hi\n", encoding="utf-8")
    columns = cread.Columns(text="text", context="ctx", keep=["a"])
    fp = ck.fingerprint([path], columns, {"chunk_rows": 5, "labels": ("x", "y")})
    stat = path.stat()
    assert fp == {
        "inputs": [[str(path.resolve()), stat.st_size, stat.st_mtime_ns]],
        "columns": {
            "text": "text",
            "context": "ctx",
            "id": None,
            "account": None,
            "recipient": None,
            "keep": ["a"],
        },
        "chunk_rows": 5,
        "labels": ["x", "y"],  # a tuple as JSON gives it back
    }


@pytest.mark.parametrize(
    "out, expected",
    [
        ("runs/out.csv", "runs/out.quarantine.jsonl"),
        ("runs/out.csv.gz", "runs/out.quarantine.jsonl"),
        ("runs/OUT.JSONL.GZ", "runs/OUT.quarantine.jsonl"),
        ("runs/out.parquet", "runs/out.quarantine.jsonl"),
        ("runs/out.tsv.gz", "runs/out.quarantine.jsonl"),
        ("runs/notes.txt", "runs/notes.txt.quarantine.jsonl"),
    ],
)
def test_quarantine_path(out, expected):
    assert ck.quarantine_path(out).as_posix() == expected


def test_parts_dir():
    assert ck.parts_dir("runs/out.csv").as_posix() == "runs/.out.csv.parts"


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_new_manifest_writes_the_fingerprint_header(tmp_path):
    folder = tmp_path / "parts"
    m = ck.Manifest(folder, {"a": 1}, resume=True)
    assert m.done == {} and m.path == folder / "manifest.jsonl"
    (folder / "p0.parquet").write_bytes(b"x")
    m.commit({"seq": 0, "part": "p0.parquet", "rows": 3})
    m.commit({"seq": "1", "part": "p1.parquet", "rows": 2})
    m.close()
    assert [json.loads(x) for x in lines(m.path)] == [
        {"fingerprint": {"a": 1}},
        {"seq": 0, "part": "p0.parquet", "rows": 3},
        {"seq": "1", "part": "p1.parquet", "rows": 2},
    ]
    assert sorted(m.done) == [0, 1]


def test_resume_keeps_entries_whose_part_exists_and_skips_a_torn_line(tmp_path, caplog):
    folder = tmp_path / "parts"
    m = ck.Manifest(folder, {"a": 1}, resume=False)
    for seq in range(3):
        if seq != 1:  # part 1 is gone
            (folder / f"p{seq}.parquet").write_bytes(b"x")
        m.commit({"seq": seq, "part": f"p{seq}.parquet"})
    m.close()
    with open(m.path, "a", encoding="utf-8") as fh:
        fh.write('{"seq": 3, "part": "p')  # power loss mid-line
    (folder / "p3.parquet").write_bytes(b"x")
    with caplog.at_level("INFO"):
        again = ck.Manifest(folder, {"a": 1}, resume=True)
    assert sorted(again.done) == [0, 2]
    assert again.done[2] == {"seq": 2, "part": "p2.parquet"}
    assert "resuming: 2 chunks" in caplog.text
    again.close()
    assert json.loads(lines(m.path)[0]) == {"fingerprint": {"a": 1}}  # header kept


def test_resume_with_another_fingerprint_names_what_changed(tmp_path):
    folder = tmp_path / "parts"
    ck.Manifest(folder, {"a": 1, "b": 2, "c": 3}, resume=True).close()
    with pytest.raises(CuecoderError, match="E501") as err:
        ck.Manifest(folder, {"a": 1, "b": 5, "d": 4}, resume=True)
    assert "(changed: b, c, d)" in str(err.value) and str(folder) in str(err.value)


def test_no_resume_starts_over(tmp_path):
    folder = tmp_path / "parts"
    m = ck.Manifest(folder, {"a": 1}, resume=True)
    (folder / "p0.parquet").write_bytes(b"x")
    m.commit({"seq": 0, "part": "p0.parquet"})
    m.close()
    fresh = ck.Manifest(folder, {"a": 2}, resume=False)  # other settings: no E501
    fresh.close()
    assert fresh.done == {} and not (folder / "p0.parquet").exists()
    assert lines(fresh.path) == ['{"fingerprint": {"a": 2}}']


def test_a_torn_header_starts_a_fresh_manifest(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "p0.parquet").write_bytes(b"x")
    (folder / "manifest.jsonl").write_text('{"fingerp\n{"seq": 0, "part": "p0.parquet"}\n')
    m = ck.Manifest(folder, {"a": 1}, resume=True)
    m.close()
    assert m.done == {}
    assert lines(m.path) == ['{"fingerprint": {"a": 1}}']


def test_manifest_in_a_new_nested_folder_and_an_empty_manifest_file(tmp_path):
    folder = tmp_path / "runs" / "a" / ".out.csv.parts"
    m = ck.Manifest(folder, {"a": 1}, resume=True)
    assert m.folder == folder and m.path.is_file()
    m.commit({"seq": 4, "part": "p4.parquet"})
    assert m.done == {4: {"seq": 4, "part": "p4.parquet"}}
    m.close()
    m.path.write_text("")  # created, nothing written yet
    again = ck.Manifest(folder, {"a": 1}, resume=True)
    again.close()
    assert again.done == {} and lines(again.path) == ['{"fingerprint": {"a": 1}}']
