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


@app.command()
def validate(
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
    from .stats.cli import read_table
    from .validate import validate as run_validate

    try:
        result = run_validate(
            read_table(scores), read_table(codes), on=on, n_boot=n_boot, seed=seed
        )
    except CuecoderError as exc:
        raise fail(exc) from None
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


from .corpus.score_cli import score_command  # noqa: E402
from .corpus.templates_cli import templates_command  # noqa: E402
from .stats.cli import mediate_command  # noqa: E402

app.command("score")(score_command)
app.command("templates")(templates_command)
app.command("mediate")(mediate_command)


def main() -> None:  # pragma: no cover - console entry point
    app()
