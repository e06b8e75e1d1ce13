"""``cuecoder train CONFIG``: retrain a model from a config (needs the train extra)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ._common import console, user_errors


def train_command(
    config: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Training config (TOML).")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Model folder to write (default: config's).")
    ] = None,
) -> None:
    """Train a model from a config and write its folder (needs the train extra)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from ..train.pipeline import TrainConfig
    from ..train.pipeline import train as run_train

    with user_errors():
        meta = run_train(config, out)
    modes = [("held-out test", meta["metrics"].get("model", {}), meta["thresholds"])]
    if meta.get("cross_encoder"):
        modes.append(
            (
                "held-out test, accurate mode",
                meta["metrics"].get("accurate", {}),
                meta["cross_encoder"]["thresholds"],
            )
        )
    for title, metrics, thresholds in modes:
        table = Table(title=f"{meta['name']} {meta['version']}: {title}")
        for col in ("label", "alpha", "F1", "precision", "recall", "threshold"):
            table.add_column(col)
        for label, m in metrics.items():
            table.add_row(
                label,
                f"{m['alpha']:.3f}",
                f"{m['f1']:.3f}",
                f"{m['precision']:.3f}",
                f"{m['recall']:.3f}",
                f"{thresholds[label]:.3f}",
            )
        console.print(table)
    console.print(f"Model written to {out or TrainConfig.from_toml(config).output}")
