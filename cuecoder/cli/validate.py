"""``cuecoder validate SCORES CODES``: the model's labels against your own hand codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..corpus.read import read_table
from ..stats.agreement import validate
from ._common import console, user_errors


def validate_command(
    scores: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Scored replies (with ids).")
    ],
    codes: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Your 0/1 codes (with ids).")
    ],
    on: Annotated[str, typer.Option("--on", help="The id column of both files.")] = "id",
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples for alpha's CI.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the resamples.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the table (CSV).")] = None,
) -> None:
    """Check the model's labels against a sample of your corpus that you hand-coded."""
    with user_errors():
        result = validate(read_table(scores), read_table(codes), on=on, n_boot=n_boot, seed=seed)
    table = Table(title=f"model vs your codes ({result.attrs['n_matched']} replies)")
    for col in (
        "label",
        "n",
        "coded 1s",
        "predicted 1s",
        "alpha [95% CI]",
        "F1",
        "precision",
        "recall",
        "ECE",
    ):
        table.add_column(col)
    for row in result.itertuples():
        table.add_row(
            row.label,
            str(row.n),
            str(row.coded_1s),
            str(row.predicted_1s),
            f"{row.alpha:.3f} [{row.alpha_ci_low:.3f}, {row.alpha_ci_high:.3f}]",
            f"{row.f1:.3f}",
            f"{row.precision:.3f}",
            f"{row.recall:.3f}",
            f"{row.ece:.3f}",
        )
    console.print(table)
    if out is not None:
        result.to_csv(out, index=False)
        console.print(f"Table written to {out}")
