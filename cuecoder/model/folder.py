"""A model is a folder: ``meta.json``, ONNX files, tokenizer, pattern tables, model card.

Loading verifies it (spaCy's ``load_meta`` habit): a missing field raises, a file whose
sha256 differs from ``meta.json`` raises, a model built by another cuecoder version warns.
Nothing in a model folder can run code: ONNX graphs, JSON and TSV only.

A model folder is untrusted input (folders get shared between labs), so before anything
in it is parsed:

- ``meta.json`` is at most :data:`META_LIMIT` bytes, and every field cuecoder reads has
  the type it expects (E014), with an entry for every label (E015);
- every path it names stays inside the folder: no absolute path, no ``..``, no symbolic
  link that resolves outside (E008);
- every file it uses has the kind its role needs (ONNX for the encoder, heads and
  cross-encoder, JSON for tokenizers, TSV for tables; E017), a checksum in ``files``
  (E013), and a size under :data:`SIZE_LIMITS` (E016; sizes are checked before hashing or parsing).

Notes
-----
onnxruntime (>= 1.17) itself refuses ONNX external data outside the graph's folder.
Evidence patterns may hold regular expressions (spaCy ``REGEX``), and the lexical head
a token pattern: they can't run code, but a pathological expression can be slow; a
folder from an unknown source deserves a look at ``patterns.tsv`` and ``meta.json``.
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
#: ``meta.json`` above this many bytes is refused before it is parsed (the default
#: model's is 11 kB).
META_LIMIT = 1 << 20
#: Largest file of each kind a model folder may hold, checked before hashing or parsing:
#: protobuf (ONNX) can't exceed 2 GiB; a tokenizer.json of a 250k-token vocabulary is
#: about 17 MB; the default model's largest table (lexical.tsv) is 1 MB.
SIZE_LIMITS = {".onnx": 2 << 30, ".json": 64 << 20, ".tsv": 64 << 20}
#: Files of other kinds (the model card) are only hashed, never parsed.
OTHER_LIMIT = 16 << 20
#: What a file must be, by the role meta.json gives it.
ROLE_KINDS = {
    "encoder.file": ".onnx",
    "encoder.tokenizer": ".json",
    "heads": ".onnx",
    "patterns": ".tsv",
    "lexicons": ".tsv",
    "lexical.file": ".tsv",
    "cross_encoder.file": ".onnx",
    "cross_encoder.tokenizer": ".json",
}
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
    size = meta_path.stat().st_size
    if size > META_LIMIT:
        raise ModelError(
            Errors.E016.format(name=META, path=path, size=size, limit=META_LIMIT, kind="meta.json")
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelError(Errors.E005.format(path=meta_path, reason=exc)) from exc
    if not isinstance(meta, dict):
        raise ModelError(Errors.E005.format(path=meta_path, reason="not a JSON object"))
    missing = [f for f in REQUIRED if f not in meta]
    if missing:
        raise ModelError(
            Errors.E002.format(path=meta_path, fields=missing, required=list(REQUIRED))
        )
    check_types(meta, meta_path)
    if meta["cuecoder_version"].split(".")[:2] != __version__.split(".")[:2]:
        warnings.warn(
            Warnings.W001.format(
                name=meta["name"], built=meta["cuecoder_version"], running=__version__
            ),
            stacklevel=2,
        )
    return meta


def used_files(meta: dict) -> list[tuple[str, str]]:
    """(role, name) of every file a model uses; ``patterns`` and ``lexicons`` default to
    ``patterns.tsv`` and ``lexicons.tsv`` as :class:`cuecoder.coder.Featurizer` reads them."""
    used = []
    encoder = meta.get("encoder") or {}
    used += [(f"encoder.{k}", encoder[k]) for k in ("file", "tokenizer") if k in encoder]
    used += [("heads", name) for name in (meta.get("heads") or {}).values()]
    used += [(k, meta.get(k, f"{k}.tsv")) for k in ("patterns", "lexicons")]
    if isinstance(meta.get("lexical"), dict) and "file" in meta["lexical"]:
        used.append(("lexical.file", meta["lexical"]["file"]))
    cross = meta.get("cross_encoder")
    if isinstance(cross, dict):
        used += [(f"cross_encoder.{k}", cross[k]) for k in ("file", "tokenizer") if k in cross]
    return used


def referenced_files(meta: dict) -> list[str]:
    """Every file a ``meta.json`` names: the checksummed ones and the ones it uses."""
    return [*meta.get("files", {}), *(name for _, name in used_files(meta))]


def check_files(path: Path, meta: dict) -> None:
    """Raise E017 for a used file of the wrong kind and E016 for a file above its size
    limit (:data:`SIZE_LIMITS`), before anything is hashed or parsed."""
    path = Path(path)
    for role, name in used_files(meta):
        kind = ROLE_KINDS[role]
        if Path(str(name)).suffix.lower() != kind:
            raise ModelError(Errors.E017.format(path=path / META, name=name, role=role, kind=kind))
    for name in dict.fromkeys(referenced_files(meta)):
        file = path / name
        if not file.is_file():
            continue  # a missing file is E004's, when checksums are verified
        size = file.stat().st_size
        ext = file.suffix.lower()
        limit = SIZE_LIMITS.get(ext, OTHER_LIMIT)
        if size > limit:
            raise ModelError(
                Errors.E016.format(
                    name=name, path=path, size=size, limit=limit, kind=ext or "other"
                )
            )


# -- meta.json field types ------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


#: Checks by kind: (test, what a user is told the field must be).
_KINDS = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "int>0": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0, "an integer > 0"),
    "int>=0": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "an integer >= 0",
    ),
    "number": (lambda v: _is_number(v) and v == v and abs(v) != float("inf"), "a finite number"),
    "prob": (lambda v: _is_number(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "dict": (lambda v: isinstance(v, dict), "an object"),
    "list[str]": (
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "a list of strings",
    ),
    "list[number]": (
        lambda v: isinstance(v, list) and all(_is_number(x) for x in v),
        "a list of numbers",
    ),
    "dict[str]": (
        lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
        "an object of strings",
    ),
    "dict[str|null]": (
        lambda v: isinstance(v, dict) and all(x is None or isinstance(x, str) for x in v.values()),
        "an object of strings (or null)",
    ),
    "dict[number]": (
        lambda v: isinstance(v, dict) and all(_is_number(x) for x in v.values()),
        "an object of numbers",
    ),
    "dict[prob]": (
        lambda v: isinstance(v, dict) and all(_is_number(x) and 0 <= x <= 1 for x in v.values()),
        "an object of numbers in [0, 1]",
    ),
    "dict[sha256]": (
        lambda v: (
            isinstance(v, dict)
            and all(
                isinstance(x, str) and len(x) == 64 and set(x) <= set("0123456789abcdef")
                for x in v.values()
            )
        ),
        "an object of sha256 hex digests",
    ),
}
#: The fields cuecoder reads, by dotted name; ``!`` marks required ones inside an object
#: (top-level required fields are :data:`REQUIRED`), ``?`` ones that may be null.
META_TYPES = {
    "name": "str",
    "version": "str",
    "cuecoder_version": "str",
    "labels": "list[str]",
    "thresholds": "dict[prob]",
    "features": "list[str]",
    "encoder": "dict",
    "encoder.file!": "str",
    "encoder.tokenizer!": "str",
    "encoder.inputs": "dict[str|null]",
    "encoder.pad_token": "str",
    "encoder.pad_id": "int>=0",
    "encoder.pooling": "str",
    "encoder.dim": "int>0",
    "encoder.max_tokens": "int>0",
    "heads": "dict[str]",
    "files": "dict[sha256]",
    "metrics": "dict",
    "training_data": "dict",
    "text": "dict",
    "text.language": "str",
    "text.rules": "str",
    "text.languages": "list[str]",
    "patterns": "str",
    "lexicons": "str",
    "lexical": "dict",
    "lexical.file!": "str",
    "lexical.intercepts!": "dict[number]",
    "lexical.blend!": "dict[prob]",
    "lexical.token_pattern": "str",
    "lexical.n_max": "int>0",
    "corpus_evidence?": "dict",
    "corpus_evidence.coef!": "list[number]",
    "corpus_evidence.intercept!": "number",
    "corpus_evidence.threshold!": "prob",
    "corpus_evidence.features": "list[str]",
    "corpus_evidence.index": "dict",
    "cross_encoder?": "dict",
    "cross_encoder.file!": "str",
    "cross_encoder.tokenizer!": "str",
    "cross_encoder.outputs!": "list[str]",
    "cross_encoder.max_tokens!": "int>0",
    "cross_encoder.blend!": "dict[prob]",
    "cross_encoder.thresholds!": "dict[prob]",
    "cross_encoder.corpus_evidence?": "dict",
    "cross_encoder.corpus_evidence.coef!": "list[number]",
    "cross_encoder.corpus_evidence.intercept!": "number",
    "cross_encoder.corpus_evidence.threshold!": "prob",
}


def check_types(meta: dict, meta_path: Path) -> None:
    """Raise E014 for a field of ``meta.json`` with the wrong type, E015 for a label
    without a head or threshold, so a bad folder fails with its field named, not deep
    inside onnxruntime or numpy."""

    def bad(field: str, expected: str, value) -> ModelError:
        shown = json.dumps(value)[:80] if not isinstance(value, str) else repr(value[:80])
        return ModelError(
            Errors.E014.format(path=meta_path, field=field, expected=expected, found=shown)
        )

    for key, kind in META_TYPES.items():
        required, nullable = key.endswith("!"), key.endswith("?")
        parts = key.rstrip("!?").split(".")
        parent = meta
        for part in parts[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue  # the parent is absent or null (and checked itself)
        field = parts[-1]
        if field not in parent:
            if required:
                raise bad(key.rstrip("!?"), _KINDS[kind][1], None)
            continue
        value = parent[field]
        if value is None and nullable:
            continue
        test, expected = _KINDS[kind]
        if not test(value):
            raise bad(key.rstrip("!?"), expected, value)
    labels = meta["labels"]
    if not labels or len(set(labels)) != len(labels):
        raise bad("labels", "a non-empty list of distinct strings", labels)
    for field in ("heads", "thresholds"):
        missing = [label for label in labels if label not in meta[field]]
        if missing:
            raise ModelError(
                Errors.E015.format(path=meta_path, field=field, missing=missing, labels=labels)
            )
    tables = {"lexical.intercepts": ("lexical", "intercepts")}
    tables["cross_encoder.blend"] = ("cross_encoder", "blend")
    tables["cross_encoder.thresholds"] = ("cross_encoder", "thresholds")
    for field, (part, key) in tables.items():
        if not isinstance(meta.get(part), dict):
            continue
        missing = [label for label in labels if label not in meta[part][key]]
        if missing:
            raise ModelError(
                Errors.E015.format(path=meta_path, field=field, missing=missing, labels=labels)
            )


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
    check_files(path, meta)
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
