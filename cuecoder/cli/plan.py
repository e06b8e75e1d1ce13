"""``cuecoder plan DATA``: how many accounts and replies to hand-code (trade-off table)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..corpus.read import read_table
from ..stats.design import plan_coding
from ._common import console, user_errors


def plan_command(
    data: Annotated[
        Path, typer.Argument(help="Analysis table, one row per account (mediate's analysis_data).")
    ],
    x: Annotated[str, typer.Option(help="The predicted cue.")],
    m: Annotated[str, typer.Option(help="Mediator.")],
    y: Annotated[str, typer.Option(help="Outcome.")],
    alpha: Annotated[
        float | None, typer.Option(help="Reply-level alpha of the model vs coders.")
    ] = None,
    prevalence: Annotated[float | None, typer.Option(help="Share of replies with the cue.")] = None,
    pilot: Annotated[
        Path | None, typer.Option(help="Pilot coded sample with the model's label.")
    ] = None,
    predicted: Annotated[
        str | None, typer.Option(help="Pilot column with the model's 0/1 label.")
    ] = None,
    n_replies: Annotated[
        str, typer.Option(help="Replies per account: a number or a column.")
    ] = "n_replies",
    target_width: Annotated[
        float | None, typer.Option(help="Target width of the indirect effect's 95% CI.")
    ] = None,
    n_sims: Annotated[int, typer.Option(help="Simulated data sets per design.")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 0,
) -> None:
    """Simulate designs (share of accounts x replies each) and report the CI width each buys."""
    with user_errors(), console.status("Simulating coding designs..."):
        replies = int(n_replies) if n_replies.isdigit() else n_replies
        plan = plan_coding(
            read_table(data),
            x,
            m,
            y,
            n_replies=replies,
            alpha=alpha,
            prevalence=prevalence,
            pilot=read_table(pilot) if pilot is not None else None,
            predicted=predicted,
            target_width=target_width,
            n_sims=n_sims,
            seed=seed,
        )
    attrs = plan.attrs
    table = Table(
        title=f"{attrs['n_accounts']} accounts x {attrs['n_replies']} replies, alpha "
        f"{attrs['alpha']:.2f}, prevalence {attrs['prevalence']:.2f} ({attrs['n_sims']} sims)"
    )
    for col in ("accounts", "replies each", "coded", "CI width", "naive", "oracle", ""):
        table.add_column(col)
    for row in plan.itertuples():
        mark = "cheapest" if row.cheapest else ("meets target" if row.meets_target is True else "")
        table.add_row(
            str(row.n_groups),
            str(row.per_group),
            str(row.coded_replies),
            f"{row.median_width:.3f}",
            f"{row.naive_width:.3f}",
            f"{row.oracle_width:.3f}",
            mark,
        )
    console.print(table)
