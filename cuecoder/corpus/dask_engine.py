"""Score chunks with ``dask.dataframe`` on any Dask cluster (``--engine dask``).

The run itself (reading, quarantine, manifest, resume, merging) stays in the client
(:func:`cuecoder.corpus.batch.score_corpus`); each chunk becomes a one-partition
``dask.dataframe`` that is scored with ``map_partitions`` on a worker, so workers need
the model folder but not the input files, and the chunks, hence the encoder batches,
are exactly those of the local engine: the scores agree with it.

A worker plugin loads the model once per worker (also on workers that join later, as an
adaptive ``dask_jobqueue.SLURMCluster`` adds them) and holds the template index of a
corpus-evidence run. Partitions on one worker are scored one at a time (the tokenizer
toggles padding state), so give workers one thread each and as many workers as cores.

Examples
--------
On a SLURM cluster::

    from dask_jobqueue import SLURMCluster
    from distributed import Client
    cluster = SLURMCluster(cores=1, processes=1, memory="2GB", walltime="04:00:00")
    cluster.scale(jobs=32)
    score_corpus("corpus/", "scores.parquet", engine="dask", client=Client(cluster))

or from the command line, ``cuecoder score corpus/ --out scores.parquet --engine dask
--scheduler tcp://HOST:8786``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import pandas as pd

from .._optional import require
from ..codebook import LABELS
from ..errors import CuecoderError, Errors

logger = logging.getLogger(__name__)

FEATURE = "The dask engine (--engine dask)"

try:  # this module is imported only for --engine dask; require() explains a missing dask
    from distributed import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover
    _PluginBase = object
#: Per-worker state, keyed by run token: {"coder", "index", "lock"}.
_STATE: dict[str, dict] = {}
_STATE_LOCK = threading.Lock()


def _state(token: str, model_path: list[str], index, load_options: dict | None = None) -> dict:
    with _STATE_LOCK:
        state = _STATE.get(token)
        if state is None:
            from ..coder import load

            state = {
                "coder": load(model_path, n_threads=1, **(load_options or {})),
                "index": index,
                "lock": threading.Lock(),
            }
            _STATE[token] = state
        return state


class CuecoderPlugin(_PluginBase):
    """Dask worker plugin: load the model (and hold the template index) once per worker.

    Parameters
    ----------
    token : str
        Names this run's state on the worker.
    model_path : list of str
        Model folders (the first primary), as seen from the workers.
    index : TemplateIndex, optional
        Finalized template index of a corpus-evidence run.
    load_options : dict, optional
        What :func:`cuecoder.load` takes besides the paths (``accurate``).
    """

    def __init__(
        self, token: str, model_path: list[str], index=None, load_options: dict | None = None
    ) -> None:
        self.token = token
        self.model_path = model_path
        self.index = index
        self.load_options = dict(load_options or {})
        self.name = f"cuecoder-{token}"

    def setup(self, worker=None) -> None:
        _state(self.token, self.model_path, self.index, self.load_options)

    def teardown(self, worker=None) -> None:
        with _STATE_LOCK:
            _STATE.pop(self.token, None)


def score_partition(
    frame: pd.DataFrame,
    token: str,
    model_path: list[str],
    batch_size: int,
    id_name: str,
    with_index: bool,
    languages: str = "auto",
    load_options: dict | None = None,
) -> pd.DataFrame:
    """``map_partitions`` function: score one chunk with the worker's loaded model."""
    from .frame import score_frame

    state = _state(token, model_path, None, load_options)
    index = state["index"] if with_index else None
    if with_index and index is None:
        raise CuecoderError(Errors.E507.format(worker=_worker_name()))
    with state["lock"]:
        return score_frame(state["coder"], frame, batch_size, index, id_name, languages)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "?"


class DaskExecutor:
    """Submits chunks as one-partition dask dataframes to a cluster.

    Parameters
    ----------
    model_path : Path or list of Path
        Model folder(s) (the workers load them; the first primary).
    index : TemplateIndex, optional
        Shipped to every worker through :class:`CuecoderPlugin`.
    workers : int
        Local workers to start when neither ``scheduler`` nor ``client`` is given.
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://10.0.0.1:8786``.
    client : distributed.Client, optional
        An existing client (e.g. of a ``dask_jobqueue`` cluster).
    load_options : dict, optional
        What :func:`cuecoder.load` takes besides the paths (``accurate``).
    """

    def __init__(
        self,
        model_path,
        index,
        batch_size: int,
        id_name: str,
        labels=LABELS,
        workers: int = 1,
        scheduler: str | None = None,
        client=None,
        languages: str = "auto",
        load_options: dict | None = None,
    ) -> None:
        require("dask.dataframe", FEATURE)
        distributed = require("distributed", FEATURE)
        self._own: list = []
        if client is None:
            if scheduler is not None:
                client = distributed.Client(scheduler)
            else:
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
                self._own.append(cluster)
                client = distributed.Client(cluster)
            self._own.insert(0, client)
        self.client = client
        self.distributed = distributed
        self.token = uuid.uuid4().hex[:12]
        paths = [model_path] if isinstance(model_path, (str, Path)) else list(model_path)
        self.model_path = [str(Path(p).resolve()) for p in paths]
        self.languages = languages
        self.batch_size, self.id_name = batch_size, id_name
        self.with_index = index is not None
        self.labels = tuple(labels)
        self.load_options = dict(load_options or {})
        self.plugin = CuecoderPlugin(self.token, self.model_path, index, self.load_options)
        client.register_plugin(self.plugin, name=self.plugin.name)
        n_workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
        self.max_pending = 2 * n_workers

    def submit(self, frame: pd.DataFrame):
        import dask
        import dask.dataframe as dd

        from .frame import output_meta

        kept = [c for c in frame.columns if not c.startswith("__")]
        meta = output_meta(self.labels, kept, self.id_name, self.with_index)
        with dask.config.set({"dataframe.convert-string": False}):
            ddf = dd.from_pandas(frame, npartitions=1, sort=False)
            scored = ddf.map_partitions(
                score_partition,
                self.token,
                self.model_path,
                self.batch_size,
                self.id_name,
                self.with_index,
                self.languages,
                self.load_options,
                meta=meta,
                enforce_metadata=False,
            )
            return self.client.compute(scored)

    def wait_first(self, futures):
        done, not_done = self.distributed.wait(futures, return_when="FIRST_COMPLETED")
        return set(done), set(not_done)

    def close(self) -> None:
        try:
            self.client.unregister_worker_plugin(self.plugin.name)
        except Exception:  # noqa: BLE001 - the cluster may be gone already
            logger.debug("could not unregister the cuecoder plugin", exc_info=True)
        for obj in self._own:
            obj.close()


__all__ = ["DaskExecutor", "CuecoderPlugin", "score_partition"]
