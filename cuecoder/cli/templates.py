"""``cuecoder templates CORPUS --out DIR``: the templates of a corpus, with an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import CuecoderError, Errors
from ..templates.index import MIN_SIZE, THRESHOLD
from ._common import console, err_console, user_errors


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
    ] = MIN_SIZE,
    threshold: Annotated[
        float, typer.Option("--threshold", min=0.01, max=1.0, help="Jaccard of near-duplicates.")
    ] = THRESHOLD,
    fmt: Annotated[str, typer.Option("--format", help="Table format: csv or parquet.")] = "csv",
    text_col: Annotated[
        str | None,
        typer.Option("--text-col", "--text-column", help="Column of the text."),
    ] = None,
    account_col: Annotated[
        str | None,
        typer.Option("--account-col", "--account-column", help="Column of the account."),
    ] = None,
    recipient_col: Annotated[
        str | None,
        typer.Option("--recipient-col", "--recipient-column", help="Column of the recipient."),
    ] = None,
    id_col: Annotated[
        str | None,
        typer.Option("--id-col", "--id-column", help="Column of the id."),
    ] = None,
    time_col: Annotated[
        str | None,
        typer.Option("--time-col", "--time-column", help="Column of the time."),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Templates per account in HTML.")] = 10,
) -> None:
    """Find the templates of a corpus: the same reply, up to names, handles, numbers and
    links, sent to several people. Writes templates, account_rates and templates.html."""
    from ..templates.mining import mine_templates

    columns = {
        "text": text_col,
        "account": account_col,
        "recipient": recipient_col,
        "id": id_col,
        "time": time_col,
    }
    with user_errors():
        if by not in ("all", "account"):
            raise CuecoderError(Errors.E104.format(value=by, name="--by", valid=["all", "account"]))
        with Progress(
            TextColumn("reading replies"),
            BarColumn(pulse_style="cyan"),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=err_console,
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
    share = summary["templated_replies"] / summary["replies"]
    console.print(
        f"{summary['replies']:,} replies, {summary['distinct_texts']:,} distinct slot-masked "
        f"texts, {summary['templates']:,} templates covering {summary['templated_replies']:,} "
        f"replies ({share:.1%}). Wrote {out}/."
    )
