"""The Dask engine on a local cluster scores exactly like the local engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cuecoder.corpus.batch import score_corpus

pytest.importorskip("distributed", reason="the dask extra is not installed")

PROBS = ["responsiveness", "listening", "openness", "automated", "interactivity"]


def test_dask_local_cluster_matches_the_local_engine(tmp_path, replies, coder):
    """Chunks (hence encoder batches) are formed identically, so scores agree to 1e-5
    (only onnxruntime's thread count differs: 1 per Dask worker)."""
    path = tmp_path / "r.csv"
    replies.iloc[:150].to_csv(path, index=False)
    local, dask = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    score_corpus(
        path, local, context_col="context", keep="brand", model=coder, chunk_rows=40, progress=False
    )
    summary = score_corpus(
        path,
        dask,
        context_col="context",
        keep="brand",
        model=coder,
        chunk_rows=40,
        progress=False,
        engine="dask",
        workers=2,
        shard="0/1",
    )
    a, b = pd.read_parquet(local), pd.read_parquet(dask)
    assert summary.rows_scored == 150
    assert b["id"].tolist() == a["id"].tolist()
    np.testing.assert_allclose(b[PROBS].to_numpy(), a[PROBS].to_numpy(), atol=1e-5)
    labels = [c for c in a.columns if c.endswith("_label")]
    assert a[labels].astype("boolean").equals(b[labels].astype("boolean"))
    assert (a["evidence"] == b["evidence"]).all()
