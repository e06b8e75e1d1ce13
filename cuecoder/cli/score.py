"""``cuecoder score``: score a file or folder of replies into a table, at any size.

It parses the arguments and calls :func:`cuecoder.corpus.batch.score_corpus`; a user
error prints one line and exits with code 1.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from ..corpus.batch import score_corpus
from ._common import err_console, user_errors

logger = logging.getLogger(__name__)


def score_command(
    input: Annotated[
        Path,
        typer.Argument(
            exists=True,
            readable=True,
            resolve_path=True,
            help="CSV, TSV, JSONL (optionally .gz) or Parquet file, or a folder of them.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Output: .parquet, .csv, .tsv or .jsonl (text ones may end .gz)."
        ),
    ],
    text_col: Annotated[str, typer.Option("--text-col", help="Column with the reply.")] = "text",
    context_col: Annotated[
        str | None, typer.Option("--context-col", help="Column with the message the reply answers.")
    ] = None,
    id_col: Annotated[
        str | None,
        typer.Option("--id-col", help="Id column [default: 'id' when present, else FILE:LINE]."),
    ] = None,
    keep: Annotated[
        str | None,
        typer.Option("--keep", help="Input columns to carry through: 'col,col' or 'all'."),
    ] = None,
    model: Annotated[
        list[Path] | None,
        typer.Option(
            "--model",
            exists=True,
            file_okay=False,
            help="Model folder; repeat for one per language, the first primary "
            "[default: the bundled English and Chinese models].",
        ),
    ] = None,
    languages: Annotated[
        str,
        typer.Option(
            "--languages",
            help="'auto': each reply to the model for its language, other languages "
            "flagged with NaN scores; 'any': score every reply (with a warning).",
        ),
    ] = "auto",
    accurate: Annotated[
        bool,
        typer.Option(
            "--accurate",
            help="Also run the model's cross-encoder (reads each reply with its message; "
            "more valid, about half the speed; see the model card).",
        ),
    ] = False,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            min=1,
            help="Encoder batch; 1 (default) makes each score independent of the others.",
        ),
    ] = 1,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", min=1, help="Rows per chunk, the unit of checkpointing.")
    ] = 10_000,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, help="Processes (or local Dask workers).")
    ] = 1,
    engine: Annotated[str, typer.Option("--engine", help="local or dask.")] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    shard: Annotated[
        str | None, typer.Option("--shard", help="Score only slice i of N ('i/N'), for job arrays.")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume/--restart", help="Continue an interrupted run, or start over.")
    ] = True,
    corpus_evidence: Annotated[
        bool,
        typer.Option(
            "--corpus-evidence/--no-corpus-evidence",
            help="Find templates across the corpus and combine them with 'automated'.",
        ),
    ] = True,
    account_col: Annotated[str | None, typer.Option("--account-col")] = None,
    recipient_col: Annotated[str | None, typer.Option("--recipient-col")] = None,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="[default: on a terminal]")
    ] = None,
) -> None:
    """Score replies for the four cues; streams, resumes, and scales to a Dask cluster."""
    try:
        with user_errors():
            summary = score_corpus(
                input,
                out,
                text_col=text_col,
                context_col=context_col,
                id_col=id_col,
                keep=keep,
                model=_accurate(model) if accurate else (model or None),
                batch_size=batch_size,
                chunk_rows=chunk_rows,
                workers=workers,
                engine=engine,
                scheduler=scheduler,
                shard=shard,
                resume=resume,
                corpus_evidence=corpus_evidence,
                account_col=account_col,
                recipient_col=recipient_col,
                progress=progress,
                languages=languages,
            )
    except KeyboardInterrupt:
        err_console.print("Interrupted; run the same command again to resume.")
        raise typer.Exit(130) from None
    err_console.print(
        f"Scored {summary.rows_scored:,} rows ({summary.rows_resumed:,} from an earlier run), "
        f"{summary.rows_flagged:,} flagged, "
        f"{summary.rows_unsupported_language:,} in languages no model reads (NaN), "
        f"{summary.rows_quarantined:,} quarantined ({summary.lines_quarantined:,} input lines), "
        + (f"{summary.rows_repaired:,} repaired, " if summary.rows_repaired else "")
        + f"in {summary.seconds:,.1f} s ({summary.rows_per_second:,.0f} rows/s) -> {summary.output}"
        + (f"; quarantine: {summary.quarantine}" if summary.quarantine else ""),
        highlight=False,
    )


def _accurate(model: list[Path] | None):
    """The models loaded with their cross-encoders (E018 when the first has none)."""
    from ..coder import load

    return load(model or None, accurate=True)
