"""``cuecoder explain REPLY``: the four scores of one reply, its evidence highlighted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..codebook import COMPOSITES, LABEL_OF
from ..htmlsafe import printable
from ._common import console, user_errors

LABEL_STYLE = {
    "responsiveness": "bold cyan",
    "listening": "bold green",
    "openness": "bold magenta",
    "automated": "bold red",
}


def highlight(text: str, evidence: list[dict]) -> Text:
    """The reply with its evidence spans styled by sub-code family."""
    out = Text(text)  # a Text is never parsed as markup
    for ev in evidence:
        out.stylize(LABEL_STYLE.get(LABEL_OF[ev["subcode"]], "bold"), ev["start"], ev["end"])
    return out


def explain_command(
    reply: Annotated[str, typer.Argument(help="The reply to score.")],
    context: Annotated[
        str | None, typer.Option("--context", "-c", help="The consumer message it answers.")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", "-m", exists=True, file_okay=False, help="Model folder."),
    ] = None,
) -> None:
    """Score one reply and show its evidence highlighted."""
    from ..coder import load

    with user_errors():
        coder = load(model)
        row = coder.score([reply], [context]).iloc[0]
    table = Table(title=escape(f"cuecoder ({coder.meta['name']} {coder.meta['version']})"))
    for col in ("cue", "probability", "label", "evidence"):
        table.add_column(col)
    for label in (*coder.labels, *COMPOSITES):
        spans = [e for e in row["evidence"] if LABEL_OF[e["subcode"]] == label]
        table.add_row(
            label,
            f"{row[label]:.3f}" if row[label] == row[label] else "-",
            "yes" if row[f"{label}_label"] else "no",
            ", ".join(f"{e['subcode']} '{escape(printable(e['text']))}'" for e in spans),
        )
    console.print(table)
    # as text, never markup; control characters (terminal escapes) shown as U+FFFD,
    # one for one, so the evidence offsets still fit
    console.print(highlight(printable(reply), row["evidence"]))
    if row["empty"]:
        console.print("[yellow]The reply is empty: nothing to score.[/yellow]")
