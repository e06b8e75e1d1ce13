"""Progress of a long run: a rich bar on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time

import numpy as np

logger = logging.getLogger(__name__)

LOG_EVERY = 30.0  # seconds between progress log lines when stderr is not a terminal


class Progress:
    """A rich progress bar on a terminal, log lines every ``LOG_EVERY`` s otherwise."""

    def __init__(self, enabled: bool | None) -> None:
        self.bar = None
        self.start = time.perf_counter()
        self.last_log = self.start
        self.rows = 0
        if enabled is None:
            enabled = sys.stderr.isatty()
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("scoring"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.completed:,.0f}/~{task.total:,.0f} rows"),
                TextColumn("{task.fields[rate]:,.0f} rows/s"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self.task = self.bar.add_task("scoring", total=None, rate=0.0)
            self.bar.start()

    def update(self, rows_done: int, new_rows: int, est_total: float) -> None:
        self.rows += new_rows
        now = time.perf_counter()
        rate = self.rows / max(now - self.start, 1e-9)
        if self.bar is not None:
            self.bar.update(
                self.task, completed=rows_done, total=max(est_total, rows_done), rate=rate
            )
        elif now - self.last_log >= LOG_EVERY:
            self.last_log = now
            left = max(est_total - rows_done, 0) / rate if rate else float("nan")
            logger.info(
                "scored %s rows (~%.0f%%), %.0f rows/s, ETA %s",
                f"{rows_done:,}",
                100 * rows_done / max(est_total, 1),
                rate,
                _hms(left),
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _hms(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "?"
    s = int(seconds)
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"
