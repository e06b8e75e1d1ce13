"""Out-of-domain labelled sets mapped onto the codebook's labels.

Three public sets code something close to one of our labels, in a different genre:

========== ============================================ ========== =======================
loader     source (in ``data_dir``)                     informs    licence
========== ============================================ ========== =======================
``claff``  ``claff_offmychest`` (Reddit sentences)      openness   CC BY 4.0
``epitome````epitome_empathy`` (Reddit peer support)    listening  UW academic / BSD-style
``annomi`` ``annomi`` (counselling transcripts)         listening  public domain (README)
========== ============================================ ========== =======================

Each loader returns rows shaped like :func:`cuecoder.train.pipeline.load_training_data`'s
(``item_id, source, group, brand, context, reply, subcodes``, the four labels, ``split``)
with ``split = "ood"``. A row carries only the label its set informs; the other three
labels are ``<NA>`` (nullable ``Int8``), so a caller trains a head on the rows where that
head's label is known and leaves the rest out of it. Text is read from ``data_dir`` at
run time and never copied into the repository.

Mapping and why
---------------
CL-Aff OffMyChest (``labeled_training_set.csv``) -> **openness**
    ``openness = Emotional_disclosure OR Information_disclosure``. The annotators coded
    whether the *author* reveals their own feelings (codebook O-FEELING) or personal facts
    and experiences (O-EXPERIENCE): the speaker talks about self. Negatives are sentences
    with neither. Caveat: CL-Aff counts mild courtesy ("Thanks for sharing the story") as
    emotional disclosure, which the codebook calls formulaic; there is no O-INSIDE
    (brand-internal) analogue.
EPITOME (the three ``*-reddit.csv`` files, row-aligned on ``sp_id, rp_id``) -> **listening**
    ``emotional reactions >= 1`` -> L-EMPATHY (warmth, compassion, concern);
    ``explorations >= 1`` -> L-QUESTION (asks about what the seeker has not said yet);
    ``interpretations >= 1`` -> L-REFLECT (communicates understanding of the seeker's
    feelings or experiences). ``listening = 1`` if any of the three is present and 0 when
    all three are level 0 (a response with none of the three mechanisms; it can still
    hold an L-ACK, which EPITOME does not code). Context is the seeker post.
AnnoMI (``AnnoMI-full.csv``, therapist utterances) -> **listening**
    ``reflection_exists`` (simple or complex) -> L-REFLECT; ``question_exists`` (open or
    closed) -> L-QUESTION; either makes ``listening = 1``. Negatives are utterances that
    are therapist input (information, advice, options, negotiation) with neither.
    Utterances whose main behaviour is ``other`` are left out: they are mostly
    back-channels ("Mm-hmm.", "Right.", "Okay."), which the codebook would code L-ACK,
    while AnnoMI codes them neither reflection nor question. Utterances coded by several
    annotators take the majority (ties count as present). Context is the client
    utterance just before, when there is one.

Notes
-----
Each loader draws at most ``n`` rows (default :data:`MAX_ROWS`) with
``numpy.random.default_rng(seed)``; the draw is uniform, so the class balance of the
source is kept. Whether any of these sets helps on brand replies is measured in
``training/ablations/out_of_domain.py`` (see ``docs/out_of_domain.md``).

References
----------
Jaidka, K., Singh, I., Liu, J., Chhaya, N., & Ungar, L. (2020). A report of the CL-Aff
OffMyChest shared task: modeling supportiveness and disclosure. AffCon @ AAAI-20.

Sharma, A., Miner, A. S., Atkins, D. C., & Althoff, T. (2020). A computational approach
to understanding empathy expressed in text-based mental health support. EMNLP.

Wu, Z., Balloccu, S., Kumar, V., Helaoui, R., Reiter, E., Reforgiato Recupero, D., &
Riboni, D. (2022). Anno-MI: a dataset of expert-annotated counselling dialogues. ICASSP.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import LABELS
from ..errors import CuecoderError, Errors
from .data import resolve_data_dir

logger = logging.getLogger(__name__)

MAX_ROWS = 1000  # rows drawn per set: keeps the embedding cost of an ablation small
EPITOME_FILES = {  # EPITOME mechanism file -> codebook sub-code it stands for
    "emotional-reactions-reddit.csv": "L-EMPATHY",
    "interpretations-reddit.csv": "L-REFLECT",
    "explorations-reddit.csv": "L-QUESTION",
}
_MOJIBAKE = re.compile(r"<U\+([0-9A-Fa-f]{4})>")  # CL-Aff writes e.g. <U+0092> for ’


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise CuecoderError(Errors.E105.format(path=path, reason="file not found"))
    return pd.read_csv(path)


def _require(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CuecoderError(
            Errors.E101.format(column=missing, source=path, available=list(frame.columns))
        )


def _fix_mojibake(text: str) -> str:
    """``<U+0092>`` (a cp1252 code point written as text) -> the character it stands for."""

    def repl(m: re.Match) -> str:
        code = int(m.group(1), 16)
        try:
            return bytes([code]).decode("cp1252") if code < 256 else chr(code)
        except UnicodeDecodeError:
            return " "

    return _MOJIBAKE.sub(repl, text)


def _frame(source: str, ids, context, reply, label: str, y, subcodes) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "item_id": [f"{source}:{i}" for i in ids],
            "source": source,
            "group": f"ood:{source}",
            "brand": source,
            "context": pd.Series(list(context), dtype=object).fillna("").astype(str).to_numpy(),
            "reply": [str(t) for t in reply],
            "subcodes": list(subcodes),
        }
    )
    for lab in LABELS:
        rows[lab] = pd.array([pd.NA] * len(rows), dtype="Int8")
    rows[label] = pd.array(np.asarray(y, dtype=int), dtype="Int8")
    rows["split"] = "ood"
    return rows


def _sample(rows: pd.DataFrame, n: int | None, seed: int) -> pd.DataFrame:
    if n is not None and len(rows) > n:
        take = np.sort(np.random.default_rng(seed).choice(len(rows), size=n, replace=False))
        rows = rows.iloc[take]
    return rows.reset_index(drop=True)


def load_claff(
    data_dir: Path | None = None, n: int | None = MAX_ROWS, seed: int = 0
) -> pd.DataFrame:
    """CL-Aff OffMyChest sentences with ``openness`` (emotional or information disclosure).

    Parameters
    ----------
    data_dir : Path
        The shared data folder holding ``claff_offmychest/``.
    n : int or None
        Rows to draw (``None``: all 12,860 training-set sentences).
    seed : int
        Seed of the draw.

    Returns
    -------
    pandas.DataFrame
        One row per sentence; ``openness`` in {0, 1}, the other labels ``<NA>``;
        ``subcodes`` lists O-FEELING / O-EXPERIENCE; no context.
    """
    path = resolve_data_dir(data_dir) / "claff_offmychest" / "labeled_training_set.csv"
    raw = _read_csv(path)
    _require(
        raw, ["sentenceid", "full_text", "Emotional_disclosure", "Information_disclosure"], path
    )
    raw = raw.dropna(subset=["full_text"])
    feel = raw["Emotional_disclosure"].astype(int).to_numpy()
    info = raw["Information_disclosure"].astype(int).to_numpy()
    subcodes = [
        "|".join(c for c, on in (("O-FEELING", f), ("O-EXPERIENCE", i)) if on)
        for f, i in zip(feel, info, strict=True)
    ]
    rows = _frame(
        "claff",
        raw["sentenceid"],
        [""] * len(raw),
        raw["full_text"].astype(str).map(_fix_mojibake),
        "openness",
        (feel | info),
        subcodes,
    )
    return _sample(rows, n, seed)


def load_epitome(
    data_dir: Path | None = None, n: int | None = MAX_ROWS, seed: int = 0
) -> pd.DataFrame:
    """EPITOME Reddit responses with ``listening`` (any empathy mechanism at level >= 1).

    Parameters and return value as :func:`load_claff`; ``subcodes`` lists L-EMPATHY,
    L-REFLECT, L-QUESTION per :data:`EPITOME_FILES`; context is the seeker post.
    """
    frames = {}
    for name in EPITOME_FILES:
        path = resolve_data_dir(data_dir) / "epitome_empathy" / name
        frames[name] = _read_csv(path)
        _require(frames[name], ["sp_id", "rp_id", "seeker_post", "response_post", "level"], path)
    first = next(iter(frames.values()))
    for name, frame in frames.items():
        same = (
            len(frame) == len(first)
            and (frame[["sp_id", "rp_id"]].to_numpy() == first[["sp_id", "rp_id"]].to_numpy()).all()
        )
        if not same:
            raise CuecoderError(
                Errors.E105.format(
                    path=resolve_data_dir(data_dir) / "epitome_empathy" / name,
                    reason="rows are not aligned with the other EPITOME files on sp_id, rp_id",
                )
            )
    present = {code: frames[name]["level"].to_numpy() >= 1 for name, code in EPITOME_FILES.items()}
    subcodes = ["|".join(c for c in present if present[c][i]) for i in range(len(first))]
    y = np.any(np.vstack(list(present.values())), axis=0)
    rows = _frame(
        "epitome",
        first["sp_id"] + ":" + first["rp_id"] + ":" + pd.Series(range(len(first))).astype(str),
        first["seeker_post"],
        first["response_post"],
        "listening",
        y,
        subcodes,
    )
    return _sample(rows, n, seed)


def _majority(flags: pd.Series) -> bool:
    """Majority of annotators; ties count as present."""
    return bool(flags.astype(bool).mean() >= 0.5)


def load_annomi(
    data_dir: Path | None = None, n: int | None = MAX_ROWS, seed: int = 0
) -> pd.DataFrame:
    """AnnoMI therapist utterances with ``listening`` (reflection or question).

    Parameters and return value as :func:`load_claff`; ``subcodes`` lists L-REFLECT and
    L-QUESTION; negatives are therapist input with neither; ``other`` utterances
    (back-channels) are left out; context is the preceding client utterance.
    """
    path = resolve_data_dir(data_dir) / "annomi" / "AnnoMI-full.csv"
    raw = _read_csv(path)
    cols = [
        "transcript_id",
        "utterance_id",
        "interlocutor",
        "utterance_text",
        "main_therapist_behaviour",
        "reflection_exists",
        "question_exists",
    ]
    _require(raw, cols, path)
    key = ["transcript_id", "utterance_id"]
    client = raw[raw["interlocutor"] == "client"].drop_duplicates(key)
    prev = dict(
        zip(
            zip(client["transcript_id"], client["utterance_id"] + 1, strict=True),
            client["utterance_text"],
            strict=True,
        )
    )
    ther = raw[raw["interlocutor"] == "therapist"]
    utt = (
        ther.groupby(key, sort=True)
        .agg(
            text=("utterance_text", "first"),
            reflect=("reflection_exists", _majority),
            question=("question_exists", _majority),
            behaviour=("main_therapist_behaviour", lambda s: s.mode().iat[0]),
        )
        .reset_index()
    )
    utt = utt[utt["behaviour"] != "other"]
    positive = utt["reflect"] | utt["question"]
    utt = utt[positive | (utt["behaviour"] == "therapist_input")]
    subcodes = [
        "|".join(c for c, on in (("L-REFLECT", r), ("L-QUESTION", q)) if on)
        for r, q in zip(utt["reflect"], utt["question"], strict=True)
    ]
    rows = _frame(
        "annomi",
        utt["transcript_id"].astype(str) + ":" + utt["utterance_id"].astype(str),
        [prev.get(k, "") for k in zip(utt["transcript_id"], utt["utterance_id"], strict=True)],
        utt["text"],
        "listening",
        (utt["reflect"] | utt["question"]).to_numpy(),
        subcodes,
    )
    return _sample(rows, n, seed)


LOADERS: dict[str, Callable[..., pd.DataFrame]] = {
    "claff": load_claff,
    "epitome": load_epitome,
    "annomi": load_annomi,
}
"""Loader per set name; each takes ``(data_dir, n, seed)``."""

INFORMS: dict[str, str] = {"claff": "openness", "epitome": "listening", "annomi": "listening"}
"""The one codebook label each set informs."""


def load_out_of_domain(
    names: list[str] | None = None,
    data_dir: Path | None = None,
    n: int | None = MAX_ROWS,
    seed: int = 0,
) -> pd.DataFrame:
    """Several sets at once (default: all of :data:`LOADERS`), ``n`` rows each."""
    names = list(LOADERS) if names is None else names
    unknown = [s for s in names if s not in LOADERS]
    if unknown:
        raise CuecoderError(
            Errors.E104.format(value=unknown, name="out-of-domain set", valid=list(LOADERS))
        )
    frames = [LOADERS[s](data_dir, n, seed) for s in names]
    for s, f in zip(names, frames, strict=True):
        logger.info("%s: %d rows, %s positive %.2f", s, len(f), INFORMS[s], f[INFORMS[s]].mean())
    return pd.concat(frames, ignore_index=True)
