"""``cuecoder templates CORPUS --out DIR``: the lead registers
``app.command("templates")(templates_command)``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import CuecoderError


def templates_command(
    corpus: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet file, one reply a row."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", file_okay=False, help="Folder for the outputs.")
    ],
    by: Annotated[
        str, typer.Option("--by", help="'all': across accounts; 'account': within each.")
    ] = "all",
    min_size: Annotated[
        int, typer.Option("--min-size", min=2, help="Replies a template needs.")
    ] = 2,
    threshold: Annotated[
        float, typer.Option("--threshold", min=0.01, max=1.0, help="Jaccard of near-duplicates.")
    ] = 0.8,
    fmt: Annotated[str, typer.Option("--format", help="Table format: csv or parquet.")] = "csv",
    text_column: Annotated[str | None, typer.Option("--text-column")] = None,
    account_column: Annotated[str | None, typer.Option("--account-column")] = None,
    recipient_column: Annotated[str | None, typer.Option("--recipient-column")] = None,
    id_column: Annotated[str | None, typer.Option("--id-column")] = None,
    time_column: Annotated[str | None, typer.Option("--time-column")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Templates per account in HTML.")] = 10,
) -> None:
    """Find the templates of a corpus: the same reply, up to names, handles, numbers and
    links, sent to several people. Writes templates, account_rates and templates.html."""
    from .templates_io import mine_templates

    err = Console(stderr=True)
    columns = {
        "text": text_column,
        "account": account_column,
        "recipient": recipient_column,
        "id": id_column,
        "time": time_column,
    }
    try:
        if by not in ("all", "account"):
            from ..errors import Errors

            raise CuecoderError(Errors.E104.format(value=by, name="--by", valid=["all", "account"]))
        with Progress(
            TextColumn("reading replies"),
            BarColumn(pulse_style="cyan"),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("read", total=None)
            summary = mine_templates(
                corpus,
                out,
                by=by,
                min_size=min_size,
                threshold=threshold,
                fmt=fmt,
                columns=columns,
                top=top,
                progress=lambda n: bar.advance(task, n),
            )
    except CuecoderError as exc:
        err.print(f"[red]Error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    share = summary["templated_replies"] / summary["replies"]
    Console().print(
        f"{summary['replies']:,} replies, {summary['distinct_texts']:,} distinct slot-masked "
        f"texts, {summary['templates']:,} templates covering {summary['templated_replies']:,} "
        f"replies ({share:.1%}). Wrote {out}/."
    )
