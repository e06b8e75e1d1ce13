"""``cuecoder mediate``: scored replies + survey -> mediation tables, path diagram, APA text."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from ..stats.mediation import CI_METHODS, MIN_LEVEL_ROWS, SE_TYPES, STAGES
from ..stats.pipeline import run_mediation
from ._common import console, user_errors

logger = logging.getLogger(__name__)


def mediate_command(
    # Paths are checked by the reader, not by typer, so that a missing file is a one-line
    # user error (exit 1) like every other.
    scores: Annotated[
        Path, typer.Option(help="Scored replies (csv, parquet, jsonl).", dir_okay=False)
    ],
    survey: Annotated[Path, typer.Option(help="Survey table, one row per key.", dir_okay=False)],
    join: Annotated[str, typer.Option(help="Key column shared by scores and survey.")],
    x: Annotated[str, typer.Option(help="Predictor, e.g. a cue such as openness.")],
    m: Annotated[list[str], typer.Option(help="Mediator(s); repeat for parallel mediators.")],
    y: Annotated[list[str], typer.Option(help="Outcome(s); repeat for several.")],
    moderator: Annotated[
        str | None,
        typer.Option(
            help="Numeric moderator column after aggregation, e.g. automated (an account's "
            "mean per-reply probability) or automated_corpus_share."
        ),
    ] = None,
    stage: Annotated[str, typer.Option(help=f"Moderated stage: {', '.join(STAGES)}.")] = "first",
    covar: Annotated[list[str] | None, typer.Option(help="Covariate(s); repeatable.")] = None,
    by: Annotated[
        str | None, typer.Option(help="Column of the scores to group replies by (default: --join).")
    ] = None,
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 5000,
    ci: Annotated[
        str | None,
        typer.Option(
            help=f"Bootstrap CI: {', '.join(CI_METHODS)} [default: percentile; bc with --codes]."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Folder for tables, summary and diagrams.", file_okay=False)
    ] = None,
    serial: Annotated[
        bool, typer.Option(help="Serial mediators in the order given (PROCESS model 6).")
    ] = False,
    se: Annotated[
        str, typer.Option(help=f"Standard errors of the regression paths: {', '.join(SE_TYPES)}.")
    ] = "classical",
    min_level_rows: Annotated[
        int, typer.Option(help="Fewest rows per level of a two-valued moderator.")
    ] = MIN_LEVEL_ROWS,
    codes: Annotated[
        Path | None,
        typer.Option(
            help="Hand-coded sample (from `cuecoder sample`) to correct a predicted --x.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Test whether a cue works through a mediator: aggregate, join, bootstrap, report."""
    with user_errors(), console.status(f"Bootstrapping {n_boot} resamples..."):
        result, summary, written = run_mediation(
            scores,
            survey,
            join,
            x,
            m,
            y,
            moderator,
            stage,
            covar,
            by,
            n_boot,
            ci,
            seed,
            out,
            serial=serial,
            se=se,
            min_level_rows=min_level_rows,
            codes=codes,
        )
    console.print(summary, soft_wrap=True, highlight=False)
    for path in written:
        console.print(f"wrote {path}", highlight=False)
