"""Checkpoints of a corpus run: part files, and a manifest that says which are complete.

The manifest's header holds the run's fingerprint (inputs, columns, settings, model); a
resumed run must match it (E501). Each committed chunk adds one line, and the manifest
is rewritten whole like every file cuecoder writes (temporary file, fsync, rename), so
it is never seen half-written; a torn line in a manifest of an older cuecoder (which
appended) is skipped, and an entry whose part file is gone is redone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

from ..errors import CuecoderError, Errors
from . import read as cread
from . import write as cwrite

logger = logging.getLogger(__name__)


MANIFEST = "manifest.jsonl"


def model_token(coder) -> str:
    """Names the loaded models (the language routes too): a resumed run must use them."""
    routes = getattr(coder, "routes", {})  # anything with a .meta names one model
    models = [coder, *(m for m in dict.fromkeys(routes.values()) if m is not coder)]
    files = json.dumps([m.meta.get("files", {}) for m in models], sort_keys=True)
    if len(models) == 1:  # the token of one model as before
        files = json.dumps(coder.meta.get("files", {}), sort_keys=True)
    mode = ":accurate" if getattr(coder, "accurate", False) else ""
    return "+".join(f"{m.meta['name']}@{m.meta['version']}" for m in models) + (
        ":" + hashlib.sha256(files.encode()).hexdigest()[:16] + mode
    )


def fingerprint(files: list[Path], columns: cread.Columns, settings: dict) -> dict:
    """What a resumed run must share with the interrupted one (as JSON would give it)."""
    return json.loads(
        json.dumps(
            {
                "inputs": [
                    [str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for p in files
                ],
                "columns": dict(columns.__dict__),
                **settings,
            }
        )
    )


def _strip_ext(path: Path) -> str:
    name = path.name
    for ext in sorted(cwrite.OUTPUT_FORMATS, key=len, reverse=True):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def quarantine_path(out: str | Path) -> Path:
    """Where the quarantined rows of output ``out`` go: ``<stem>.quarantine.jsonl``."""
    out = Path(out)
    return out.with_name(f"{_strip_ext(out)}.quarantine.jsonl")


def parts_dir(out: str | Path) -> Path:
    """The folder of part files and manifest of an unfinished run writing ``out``."""
    out = Path(out)
    return out.with_name(f".{out.name}.parts")


class Manifest:
    """Header line with the run's fingerprint, then one line per committed chunk."""

    def __init__(self, folder: Path, fingerprint: dict, resume: bool) -> None:
        self.folder = folder
        self.path = folder / MANIFEST
        self.done: dict[int, dict] = {}
        if folder.exists() and not resume:
            shutil.rmtree(folder)
        if self.path.exists():
            lines = self.path.read_text(encoding="utf-8").splitlines()
            header = _json_or_none(lines[0]) if lines else None
            old = (header or {}).get("fingerprint")
            if old is not None and old != fingerprint:
                changed = sorted(
                    k for k in {*old, *fingerprint} if old.get(k) != fingerprint.get(k)
                )
                raise CuecoderError(Errors.E501.format(parts=folder, changed=", ".join(changed)))
            if old is not None:
                for line in lines[1:]:
                    entry = _json_or_none(line)  # a torn last line (power loss) is skipped
                    if entry and (folder / entry["part"]).exists():
                        self.done[int(entry["seq"])] = entry
                if self.done:
                    logger.info("resuming: %d chunks already scored in %s", len(self.done), folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.header = {"fingerprint": fingerprint}
        self._write()

    def _write(self) -> None:
        lines = [self.header, *(self.done[k] for k in sorted(self.done))]
        with cwrite.atomic_path(self.path) as tmp:
            tmp.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")

    def commit(self, entry: dict) -> None:
        """Record a finished chunk (the manifest is replaced atomically)."""
        self.done[int(entry["seq"])] = entry
        self._write()

    def close(self) -> None:
        """Nothing stays open between commits; kept for the callers' ``finally``."""


def _json_or_none(line: str):
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return None
