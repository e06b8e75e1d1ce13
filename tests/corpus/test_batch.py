"""score_corpus: rows exactly once, resume after a crash, quarantine, shards, formats."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from cuecoder.corpus.batch import parse_shard, parts_dir, quarantine_path, score_corpus
from cuecoder.errors import CuecoderError

PROBS = ["responsiveness", "listening", "openness", "automated", "interactivity"]
CHUNK = 40
#: The settings of the clean run every other run is compared with.
CLEAN_RUN = {"context_col": "context", "keep": "brand", "chunk_rows": CHUNK, "progress": False}


class Crash(Exception):
    pass


def crash_after(k: int):
    seen = []

    def callback(entry):
        seen.append(entry["seq"])
        if len(seen) == k:
            raise Crash(f"simulated crash after {k} chunks")

    return callback


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, replies):
    """The replies as CSV with three malformed rows appended (lines after the good ones)."""
    path = tmp_path_factory.mktemp("in") / "replies.csv"
    replies.to_csv(path, index=False)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('x1,"too",many,fields,here,now\n')
        fh.write("x2,,no text,b\n")
        fh.write("x3,   ,ctx,b\n")
    return path


@pytest.fixture(scope="module")
def clean(corpus, coder, tmp_path_factory):
    out = tmp_path_factory.mktemp("clean") / "clean.parquet"
    summary = score_corpus(
        corpus,
        out,
        model=coder,
        **CLEAN_RUN,
    )
    return summary, pd.read_parquet(out)


def test_clean_run_scores_every_good_row_once(clean, replies, corpus):
    summary, table = clean
    assert table["id"].tolist() == replies["id"].astype(str).tolist()
    assert summary.rows_scored == len(replies) and summary.rows_quarantined == 3
    assert table.columns[:3].tolist() == ["id", "brand", "responsiveness"]
    read = table.loc[~table["unsupported_language"], PROBS]
    assert read.notna().all().all()
    assert ((read >= 0) & (read <= 1)).all().all()
    # replies no loaded model reads are NaN, never "absent", and counted
    unread = table.loc[table["unsupported_language"], PROBS]
    assert unread.isna().all().all()
    assert summary.rows_unsupported_language == len(unread)
    assert isinstance(json.loads(table["evidence"].iloc[0]), list)
    assert not parts_dir(summary.output).exists()
    bad = [json.loads(line) for line in quarantine_path(summary.output).read_text().splitlines()]
    n_lines = corpus.read_bytes().count(b"\n")  # replies may span lines: physical lines
    assert [b["line"] for b in bad] == [n_lines - 2, n_lines - 1, n_lines]


def test_resume_after_crash_gives_the_clean_result(clean, corpus, coder, tmp_path):
    out = tmp_path / "crashed.parquet"
    with pytest.raises(Crash):
        score_corpus(
            corpus,
            out,
            model=coder,
            **CLEAN_RUN,
            callback=crash_after(2),
        )
    assert not out.exists()  # no final file that looks complete
    assert parts_dir(out).exists()
    summary = score_corpus(
        corpus,
        out,
        model=coder,
        **CLEAN_RUN,
    )
    assert summary.rows_resumed == 2 * CHUNK
    resumed = pd.read_parquet(out)
    assert resumed["id"].is_unique
    pd.testing.assert_frame_equal(resumed, clean[1])
    assert summary.rows_quarantined == 3


def test_resume_survives_torn_manifest_and_stray_files(clean, corpus, coder, tmp_path):
    """What kill -9 or a power cut can leave: a torn manifest line, a temp file, a part
    that was renamed but not yet recorded."""
    out = tmp_path / "killed.parquet"
    with pytest.raises(Crash):
        score_corpus(
            corpus,
            out,
            model=coder,
            **CLEAN_RUN,
            callback=crash_after(3),
        )
    folder = parts_dir(out)
    manifest = folder / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])
    (folder / ".part-00000009.parquet.123.tmp").write_bytes(b"PAR1 half written")
    summary = score_corpus(
        corpus,
        out,
        model=coder,
        **CLEAN_RUN,
    )
    assert summary.rows_resumed == 2 * CHUNK
    pd.testing.assert_frame_equal(pd.read_parquet(out), clean[1])


def test_resume_with_other_arguments_is_refused(corpus, coder, tmp_path):
    out = tmp_path / "r.parquet"
    with pytest.raises(Crash):
        score_corpus(
            corpus, out, model=coder, chunk_rows=CHUNK, progress=False, callback=crash_after(1)
        )
    with pytest.raises(CuecoderError, match="chunk_rows"):
        score_corpus(corpus, out, model=coder, chunk_rows=CHUNK + 1, progress=False)
    summary = score_corpus(
        corpus, out, model=coder, chunk_rows=CHUNK + 1, progress=False, resume=False
    )
    assert summary.rows_resumed == 0


@pytest.mark.parametrize("n", [1, 3, 4])
def test_shards_cover_the_input_exactly_once(clean, corpus, coder, tmp_path, n):
    pieces = []
    for i in range(n):
        out = tmp_path / f"s{i}.parquet"
        score_corpus(
            corpus,
            out,
            model=coder,
            **CLEAN_RUN,
            shard=f"{i}/{n}",
        )
        pieces.append(pd.read_parquet(out))
    ids = pd.concat([p["id"] for p in pieces])
    assert ids.is_unique and set(ids) == set(clean[1]["id"])
    union = pd.concat(pieces).set_index("id").loc[clean[1]["id"]].reset_index()
    pd.testing.assert_frame_equal(union, clean[1])  # the same chunks, the same scores


@pytest.mark.parametrize("value", ["4/4", "-1/2", "a/b", "1", "0/0"])
def test_bad_shard_is_refused(value):
    with pytest.raises(CuecoderError, match="--shard"):
        parse_shard(value)


def test_gzip_and_folder_inputs_score_like_the_plain_file(clean, corpus, coder, tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    text = corpus.read_text(encoding="utf-8")
    (folder / "replies.csv.gz").write_bytes(gzip.compress(text.encode()))
    out = tmp_path / "gz.parquet"
    score_corpus(
        folder,
        out,
        model=coder,
        **CLEAN_RUN,
    )
    pd.testing.assert_frame_equal(pd.read_parquet(out), clean[1])


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".tsv.gz"])
def test_text_outputs_hold_the_same_rows(clean, corpus, coder, tmp_path, ext):
    out = tmp_path / f"out{ext}"
    score_corpus(
        corpus,
        out,
        model=coder,
        **CLEAN_RUN,
    )
    if ext == ".jsonl":
        back = pd.read_json(out, lines=True, dtype={"id": str})
    else:
        back = pd.read_csv(out, sep="\t" if ".tsv" in ext else ",", dtype={"id": str})
    assert back["id"].tolist() == clean[1]["id"].tolist()
    np.testing.assert_allclose(back[PROBS].to_numpy(), clean[1][PROBS].to_numpy(), rtol=1e-9)
    expected = [json.loads(e) for e in clean[1]["evidence"]]
    assert [json.loads(e) for e in back["evidence"]] == expected


def test_duplicates_score_like_their_first_copy(coder, tmp_path, replies):
    texts = replies["text"].tolist()[:30]
    frame = pd.DataFrame({"id": range(60), "text": texts + texts})
    path = tmp_path / "dup.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "dup.parquet"
    score_corpus(path, out, model=coder, progress=False)
    table = pd.read_parquet(out)
    pd.testing.assert_frame_equal(
        table.iloc[:30, 1:].reset_index(drop=True), table.iloc[30:, 1:].reset_index(drop=True)
    )


def test_missing_column_and_output_extension_stop_at_once(corpus, coder, tmp_path):
    with pytest.raises(CuecoderError, match="Columns there"):
        score_corpus(corpus, tmp_path / "o.parquet", text_col="reply", model=coder)
    with pytest.raises(CuecoderError, match=".parquet"):
        score_corpus(corpus, tmp_path / "o.xlsx", model=coder)
    assert not parts_dir(tmp_path / "o.parquet").exists()


def test_process_workers_give_the_inline_scores(clean, corpus, tmp_path):
    out = tmp_path / "w2.parquet"
    score_corpus(
        corpus,
        out,
        **CLEAN_RUN,
        workers=2,
    )
    table = pd.read_parquet(out)
    assert table["id"].tolist() == clean[1]["id"].tolist()
    np.testing.assert_allclose(table[PROBS].to_numpy(), clean[1][PROBS].to_numpy(), atol=1e-5)


def test_corpus_evidence_combines_automated(corpus, coder, tmp_path):
    out = tmp_path / "ce.parquet"
    score_corpus(
        corpus,
        out,
        context_col="context",
        model=coder,
        chunk_rows=CHUNK,
        progress=False,
        corpus_evidence=True,
        account_col="brand",
    )
    table = pd.read_parquet(out)
    for col in ("automated_corpus", "template_id", "template_size", "template_recipients"):
        assert col in table
    assert (table["template_size"] >= 1).all()
    params = coder.meta["corpus_evidence"]
    # by hand from the stored parameters, not through combine_automated
    p = table["automated"].clip(1e-4, 1 - 1e-4)
    z = (
        params["intercept"]
        + params["coef"][0] * np.log(p / (1 - p))
        + params["coef"][1] * np.log(table["template_size"].clip(lower=1))
        + params["coef"][2] * np.log(table["template_recipients"].clip(lower=1))
    )
    np.testing.assert_allclose(table["automated_corpus"], 1 / (1 + np.exp(-z)), rtol=1e-9)
    threshold = coder.threshold("automated_corpus")
    assert threshold == params["threshold"]
    read = ~table["unsupported_language"]
    assert (
        table.loc[read, "automated_corpus_label"]
        == (table.loc[read, "automated_corpus"] >= threshold)
    ).all()
    assert table.loc[~read, "automated_corpus_label"].isna().all()
    assert (
        table.loc[read, "automated_label"]
        == (table.loc[read, "automated"] >= coder.thresholds["automated"])
    ).all()


def test_resume_redoes_a_chunk_whose_part_file_is_gone(clean, corpus, coder, tmp_path):
    """The manifest records a chunk, but its part file was lost (a disk cleaned, a sync
    that dropped it): the resumed run must score that chunk again, not skip it."""
    out = tmp_path / "lost.parquet"
    with pytest.raises(Crash):
        score_corpus(corpus, out, model=coder, **CLEAN_RUN, callback=crash_after(3))
    folder = parts_dir(out)
    entries = [json.loads(x) for x in (folder / "manifest.jsonl").read_text().splitlines()[1:]]
    assert len(entries) == 3
    (folder / entries[1]["part"]).unlink()
    summary = score_corpus(corpus, out, model=coder, **CLEAN_RUN)
    assert summary.rows_resumed == 2 * CHUNK
    pd.testing.assert_frame_equal(pd.read_parquet(out), clean[1])
