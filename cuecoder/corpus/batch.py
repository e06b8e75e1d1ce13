"""Score a scraped corpus of any size: streaming, resumable, on every core or a cluster.

:func:`score_corpus` reads the input in chunks (:func:`cuecoder.corpus.io.iter_chunks`),
scores each chunk, writes it as a Parquet part file (temporary file, then rename) and
records it in a manifest; at the end the parts are merged into the output, again
atomically. Memory is that of a few chunks whatever the corpus size. A run that stops
(Ctrl-C, ``kill -9``, power loss) continues where it stopped when started again with the
same arguments: chunks are formed deterministically, so the resumed run forms the same
encoder batches as a clean one and every input row appears exactly once in the output.

Notes
-----
Inside a chunk, identical (reply, context) pairs are scored once, and the encoder
sorts the remaining texts by token count before batching (see
:class:`cuecoder.model.encoder.OnnxEncoder`), which cuts padding. Dynamic int8
quantization makes an embedding depend very slightly on its batch mates, so scores are
a function of the chunking (``chunk_rows``, file order): change ``chunk_rows`` and a
score may move in the third decimal. Sharding (``shard=(i, n)``) hands out whole chunks
(chunk ``k`` to shard ``k % n``), so the union of the shards equals an unsharded run.

Output columns: the id (the ``id_col``, else ``id`` when the input has one, else
``FILE:LINE``), the kept input columns, then the columns of :meth:`Coder.score
<cuecoder.coder.Coder.score>`. ``evidence`` is a JSON string in every output format
(one portable type for CSV, Parquet and JSON lines; ``json.loads`` gives the list of
dicts back). Rows that can't be scored go to ``<out>.quarantine.jsonl`` with file, line
and reason; rows whose text is empty are quarantined too, so ``empty`` is False in the
output.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import CuecoderError, Errors
from . import io as cio

logger = logging.getLogger(__name__)

Engine = Literal["local", "dask"]
ENGINES = ("local", "dask")
CHUNK_ROWS = 10_000  # about 25 s of work at 400 replies/s: little to redo after a crash
LOG_EVERY = 30.0  # seconds between progress log lines when stderr is not a terminal
MANIFEST = "manifest.jsonl"
SCORE_COLUMNS_TAIL = ("evidence", "empty", "truncated")
TEMPLATE_COLUMNS = ("automated_reply", "template_id", "template_size", "template_recipients")


@dataclass
class CorpusSummary:
    """What :func:`score_corpus` did.

    ``rows_flagged`` counts scored rows with a warning flag (``truncated``: longer than
    the encoder's limit); ``rows_per_second`` is over the rows scored by this run,
    ``rows_resumed`` the rows found scored by an earlier, interrupted run.
    """

    output: str
    quarantine: str | None
    rows_scored: int
    rows_flagged: int
    rows_quarantined: int
    rows_resumed: int
    chunks: int
    seconds: float
    rows_per_second: float

    def as_dict(self) -> dict:
        return asdict(self)


def parse_shard(value: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """``"i/N"`` or ``(i, N)`` to a checked tuple (E107).

    Examples
    --------
    >>> parse_shard("1/4")
    (1, 4)
    """
    if value is None:
        return None
    try:
        i, n = value.split("/") if isinstance(value, str) else value
        i, n = int(i), int(n)
    except (TypeError, ValueError):
        raise CuecoderError(Errors.E107.format(value=value)) from None
    if not (n >= 1 and 0 <= i < n):
        raise CuecoderError(Errors.E107.format(value=value))
    return i, n


def parse_keep(value: str | Sequence[str] | None) -> list[str] | Literal["all"]:
    """``"a,b"``, ``"all"`` or a list to the ``keep`` setting."""
    if value is None:
        return []
    if isinstance(value, str):
        if value.strip().lower() == "all":
            return "all"
        value = value.split(",")
    return list(dict.fromkeys(v.strip() for v in value if v.strip()))


# -- scoring one chunk -----------------------------------------------------------------


def score_frame(
    coder,
    frame: pd.DataFrame,
    batch_size: int = 1,
    index=None,
    id_name: str = "id",
) -> pd.DataFrame:
    """Score one chunk (internal columns of :class:`~cuecoder.corpus.io.RawChunk`).

    Identical (reply, context) pairs are scored once. With a finalized ``index``
    (:class:`~cuecoder.corpus.templates.TemplateIndex`), ``automated`` is combined with
    the reply's template evidence and the per-reply probability kept as
    ``automated_reply``.
    """
    texts = frame[cio.TEXT].tolist()
    contexts = [c if isinstance(c, str) else None for c in frame[cio.CONTEXT]]
    keys = pd.Series(
        [t if c is None else f"{t}\x00\x01{c}" for t, c in zip(texts, contexts, strict=True)]
    )
    codes, uniques = pd.factorize(keys, sort=False)
    first = np.unique(codes, return_index=True)[1]  # first row of each distinct pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # per-chunk warnings are counted in the summary
        table = coder.score(
            [texts[i] for i in first], [contexts[i] for i in first], batch_size=batch_size
        )
    table = table.iloc[codes].reset_index(drop=True)
    if index is not None:
        from .templates import combine_automated

        found = index.lookup(texts, frame[cio.ACCOUNT].tolist())
        table["automated_reply"] = table["automated"]
        table["automated"] = combine_automated(
            table["automated"].to_numpy(),
            found["template_size"].to_numpy(),
            found["template_recipients"].to_numpy(),
            coder.meta.get("corpus_evidence"),
        )
        table["automated_label"] = (
            table["automated"] >= coder.threshold("automated", corpus_evidence=True)
        ).to_numpy()
        for name in TEMPLATE_COLUMNS[1:]:
            table[name] = found[name].to_numpy()
        # a string column even when no row of the chunk is in a template (typed parts)
        table["template_id"] = table["template_id"].astype("string")
        order = [c for c in table.columns if c not in TEMPLATE_COLUMNS]
        at = order.index("automated") + 1
        table = table[order[:at] + list(TEMPLATE_COLUMNS) + order[at:]]
    table["evidence"] = [json.dumps(ev, ensure_ascii=False) for ev in table["evidence"]]
    kept = frame.drop(columns=[cio.ID, cio.TEXT, cio.CONTEXT, cio.ACCOUNT, cio.RECIPIENT])
    kept = kept.rename(
        columns={c: f"{c}_input" for c in kept.columns if c in table.columns or c == id_name}
    )
    head = pd.DataFrame({id_name: frame[cio.ID].astype(object).to_numpy()})
    return pd.concat([head, kept.reset_index(drop=True), table], axis=1)


def output_meta(
    coder_labels: Sequence[str], kept: Sequence[str], id_name: str, corpus_evidence: bool
) -> pd.DataFrame:
    """An empty frame with the columns and dtypes :func:`score_frame` returns."""
    cols: dict[str, pd.Series] = {id_name: pd.Series([], dtype=object)}
    for k in kept:
        cols[f"{k}_input" if k == id_name else k] = pd.Series([], dtype=object)
    for label in coder_labels:
        cols[label] = pd.Series([], dtype=float)
        if label == "automated" and corpus_evidence:
            cols["automated_reply"] = pd.Series([], dtype=float)
            cols["template_id"] = pd.Series([], dtype=object)
            cols["template_size"] = pd.Series([], dtype=np.int64)
            cols["template_recipients"] = pd.Series([], dtype=np.int64)
    cols["interactivity"] = pd.Series([], dtype=float)
    for label in [*coder_labels, "interactivity"]:
        cols[f"{label}_label"] = pd.Series([], dtype=bool)
    cols["evidence"] = pd.Series([], dtype=object)
    cols["empty"] = pd.Series([], dtype=bool)
    cols["truncated"] = pd.Series([], dtype=bool)
    return pd.DataFrame(cols)


# -- executors: inline, processes (dask lives in dask_engine) --------------------------

_WORKER: dict = {}


def _init_worker(model_path: str, n_threads: int | None, index) -> None:
    """Process-pool initializer: load the model once per process."""
    from ..coder import load

    _WORKER["coder"] = load(model_path, n_threads=n_threads)
    _WORKER["index"] = index


def _score_in_worker(frame: pd.DataFrame, batch_size: int, id_name: str) -> pd.DataFrame:
    return score_frame(_WORKER["coder"], frame, batch_size, _WORKER["index"], id_name)


class _InlineExecutor:
    """Scores in this process, one chunk at a time."""

    max_pending = 1

    def __init__(self, coder, index, batch_size: int, id_name: str) -> None:
        self.coder, self.index = coder, index
        self.batch_size, self.id_name = batch_size, id_name

    def submit(self, frame: pd.DataFrame) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(
                score_frame(self.coder, frame, self.batch_size, self.index, self.id_name)
            )
        except Exception as exc:  # noqa: BLE001 - re-raised by result() in the caller
            future.set_exception(exc)
        return future

    def wait_first(self, futures):
        return cf.wait(futures, return_when=cf.FIRST_COMPLETED)

    def close(self) -> None:
        pass


class _ProcessExecutor(_InlineExecutor):
    """Scores in ``workers`` processes, each loading the model once."""

    def __init__(
        self, model_path: Path, workers: int, index, batch_size: int, id_name: str
    ) -> None:
        n_threads = max(1, (os.cpu_count() or 1) // workers)
        self.pool = cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(str(model_path), n_threads, index),
        )
        self.max_pending = 2 * workers
        self.batch_size, self.id_name = batch_size, id_name

    def submit(self, frame: pd.DataFrame) -> cf.Future:
        return self.pool.submit(_score_in_worker, frame, self.batch_size, self.id_name)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


# -- progress --------------------------------------------------------------------------


class _Progress:
    """A rich progress bar on a terminal, log lines every ``LOG_EVERY`` s otherwise."""

    def __init__(self, enabled: bool | None) -> None:
        self.bar = None
        self.start = time.perf_counter()
        self.last_log = self.start
        self.rows = 0
        if enabled is None:
            enabled = sys.stderr.isatty()
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("scoring"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.completed:,.0f}/~{task.total:,.0f} rows"),
                TextColumn("{task.fields[rate]:,.0f} rows/s"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self.task = self.bar.add_task("scoring", total=None, rate=0.0)
            self.bar.start()

    def update(self, rows_done: int, new_rows: int, est_total: float) -> None:
        self.rows += new_rows
        now = time.perf_counter()
        rate = self.rows / max(now - self.start, 1e-9)
        if self.bar is not None:
            self.bar.update(
                self.task, completed=rows_done, total=max(est_total, rows_done), rate=rate
            )
        elif now - self.last_log >= LOG_EVERY:
            self.last_log = now
            left = max(est_total - rows_done, 0) / rate if rate else float("nan")
            logger.info(
                "scored %s rows (~%.0f%%), %.0f rows/s, ETA %s",
                f"{rows_done:,}",
                100 * rows_done / max(est_total, 1),
                rate,
                _hms(left),
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _hms(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "?"
    s = int(seconds)
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


# -- the run ---------------------------------------------------------------------------


def _model_token(coder) -> str:
    files = json.dumps(coder.meta.get("files", {}), sort_keys=True)
    return (
        f"{coder.meta['name']}@{coder.meta['version']}:"
        + hashlib.sha256(files.encode()).hexdigest()[:16]
    )


def _fingerprint(files: list[Path], columns: cio.Columns, settings: dict) -> dict:
    """What a resumed run must share with the interrupted one (as JSON would give it)."""
    return json.loads(
        json.dumps(
            {
                "inputs": [
                    [str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for p in files
                ],
                "columns": dict(columns.__dict__),
                **settings,
            }
        )
    )


def _strip_ext(path: Path) -> str:
    name = path.name
    for ext in sorted(cio.OUTPUT_FORMATS, key=len, reverse=True):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def quarantine_path(out: str | Path) -> Path:
    """Where the quarantined rows of output ``out`` go: ``<stem>.quarantine.jsonl``."""
    out = Path(out)
    return out.with_name(f"{_strip_ext(out)}.quarantine.jsonl")


def parts_dir(out: str | Path) -> Path:
    """The folder of part files and manifest of an unfinished run writing ``out``."""
    out = Path(out)
    return out.with_name(f".{out.name}.parts")


class _Manifest:
    """Header line with the run's fingerprint, then one line per committed chunk."""

    def __init__(self, folder: Path, fingerprint: dict, resume: bool) -> None:
        self.folder = folder
        self.path = folder / MANIFEST
        self.done: dict[int, dict] = {}
        if folder.exists() and not resume:
            shutil.rmtree(folder)
        if self.path.exists():
            lines = self.path.read_text(encoding="utf-8").splitlines()
            header = _json_or_none(lines[0]) if lines else None
            old = (header or {}).get("fingerprint")
            if old is not None and old != fingerprint:
                changed = sorted(
                    k for k in {*old, *fingerprint} if old.get(k) != fingerprint.get(k)
                )
                raise CuecoderError(Errors.E501.format(parts=folder, changed=", ".join(changed)))
            if old is not None:
                for line in lines[1:]:
                    entry = _json_or_none(line)  # a torn last line (power loss) is skipped
                    if entry and (folder / entry["part"]).exists():
                        self.done[int(entry["seq"])] = entry
                if self.done:
                    logger.info("resuming: %d chunks already scored in %s", len(self.done), folder)
                self.fh = open(self.path, "a", encoding="utf-8")
                return
        folder.mkdir(parents=True, exist_ok=True)
        with cio.atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps({"fingerprint": fingerprint}) + "\n", encoding="utf-8")
        self.fh = open(self.path, "a", encoding="utf-8")

    def commit(self, entry: dict) -> None:
        self.fh.write(json.dumps(entry) + "\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.done[int(entry["seq"])] = entry

    def close(self) -> None:
        self.fh.close()


def _json_or_none(line: str):
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return None


def build_template_index(
    files: Sequence[Path], columns: cio.Columns, chunk_rows: int, params: dict | None
):
    """First pass for corpus evidence: a finalized template index of every input row."""
    from .templates import TemplateIndex

    try:
        from .templates import index_from_params

        index = index_from_params(params)
    except ImportError:
        index = TemplateIndex(threshold=0.8, num_perm=64, min_size=2)
    for chunk in cio.iter_chunks(files, columns, chunk_rows):
        f = chunk.frame
        index.add(
            f[cio.TEXT].tolist(),
            accounts=f[cio.ACCOUNT].tolist(),
            recipients=f[cio.RECIPIENT].tolist(),
            ids=f[cio.ID].tolist(),
        )
    return index.finalize()


def score_corpus(
    path_or_paths: str | Path | Sequence[str | Path],
    out: str | Path,
    *,
    text_col: str = "text",
    context_col: str | None = None,
    id_col: str | None = None,
    keep: str | Sequence[str] | None = None,
    model=None,
    batch_size: int = 1,
    chunk_rows: int = CHUNK_ROWS,
    workers: int = 1,
    engine: Engine = "local",
    scheduler: str | None = None,
    client=None,
    shard: str | tuple[int, int] | None = None,
    resume: bool = True,
    corpus_evidence: bool = True,
    account_col: str | None = None,
    recipient_col: str | None = None,
    progress: bool | None = None,
    keep_parts: bool = False,
    callback: Callable[[dict], None] | None = None,
) -> CorpusSummary:
    """Score a corpus file or folder into ``out`` with constant memory; resumable.

    Parameters
    ----------
    path_or_paths : path or list of paths
        Files (``.csv``, ``.tsv``, ``.jsonl``, the three with ``.gz``, ``.parquet``) or
        folders of them.
    out : path
        Output file; the format follows its extension (``.parquet``, ``.csv``, ``.tsv``,
        ``.jsonl``, the text ones optionally ``.gz``).
    text_col, context_col, id_col : str
        Input columns of the reply, the message it answers and the row id (default: a
        column ``id`` if there is one, else ``FILE:LINE``).
    keep : "col,col", list or "all"
        Input columns to carry into the output (the id always is).
    model : path or Coder, optional
        Model folder or a loaded :class:`~cuecoder.coder.Coder`; default model if None.
    batch_size, chunk_rows : int
        Encoder batch size and rows per chunk (the unit of checkpointing).
    workers : int
        Processes (local engine) or local Dask workers (dask engine without scheduler),
        each loading the model once.
    engine : {"local", "dask"}
        Score here, or with ``dask.dataframe`` on a cluster (``scheduler`` address or a
        ``client``, e.g. of a ``dask_jobqueue.SLURMCluster``).
    shard : "i/N", optional
        Score only the chunks ``k`` with ``k % N == i`` (for job arrays).
    resume : bool
        Continue an interrupted run with the same arguments (default); False starts over.
    corpus_evidence : bool
        First pass over the whole corpus to find templates, then combine them with the
        per-reply ``automated`` score (``account_col``, ``recipient_col`` help).
    progress : bool, optional
        Progress bar; None shows it when stderr is a terminal (else log lines).
    keep_parts : bool
        Keep the part files after merging (for inspection).
    callback : callable, optional
        Called with each committed chunk's manifest entry (seq, rows, ...).

    Returns
    -------
    CorpusSummary

    Examples
    --------
    >>> from cuecoder.corpus.batch import score_corpus
    >>> summary = score_corpus("replies.csv", "scores.parquet")  # doctest: +SKIP
    >>> summary.rows_scored  # doctest: +SKIP
    1250000
    """
    t0 = time.perf_counter()
    if engine not in ENGINES:
        raise CuecoderError(Errors.E104.format(value=engine, name="engine", valid=list(ENGINES)))
    if engine == "local" and scheduler is not None:
        raise CuecoderError(Errors.E504)
    for name, value in (
        ("workers", workers),
        ("batch_size", batch_size),
        ("chunk_rows", chunk_rows),
    ):
        if not isinstance(value, int | np.integer) or value < 1:
            raise CuecoderError(
                Errors.E502.format(name=name, requirement="an integer >= 1", value=value)
            )
    shard_t = parse_shard(shard)
    out = Path(out)
    cio.output_format(out)
    files = cio.list_inputs(path_or_paths)
    if any(p.resolve() == out.resolve() for p in files):
        raise CuecoderError(Errors.E505.format(out=out))
    columns = cio.Columns(
        text=text_col,
        context=context_col,
        id=id_col,
        account=account_col,
        recipient=recipient_col,
        keep=parse_keep(keep),
    )
    # check every file's columns up front: a wrong name stops the run before any work
    for p in files:
        next(iter(cio.iter_chunks([p], columns, chunk_rows=1)), None)

    from ..coder import Coder, load

    coder = model if isinstance(model, Coder) else load(model)
    id_name = id_col or "id"
    settings = {
        "chunk_rows": chunk_rows,
        "batch_size": batch_size,
        "shard": shard_t,
        "model": _model_token(coder),
        "corpus_evidence": bool(corpus_evidence),
    }
    folder = parts_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    manifest = _Manifest(folder, _fingerprint(files, columns, settings), resume)

    index = None
    if corpus_evidence:
        cio_cols = cio.Columns(**columns.__dict__)
        index = build_template_index(files, cio_cols, chunk_rows, coder.meta.get("corpus_evidence"))

    if engine == "dask":
        from .dask_engine import DaskExecutor

        executor = DaskExecutor(
            coder.path,
            index,
            batch_size,
            id_name,
            labels=coder.labels,
            workers=workers,
            scheduler=scheduler,
            client=client,
        )
    elif workers > 1:
        executor = _ProcessExecutor(coder.path, workers, index, batch_size, id_name)
    else:
        executor = _InlineExecutor(coder, index, batch_size, id_name)

    total_bytes = sum(p.stat().st_size for p in files) or 1
    file_offset: dict[Path, int] = {}
    offset = 0
    for p in files:
        file_offset[p] = offset
        offset += p.stat().st_size
    bar = _Progress(progress)
    pending: dict = {}
    counts = {"rows": sum(e["rows"] for e in manifest.done.values()), "read": 0}
    rows_resumed = counts["rows"]
    state = {"est": 0.0}

    def commit(future, chunk_info) -> None:
        seq, bad, path = chunk_info
        try:
            scored = future.result()
        except CuecoderError:
            raise
        except Exception as exc:
            raise CuecoderError(Errors.E506.format(seq=seq, path=path, reason=exc)) from exc
        if bad:
            cio.write_jsonl_atomic(bad, folder / f"quarantine-{seq:08d}.jsonl")
        part = f"part-{seq:08d}.parquet"
        cio.write_parquet_atomic(scored, folder / part)
        entry = {
            "seq": seq,
            "part": part,
            "rows": len(scored),
            "flagged": int(scored["truncated"].sum()),
            "quarantined": len(bad),
        }
        manifest.commit(entry)
        counts["rows"] += len(scored)
        bar.update(counts["rows"], len(scored), state["est"])
        if callback is not None:
            callback(entry)

    meta = output_meta(coder.labels, [], id_name, bool(corpus_evidence))
    try:
        for chunk in cio.iter_chunks(files, columns, chunk_rows):
            counts["read"] += chunk.n_records
            done_bytes = file_offset[chunk.path] + chunk.bytes_read
            state["est"] = counts["read"] * total_bytes / max(done_bytes, 1)
            if shard_t is not None and chunk.seq % shard_t[1] != shard_t[0]:
                continue
            if chunk.seq in manifest.done:
                continue
            info = (chunk.seq, chunk.bad, chunk.path)
            if chunk.frame.empty:  # every record quarantined: commit an empty part
                empty = cf.Future()
                kept = [c for c in chunk.frame.columns if not c.startswith("__")]
                empty.set_result(
                    output_meta(coder.labels, kept, id_name, bool(corpus_evidence))
                    if kept
                    else meta
                )
                commit(empty, info)
                continue
            pending[executor.submit(chunk.frame)] = info
            while len(pending) >= executor.max_pending:
                done, _ = executor.wait_first(list(pending))
                for future in sorted(done, key=lambda f: pending[f][0]):
                    commit(future, pending.pop(future))
        while pending:
            done, _ = executor.wait_first(list(pending))
            for future in sorted(done, key=lambda f: pending[f][0]):
                commit(future, pending.pop(future))
    finally:
        for future in pending:
            future.cancel()
        executor.close()
        bar.close()
        manifest.close()

    seqs = sorted(manifest.done)
    parts = [folder / manifest.done[s]["part"] for s in seqs]
    n_rows = cio.merge_parts(parts, out)
    bad_parts = [folder / f"quarantine-{s:08d}.jsonl" for s in seqs]
    qpath = quarantine_path(out)
    n_bad = sum(manifest.done[s]["quarantined"] for s in seqs)
    if n_bad:
        with cio.atomic_path(qpath) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            for p in bad_parts:
                if p.exists():
                    fh.write(p.read_text(encoding="utf-8"))
    elif qpath.exists():
        qpath.unlink()  # stale, from an earlier run of the same output
    if not keep_parts:
        shutil.rmtree(folder, ignore_errors=True)
    seconds = time.perf_counter() - t0
    summary = CorpusSummary(
        output=str(out),
        quarantine=str(qpath) if n_bad else None,
        rows_scored=n_rows,
        rows_flagged=sum(manifest.done[s]["flagged"] for s in seqs),
        rows_quarantined=n_bad,
        rows_resumed=rows_resumed,
        chunks=len(seqs),
        seconds=seconds,
        rows_per_second=(n_rows - rows_resumed) / seconds if seconds > 0 else 0.0,
    )
    logger.info(
        "scored %s rows (%s flagged, %s quarantined) in %.1f s, %.0f rows/s",
        f"{summary.rows_scored:,}",
        f"{summary.rows_flagged:,}",
        f"{summary.rows_quarantined:,}",
        seconds,
        summary.rows_per_second,
    )
    return summary


__all__ = [
    "score_corpus",
    "score_frame",
    "CorpusSummary",
    "parse_shard",
    "parse_keep",
    "quarantine_path",
    "parts_dir",
    "build_template_index",
]
