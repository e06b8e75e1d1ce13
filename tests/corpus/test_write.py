"""Writing scored tables: extensions, atomic replacement, JSON lines, merged parts."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cuecoder.corpus import write as cwrite
from cuecoder.errors import CuecoderError


@pytest.mark.parametrize(
    "name, shown",
    [("out.xlsx", ".xlsx"), ("out.b.c.xlsx", ".c.xlsx"), ("noext", "(none)")],
)
def test_output_format_lists_the_supported_extensions(name, shown):
    with pytest.raises(CuecoderError, match="E102") as err:
        cwrite.output_format(name)
    message = str(err.value)
    assert f"'{shown}'" in message and f"'{name}'" in message
    assert "'.csv.gz'" in message and "'.parquet'" in message and "'.tsv.gz'" in message


def test_atomic_path_replaces_only_on_success(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with cwrite.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["t.txt"]
    with cwrite.atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".t.txt.")
        tmp.write_text("new")
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_to_arrow_turns_mixed_objects_into_strings():
    frame = pd.DataFrame({"mixed": [1, "a", None], "x": [0.5, 1.5, None]})
    table = cwrite.to_arrow(frame)
    assert table.column_names == ["mixed", "x"]
    assert table.column("mixed").to_pylist() == ["1", "a", None]
    assert table.column("x").type == pa.float64()
    assert table.column("x").to_pylist()[:2] == [0.5, 1.5]


def test_jsonl_round_trip(tmp_path):
    path = tmp_path / "q.jsonl"
    records = [{"id": "1", "text": "naïve ☕"}, {"id": "2", "day": dt.date(2024, 5, 1)}]
    cwrite.write_jsonl_atomic(records, path)
    raw = path.read_text(encoding="utf-8")
    assert raw == '{"id": "1", "text": "naïve ☕"}\n{"id": "2", "day": "2024-05-01"}\n'
    path.write_text(raw + "\n  \n", encoding="utf-8")  # blank lines are skipped
    assert cwrite.read_jsonl(path) == [
        {"id": "1", "text": "naïve ☕"},
        {"id": "2", "day": "2024-05-01"},
    ]


@pytest.fixture()
def parts(tmp_path):
    a, b, c = (tmp_path / f"{k}.parquet" for k in "abc")
    cwrite.write_parquet_atomic(pd.DataFrame({"id": ["1", "2"], "x": [0.5, 0.25]}), a)
    cwrite.write_parquet_atomic(pd.DataFrame({"id": pd.Series([], dtype=str), "x": []}), b)
    cwrite.write_parquet_atomic(pd.DataFrame({"x": [0.75], "id": ["3"], "k": ["v"]}), c)
    return [a, b, c]


def test_merge_parts_to_parquet_conforms_every_part(parts, tmp_path):
    out = tmp_path / "out.parquet"
    assert cwrite.merge_parts(parts, out) == 3
    table = pq.read_table(out)
    assert table.column_names == ["id", "x", "k"]
    assert table.to_pydict() == {
        "id": ["1", "2", "3"],
        "x": [0.5, 0.25, 0.75],
        "k": [None, None, "v"],
    }
    assert table.schema.metadata is None


@pytest.mark.parametrize(
    "name, sep", [("out.csv", ","), ("out.tsv", "\t"), ("out.csv.gz", ","), ("out.tsv.gz", "\t")]
)
def test_merge_parts_to_text_has_one_header(parts, tmp_path, name, sep):
    out = tmp_path / name
    assert cwrite.merge_parts(parts, out) == 3
    raw = (gzip.decompress(out.read_bytes()) if name.endswith(".gz") else out.read_bytes()).decode()
    assert raw.splitlines() == [
        sep.join(["id", "x", "k"]),
        sep.join(["1", "0.5", ""]),
        sep.join(["2", "0.25", ""]),
        sep.join(["3", "0.75", "v"]),
    ]


def test_merge_parts_to_jsonl_has_no_blank_line(parts, tmp_path):
    out = tmp_path / "out.jsonl.gz"
    assert cwrite.merge_parts(parts, out) == 3
    raw = gzip.decompress(out.read_bytes()).decode()
    assert raw.endswith("\n") and "\n\n" not in raw
    assert [json.loads(x) for x in raw.splitlines()] == [
        {"id": "1", "x": 0.5, "k": None},
        {"id": "2", "x": 0.25, "k": None},
        {"id": "3", "x": 0.75, "k": "v"},
    ]


def test_merge_of_empty_parts_writes_the_header(tmp_path):
    empty = tmp_path / "e.parquet"
    cwrite.write_parquet_atomic(pd.DataFrame({"id": pd.Series([], dtype=str), "x": []}), empty)
    for name, expected in [("o.csv", "id,x\n"), ("o.tsv", "id\tx\n"), ("o.jsonl", "")]:
        assert cwrite.merge_parts([empty], tmp_path / name) == 0
        assert (tmp_path / name).read_text() == expected
    assert cwrite.merge_parts([], tmp_path / "none.csv") == 0
    assert (tmp_path / "none.csv").read_text() == "\n"


def test_to_arrow_keeps_missing_text_missing():
    table = cwrite.to_arrow(pd.DataFrame({"s": ["a", float("nan"), None]}))
    assert table.column("s").to_pylist() == ["a", None, None]  # never the text "nan"


def test_merge_parts_promotes_int_and_float_parts(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    cwrite.write_parquet_atomic(pd.DataFrame({"n": [1, 2]}), a)
    cwrite.write_parquet_atomic(pd.DataFrame({"n": [0.5]}), b)
    assert cwrite.merge_parts([a, b], tmp_path / "o.parquet") == 3
    assert pq.read_table(tmp_path / "o.parquet").column("n").to_pylist() == [1.0, 2.0, 0.5]


def test_merge_parts_to_jsonl_keeps_text_and_every_digit(tmp_path):
    part = tmp_path / "a.parquet"
    cwrite.write_parquet_atomic(pd.DataFrame({"t": ["naïve ☕"], "x": [0.123456789012345]}), part)
    out = tmp_path / "o.jsonl"
    cwrite.merge_parts([part], out)
    raw = out.read_text(encoding="utf-8")
    assert "naïve ☕" in raw  # not \\u escapes
    assert json.loads(raw)["x"] == 0.123456789012345


def test_merge_of_no_parts_to_jsonl_is_empty(tmp_path):
    assert cwrite.merge_parts([], tmp_path / "none.jsonl") == 0
    assert (tmp_path / "none.jsonl").read_text() == ""


def test_to_arrow_makes_missing_numbers_null_not_nan():
    column = cwrite.to_arrow(pd.DataFrame({"x": [0.5, float("nan")]})).column("x")
    assert column.null_count == 1 and column.to_pylist() == [0.5, None]


def test_write_parquet_atomic_takes_an_arrow_table(tmp_path):
    table = pa.table({"id": ["1", "2"], "x": [0.5, None]})
    cwrite.write_parquet_atomic(table, tmp_path / "t.parquet")
    assert pq.read_table(tmp_path / "t.parquet").to_pydict() == {"id": ["1", "2"], "x": [0.5, None]}
