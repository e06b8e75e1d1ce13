"""Corpus evidence for ``automated``: one function applies it, for every scoring path.

A reply's template size and distinct recipients (from a
:class:`~cuecoder.templates.index.TemplateIndex` over the corpus) are combined with the
per-reply ``automated`` probability by a logistic regression fit to hand codes
(:func:`cuecoder.train.corpus_evidence.fit_params`). The per-reply columns keep their
meaning; the combination goes to ``automated_corpus``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..codebook import AUTOMATED_CORPUS, MODERATOR, label_column
from ..errors import CuecoderError, Errors
from .index import TemplateIndex

logger = logging.getLogger(__name__)

CORPUS_FEATURES = ("logit_p_auto", "log_extra_replies", "log_extra_recipients")
P_CLIP = 1e-4  # keeps logit(p) finite: heads output 0 or 1 only in float round-off


def corpus_features(p_auto, template_size, template_recipients) -> np.ndarray:
    """Design matrix of the combination: ``logit(p)``, ``log1p(size - 1)``,
    ``log1p(recipients - 1)`` (sizes below 1, for empty replies, count as 1)."""
    p = np.clip(np.asarray(p_auto, dtype=float), P_CLIP, 1 - P_CLIP)
    size = np.maximum(np.asarray(template_size, dtype=float), 1.0)
    recs = np.maximum(np.asarray(template_recipients, dtype=float), 1.0)
    return np.column_stack([np.log(p) - np.log1p(-p), np.log1p(size - 1), np.log1p(recs - 1)])


def combine_automated(p_auto, template_size, template_recipients, params: dict | None):
    """The per-reply ``automated`` probability combined with the reply's template evidence.

    ``sigmoid(intercept + coef . [logit(p), log1p(size - 1), log1p(recipients - 1)])``: a
    logistic regression fit to hand codes of real replies (see
    :func:`cuecoder.train.corpus_evidence.fit_corpus_evidence`), so the output is a
    calibrated probability, not a hand-set rule.

    Parameters
    ----------
    p_auto : array-like
        Per-reply probabilities (NaN stays NaN).
    template_size, template_recipients : array-like
        From :meth:`TemplateIndex.lookup`.
    params : dict or None
        ``{"coef": [3 floats], "intercept": float, ...}``; None returns ``p_auto``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> params = {"coef": [1.0, 1.0, 0.0], "intercept": 0.0}
    >>> combine_automated([0.5, 0.5], [1, 3], [1, 3], params).round(3).tolist()
    [0.5, 0.75]
    >>> combine_automated([0.2], [9], [9], None).tolist()
    [0.2]
    """
    p = np.asarray(p_auto, dtype=float)
    if params is None:
        return p.copy()
    coef = np.asarray(params["coef"], dtype=float)
    if coef.shape != (len(CORPUS_FEATURES),):
        raise CuecoderError(Errors.E405.format(found=list(coef), expected=list(CORPUS_FEATURES)))
    z = float(params["intercept"]) + corpus_features(p, template_size, template_recipients) @ coef
    out = 1.0 / (1.0 + np.exp(-z))
    out[np.isnan(p)] = np.nan
    return out


def index_from_params(params: dict | None) -> TemplateIndex:
    """A :class:`TemplateIndex` with the settings the combination was fit with."""
    settings = dict((params or {}).get("index", {}))
    return TemplateIndex(**settings)


def find_templates(
    texts: Sequence,
    corpus_model: dict | None,
    accounts: Sequence | None = None,
    recipients: Sequence | None = None,
) -> pd.DataFrame:
    """Use ``texts`` as the corpus: each reply's template (``TEMPLATE_COLUMNS``).

    The index takes the settings the combination was fit with (``corpus_model``); a list
    much smaller than the fitting corpus logs a warning (a unique reply in a small list
    says little).
    """
    texts = list(texts)
    if corpus_model is not None:
        n_fit = int(corpus_model.get("fit", {}).get("corpus_size", 0))
        if n_fit and len(texts) < n_fit / 10:
            logger.warning(Errors.E407.format(n=len(texts), n_fit=n_fit))
    index = index_from_params(corpus_model).add(texts, accounts, recipients).finalize()
    return index.lookup(texts, accounts)


def add_corpus_evidence(
    table: pd.DataFrame, found: pd.DataFrame, corpus_model: dict | None
) -> pd.DataFrame:
    """Add the corpus evidence to per-reply scores: the one function every path calls.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-reply scores (:meth:`cuecoder.coder.Coder.score` without corpus evidence),
        one row per reply.
    found : pandas.DataFrame
        Each reply's template, from :meth:`TemplateIndex.lookup` (``template_id``,
        ``template_size``, ``template_recipients``), same rows.
    corpus_model : dict, None, or a list of them (one per row)
        The model's ``meta["corpus_evidence"]``: the combination's parameters and its
        ``threshold``. None (a model without it) keeps the per-reply probability and
        logs a warning. A list gives each row the combination of the model that scored
        it (replies in several languages).

    Returns
    -------
    pandas.DataFrame
        ``table`` with ``automated_corpus`` (the per-reply ``automated`` combined with the
        template evidence, :func:`combine_automated`), ``automated_corpus_label`` (at the
        combination's threshold) and the template columns, before ``evidence``. The
        per-reply columns, ``automated`` and ``automated_label`` among them, and the
        evidence spans (which explain the per-reply labels) are unchanged.
    """
    if len(found) != len(table):
        raise CuecoderError(Errors.E401.format(name="found", n=len(found), n_texts=len(table)))
    per_row = list(corpus_model) if isinstance(corpus_model, (list, tuple)) else [corpus_model]
    if len(per_row) not in (1, len(table)):
        raise CuecoderError(
            Errors.E401.format(name="corpus_model", n=len(per_row), n_texts=len(table))
        )
    if len(per_row) == 1:
        per_row = per_row * len(table)
    auto = table[MODERATOR].to_numpy(dtype=float)
    size = found["template_size"].to_numpy()
    recipients = found["template_recipients"].to_numpy()
    per_reply = table[label_column(MODERATOR)].to_numpy(dtype=bool, na_value=False)
    combined = np.full(len(table), np.nan)
    label = np.zeros(len(table), dtype=bool)
    groups: dict[int, list[int]] = {}
    for i, params in enumerate(per_row):
        groups.setdefault(id(params), []).append(i)
    for rows in groups.values():
        params = per_row[rows[0]]
        if params is None:
            logger.warning(Errors.E406)
        combined[rows] = combine_automated(auto[rows], size[rows], recipients[rows], params)
        label[rows] = (
            per_reply[rows] if params is None else combined[rows] >= float(params["threshold"])
        )
    added = pd.DataFrame(
        {
            AUTOMATED_CORPUS: combined,
            label_column(AUTOMATED_CORPUS): label,
            "template_id": pd.array(found["template_id"].to_numpy(), dtype="string"),
            "template_size": found["template_size"].to_numpy(dtype=np.int64),
            "template_recipients": found["template_recipients"].to_numpy(dtype=np.int64),
        },
        index=table.index,
    )
    at = table.columns.get_loc("evidence") if "evidence" in table.columns else len(table.columns)
    return pd.concat([table.iloc[:, :at], added, table.iloc[:, at:]], axis=1)
