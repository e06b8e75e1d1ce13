"""The ``cuecoder`` command line: one typer app of thin commands over library functions.

Each command lives in its own module and calls a function research code can import; a
user error prints one line (``Error: [E101] ...``) and exits with code 1.
"""

from __future__ import annotations

import typer

from .explain import explain_command
from .mediate import mediate_command
from .plan import plan_command
from .report import report_command
from .sample import sample_command
from .score import score_command
from .templates import templates_command
from .train import train_command
from .validate import validate_command

app = typer.Typer(
    help="Code brand and influencer replies for interactivity, openness and automation cues.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("score")(score_command)
app.command("explain")(explain_command)
app.command("templates")(templates_command)
app.command("mediate")(mediate_command)
app.command("sample")(sample_command)
app.command("plan")(plan_command)
app.command("validate")(validate_command)
app.command("report")(report_command)
app.command("train")(train_command)


def main() -> None:  # pragma: no cover - console entry point
    app()


__all__ = ["app", "main"]
