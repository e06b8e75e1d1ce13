"""Scored replies + survey -> mediation table, APA text and path diagrams, in one call.

The library function behind ``cuecoder mediate`` (research code can call it too).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from cuecoder.corpus.read import read_table
from cuecoder.stats.aggregate import aggregate, join_survey
from cuecoder.stats.diagram import save_diagram
from cuecoder.stats.mediation import MIN_LEVEL_ROWS, mediate
from cuecoder.stats.report import apa_summary

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
    serial: bool = False,
    se: str = "classical",
    min_level_rows: int = MIN_LEVEL_ROWS,
    codes: Path | None = None,
) -> tuple[pd.DataFrame, str, list[Path]]:
    """Aggregate scored replies, join the survey, run :func:`mediate`, write the report.

    Parameters
    ----------
    scores, survey : pathlib.Path
        Scored replies and the survey table (csv, parquet, jsonl); a missing file raises
        E105.
    join : str
        Key shared by the aggregated scores and the survey (the account).
    x, m, y, moderator, stage, covar, n_boot, ci, seed, serial, se, min_level_rows
        As in :func:`cuecoder.stats.mediate`.
    by : str, optional
        Column of the scores to group replies by (default ``join``).
    out : pathlib.Path, optional
        Folder for ``mediation.csv``, ``analysis_data.csv``, ``summary.txt`` and the
        diagrams.
    codes : pathlib.Path, optional
        Hand-coded sample (see :func:`cuecoder.stats.sample_for_coding`) for the
        design-based correction of a predicted ``x``; its account column is ``join``.

    Returns
    -------
    result : pandas.DataFrame
        The :func:`mediate` table.
    summary : str
        APA text.
    written : list of pathlib.Path
        Files written under ``out``.
    """
    scored = read_table(scores)
    survey_table = read_table(survey)
    coded = read_table(codes) if codes is not None else None
    cues = aggregate(scored, by=by or join)
    if by and by != join:
        cues = cues.rename(columns={by: join})
    data = join_survey(cues, survey_table, on=join)
    if coded is not None and by and by != join and by in coded.columns:
        coded = coded.rename(columns={by: join})
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
        serial=serial,
        se=se,
        min_level_rows=min_level_rows,
        codes=coded,
        key=join if coded is not None else None,
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
