"""Reading corpora in chunks: formats, gzip, folders, quarantine, column errors."""

from __future__ import annotations

import csv
import gzip
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuecoder.corpus import read as cio
from cuecoder.corpus import write as cwrite
from cuecoder.errors import CuecoderError


def read_all(files, chunk_rows=7, **columns):
    chunks = list(cio.iter_chunks(files, cio.Columns(**columns), chunk_rows))
    frame = pd.concat([c.frame for c in chunks], ignore_index=True)
    bad = [b for c in chunks for b in c.bad]
    return chunks, frame, bad


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a.csv", ("csv", False)),
        ("a.TSV", ("tsv", False)),
        ("a.jsonl.gz", ("jsonl", True)),
        ("x.y.parquet", ("parquet", False)),
        ("a.csv.gz", ("csv", True)),
    ],
)
def test_detect_format(name, expected):
    assert cio.detect_format(name) == expected


@pytest.mark.parametrize("name", ["a.xlsx", "a.parquet.gz", "noext", "a.gz"])
def test_unknown_extension_lists_supported(name):
    with pytest.raises(CuecoderError) as err:
        cio.detect_format(name)
    assert ".csv.gz" in str(err.value) and ".parquet" in str(err.value)


def test_gzip_and_plain_give_the_same_rows(tmp_path, replies):
    plain = tmp_path / "r.csv"
    replies.to_csv(plain, index=False)
    packed = tmp_path / "r.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    jsonl = tmp_path / "r.jsonl.gz"
    with gzip.open(jsonl, "wt", encoding="utf-8") as fh:
        replies.to_json(fh, orient="records", lines=True)
    _, a, _ = read_all([plain], context="context")
    for other in (packed, jsonl):
        _, b, bad = read_all([other], context="context")
        assert not bad
        pd.testing.assert_frame_equal(a, b)
    assert a[cio.TEXT].tolist() == replies["text"].tolist()
    assert a[cio.ID].tolist() == replies["id"].astype(str).tolist()


def test_folder_is_read_in_sorted_order_skipping_hidden(tmp_path, replies):
    folder = tmp_path / "shards"
    (folder / "sub").mkdir(parents=True)
    replies.iloc[:100].to_csv(folder / "b.csv", index=False)
    replies.iloc[100:150].to_parquet(folder / "a.parquet")
    replies.iloc[150:].to_json(folder / "sub" / "c.jsonl", orient="records", lines=True)
    replies.to_csv(folder / "_skip.csv", index=False)
    (folder / "notes.txt").write_text("not a corpus")
    files = cio.list_inputs(folder)
    assert [p.name for p in files] == ["a.parquet", "b.csv", "c.jsonl"]
    chunks, frame, bad = read_all(files)
    expected = pd.concat([replies.iloc[100:150], replies.iloc[:100], replies.iloc[150:]])
    assert frame[cio.ID].tolist() == expected["id"].astype(str).tolist()
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    assert len({c.path for c in chunks}) == 3  # a chunk never spans two files


def test_empty_folder_says_what_it_looked_for(tmp_path):
    with pytest.raises(CuecoderError, match="No input files"):
        cio.list_inputs(tmp_path)


def test_csv_quarantine_reports_line_and_reason(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,text,brand\n"
        '1,"a reply\nthat spans two lines",x\n'  # lines 2-3
        "2,too,many,fields\n"  # line 4
        "3,,x\n"  # line 5: missing text
        "4,   ,x\n"  # line 6: whitespace only
        "\n"  # line 7: blank, not a record
        ",fine text but no id,x\n"  # line 8
        "6,fine,x\n",  # line 9
        encoding="utf-8",
    )
    chunks, frame, bad = read_all([path], chunk_rows=3, id="id")
    assert frame[cio.ID].tolist() == ["1", "6"]
    assert frame[cio.TEXT].tolist()[0] == "a reply\nthat spans two lines"
    assert [(b["line"], b["reason"].split(":")[0]) for b in bad] == [
        (4, "[E521] the line has 4 fields, the header 3"),
        (5, "[E525] missing text"),
        (6, "[E525] missing text"),
        (8, "[E526] missing id"),
    ]
    assert sum(c.n_records for c in chunks) == 6
    assert all(c.n_records == 3 for c in chunks)


def test_jsonl_quarantine_of_bad_lines_and_types(tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = [
        json.dumps({"id": 1, "text": "good one", "extra": [1, 2], "context": None}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": 4, "text": 12345}),
        json.dumps({"id": 5}),
        json.dumps({"id": 6, "text": "good two", "context": 3}),
        json.dumps({"id": 7, "text": "good three"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, frame, bad = read_all([path], keep=["extra"])
    assert frame[cio.ID].tolist() == ["1", "6", "7"]
    assert frame["extra"].tolist() == ["[1, 2]", None, None]
    assert [b["line"] for b in bad] == [2, 3, 4, 5]
    assert "invalid JSON" in bad[0]["reason"] and "object" in bad[1]["reason"]
    assert "int" in bad[2]["reason"] and "missing text" in bad[3]["reason"]
    _, _, bad = read_all([path], context="context")
    assert any(b["line"] == 6 and "context" in b["reason"] for b in bad)


def test_wrong_column_name_stops_with_the_columns_there(tmp_path, replies):
    path = tmp_path / "r.csv"
    replies.to_csv(path, index=False)
    with pytest.raises(CuecoderError) as err:
        read_all([path], text="reply_text")
    message = str(err.value)
    assert "reply_text" in message and "'context'" in message and "'brand'" in message
    with pytest.raises(CuecoderError, match="nope"):
        read_all([path], keep=["brand", "nope"])


def test_parquet_text_of_wrong_type_stops(tmp_path):
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"id": [1, 2], "text": [1, 2]}), path)
    with pytest.raises(CuecoderError, match="must hold text"):
        read_all([path])


def test_unreadable_gzip_stops_with_the_file_name(tmp_path, replies):
    path = tmp_path / "r.csv.gz"
    data = gzip.compress(replies.to_csv(index=False).encode())
    path.write_bytes(data[: len(data) // 2])  # truncated download
    with pytest.raises(CuecoderError, match="Can't read"):
        read_all([path])


def test_merge_parts_unifies_schemas_and_writes_atomically(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    cwrite.write_parquet_atomic(pd.DataFrame({"id": ["1"], "k": [None], "x": [0.5]}), a)
    cwrite.write_parquet_atomic(pd.DataFrame({"id": ["2"], "k": ["v"], "x": [0.7]}), b)
    out = tmp_path / "out.csv"
    assert cwrite.merge_parts([a, b], out) == 2
    back = pd.read_csv(out, dtype=str)
    assert back["id"].tolist() == ["1", "2"] and back["k"].tolist()[1] == "v"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=40).filter(lambda t: t.strip()), min_size=1, max_size=30)
)
def test_any_text_round_trips_through_csv_chunks(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("h") / "t.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows(enumerate(texts))
    _, frame, bad = read_all([path], chunk_rows=4)
    assert not bad
    assert frame[cio.TEXT].tolist() == texts
