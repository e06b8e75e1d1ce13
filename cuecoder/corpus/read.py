"""Read scraped corpora in chunks, with constant memory, and small tables whole.

Inputs are CSV, TSV, JSON lines or Parquet files, the text formats optionally gzip
compressed (``.csv.gz``, ``.tsv.gz``, ``.jsonl.gz``), or a folder of such shards.
:func:`iter_chunks` streams them as :class:`RawChunk` objects of ``chunk_rows`` records
each; a record that can't be used (a line that does not parse, a wrong field count, a
value of the wrong type, a missing text or id) is not scored but reported with its file,
line and reason, for the quarantine file. :func:`read_table` reads a small table whole
(scores, codes, a survey) in the same formats: the one reader of every command.

Notes
-----
CSV and TSV are parsed with Python's C ``csv`` module rather than pyarrow's streaming
CSV reader: pyarrow reports neither the line of a malformed row nor where it sat between
the good ones once values may span lines (``newlines_in_values``), and replies do
contain line breaks. JSON lines are parsed line by line for the same reason (pyarrow's
JSON reader rejects a whole block for one bad line or one value of another type).
Parsing runs at hundreds of thousands of rows a second, three orders of magnitude above
the scorer, so it costs nothing that matters. Parquet is read with
``pyarrow.parquet.ParquetFile.iter_batches``. Every text column is read as a string;
kept columns of text formats stay strings, kept Parquet columns keep their type.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import sys
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CuecoderError, Errors

logger = logging.getLogger(__name__)

Format = Literal["csv", "tsv", "jsonl", "parquet"]

#: Input formats by extension; ``.gz`` may follow the text formats.
FORMATS: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".parquet": "parquet",
}
GZIP_FORMATS = ("csv", "tsv", "jsonl")
SUPPORTED = sorted([*FORMATS, *(f".{f}.gz" for f in GZIP_FORMATS)])
#: Internal column names of a chunk (kept input columns follow under their own names).
ID, TEXT, CONTEXT, ACCOUNT, RECIPIENT = "__id", "__text", "__context", "__account", "__recipient"
ROLES = {
    TEXT: "the text column",
    CONTEXT: "the context column",
    ID: "the id column",
    ACCOUNT: "the account column",
    RECIPIENT: "the recipient column",
}
CSV_FIELD_LIMIT = 64 * 1024 * 1024  # one field above 64 MB is a runaway quote, not a reply
QUARANTINE_COLUMNS = ("file", "line", "reason", "raw")


def detect_format(path: str | Path) -> tuple[Format, bool]:
    """The format of ``path`` from its extension and whether it is gzip compressed.

    Examples
    --------
    >>> detect_format("replies.jsonl.gz")
    ('jsonl', True)
    """
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    ext = suffixes[-2] if gz and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    fmt = FORMATS.get(ext)
    if fmt is None or (gz and fmt not in GZIP_FORMATS):
        shown = "".join(path.suffixes[-2:] if gz else path.suffixes[-1:]) or "(none)"
        raise CuecoderError(Errors.E102.format(suffix=shown, path=path, supported=SUPPORTED))
    return fmt, gz


def _is_supported(path: Path) -> bool:
    try:
        detect_format(path)
    except CuecoderError:
        return False
    return True


def list_inputs(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    """The input files: files as given, folders expanded to their supported files.

    A folder contributes every supported file below it, sorted by relative path (hidden
    files and names starting with ``_`` skipped, as Spark and Dask write them), so the
    order and hence the chunks are the same on every run.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    files: list[Path] = []
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            found = sorted(
                p
                for p in entry.rglob("*")
                if p.is_file()
                and _is_supported(p)
                and not any(part.startswith((".", "_")) for part in p.relative_to(entry).parts)
            )
            if not found:
                raise CuecoderError(Errors.E106.format(path=entry, supported=SUPPORTED))
            files.extend(found)
        elif entry.is_file():
            detect_format(entry)
            files.append(entry)
        else:
            raise CuecoderError(Errors.E105.format(path=entry, reason="no such file or folder"))
    return files


@dataclass
class Columns:
    """Which input columns play which role.

    Parameters
    ----------
    text : str
        The reply text.
    context : str, optional
        The message the reply answers.
    id : str, optional
        Row id; None uses a column named ``id`` when there is one, else ``FILE:LINE``.
    account, recipient : str, optional
        Sender and recipient, for corpus evidence.
    keep : list of str or "all"
        Input columns carried into the output.
    """

    text: str = "text"
    context: str | None = None
    id: str | None = None
    account: str | None = None
    recipient: str | None = None
    keep: list[str] | Literal["all"] = field(default_factory=list)

    def roles(self) -> dict[str, str | None]:
        return {
            TEXT: self.text,
            CONTEXT: self.context,
            ID: self.id,
            ACCOUNT: self.account,
            RECIPIENT: self.recipient,
        }


@dataclass
class RawChunk:
    """``chunk_rows`` consecutive records of one input file.

    ``frame`` holds the usable rows (internal columns ``__id``, ``__text``,
    ``__context``, ``__account``, ``__recipient``, then the kept columns), ``bad`` the
    quarantined ones (dicts with file, line, reason, raw). ``seq`` numbers chunks across
    all files; it names the chunk's part file and decides its shard.
    """

    seq: int
    path: Path
    index: int
    frame: pd.DataFrame
    bad: list[dict]
    n_records: int
    bytes_read: int


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read from disk (for progress estimates)."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.fh.readinto(buffer)
        self.count += n or 0
        return n

    def close(self) -> None:
        self.fh.close()
        super().close()


@contextmanager
def _open_text(path: Path, gz: bool):
    raw = _CountingReader(open(path, "rb"))
    binary = gzip.GzipFile(fileobj=raw, mode="rb") if gz else io.BufferedReader(raw, 1 << 20)
    text = io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
    try:
        yield text, raw
    finally:
        text.close()
        raw.close()


# A record: (line, values aligned with the requested columns or None, reason, raw text).
Record = tuple[int, list | None, str | None, str | None]


def read_header(path: str | Path) -> list[str]:
    """The column names of an input file (the first record's keys for JSON lines)."""
    path = Path(path)
    fmt, gz = detect_format(path)
    try:
        if fmt == "parquet":
            return list(pq.read_schema(path).names)
        with _open_text(path, gz) as (fh, _):
            if fmt == "jsonl":
                for line in fh:
                    if line.strip():
                        obj = json.loads(line)
                        return list(obj) if isinstance(obj, dict) else []
                return []
            header = next(csv.reader(fh, delimiter="," if fmt == "csv" else "\t"), [])
            return [h.lstrip("\ufeff") if i == 0 else h for i, h in enumerate(header)]
    except (OSError, ValueError, EOFError, zlib.error, csv.Error) as exc:
        raise CuecoderError(Errors.E105.format(path=path, reason=exc)) from exc


def _missing_column(column: str, path: Path, available: list[str]) -> CuecoderError:
    return CuecoderError(Errors.E101.format(column=column, source=f"'{path}'", available=available))


def _select(header: list[str], columns: Columns, path: Path) -> tuple[list[str], list[str]]:
    """Check the roles against ``header``; the requested input columns and kept ones."""
    for name in columns.roles().values():
        if name is not None and name not in header:
            raise _missing_column(name, path, header)
    keep = list(header) if columns.keep == "all" else list(dict.fromkeys(columns.keep))
    for name in keep:
        if name not in header:
            raise _missing_column(name, path, header)
    wanted = [n for n in columns.roles().values() if n is not None]
    return wanted, [k for k in keep if k != columns.id]  # the id is always in the output


def _csv_records(path: Path, gz: bool, delimiter: str, columns: Columns, state: dict):
    csv.field_size_limit(min(sys.maxsize, CSV_FIELD_LIMIT))
    with _open_text(path, gz) as (fh, raw):
        state["raw"] = raw
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise CuecoderError(Errors.E105.format(path=path, reason="the file is empty")) from None
        except csv.Error as exc:
            raise CuecoderError(Errors.E105.format(path=path, reason=exc)) from exc
        header = [h.lstrip("\ufeff") if i == 0 else h for i, h in enumerate(header)]
        if columns.id is None and "id" in header:
            columns.id = "id"
        wanted, keep = _select(header, columns, path)
        state["keep"] = keep
        positions = [header.index(n) for n in [*wanted, *keep]]
        width = len(header)
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield line, None, Errors.E520.format(reason=exc), None
                continue
            if not row:  # a blank line is not a record
                continue
            if len(row) != width:
                yield (
                    line,
                    None,
                    Errors.E521.format(found=len(row), expected=width),
                    _join(row, delimiter),
                )
                continue
            yield line, [row[p] if row[p] != "" else None for p in positions], None, None


def _join(row: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(row)
    return buffer.getvalue()


def _jsonl_records(path: Path, gz: bool, columns: Columns, state: dict):
    with _open_text(path, gz) as (fh, raw):
        state["raw"] = raw
        names: list[str] | None = None
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield line_no, None, Errors.E522.format(reason=exc.msg), line.rstrip("\r\n")
                continue
            if not isinstance(obj, dict):
                yield (
                    line_no,
                    None,
                    Errors.E523.format(kind=type(obj).__name__),
                    line.rstrip("\r\n"),
                )
                continue
            if names is None:
                header = list(obj)
                if columns.id is None and "id" in header:
                    columns.id = "id"
                wanted, keep = _select(header, columns, path)
                state["keep"] = keep
                names = [*wanted, *keep]
            values = []
            for name in names:
                value = obj.get(name)
                if isinstance(value, list | dict):
                    value = json.dumps(value, ensure_ascii=False)
                values.append(value)
            yield line_no, values, None, line.rstrip("\r\n")


def _parquet_records(path: Path, columns: Columns, chunk_rows: int, state: dict):
    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise CuecoderError(Errors.E105.format(path=path, reason=exc)) from exc
    header = pf.schema_arrow.names
    if columns.id is None and "id" in header:
        columns.id = "id"
    wanted, keep = _select(header, columns, path)
    state["keep"] = keep
    schema = pf.schema_arrow
    for role, name in columns.roles().items():
        if name is None or role == ID:
            continue
        dtype = schema.field(name).type
        if not (
            pa.types.is_string(dtype)
            or pa.types.is_large_string(dtype)
            or pa.types.is_null(dtype)
            or pa.types.is_dictionary(dtype)
        ):
            raise CuecoderError(
                Errors.E503.format(column=name, path=path, dtype=dtype, role=ROLES[role])
            )
    names = [*wanted, *keep]
    total = max(1, pf.metadata.num_rows)
    size = path.stat().st_size
    line = 0
    for batch in pf.iter_batches(batch_size=chunk_rows, columns=list(dict.fromkeys(names))):
        cols = {n: batch.column(n).to_pylist() for n in dict.fromkeys(names)}
        for i in range(batch.num_rows):
            line += 1
            yield line, [cols[n][i] for n in names], None, None
        state["bytes"] = int(size * line / total)


def _check(values: list, n_roles: int, names: list[str]) -> str | None:
    """The reason a record can't be scored, or None. Fixes up types in place."""
    for j in range(n_roles):
        value, role = values[j], names[j]
        if value is None:
            continue
        if role in (TEXT, CONTEXT) and not isinstance(value, str):
            return Errors.E524.format(role=ROLES[role], kind=type(value).__name__)
        if role in (ID, ACCOUNT, RECIPIENT) and not isinstance(value, str):
            values[j] = str(value)
    text = values[names.index(TEXT)]
    if text is None or not text.strip():
        return Errors.E525
    if ID in names and values[names.index(ID)] is None:
        return Errors.E526
    return None


def iter_chunks(
    files: Sequence[Path],
    columns: Columns,
    chunk_rows: int = 10_000,
) -> Iterator[RawChunk]:
    """Stream ``files`` as chunks of ``chunk_rows`` records (good and bad ones).

    Chunks never span two files and are numbered in file order, so the same files give
    the same chunks on every run whatever the hardware: a resumed run forms the same
    encoder batches as a clean one.

    Raises
    ------
    CuecoderError
        At once, when a role or kept column is not in a file (E101), a Parquet column has
        the wrong type (E503) or a file can't be read (E105).
    """
    seq = 0
    for path in files:
        fmt, gz = detect_format(path)
        cols = Columns(**{**columns.__dict__})  # the id default is resolved per file
        state: dict = {}
        if fmt in ("csv", "tsv"):
            records = _csv_records(path, gz, "," if fmt == "csv" else "\t", cols, state)
        elif fmt == "jsonl":
            records = _jsonl_records(path, gz, cols, state)
        else:
            records = _parquet_records(path, cols, chunk_rows, state)
        try:
            for chunk in _chunk_records(records, path, cols, chunk_rows, state, seq):
                seq += 1
                yield chunk
        except (OSError, EOFError, zlib.error, UnicodeError) as exc:
            raise CuecoderError(Errors.E105.format(path=path, reason=exc)) from exc


def _chunk_records(records, path: Path, cols: Columns, chunk_rows: int, state: dict, seq: int):
    roles: list[tuple[str, str]] = []  # known once the header is read (the id default)
    rows: list[list] = []
    lines: list[int] = []
    bad: list[dict] = []
    n_records = 0
    index = 0
    names: list[str] | None = None

    def emit() -> RawChunk:
        keep = state.get("keep", [])
        data = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
        frame = pd.DataFrame(
            {n: pd.Series(list(v), dtype=object) for n, v in zip(names, data, strict=True)}
        )
        if ID not in frame:
            frame.insert(0, ID, [f"{path.name}:{line}" for line in lines])
        for role in (CONTEXT, ACCOUNT, RECIPIENT):
            if role not in frame:
                frame[role] = None
        frame = frame[[ID, TEXT, CONTEXT, ACCOUNT, RECIPIENT, *[k for k in keep if k not in ROLES]]]
        raw = state.get("raw")
        nbytes = raw.count if raw is not None else state.get("bytes", 0)
        return RawChunk(seq + index, path, index, frame, bad, n_records, nbytes)

    for line, values, reason, raw_text in records:
        if names is None:
            roles = [(r, n) for r, n in cols.roles().items() if n is not None]
            names = [r for r, _ in roles] + state.get("keep", [])
        n_records += 1
        if reason is None:
            reason = _check(values, len(roles), names)
        if reason is None:
            rows.append(values)
            lines.append(line)
        else:
            if raw_text is None and values is not None:
                original = [n for _, n in roles] + state.get("keep", [])
                raw_text = json.dumps(
                    dict(zip(original, values, strict=True)), ensure_ascii=False, default=str
                )
            bad.append({"file": str(path), "line": line, "reason": reason, "raw": raw_text})
        if n_records == chunk_rows:
            yield emit()
            index += 1
            rows, lines, bad, n_records = [], [], [], 0
    if n_records:
        yield emit()


TABLE_READERS = {
    "csv": lambda p, gz: pd.read_csv(p, compression="gzip" if gz else None),
    "tsv": lambda p, gz: pd.read_csv(p, sep="\t", compression="gzip" if gz else None),
    "jsonl": lambda p, gz: pd.read_json(p, lines=True, compression="gzip" if gz else None),
    "parquet": lambda p, gz: pd.read_parquet(p),
}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a whole table (scores, codes, a survey) by its extension.

    Supported: ``.csv``, ``.tsv``, ``.jsonl`` (each optionally ``.gz``) and ``.parquet``;
    an unknown extension raises E102, an unreadable file E105.
    """
    path = Path(path)
    fmt, gz = detect_format(path)
    try:
        return TABLE_READERS[fmt](path, gz)
    except (OSError, ValueError) as exc:
        raise CuecoderError(Errors.E105.format(path=path, reason=exc)) from exc


def iter_table(
    path: str | Path, chunk_rows: int = 50_000, columns: Sequence[str] | None = None
) -> Iterator[pd.DataFrame]:
    """Stream a table (a scored corpus) in frames of at most ``chunk_rows`` rows.

    The streaming twin of :func:`read_table`, same formats and errors: Parquet by
    record batches, CSV/TSV/JSON lines by pandas chunks, so memory is that of one chunk.
    ``columns`` restricts the columns read (those absent from the file are skipped).

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> pd.DataFrame({"a": range(5)}).to_csv(path, index=False)
    >>> [len(f) for f in iter_table(path, chunk_rows=2)]
    [2, 2, 1]
    """
    path = Path(path)
    fmt, gz = detect_format(path)
    try:
        if fmt == "parquet":
            handle = pq.ParquetFile(path)
            names = handle.schema_arrow.names
            wanted = None if columns is None else [c for c in columns if c in names]
            for batch in handle.iter_batches(batch_size=chunk_rows, columns=wanted):
                yield batch.to_pandas()
            return
        header = read_header(path) if fmt != "jsonl" else None
        if fmt == "jsonl":
            reader = pd.read_json(
                path, lines=True, chunksize=chunk_rows, compression="gzip" if gz else None
            )
        else:
            usecols = None if columns is None else [c for c in columns if c in header]
            reader = pd.read_csv(
                path,
                sep="," if fmt == "csv" else "\t",
                chunksize=chunk_rows,
                usecols=usecols,
                compression="gzip" if gz else None,
                low_memory=False,
            )
        with reader:
            for frame in reader:
                if fmt == "jsonl" and columns is not None:
                    frame = frame[[c for c in columns if c in frame.columns]]
                yield frame
    except (OSError, ValueError, EOFError, zlib.error, UnicodeError) as exc:
        raise CuecoderError(Errors.E105.format(path=path, reason=exc)) from exc
