"""The two scoring paths, ``Coder.score(corpus_evidence=True)`` and ``score_corpus``,
give identical rows for the same corpus: scores, labels, evidence, template columns."""

from __future__ import annotations

import json

import pandas as pd

from cuecoder.corpus.batch import score_corpus


def test_in_memory_and_batch_rows_are_identical(coder, replies, tmp_path):
    path = tmp_path / "corpus.csv"
    replies.to_csv(path, index=False)
    out = tmp_path / "scored.parquet"
    score_corpus(
        path,
        out,
        context_col="context",
        id_col="id",
        account_col="brand",
        model=coder,
        progress=False,
        chunk_rows=100,  # three chunks: the template index must still be corpus-wide
    )
    batch = pd.read_parquet(out)
    memory = coder.score(
        replies["text"], replies["context"], corpus_evidence=True, accounts=replies["brand"]
    )
    assert batch["id"].astype(str).tolist() == replies["id"].astype(str).tolist()
    columns = list(memory.columns)
    assert list(batch.columns[-len(columns) :]) == columns
    assert memory["template_size"].max() >= 2  # the corpus has templates to agree on
    batch = batch[columns].copy()
    batch["evidence"] = batch["evidence"].map(json.loads)
    batch["template_id"] = batch["template_id"].astype("string")
    for column in [c for c in columns if c.endswith("_label")]:  # nullable in the file
        batch[column] = batch[column].astype("boolean")
    pd.testing.assert_frame_equal(batch.reset_index(drop=True), memory, check_dtype=False)
