"""The ``cuecoder`` command line: thin typer commands over library functions."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .errors import CuecoderError

app = typer.Typer(
    help="Code brand and influencer replies for interactivity, openness and automation cues.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

SUBCODE_STYLE = {"R": "bold cyan", "L": "bold green", "O": "bold magenta", "A": "bold red"}


def fail(exc: Exception) -> typer.Exit:
    """Print a user error as one line and return the exit to raise (code 1)."""
    err_console.print(f"[red]Error:[/red] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def highlight(text: str, evidence: list[dict]) -> Text:
    """The reply with its evidence spans styled by sub-code family."""
    out = Text(text)
    for ev in evidence:
        out.stylize(SUBCODE_STYLE.get(ev["subcode"][0], "bold"), ev["start"], ev["end"])
    return out


@app.command()
def explain(
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
    from .coder import load

    try:
        coder = load(model)
        row = coder.score([reply], [context]).iloc[0]
    except CuecoderError as exc:
        raise fail(exc) from None
    table = Table(title=f"cuecoder ({coder.meta['name']} {coder.meta['version']})")
    for col in ("cue", "probability", "label", "evidence"):
        table.add_column(col)
    for label in (*coder.labels, "interactivity"):
        spans = [
            e
            for e in row["evidence"]
            if label != "interactivity" and e["subcode"][0] == label[0].upper()
        ]
        table.add_row(
            label,
            f"{row[label]:.3f}" if row[label] == row[label] else "-",
            "yes" if row[f"{label}_label"] else "no",
            ", ".join(f"{e['subcode']} '{e['text']}'" for e in spans),
        )
    console.print(table)
    console.print(highlight(reply, row["evidence"]))
    if row["empty"]:
        console.print("[yellow]The reply is empty: nothing to score.[/yellow]")


@app.command()
def train(
    config: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Training config (TOML).")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Model folder to write (default: config's).")
    ] = None,
) -> None:
    """Train a model from a config and write its folder (needs the train extra)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from .train.pipeline import TrainConfig
    from .train.pipeline import train as run_train

    try:
        meta = run_train(config, out)
    except CuecoderError as exc:
        raise fail(exc) from None
    table = Table(title=f"{meta['name']} {meta['version']}: held-out test")
    for col in ("label", "alpha", "F1", "precision", "recall", "threshold"):
        table.add_column(col)
    for label, m in meta["metrics"].get("model", {}).items():
        table.add_row(
            label,
            f"{m['alpha']:.3f}",
            f"{m['f1']:.3f}",
            f"{m['precision']:.3f}",
            f"{m['recall']:.3f}",
            f"{meta['thresholds'][label]:.3f}",
        )
    console.print(table)
    console.print(f"Model written to {out or TrainConfig.from_toml(config).output}")


from .corpus.score_cli import score_command  # noqa: E402
from .corpus.templates_cli import templates_command  # noqa: E402
from .stats.cli import mediate_command  # noqa: E402

app.command("score")(score_command)
app.command("templates")(templates_command)
app.command("mediate")(mediate_command)


def main() -> None:  # pragma: no cover - console entry point
    app()
