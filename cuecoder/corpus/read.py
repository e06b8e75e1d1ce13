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
Parsing, re-sync checks included, runs at tens of thousands of rows a second (about
60,000 on a 12-column TWCS CSV on a loaded 2-core machine, 15-25% below the reader
without re-sync), two orders of magnitude above the scorer, so it costs nothing that
matters.

Dirty files: every physical line of a text input ends up in a scored row, in the
quarantine (with its file, first and last line, reason and exact bytes), or is blank.
Lines end at ``\n``, ``\r\n`` or a lone ``\r`` (Python's universal newlines; line
numbers count each). CSV and TSV are parsed strictly (a quote must be followed by the
delimiter or the end of the line), and a record that fails (a parse error, a wrong
field count, or a quoted value running past :data:`MAX_RECORD_LINES` lines) gives up
only its first line: parsing re-starts at the next line, so one stray quote costs one
line, not the replies after it. A record whose bytes are not UTF-8 is quarantined
whole; a byte-order mark is dropped; a line repeating the header (shards joined with
``cat``) is quarantined. JSON lines: a last line without its newline that does not
parse is reported as truncated (a producer that crashed mid-write); a lone UTF-16
surrogate in a JSON string (text cut inside an emoji) becomes U+FFFD and the row is
counted as repaired (:attr:`RawChunk.repaired`).

A record that spans lines and has the header's width is still taken for a stray quote
when its continuation lines read as clean rows of their own (no quote inside an
unquoted value, the header's width): its first line is quarantined and the rest read
again, and a line read again that holds a quote inside an unquoted value (the end of a
broken quoted value) is quarantined rather than scored. CSV is not self-synchronizing,
so one case stays ambiguous: a stray quote that closes exactly at the quote opening the
next row's multi-line value reads as one well-formed record, and that next row's first
line goes with it (its other lines are quarantined). NUL bytes inside a well-formed CSV
record are kept as text; in JSON they are invalid and the line is quarantined. Parquet is read with
``pyarrow.parquet.ParquetFile.iter_batches``. Every text column is read as a string;
kept columns of text formats stay strings, kept Parquet columns keep their type.
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
import logging
import sys
import zlib
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._unicode import repair_surrogates
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
#: A quoted CSV value running over more physical lines than this is a stray quote: the
#: record fails and parsing re-starts at its second line. Replies with line breaks have
#: a few; 1,000 bounds the re-reading a file full of stray quotes costs.
MAX_RECORD_LINES = 1_000
#: Quarantine entries: the file, the record's first and last physical line, why, and the
#: record's bytes (``raw`` as text; ``raw_base64`` too when they are not UTF-8).
QUARANTINE_COLUMNS = ("file", "line", "end_line", "reason", "raw", "raw_base64")
BOM = b"\xef\xbb\xbf"
READ_BLOCK = 1 << 20


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
    quarantined ones (dicts of :data:`QUARANTINE_COLUMNS`). ``seq`` numbers chunks across
    all files; it names the chunk's part file and decides its shard. ``repaired`` counts
    usable rows whose text had lone surrogates replaced by U+FFFD.
    """

    seq: int
    path: Path
    index: int
    frame: pd.DataFrame
    bad: list[dict]
    n_records: int
    bytes_read: int
    repaired: int = 0


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
def _open_binary(path: Path, gz: bool):
    raw = _CountingReader(open(path, "rb"))
    binary = gzip.GzipFile(fileobj=raw, mode="rb") if gz else io.BufferedReader(raw, READ_BLOCK)
    try:
        yield binary, raw
    finally:
        binary.close()
        raw.close()


def _physical_lines(binary) -> Iterator[bytes]:
    """The lines of a binary stream with their terminators (``\n``, ``\r\n`` or ``\r``),
    the first line's byte-order mark dropped. Memory is one block plus the longest line."""
    buf = bytearray()
    first = True
    while data := binary.read(READ_BLOCK):
        searched = max(len(buf) - 1, 0)  # a \r kept back last time may now meet its \n
        buf += data
        cut = max(buf.rfind(b"\n", searched), buf.rfind(b"\r", searched, len(buf) - 1))
        if cut < 0:
            continue
        lines = bytes(buf[: cut + 1]).splitlines(keepends=True)
        del buf[: cut + 1]
        if first:
            lines[0] = lines[0].removeprefix(BOM)
            first = False
        yield from lines
    if buf:
        lines = bytes(buf).splitlines(keepends=True)
        if first:
            lines[0] = lines[0].removeprefix(BOM)
        yield from lines


def _decode(line: bytes) -> tuple[str, str | None]:
    """The line as text, and where it is not UTF-8 (None when it is)."""
    try:
        return line.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start + 1} ({line[exc.start : exc.start + 4]!r})"
        return line.decode("utf-8", "replace"), where


# A record: (first line, last line, values aligned with the requested columns or None,
# reason or None, its raw bytes or None, whether its text was repaired).
Record = tuple[int, int, list | None, str | None, bytes | None, bool]


class _RunOn(Exception):
    """A quoted CSV value ran over :data:`MAX_RECORD_LINES` lines."""


class _Feed:
    """Decoded physical lines for :func:`csv.reader`, remembering the ones a record took.

    Lines of a failed record but its first are pushed back and read again by a fresh
    reader: the line-by-line re-sync.
    """

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines = lines
        self.no = 0  # number of the last line taken from ``lines``
        self.back: deque = deque()
        self.taken: list[tuple[int, bytes, str, str | None]] = []
        self.suspect: set[int] = set()  # lines given back after a failed record

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if len(self.taken) >= MAX_RECORD_LINES:
            raise _RunOn
        if self.back:
            item = self.back.popleft()
        else:
            raw = next(self.lines)
            self.no += 1
            item = (self.no, raw, *_decode(raw))
        self.taken.append(item)
        return item[2]

    def resync(self) -> None:
        """Give back every line of the failed record but its first."""
        self.back = deque([*self.taken[1:], *self.back])
        self.suspect.update(t[0] for t in self.taken[1:])


def read_header(path: str | Path) -> list[str]:
    """The column names of an input file (the first object's keys for JSON lines)."""
    path = Path(path)
    fmt, gz = detect_format(path)
    try:
        if fmt == "parquet":
            return list(pq.read_schema(path).names)
        with _open_binary(path, gz) as (binary, _):
            if fmt == "jsonl":
                for line in _physical_lines(binary):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        continue  # a bad line is quarantined when read; look further
                    if isinstance(obj, dict):
                        return list(obj)
                return []
            return _csv_header(_Feed(_physical_lines(binary)), fmt, path)
    except (OSError, EOFError, zlib.error) as exc:
        raise CuecoderError(Errors.E105.format(path=path, reason=exc)) from exc


def _csv_header(feed: _Feed, fmt: str, path: Path) -> list[str]:
    reader = csv.reader(feed, delimiter="," if fmt == "csv" else "\t", strict=True)
    try:
        return next(reader)
    except StopIteration:
        raise CuecoderError(Errors.E105.format(path=path, reason="the file is empty")) from None
    except (csv.Error, _RunOn) as exc:
        raise CuecoderError(Errors.E105.format(path=path, reason=f"bad header: {exc}")) from exc


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


def _csv_records(path: Path, gz: bool, fmt: str, columns: Columns, state: dict):
    csv.field_size_limit(min(sys.maxsize, CSV_FIELD_LIMIT))
    delimiter = "," if fmt == "csv" else "\t"
    with _open_binary(path, gz) as (binary, raw):
        state["raw"] = raw
        feed = _Feed(_physical_lines(binary))
        header = _csv_header(feed, fmt, path)
        if columns.id is None and "id" in header:
            columns.id = "id"
        wanted, keep = _select(header, columns, path)
        state["keep"] = keep
        positions = [header.index(n) for n in [*wanted, *keep]]
        width = len(header)
        reader = csv.reader(feed, delimiter=delimiter, strict=True)
        while True:
            feed.taken = []
            reason = None
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                reason = Errors.E520.format(reason=exc)
            except _RunOn:
                reason = Errors.E527.format(limit=MAX_RECORD_LINES)
            taken = feed.taken
            if feed.suspect and taken and taken[0][0] > max(feed.suspect):
                feed.suspect.clear()  # every line given back has been read again
            if reason is None and not row:  # a blank line is not a record
                continue
            if reason is None and len(taken) > 1:
                if len(row) != width or _stray_quote(taken, delimiter, width):
                    reason = Errors.E532.format(
                        first=taken[0][0], last=taken[-1][0], found=len(row), expected=width
                    )
            if (
                reason is None
                and feed.suspect
                and taken[0][0] in feed.suspect
                and _bare_quote("".join(t[2] for t in taken), delimiter)
            ):
                reason = Errors.E533
            if reason is not None:
                # the record failed: its first line is quarantined, the others read again
                yield taken[0][0], taken[0][0], None, reason, taken[0][1], False
                feed.resync()
                reader = csv.reader(feed, delimiter=delimiter, strict=True)
                continue
            first, last = taken[0][0], taken[-1][0]
            data = b"".join(t[1] for t in taken)
            not_utf8 = next(((t[0], t[3]) for t in taken if t[3] is not None), None)
            if not_utf8 is not None:
                reason = Errors.E529.format(line=not_utf8[0], where=not_utf8[1])
            elif len(row) != width:
                reason = Errors.E521.format(found=len(row), expected=width)
            elif row[0].lstrip("\ufeff") == header[0] and row[1:] == header[1:]:
                reason = Errors.E530
            if reason is not None:
                yield first, last, None, reason, data, False
                continue
            values = [row[p] if row[p] != "" else None for p in positions]
            yield first, last, values, None, data, False


def _bare_quote(text: str, delimiter: str) -> bool:
    """Whether ``text`` has a quote inside an unquoted value, which no CSV writer makes."""
    quoted, start, closed = False, True, False
    for ch in text:
        if quoted:
            if ch == '"':
                quoted, closed = False, True
            continue
        if ch == '"':
            if start or closed:  # a value opens, or ``""`` inside a quoted value
                quoted, start, closed = True, False, False
                continue
            return True
        closed = False
        start = ch in (delimiter, "\r", "\n")
    return False


def _stray_quote(taken: list, delimiter: str, width: int) -> bool:
    """Whether a record over several lines with the header's width is a stray quote that
    joined good rows, not one reply with line breaks. A quoted value that spans lines
    ends in a line with a quote after its text (``...text",``) or, when the value ends
    with a line break, in a line starting with the closing quote; a stray quote that
    closes further down leaves continuation lines that read as rows of their own
    (:func:`_rows_inside`)."""
    last = taken[-1][2]
    if last.startswith('"') and last[1:2] in (delimiter, "\r", "\n", ""):
        return False
    return _rows_inside([t[2] for t in taken[1:]], delimiter, width)


def _rows_inside(texts: list[str], delimiter: str, width: int) -> bool:
    """Whether continuation lines read as rows of their own: no quote inside an unquoted
    value, and either every complete row has the header's width (at least one; a value
    still open at the end may continue below) or most of them do, two at least (junk
    written over a line break leaves a short line among the joined rows)."""
    if _bare_quote("".join(texts), delimiter):
        return False
    complete = full = 0
    try:
        for row in csv.reader(texts, delimiter=delimiter, strict=True):
            complete += bool(row)
            full += len(row) == width
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return False
    return full > 0 and (full == complete or (full >= 2 and 2 * full > complete))


def _jsonl_records(path: Path, gz: bool, columns: Columns, state: dict):
    with _open_binary(path, gz) as (binary, raw):
        state["raw"] = raw
        names: list[str] | None = None
        texts = {columns.text, columns.context}  # a list there is not text: quarantined
        for line_no, line in enumerate(_physical_lines(binary), start=1):
            if not line.strip():
                continue
            text, not_utf8 = _decode(line)
            if not_utf8 is not None:
                reason = Errors.E529.format(line=line_no, where=not_utf8)
                yield line_no, line_no, None, reason, line, False
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                if line.endswith((b"\n", b"\r")):
                    reason = Errors.E522.format(reason=exc.msg)
                else:
                    reason = Errors.E531.format(reason=exc.msg)
                yield line_no, line_no, None, reason, line, False
                continue
            if not isinstance(obj, dict):
                reason = Errors.E523.format(kind=type(obj).__name__)
                yield line_no, line_no, None, reason, line, False
                continue
            if names is None:
                header = list(obj)
                if columns.id is None and "id" in header:
                    columns.id = "id"
                wanted, keep = _select(header, columns, path)
                state["keep"] = keep
                names = [*wanted, *keep]
            values = []
            repaired = False
            for name in names:
                value = obj.get(name)
                if isinstance(value, list | dict) and name not in texts:
                    value = json.dumps(value, ensure_ascii=False)  # a kept column: as JSON
                if isinstance(value, str):
                    value, fixed = repair_surrogates(value)
                    repaired = repaired or fixed
                values.append(value)
            yield line_no, line_no, values, None, line, repaired


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
            yield line, line, [cols[n][i] for n in names], None, None, False
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
            records = _csv_records(path, gz, fmt, cols, state)
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

    repaired = 0

    def roles_and_names() -> tuple[list[tuple[str, str]], list[str]]:
        roles = [(r, n) for r, n in cols.roles().items() if n is not None]
        return roles, [r for r, _ in roles] + state.get("keep", [])

    def emit() -> RawChunk:
        keep = state.get("keep", [])
        cols_now = names if names is not None else roles_and_names()[1]
        data = list(zip(*rows, strict=True)) if rows else [[] for _ in cols_now]
        frame = pd.DataFrame(
            {n: pd.Series(list(v), dtype=object) for n, v in zip(cols_now, data, strict=True)}
        )
        if ID not in frame:
            frame.insert(0, ID, [f"{path.name}:{line}" for line in lines])
        for role in (TEXT, CONTEXT, ACCOUNT, RECIPIENT):
            if role not in frame:
                frame[role] = None
        frame = frame[[ID, TEXT, CONTEXT, ACCOUNT, RECIPIENT, *[k for k in keep if k not in ROLES]]]
        raw = state.get("raw")
        nbytes = raw.count if raw is not None else state.get("bytes", 0)
        return RawChunk(seq + index, path, index, frame, bad, n_records, nbytes, repaired)

    for line, end_line, values, reason, raw_bytes, fixed in records:
        if names is None and values is not None:  # the header (and id default) is known
            roles, names = roles_and_names()
        n_records += 1
        if reason is None:
            reason = _check(values, len(roles), names)
        if reason is None:
            rows.append(values)
            lines.append(line)
            repaired += fixed
        else:
            entry = _quarantine_entry(path, line, end_line, reason, raw_bytes, values, roles, state)
            bad.append(entry)
        if n_records == chunk_rows:
            yield emit()
            index += 1
            rows, lines, bad, n_records, repaired = [], [], [], 0, 0
    if n_records:
        yield emit()


def _quarantine_entry(path, line, end_line, reason, raw_bytes, values, roles, state) -> dict:
    """One quarantine record: where, why, and the bytes (``raw_base64`` when not UTF-8)."""
    b64 = None
    if raw_bytes is not None:
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            raw = raw_bytes.decode("utf-8", "backslashreplace")
            b64 = base64.b64encode(raw_bytes).decode("ascii")
    elif values is not None:  # a Parquet row: its values as JSON
        original = [n for _, n in roles] + state.get("keep", [])
        raw = json.dumps(dict(zip(original, values, strict=True)), ensure_ascii=False, default=str)
    else:
        raw = None
    return {
        "file": str(path),
        "line": line,
        "end_line": end_line,
        "reason": reason,
        "raw": raw,
        "raw_base64": b64,
    }


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
