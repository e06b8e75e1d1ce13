"""A model is a folder: ``meta.json``, ONNX files, tokenizer, pattern tables, model card.

Loading verifies it (spaCy's ``load_meta`` habit): a missing field raises, a file whose
sha256 differs from ``meta.json`` raises, a model built by another cuecoder version warns.
Nothing in a model folder can run code: ONNX graphs, JSON and TSV only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from importlib import resources
from pathlib import Path

from .._version import __version__
from ..errors import Errors, ModelError, Warnings

logger = logging.getLogger(__name__)

META = "meta.json"
REQUIRED = (
    "name",
    "version",
    "cuecoder_version",
    "labels",
    "thresholds",
    "features",
    "encoder",
    "heads",
    "files",
    "metrics",
    "training_data",
)
#: The default model, shipped inside the package (``cuecoder/models/default``): English.
DEFAULT_MODEL = Path(str(resources.files("cuecoder") / "models" / "default"))
#: The Chinese model shipped beside it (``cuecoder/models/zh``).
CHINESE_MODEL = Path(str(resources.files("cuecoder") / "models" / "zh"))
#: What ``cuecoder.load()`` loads: every shipped model, the first one primary.
DEFAULT_MODELS = (DEFAULT_MODEL, CHINESE_MODEL)


def languages_of(meta: dict) -> tuple[str, ...]:
    """The languages a model folder declares it reads: ``meta["text"]["languages"]``, or
    the tokenizer's ``meta["text"]["language"]`` (English for a folder naming neither)."""
    text = meta.get("text") or {}
    declared = text.get("languages") or [text.get("language", "en")]
    return tuple(str(lang) for lang in declared)


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_meta(path: Path) -> dict:
    """Read and check ``meta.json`` of the model folder at ``path`` (no checksums yet)."""
    path = Path(path)
    meta_path = path / META
    if not meta_path.is_file():
        raise ModelError(Errors.E001.format(path=path))
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(Errors.E005.format(path=meta_path, reason=exc)) from exc
    if not isinstance(meta, dict):
        raise ModelError(Errors.E005.format(path=meta_path, reason="not a JSON object"))
    missing = [f for f in REQUIRED if f not in meta]
    if missing:
        raise ModelError(
            Errors.E002.format(path=meta_path, fields=missing, required=list(REQUIRED))
        )
    if meta["cuecoder_version"].split(".")[:2] != __version__.split(".")[:2]:
        warnings.warn(
            Warnings.W001.format(
                name=meta["name"], built=meta["cuecoder_version"], running=__version__
            ),
            stacklevel=2,
        )
    return meta


def referenced_files(meta: dict) -> list[str]:
    """Every file a ``meta.json`` names: encoder, tokenizer, heads, tables, checksummed."""
    names = [*meta.get("files", {})]
    encoder = meta.get("encoder") or {}
    names += [encoder[k] for k in ("file", "tokenizer") if k in encoder]
    names += list((meta.get("heads") or {}).values())
    names += [meta[k] for k in ("patterns", "lexicons") if isinstance(meta.get(k), str)]
    if isinstance(meta.get("lexical"), dict) and "file" in meta["lexical"]:
        names.append(meta["lexical"]["file"])
    return names


def check_paths(path: Path, meta: dict) -> None:
    """Raise E008 for a name in ``meta.json`` that leaves the folder (absolute, ``..``, or
    a symlink resolving outside it): a model folder is untrusted input."""
    root = Path(path).resolve()
    for name in referenced_files(meta):
        rel = Path(str(name))
        target = (root / rel).resolve()
        if rel.is_absolute() or ".." in rel.parts or not target.is_relative_to(root):
            raise ModelError(Errors.E008.format(path=Path(path) / META, name=name))


def verify_files(path: Path, meta: dict) -> None:
    """Raise :class:`ModelError` when a listed file is missing or its sha256 differs."""
    for name, expected in meta["files"].items():
        file = Path(path) / name
        if not file.is_file():
            raise ModelError(Errors.E004.format(name=name, path=path))
        found = sha256(file)
        if found != expected:
            raise ModelError(
                Errors.E003.format(name=name, path=path, expected=expected, found=found)
            )


def load_meta(path: Path, verify: bool = True) -> dict:
    """``meta.json`` of a model folder, with every file's checksum verified."""
    meta = read_meta(path)
    check_paths(path, meta)
    if verify:
        verify_files(path, meta)
        unlisted = sorted(set(referenced_files(meta)) - set(meta["files"]))
        if unlisted:
            raise ModelError(Errors.E013.format(name=unlisted[0], path=Path(path) / META))
    return meta


def write_meta(path: Path, meta: dict) -> dict:
    """Fill in the checksums of every file in the folder and write ``meta.json``."""
    path = Path(path)
    files = sorted(
        p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file() and p.name != META
    )
    meta = {**meta, "files": {name: sha256(path / name) for name in files}}
    missing = [f for f in REQUIRED if f not in meta]
    if missing:
        raise ModelError(Errors.E002.format(path=path / META, fields=missing, required=REQUIRED))
    (path / META).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return meta
