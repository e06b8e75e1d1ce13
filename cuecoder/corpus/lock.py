"""One run per output: a lock file next to ``--out`` with the owner's pid and host.

A second run writing the same output at once refuses (E508, naming the owner). The lock
is an advisory ``fcntl.flock`` on ``.<out>.lock``, which the kernel releases when its
process ends however it ends (``kill -9`` included), so a lock left by a killed run is
stale by construction: the next run takes it over and says whose it was (W501). The pid
and host in the file are for people; the flock decides.

Notes
-----
``flock`` is reliable on local file systems; on NFS it depends on the client (Linux
maps it to POSIX locks, which need a lock daemon). Platforms without :mod:`fcntl` fall
back to the pid in the file: a lock whose pid is not running on this host is stale.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import warnings
from pathlib import Path

from ..errors import CuecoderError, Errors, Warnings

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

logger = logging.getLogger(__name__)


def lock_path(out: str | Path) -> Path:
    """The lock file of output ``out``: ``.<name>.lock`` beside it."""
    out = Path(out)
    return out.with_name(f".{out.name}.lock")


def _owner(path: Path) -> dict:
    try:
        owner = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


def _pid_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # running, under another user
        return True
    return True


class OutputLock:
    """Hold the lock of output ``out`` while a run writes it (a context manager).

    Parameters
    ----------
    out : path
        The output file the run writes.

    Raises
    ------
    CuecoderError
        E508 when another running process holds the lock.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with OutputLock(Path(tmp) / "scores.parquet") as lock:
    ...         lock.owner["pid"] == os.getpid()
    True
    """

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.path = lock_path(out)
        self.fd: int | None = None
        self.owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "output": str(self.out),
        }
        self.took_over: dict | None = None

    def acquire(self) -> OutputLock:
        """Take the lock, or raise E508 naming the run that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(10):  # retried only when the file was replaced under us
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not self._lock(fd):
                os.close(fd)
                owner = _owner(self.path)
                raise CuecoderError(
                    Errors.E508.format(
                        out=self.out,
                        pid=owner.get("pid", "?"),
                        host=owner.get("host", "?"),
                        started=owner.get("started", "?"),
                        lock=self.path,
                    )
                )
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the previous owner removed the file as we opened it
                os.close(fd)
                continue
            previous = _owner(self.path)
            if previous and previous.get("pid") != os.getpid():
                self.took_over = previous
                warnings.warn(
                    Warnings.W501.format(
                        lock=self.path,
                        pid=previous.get("pid", "?"),
                        host=previous.get("host", "?"),
                        started=previous.get("started", "?"),
                    ),
                    stacklevel=3,
                )
            data = (json.dumps(self.owner) + "\n").encode("utf-8")
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
            os.fsync(fd)
            self.fd = fd
            return self
        raise CuecoderError(
            Errors.E508.format(out=self.out, pid="?", host="?", started="?", lock=self.path)
        )

    def _lock(self, fd: int) -> bool:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True
        owner = _owner(self.path)  # pragma: no cover - no flock: trust a live pid
        return not (
            owner.get("host") == self.owner["host"]
            and owner.get("pid") != os.getpid()
            and _pid_alive(owner.get("pid"))
        )

    def release(self) -> None:
        """Remove the lock file and drop the lock."""
        if self.fd is None:
            return
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        os.close(self.fd)  # closing drops the flock
        self.fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


__all__ = ["OutputLock", "lock_path"]
