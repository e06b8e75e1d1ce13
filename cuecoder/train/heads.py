"""Per-label heads: scikit-learn estimators exported to ONNX with skl2onnx.

Every exported head is checked against the estimator it came from: the ONNX
probabilities must equal ``predict_proba`` within ``PARITY_TOL`` (SetFit's parity test).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .._optional import require
from ..errors import CuecoderError, Errors, ModelError

logger = logging.getLogger(__name__)

PARITY_TOL = 1e-6  # ONNX vs predict_proba, max absolute difference (style.md)


def make_head(kind: str = "logreg", C: float = 1.0, seed: int = 0):
    """A scikit-learn pipeline: standardise, then a class-balanced logistic regression."""
    require("sklearn", "Training heads")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind != "logreg":
        raise CuecoderError(Errors.E104.format(value=kind, name="head", valid=["logreg"]))
    return make_pipeline(
        StandardScaler(),
        LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=seed),
    )


def export_head(
    estimator, n_features: int, path: Path, opset: int = 17, double: bool = False
) -> Path:
    """Write ``estimator`` as ONNX (input ``X``, outputs ``label``, ``probabilities``).

    The graph computes in float32 unless ``double``: float64 input and arithmetic, for
    heads whose float32 rounding exceeds :data:`PARITY_TOL` (see :func:`export_faithful`).
    """
    require("skl2onnx", "Exporting heads")
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    tensor = DoubleTensorType if double else FloatTensorType
    onx = to_onnx(
        estimator,
        initial_types=[("X", tensor([None, n_features]))],
        options={id(estimator): {"zipmap": False}}
        if not hasattr(estimator, "steps")
        else {id(estimator.steps[-1][1]): {"zipmap": False}},
        target_opset={"": opset, "ai.onnx.ml": 3},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(onx.SerializeToString())
    return path


def onnx_proba(path: Path, X: np.ndarray) -> np.ndarray:
    """Positive-class probability from an exported head (``X`` as float32, the design
    matrix's type, cast to the head's input type)."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    dtype = np.float64 if sess.get_inputs()[0].type == "tensor(double)" else np.float32
    return sess.run(["probabilities"], {"X": X.astype(np.float32).astype(dtype)})[0][:, 1]


def check_parity(estimator, path: Path, X: np.ndarray, tol: float = PARITY_TOL) -> float:
    """Max |ONNX - predict_proba| on ``X``; raises when above ``tol``."""
    X = X.astype(np.float32)
    diff = float(np.max(np.abs(onnx_proba(path, X) - estimator.predict_proba(X)[:, 1])))
    if diff > tol:
        raise ModelError(Errors.E006.format(path=path, diff=diff, tol=tol))
    return diff


def export_faithful(
    estimator, X: np.ndarray, path: Path, tol: float = PARITY_TOL
) -> tuple[Path, float, str]:
    """Export ``estimator`` in float32, or in float64 when float32 misses the parity
    tolerance; returns the path, the parity difference and the precision used."""
    try:
        export_head(estimator, X.shape[1], path)
        return path, check_parity(estimator, path, X, tol), "float32"
    except ModelError:
        logger.info("%s: float32 export beyond %.0e, exporting in float64", path, tol)
    export_head(estimator, X.shape[1], path, double=True)
    return path, check_parity(estimator, path, X, tol), "float64"
