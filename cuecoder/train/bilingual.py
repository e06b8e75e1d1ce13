"""How a model for one language agrees with the codes, with a second coder, and with the
model of another language reading the translation of the same replies.

The STC-3 Weibo turns were coded once for both their Chinese original and its English
translation (``training/CODING.md``): on the held-out helpdesk accounts the Chinese
model reads the original, the English model the translation, and their labels should
agree as well as each agrees with the codes. :func:`language_report` measures that.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import LABELS, label_column
from ..stats.agreement import binary_report, krippendorff_alpha
from .data import apply_recodes, load_real, read_label_files

logger = logging.getLogger(__name__)


def _score(coder, rows: pd.DataFrame) -> pd.DataFrame:
    contexts = rows["context"].where(rows["context"].fillna("") != "", None)
    return coder.score(rows["reply"].tolist(), contexts.tolist(), languages="any")


def _reports(codes: pd.DataFrame, scored: pd.DataFrame) -> dict:
    return {
        label: binary_report(
            codes[label].to_numpy(),
            scored[label_column(label)].to_numpy(dtype=bool, na_value=False),
            scored[label].to_numpy(dtype=float),
        )
        for label in LABELS
    }


def language_report(
    model,
    other_model,
    test: pd.DataFrame,
    label_files: list[Path],
    data_dir: str | Path | None = None,
    recodes: list[Path] | None = None,
    second: list[Path] | None = None,
    second_recodes: list[Path] | None = None,
) -> dict:
    """Held-out agreement of ``model`` on ``test``, beside ``other_model`` on the
    translation of the same replies and a second human coding.

    Parameters
    ----------
    model, other_model : Coder
        The model of ``test``'s language and the model of the translations' language.
    test : pandas.DataFrame
        Held-out coded rows of ``model``'s language (``item_id``, ``reply``, ``context``
        and the labels), e.g. the test split of :func:`cuecoder.train.pipeline.train`.
    label_files, data_dir, recodes
        Where the codes and the texts come from (:func:`cuecoder.train.data.load_real`);
        the translated rows of ``test``'s ids are read from them.
    second, second_recodes : list of Path, optional
        A blind second coding (and its recodes) of some of the same replies; compared
        with the first coding with its own recodes, before adjudication.

    Returns
    -------
    dict
        ``model`` (per label: alpha, F1, ... against the codes on ``test``);
        ``bilingual`` (on the translated subset: ``n``, per label the alpha of each model
        against the codes and ``alpha_between`` the two models' labels); ``human`` (per
        label ``n`` and ``alpha_coders``) when ``second`` is given.
    """
    scored = _score(model, test)
    out: dict = {"n_test": int(len(test)), "model": _reports(test, scored)}
    everything = load_real(label_files, data_dir, recodes)
    translated = everything[
        everything["item_id"].isin(test["item_id"])
        & ~everything["language"].isin(set(model.routes))
    ].drop_duplicates("item_id")
    if len(translated):
        position = pd.Series(np.arange(len(test)), index=test["item_id"].to_numpy())
        rows = position.loc[translated["item_id"]].to_numpy()
        theirs = _score(other_model, translated).reset_index(drop=True)
        ours = scored.iloc[rows].reset_index(drop=True)
        codes = test.iloc[rows].reset_index(drop=True)
        bilingual: dict = {"n": int(len(rows)), "labels": {}}
        for label in LABELS:
            a = ours[label_column(label)].to_numpy(dtype=bool, na_value=False).astype(int)
            b = theirs[label_column(label)].to_numpy(dtype=bool, na_value=False).astype(int)
            y = codes[label].to_numpy()
            bilingual["labels"][label] = {
                "alpha_model": round(krippendorff_alpha(y, a), 4),
                "alpha_translation_model": round(krippendorff_alpha(y, b), 4),
                "alpha_between": round(krippendorff_alpha(a, b), 4),
            }
        out["bilingual"] = bilingual
    if second:
        first = apply_recodes(read_label_files(label_files), recodes or [])
        again = apply_recodes(read_label_files(second), second_recodes or [])
        both = first.merge(again, on="item_id", suffixes=("", "_2"))
        both = both[both["item_id"].isin(test["item_id"])]
        out["human"] = {
            label: {
                "n": int(len(both)),
                "alpha_coders": round(
                    krippendorff_alpha(both[label].to_numpy(), both[f"{label}_2"].to_numpy()), 4
                ),
            }
            for label in LABELS
        }
    return out


__all__ = ["language_report"]
