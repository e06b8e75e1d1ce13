"""``cuecoder mediate``: scored replies + survey -> mediation tables, path diagram, APA text."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ..corpus.read import read_table
from ..stats.aggregate import aggregate, join_survey
from ..stats.diagram import save_diagram
from ..stats.mediation import CI_METHODS, STAGES, mediate
from ..stats.report import apa_summary
from ._common import console, user_errors

logger = logging.getLogger(__name__)


def run_mediation(
    scores: Path,
    survey: Path,
    join: str,
    x: str,
    m: list[str],
    y: list[str],
    moderator: str | None = None,
    stage: str = "first",
    covar: list[str] | None = None,
    by: str | None = None,
    n_boot: int = 5000,
    ci: str = "percentile",
    seed: int = 0,
    out: Path | None = None,
) -> tuple[pd.DataFrame, str, list[Path]]:
    """The library function behind the command: returns table, summary and written files."""
    scored = read_table(scores)
    cues = aggregate(scored, by=by or join)
    if by and by != join:
        cues = cues.rename(columns={by: join})
    data = join_survey(cues, read_table(survey), on=join)
    result = mediate(
        data,
        x=x,
        m=m,
        y=y,
        covar=covar or None,
        moderator=moderator,
        stage=stage,
        n_boot=n_boot,
        ci=ci,
        seed=seed,
    )
    summary = apa_summary(result)
    written: list[Path] = []
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        table_path = out / "mediation.csv"
        result.to_csv(table_path, index=False)
        data_path = out / "analysis_data.csv"
        data.to_csv(data_path, index=False)
        summary_path = out / "summary.txt"
        summary_path.write_text(summary + "\n", encoding="utf-8")
        written = [table_path, data_path, summary_path, *save_diagram(result, out / "paths")]
    return result, summary, written


def mediate_command(
    scores: Annotated[
        Path,
        typer.Option(help="Scored replies (csv, parquet, jsonl).", exists=True, dir_okay=False),
    ],
    survey: Annotated[
        Path, typer.Option(help="Survey table, one row per key.", exists=True, dir_okay=False)
    ],
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
    ci: Annotated[str, typer.Option(help=f"Bootstrap CI: {', '.join(CI_METHODS)}.")] = "percentile",
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Folder for tables, summary and diagrams.", file_okay=False)
    ] = None,
) -> None:
    """Test whether a cue works through a mediator: aggregate, join, bootstrap, report."""
    with user_errors(), console.status(f"Bootstrapping {n_boot} resamples..."):
        result, summary, written = run_mediation(
            scores, survey, join, x, m, y, moderator, stage, covar, by, n_boot, ci, seed, out
        )
    console.print(summary, soft_wrap=True, highlight=False)
    for path in written:
        console.print(f"wrote {path}", highlight=False)
