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
import logging
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import CuecoderError, Errors, Warnings
from . import read as cread
from . import write as cwrite
from .checkpoint import Manifest, fingerprint, model_token, parts_dir, quarantine_path
from .executors import InlineExecutor, ProcessExecutor
from .frame import output_meta
from .lock import OutputLock
from .progress import Progress

logger = logging.getLogger(__name__)

Engine = Literal["local", "dask"]
ENGINES = ("local", "dask")
CHUNK_ROWS = 10_000  # about 25 s of work at 400 replies/s: little to redo after a crash


@dataclass
class CorpusSummary:
    """What :func:`score_corpus` did.

    ``rows_flagged`` counts scored rows with a warning flag (``truncated``: longer than
    the encoder's limit, or cut at 4,096 characters); ``rows_quarantined`` the records
    in the quarantine file and ``lines_quarantined`` the physical input lines they hold (a
    record may span lines; after a broken record each of its lines is one entry);
    ``rows_repaired`` scored rows whose text had lone surrogates replaced (W500);
    ``rows_unsupported_language`` the rows in a language no loaded model reads (NaN
    scores, see :meth:`Coder.score <cuecoder.coder.Coder.score>`). ``rows_per_second`` is
    over the rows scored by this run, ``rows_resumed`` the rows found scored by an
    earlier, interrupted run.
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
    lines_quarantined: int = 0
    rows_repaired: int = 0
    rows_unsupported_language: int = 0

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


# -- executors: inline, processes (dask lives in dask_engine) --------------------------


# -- progress --------------------------------------------------------------------------


# -- the run ---------------------------------------------------------------------------


def build_template_index(
    files: Sequence[Path], columns: cread.Columns, chunk_rows: int, params: dict | None
):
    """First pass for corpus evidence: a finalized template index of every input row."""
    from ..templates.evidence import index_from_params

    index = index_from_params(params)
    for chunk in cread.iter_chunks(files, columns, chunk_rows):
        f = chunk.frame
        index.add(
            f[cread.TEXT].tolist(),
            accounts=f[cread.ACCOUNT].tolist(),
            recipients=f[cread.RECIPIENT].tolist(),
            ids=f[cread.ID].tolist(),
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
    languages: str = "auto",
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
    model : path, list of paths or Coder, optional
        Model folder(s) or a loaded :class:`~cuecoder.coder.Coder`; the shipped models
        (English and Chinese, routed by language) if None.
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
    languages : {"auto", "any"}
        As in :meth:`Coder.score <cuecoder.coder.Coder.score>`: route each reply to the
        model for its language and flag the rest, or score every reply.

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
                Errors.E307.format(name=name, requirement="an integer >= 1", value=value)
            )
    shard_t = parse_shard(shard)
    out = Path(out)
    cwrite.output_format(out)
    files = cread.list_inputs(path_or_paths)
    check_outputs(files, out)
    columns = cread.Columns(
        text=text_col,
        context=context_col,
        id=id_col,
        account=account_col,
        recipient=recipient_col,
        keep=parse_keep(keep),
    )
    # check every file's columns up front: a wrong name stops the run before any work
    for p in files:
        next(iter(cread.iter_chunks([p], columns, chunk_rows=1)), None)

    from ..coder import LANGUAGE_MODES, Coder, load

    if languages not in LANGUAGE_MODES:
        raise CuecoderError(Errors.E121.format(value=languages))
    coder = model if isinstance(model, Coder) else load(model)
    id_name = id_col or "id"
    settings = {
        "chunk_rows": chunk_rows,
        "batch_size": batch_size,
        "shard": shard_t,
        "model": model_token(coder),
        "corpus_evidence": bool(corpus_evidence),
        "languages": languages,
    }
    folder = parts_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with OutputLock(out):
        return _run(
            files=files,
            out=out,
            folder=folder,
            columns=columns,
            settings=settings,
            coder=coder,
            resume=resume,
            corpus_evidence=corpus_evidence,
            chunk_rows=chunk_rows,
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            client=client,
            batch_size=batch_size,
            id_name=id_name,
            shard_t=shard_t,
            progress=progress,
            keep_parts=keep_parts,
            callback=callback,
            t0=t0,
            languages=languages,
        )


def check_outputs(files: Sequence[Path], out: Path) -> None:
    """Refuse an output, or its quarantine file, that is one of the inputs (E505, E509),
    by path or as the same file under another name (a hard or symbolic link)."""
    targets = {"output": out, "quarantine file": quarantine_path(out)}
    for what, target in targets.items():
        for p in files:
            same = p.resolve() == target.resolve()
            if not same and target.exists():
                try:
                    same = target.samefile(p)
                except OSError:
                    same = False
            if same:
                if what == "output":
                    raise CuecoderError(Errors.E505.format(out=out))
                raise CuecoderError(Errors.E509.format(what=what, path=target, out=out))


def _run(
    *,
    files,
    out,
    folder,
    columns,
    settings,
    coder,
    resume,
    corpus_evidence,
    chunk_rows,
    engine,
    workers,
    scheduler,
    client,
    batch_size,
    id_name,
    shard_t,
    progress,
    keep_parts,
    callback,
    t0,
    languages,
) -> CorpusSummary:
    """The run proper, under the output's lock."""
    manifest = Manifest(folder, fingerprint(files, columns, settings), resume)

    index = None
    if corpus_evidence:
        cio_cols = cread.Columns(**columns.__dict__)
        index = build_template_index(files, cio_cols, chunk_rows, coder.corpus_model)

    if engine == "dask":
        from .dask_engine import DaskExecutor

        executor = DaskExecutor(
            coder.paths,
            index,
            batch_size,
            id_name,
            labels=coder.labels,
            workers=workers,
            scheduler=scheduler,
            client=client,
            languages=languages,
            load_options=coder.load_options,
        )
    elif workers > 1:
        executor = ProcessExecutor(
            coder.paths, workers, index, batch_size, id_name, languages, coder.load_options
        )
    else:
        executor = InlineExecutor(coder, index, batch_size, id_name, languages)

    total_bytes = sum(p.stat().st_size for p in files) or 1
    file_offset: dict[Path, int] = {}
    offset = 0
    for p in files:
        file_offset[p] = offset
        offset += p.stat().st_size
    bar = Progress(progress)
    pending: dict = {}
    counts = {"rows": sum(e["rows"] for e in manifest.done.values()), "read": 0}
    rows_resumed = counts["rows"]
    state = {"est": 0.0}

    def commit(future, chunk_info) -> None:
        seq, bad, path, repaired = chunk_info
        try:
            scored = future.result()
        except CuecoderError:
            raise
        except Exception as exc:
            raise CuecoderError(Errors.E506.format(seq=seq, path=path, reason=exc)) from exc
        if bad:
            cwrite.write_jsonl_atomic(bad, folder / f"quarantine-{seq:08d}.jsonl")
        part = f"part-{seq:08d}.parquet"
        cwrite.write_parquet_atomic(scored, folder / part)
        entry = {
            "seq": seq,
            "part": part,
            "rows": len(scored),
            "flagged": int(scored["truncated"].sum()),
            "unsupported_language": int(scored["unsupported_language"].sum()),
            "quarantined": len(bad),
            "quarantined_lines": sum(b["end_line"] - b["line"] + 1 for b in bad),
            "repaired": repaired,
        }
        manifest.commit(entry)
        counts["rows"] += len(scored)
        bar.update(counts["rows"], len(scored), state["est"])
        if callback is not None:
            callback(entry)

    meta = output_meta(coder.labels, [], id_name, bool(corpus_evidence))
    try:
        for chunk in cread.iter_chunks(files, columns, chunk_rows):
            counts["read"] += chunk.n_records
            done_bytes = file_offset[chunk.path] + chunk.bytes_read
            state["est"] = counts["read"] * total_bytes / max(done_bytes, 1)
            if shard_t is not None and chunk.seq % shard_t[1] != shard_t[0]:
                continue
            if chunk.seq in manifest.done:
                continue
            info = (chunk.seq, chunk.bad, chunk.path, chunk.repaired)
            if chunk.repaired:
                warnings.warn(Warnings.W500.format(n=chunk.repaired, path=chunk.path), stacklevel=2)
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
    n_rows = cwrite.merge_parts(parts, out)
    bad_parts = [folder / f"quarantine-{s:08d}.jsonl" for s in seqs]
    qpath = quarantine_path(out)
    n_bad = sum(manifest.done[s]["quarantined"] for s in seqs)
    if n_bad:
        with cwrite.atomic_path(qpath) as tmp, open(tmp, "w", encoding="utf-8") as fh:
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
        lines_quarantined=sum(manifest.done[s].get("quarantined_lines", 0) for s in seqs),
        rows_repaired=sum(manifest.done[s].get("repaired", 0) for s in seqs),
        rows_unsupported_language=sum(
            manifest.done[s].get("unsupported_language", 0) for s in seqs
        ),
    )
    logger.info(
        "scored %s rows (%s flagged, %s in unsupported languages, %s quarantined on %s "
        "lines) in %.1f s, %.0f rows/s",
        f"{summary.rows_scored:,}",
        f"{summary.rows_flagged:,}",
        f"{summary.rows_unsupported_language:,}",
        f"{summary.rows_quarantined:,}",
        f"{summary.lines_quarantined:,}",
        seconds,
        summary.rows_per_second,
    )
    return summary


__all__ = [
    "score_corpus",
    "CorpusSummary",
    "parse_shard",
    "parse_keep",
    "build_template_index",
    "check_outputs",
]
