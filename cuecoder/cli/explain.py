"""``cuecoder explain REPLY``: the four scores of one reply, its evidence highlighted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
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
        list[Path] | None,
        typer.Option(
            "--model",
            "-m",
            exists=True,
            file_okay=False,
            help="Model folder; repeat for one per language [default: bundled en + zh].",
        ),
    ] = None,
    languages: Annotated[
        str, typer.Option("--languages", help="'auto' (route by language) or 'any'.")
    ] = "auto",
    accurate: Annotated[
        bool,
        typer.Option("--accurate", help="Also run the model's cross-encoder (see the card)."),
    ] = False,
) -> None:
    """Score one reply and show its evidence highlighted."""
    import warnings

    from ..coder import load

    with user_errors(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the flags below say it once
        coder = load(model or None, accurate=accurate)
        row = coder.score([reply], [context], languages=languages).iloc[0]
    scorer = coder.routes.get(row["language"], coder)
    table = Table(
        title=escape(
            f"cuecoder ({scorer.meta['name']} {scorer.meta['version']}, language {row['language']})"
        )
    )
    for col in ("cue", "probability", "label", "evidence"):
        table.add_column(col)
    for label in (*coder.labels, *COMPOSITES):
        spans = [e for e in row["evidence"] if LABEL_OF[e["subcode"]] == label]
        table.add_row(
            label,
            f"{row[label]:.3f}" if row[label] == row[label] else "-",
            "-" if row[f"{label}_label"] is pd.NA else "yes" if row[f"{label}_label"] else "no",
            ", ".join(f"{e['subcode']} '{escape(printable(e['text']))}'" for e in spans),
        )
    console.print(table)
    # as text, never markup; control characters (terminal escapes) shown as U+FFFD,
    # one for one, so the evidence offsets still fit
    console.print(highlight(printable(reply), row["evidence"]))
    if row["empty"]:
        console.print("[yellow]The reply is empty: nothing to score.[/yellow]")
    if row["unsupported_language"]:
        console.print(
            f"[yellow]No loaded model reads language '{row['language']}' (models for: "
            f"{', '.join(sorted(coder.routes))}): not scored. --languages any forces it."
            "[/yellow]"
        )
