"""What every command shares: the consoles and the one way a user error is reported."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import CuecoderError

console = Console()
err_console = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Report a :class:`~cuecoder.errors.CuecoderError` as one line and exit with code 1."""
    try:
        yield
    except CuecoderError as exc:
        err_console.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
