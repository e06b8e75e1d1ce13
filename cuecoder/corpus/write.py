"""Write scored tables atomically: a temporary file renamed into place, so a crash never
leaves a half-written file under the final name."""

from __future__ import annotations

import gzip
import json
import logging
import os
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CuecoderError, Errors
from .read import Format, detect_format

logger = logging.getLogger(__name__)


OUTPUT_FORMATS = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".parquet", ".tsv", ".tsv.gz")


def output_format(path: str | Path) -> tuple[Format, bool]:
    """The output format of ``path`` (E102 listing the supported extensions)."""
    path = Path(path)
    try:
        return detect_format(path)
    except CuecoderError:
        shown = "".join(path.suffixes[-2:]) or "(none)"
        raise CuecoderError(
            Errors.E102.format(suffix=shown, path=path, supported=list(OUTPUT_FORMATS))
        ) from None


@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path next to ``path``; on success fsync it and rename it over."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not every platform opens folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table; object columns of mixed types become strings."""
    arrays = {}
    for name in frame.columns:
        col = frame[name]
        try:
            arrays[name] = pa.array(col, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[name] = pa.array([None if v is None else str(v) for v in col], pa.string())
    return pa.table(arrays)


def write_parquet_atomic(frame: pd.DataFrame | pa.Table, path: Path) -> None:
    """Write one Parquet file atomically."""
    table = frame if isinstance(frame, pa.Table) else to_arrow(frame)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_jsonl_atomic(records: Sequence[dict], path: Path) -> None:
    """Write JSON lines atomically."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    """Read a JSON-lines file written by :func:`write_jsonl_atomic`."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the columns of ``schema`` in its order (missing ones null)."""
    columns = [
        table.column(f.name).cast(f.type)
        if f.name in table.column_names
        else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def merge_parts(parts: Sequence[Path], out: Path) -> int:
    """Concatenate Parquet part files into ``out`` (format by extension), atomically.

    Reads one part at a time, so memory stays that of the largest part. Part schemas
    are unified first (a kept column that is all null in one part takes the type of the
    others). Returns the number of rows written.
    """
    fmt, gz = output_format(out)
    schemas = [pq.read_schema(p) for p in parts]
    schema = pa.unify_schemas(schemas, promote_options="permissive") if schemas else pa.schema([])
    schema = schema.remove_metadata()
    n = 0
    with atomic_path(out) as tmp:
        if fmt == "parquet":
            with pq.ParquetWriter(tmp, schema) as writer:
                for p in parts:
                    table = _conform(pq.read_table(p), schema)
                    writer.write_table(table)
                    n += table.num_rows
        else:
            opener = gzip.open if gz else open
            with opener(tmp, "wt", encoding="utf-8", newline="") as fh:
                header = True
                for p in parts:
                    frame = _conform(pq.read_table(p), schema).to_pandas()
                    n += len(frame)
                    if fmt == "jsonl":
                        if len(frame):  # one line per row: no blank line between parts
                            lines = frame.to_json(
                                orient="records", lines=True, force_ascii=False, double_precision=15
                            )
                            fh.write(lines if lines.endswith("\n") else lines + "\n")
                    else:
                        frame.to_csv(
                            fh, sep="," if fmt == "csv" else "\t", index=False, header=header
                        )
                    header = header and False
                if header:  # no part at all: still write the header line
                    if fmt != "jsonl":
                        fh.write(("," if fmt == "csv" else "\t").join(schema.names) + "\n")
    return n
