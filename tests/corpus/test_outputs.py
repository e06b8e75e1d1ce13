"""Outputs of a corpus run: the end summary's counts, one run per --out (a lock with the
owner's pid and host, taken over when stale), --out never an input, atomic manifest."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cuecoder.corpus import checkpoint
from cuecoder.corpus.batch import parts_dir, quarantine_path, score_corpus
from cuecoder.corpus.lock import OutputLock, lock_path
from cuecoder.errors import CuecoderError

REPO = Path(__file__).resolve().parents[2]
FAST = {"corpus_evidence": False, "progress": False, "chunk_rows": 3}


@pytest.fixture()
def dirty(tmp_path):
    """The issue's file: an unterminated quote between well-formed replies."""
    path = tmp_path / "dirty.csv"
    path.write_text(
        "id,text,brand\n"
        "r1,Thanks for reaching out! Which size did you order?,a\n"
        'r_bad1,"unterminated quote, and, extra, fields\n'
        "r2,So sorry to hear that. Can you DM us your order number?,a\n"
        "r3,We have passed your feedback on to the team.,b\n"
        'r4,"Hi Sam, that sounds frustrating, let\'s fix it together.",b\n'
        'r5,"Oh no!\nWhich station were you at?",c\n'
        "r6,Have you tried restarting the app?,c\n"
        "r7,,c\n",  # no text: quarantined
        encoding="utf-8",
    )
    return path


def test_one_bad_quote_costs_one_line_in_the_summary(dirty, coder, tmp_path):
    out = tmp_path / "scores.csv"
    summary = score_corpus(dirty, out, model=coder, keep="brand", **FAST)
    table = pd.read_csv(out, dtype=str)
    assert table["id"].tolist() == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert (summary.rows_scored, summary.rows_quarantined, summary.lines_quarantined) == (6, 2, 2)
    bad = [json.loads(x) for x in quarantine_path(out).read_text().splitlines()]
    assert [(b["line"], b["end_line"]) for b in bad] == [(3, 3), (10, 10)]
    assert bad[0]["raw"] == 'r_bad1,"unterminated quote, and, extra, fields\n'
    assert not lock_path(out).exists()  # released


def _hold_lock(out: Path) -> subprocess.Popen:
    code = (
        "import sys, time\n"
        "from cuecoder.corpus.lock import OutputLock\n"
        "lock = OutputLock(sys.argv[1]).acquire()\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(out)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_run_on_the_same_out_refuses(dirty, coder, tmp_path):
    out = tmp_path / "scores.parquet"
    holder = _hold_lock(out)
    try:
        with pytest.raises(CuecoderError, match=r"\[E508\]") as err:
            score_corpus(dirty, out, model=coder, **FAST)
        message = str(err.value)
        assert f"process {holder.pid}" in message and socket.gethostname() in message
        assert not out.exists() and not parts_dir(out).exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_of_a_killed_run_is_taken_over(dirty, coder, tmp_path):
    out = tmp_path / "scores.parquet"
    holder = _hold_lock(out)
    holder.kill()  # kill -9: the lock file stays, with the dead pid in it
    holder.wait()
    assert json.loads(lock_path(out).read_text())["pid"] == holder.pid
    with pytest.warns(UserWarning, match=rf"\[W501\].*process {holder.pid}"):
        summary = score_corpus(dirty, out, model=coder, **FAST)
    assert summary.rows_scored == 6
    assert not lock_path(out).exists()


def test_lock_file_names_its_owner(tmp_path):
    with OutputLock(tmp_path / "x.csv") as lock:
        owner = json.loads(lock.path.read_text())
        assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
        with pytest.raises(CuecoderError, match=r"\[E508\]"):
            OutputLock(tmp_path / "x.csv").acquire()  # a second holder, same process
    assert not lock.path.exists()


def test_out_equal_to_an_input_is_refused(dirty, coder, tmp_path):
    with pytest.raises(CuecoderError, match=r"\[E505\]"):
        score_corpus(dirty, dirty, model=coder, **FAST)
    alias = tmp_path / "alias.csv"
    os.link(dirty, alias)  # the same file under another name
    with pytest.raises(CuecoderError, match=r"\[E505\]"):
        score_corpus(dirty, alias, model=coder, **FAST)
    folder_input = tmp_path / "in"
    folder_input.mkdir()
    q = folder_input / "scores.quarantine.jsonl"
    q.write_text('{"id": "1", "text": "a reply"}\n')
    with pytest.raises(CuecoderError, match=r"\[E509\].*quarantine"):
        score_corpus(folder_input, folder_input / "scores.csv", model=coder, **FAST)
    assert dirty.read_text(encoding="utf-8").startswith("id,text,brand\n")  # untouched


def test_manifest_is_replaced_atomically(tmp_path, monkeypatch):
    """A write that dies half-way leaves the previous manifest, whole."""
    folder = tmp_path / ".out.parquet.parts"
    manifest = checkpoint.Manifest(folder, {"inputs": []}, resume=True)
    manifest.commit({"seq": 0, "part": "part-00000000.parquet", "rows": 3})
    before = manifest.path.read_bytes()
    real = Path.write_text

    def dies_half_way(self, data, *args, **kwargs):
        real(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", dies_half_way)
    with pytest.raises(OSError, match="disk full"):
        manifest.commit({"seq": 1, "part": "part-00000001.parquet", "rows": 3})
    monkeypatch.undo()
    assert manifest.path.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["manifest.jsonl"]  # no temporary left
