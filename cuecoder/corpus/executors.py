"""Where chunks are scored: in this process, or in a pool of processes (Dask lives in
:mod:`cuecoder.corpus.dask_engine`). Each executor takes chunks with ``submit`` and hands
back futures of scored frames (:func:`cuecoder.corpus.frame.score_frame`)."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .frame import score_frame

_WORKER: dict = {}


def _init_worker(
    model_paths: list[str], n_threads: int | None, index, load_options: dict | None = None
) -> None:
    """Process-pool initializer: load the models once per process (``load_options``: the
    parent coder's :attr:`~cuecoder.coder.Coder.load_options`, e.g. ``accurate``)."""
    from ..coder import load

    _WORKER["coder"] = load(model_paths, n_threads=n_threads, **(load_options or {}))
    _WORKER["index"] = index


def _score_in_worker(
    frame: pd.DataFrame, batch_size: int, id_name: str, languages: str
) -> pd.DataFrame:
    return score_frame(_WORKER["coder"], frame, batch_size, _WORKER["index"], id_name, languages)


class InlineExecutor:
    """Scores in this process, one chunk at a time."""

    max_pending = 1

    def __init__(
        self, coder, index, batch_size: int, id_name: str, languages: str = "auto"
    ) -> None:
        self.coder, self.index = coder, index
        self.batch_size, self.id_name, self.languages = batch_size, id_name, languages

    def submit(self, frame: pd.DataFrame) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(
                score_frame(
                    self.coder, frame, self.batch_size, self.index, self.id_name, self.languages
                )
            )
        except Exception as exc:  # noqa: BLE001 - re-raised by result() in the caller
            future.set_exception(exc)
        return future

    def wait_first(self, futures):
        return cf.wait(futures, return_when=cf.FIRST_COMPLETED)

    def close(self) -> None:
        pass


class ProcessExecutor(InlineExecutor):
    """Scores in ``workers`` processes, each loading the models once."""

    def __init__(
        self,
        model_paths: Sequence[Path],
        workers: int,
        index,
        batch_size: int,
        id_name: str,
        languages: str = "auto",
        load_options: dict | None = None,
    ) -> None:
        n_threads = max(1, (os.cpu_count() or 1) // workers)
        self.pool = cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=([str(p) for p in model_paths], n_threads, index, load_options),
        )
        self.max_pending = 2 * workers
        self.batch_size, self.id_name, self.languages = batch_size, id_name, languages

    def submit(self, frame: pd.DataFrame) -> cf.Future:
        return self.pool.submit(
            _score_in_worker, frame, self.batch_size, self.id_name, self.languages
        )

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
