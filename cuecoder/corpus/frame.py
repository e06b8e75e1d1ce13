"""One chunk of a corpus scored into output rows, and the schema of those rows.

The rows are those of :meth:`Coder.score <cuecoder.coder.Coder.score>` (with the corpus
evidence applied by :func:`cuecoder.templates.evidence.add_corpus_evidence`, the same
function the in-memory path calls), preceded by the id and the kept input columns.
``evidence`` is a JSON string here: one portable type for CSV, Parquet and JSON lines.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..codebook import AUTOMATED_CORPUS, COMPOSITES, TEMPLATE_COLUMNS, label_column
from . import read as cread


def score_frame(
    coder,
    frame: pd.DataFrame,
    batch_size: int = 1,
    index=None,
    id_name: str = "id",
    languages: str = "auto",
) -> pd.DataFrame:
    """Score one chunk (internal columns of :class:`~cuecoder.corpus.read.RawChunk`).

    Identical (reply, context) pairs are scored once. With a finalized ``index``
    (:class:`~cuecoder.templates.index.TemplateIndex` of the whole corpus), the corpus
    evidence columns are added (``automated_corpus``, its label, the template columns).
    ``languages`` is :meth:`Coder.score <cuecoder.coder.Coder.score>`'s.
    """
    texts = frame[cread.TEXT].tolist()
    contexts = [c if isinstance(c, str) else None for c in frame[cread.CONTEXT]]
    keys = pd.Series(
        [t if c is None else f"{t}\x00\x01{c}" for t, c in zip(texts, contexts, strict=True)]
    )
    codes, _ = pd.factorize(keys, sort=False)
    first = np.unique(codes, return_index=True)[1]  # first row of each distinct pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # per-chunk warnings are counted in the summary
        table = coder.score(
            [texts[i] for i in first],
            [contexts[i] for i in first],
            batch_size=batch_size,
            languages=languages,
        )
    table = table.iloc[codes].reset_index(drop=True)
    if index is not None:
        found = index.lookup(texts, frame[cread.ACCOUNT].tolist())
        table = coder.add_corpus_evidence(table, found)
    table["evidence"] = [json.dumps(ev, ensure_ascii=False) for ev in table["evidence"]]
    kept = frame.drop(columns=[cread.ID, cread.TEXT, cread.CONTEXT, cread.ACCOUNT, cread.RECIPIENT])
    kept = kept.rename(
        columns={c: f"{c}_input" for c in kept.columns if c in table.columns or c == id_name}
    )
    head = pd.DataFrame({id_name: frame[cread.ID].astype(object).to_numpy()})
    return pd.concat([head, kept.reset_index(drop=True), table], axis=1)


def output_meta(
    labels: Sequence[str], kept: Sequence[str], id_name: str, corpus_evidence: bool
) -> pd.DataFrame:
    """An empty frame with the columns and dtypes :func:`score_frame` returns."""
    cols: dict[str, pd.Series] = {id_name: pd.Series([], dtype=object)}
    for k in kept:
        cols[f"{k}_input" if k == id_name else k] = pd.Series([], dtype=object)
    composites = [c for c, parts in COMPOSITES.items() if set(parts) <= set(labels)]
    for name in [*labels, *composites]:
        cols[name] = pd.Series([], dtype=float)
    for name in [*labels, *composites]:
        cols[label_column(name)] = pd.Series([], dtype="boolean")
    if corpus_evidence:
        cols[AUTOMATED_CORPUS] = pd.Series([], dtype=float)
        cols[label_column(AUTOMATED_CORPUS)] = pd.Series([], dtype="boolean")
        cols[TEMPLATE_COLUMNS[0]] = pd.Series([], dtype="string")
        for name in TEMPLATE_COLUMNS[1:]:
            cols[name] = pd.Series([], dtype=np.int64)
    cols["evidence"] = pd.Series([], dtype=object)
    cols["empty"] = pd.Series([], dtype=bool)
    cols["truncated"] = pd.Series([], dtype=bool)
    cols["language"] = pd.Series([], dtype=object)
    cols["unsupported_language"] = pd.Series([], dtype=bool)
    return pd.DataFrame(cols)
