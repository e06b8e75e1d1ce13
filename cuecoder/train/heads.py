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


def export_head(estimator, n_features: int, path: Path, opset: int = 17) -> Path:
    """Write ``estimator`` as ONNX (float input ``X``, outputs ``label``, ``probabilities``)."""
    require("skl2onnx", "Exporting heads")
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    onx = to_onnx(
        estimator,
        initial_types=[("X", FloatTensorType([None, n_features]))],
        options={id(estimator): {"zipmap": False}}
        if not hasattr(estimator, "steps")
        else {id(estimator.steps[-1][1]): {"zipmap": False}},
        target_opset={"": opset, "ai.onnx.ml": 3},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(onx.SerializeToString())
    return path


def onnx_proba(path: Path, X: np.ndarray) -> np.ndarray:
    """Positive-class probability from an exported head."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(["probabilities"], {"X": X.astype(np.float32)})[0][:, 1]


def check_parity(estimator, path: Path, X: np.ndarray, tol: float = PARITY_TOL) -> float:
    """Max |ONNX - predict_proba| on ``X``; raises when above ``tol``."""
    X = X.astype(np.float32)
    diff = float(np.max(np.abs(onnx_proba(path, X) - estimator.predict_proba(X)[:, 1])))
    if diff > tol:
        raise ModelError(Errors.E006.format(path=path, diff=diff, tol=tol))
    return diff
