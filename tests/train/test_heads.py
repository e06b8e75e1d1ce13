from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the [train] extra is needed to fit heads")
pytest.importorskip("skl2onnx", reason="the [train] extra is needed to export heads")

from cuecoder.errors import ModelError  # noqa: E402
from cuecoder.train.heads import PARITY_TOL, check_parity, export_head, make_head, onnx_proba  # noqa: E402


def test_onnx_head_equals_predict_proba(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 40)).astype(np.float32) * rng.uniform(0.1, 20, size=40).astype(
        np.float32
    )
    y = (X[:, 0] / 10 + X[:, 3] - X[:, 7] / 5 + rng.normal(size=300) > 0).astype(int)
    head = make_head("logreg", C=0.3).fit(X, y)
    path = export_head(head, X.shape[1], tmp_path / "h.onnx")
    X_new = rng.normal(size=(500, 40)).astype(np.float32) * 5
    diff = np.max(np.abs(onnx_proba(path, X_new) - head.predict_proba(X_new)[:, 1]))
    assert diff <= PARITY_TOL
    assert check_parity(head, path, X_new) == pytest.approx(diff)


def test_parity_check_catches_a_wrong_head(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    head = make_head("logreg", C=1.0).fit(X, y)
    other = make_head("logreg", C=1.0).fit(X, 1 - y)
    path = export_head(other, 5, tmp_path / "wrong.onnx")
    with pytest.raises(ModelError, match=r"\[E006\] The stored head"):
        check_parity(head, path, X)


def test_export_falls_back_to_float64_when_float32_misses_parity(tmp_path):
    from cuecoder.train.heads import export_faithful

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 400)).astype(np.float32)
    y = (X[:, 0] + rng.normal(size=100) > 0).astype(int)
    head = make_head("logreg", C=1e4).fit(X, y)
    ref = head.predict_proba(X)[:, 1]  # as check_parity computes it
    d32 = np.abs(onnx_proba(export_head(head, 400, tmp_path / "a.onnx"), X) - ref).max()
    d64 = np.abs(
        onnx_proba(export_head(head, 400, tmp_path / "b.onnx", double=True), X) - ref
    ).max()
    assert d64 < d32  # float64 arithmetic is the more faithful export
    tol = (d32 + d64) / 2  # float32 misses it, float64 meets it
    path, diff, precision = export_faithful(head, X, tmp_path / "h.onnx", tol=tol)
    assert precision == "float64" and diff <= tol
    path, _, precision = export_faithful(head, X, tmp_path / "h32.onnx", tol=1.0)
    assert precision == "float32"
