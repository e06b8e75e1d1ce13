"""``cuecoder sample SCORES``: draw the replies to hand-code for the corrected mediation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..corpus.read import read_table
from ..stats.design import sample_for_coding
from ._common import console, user_errors


def sample_command(
    scores: Annotated[Path, typer.Argument(help="Scored replies (csv, parquet, jsonl).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Table to hand-code (CSV).")],
    by: Annotated[str, typer.Option(help="Group (account) column.")] = "account",
    groups: Annotated[int, typer.Option(help="Groups (accounts) to draw.")] = 60,
    per_group: Annotated[
        str, typer.Option(help="Replies to code per drawn group, or 'all'.")
    ] = "5",
    strata: Annotated[
        str | None, typer.Option(help="Column constant within a group to stratify by.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the draws.")] = 0,
) -> None:
    """Draw accounts, then replies within them, recording each inclusion probability."""
    with user_errors():
        per = per_group if per_group == "all" else _int(per_group)
        sample = sample_for_coding(
            read_table(scores), by=by, n_groups=groups, per_group=per, strata=strata, seed=seed
        )
        sample.to_csv(out, index=False)
    n_groups = sample[by].nunique()
    console.print(
        f"{len(sample)} replies from {n_groups} groups to hand-code; wrote {out}", highlight=False
    )


def _int(value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        return value  # sample_for_coding names the bad value
