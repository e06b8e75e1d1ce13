"""cuecoder as a spaCy pipeline component.

>>> import spacy
>>> nlp = spacy.blank("en")
>>> _ = nlp.add_pipe("cuecoder")
>>> doc = nlp("Sorry the delivery was late! Which store did you order from?")
>>> sorted(doc._.cues)[:2]
['automated', 'automated_label']

Sets ``doc._.cues`` (the four probabilities, ``interactivity``, the labels, the reply's
``language`` and ``unsupported_language``) and ``doc.spans["cues"]`` (evidence spans
labelled with sub-codes). Set ``doc._.context`` to the consumer message before the
component runs to judge responsiveness against it. Each Doc is scored by the model for
its language (:meth:`cuecoder.coder.Coder.score`); in a language no loaded model reads,
its probabilities are NaN and its labels None.

The factory ``cuecoder`` takes its scorer from a registered function
(``[components.cuecoder.coder] @misc = "cuecoder.cues.v2"``); a change of behaviour gets
a new version, never a silent edit. ``cuecoder.cues.v2`` (the default) loads the shipped
English and Chinese models; ``cuecoder.cues.v1`` the English model alone, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc, SpanGroup
from spacy.util import registry

from .codebook import COMPOSITES
from .coder import Coder, load
from .model.folder import DEFAULT_MODEL

SPANS_KEY = "cues"

if not Doc.has_extension("cues"):
    Doc.set_extension("cues", default=None)
if not Doc.has_extension("context"):
    Doc.set_extension("context", default=None)


class CueComponent:
    """Score each Doc with a :class:`~cuecoder.coder.Coder`."""

    def __init__(self, nlp: Language, name: str, coder: Coder, batch_size: int) -> None:
        self.name = name
        self.coder = coder
        self.batch_size = batch_size

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        size = batch_size or self.batch_size
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= size:
                yield from self._score(batch)
                batch = []
        if batch:
            yield from self._score(batch)

    def _score(self, docs: list[Doc]) -> list[Doc]:
        table = self.coder.score([d.text for d in docs], [d._.context for d in docs])
        keys = [*self.coder.labels, *COMPOSITES]
        for doc, row in zip(docs, table.itertuples(index=False), strict=True):
            row = row._asdict()
            doc._.cues = {
                **{k: float(row[k]) for k in keys},
                **{f"{k}_label": _label(row[f"{k}_label"]) for k in keys},
                "language": row["language"],
                "unsupported_language": bool(row["unsupported_language"]),
            }
            spans = []
            for ev in row["evidence"]:
                span = doc.char_span(
                    ev["start"], ev["end"], label=ev["subcode"], alignment_mode="expand"
                )
                if span is not None:
                    spans.append(span)
            doc.spans[SPANS_KEY] = SpanGroup(doc, name=SPANS_KEY, spans=spans)
        return docs


def _label(value) -> bool | None:
    return None if value is pd.NA else bool(value)


@registry.misc("cuecoder.cues.v1")
def cues_v1(model: str | None = None) -> Coder:
    """Version 1 of the cue scorer: a :class:`~cuecoder.coder.Coder` for ``model``
    (a model folder, or None for the English default model)."""
    return load(model if model is not None else DEFAULT_MODEL)


@registry.misc("cuecoder.cues.v2")
def cues_v2(models: list[str] | None = None) -> Coder:
    """Version 2: replies routed by language to ``models`` (model folders, the first
    primary), by default the shipped English and Chinese models."""
    return load(models)


@registry.misc("cuecoder.cues.v3")
def cues_v3(models: list[str] | None = None, accurate: bool = False) -> Coder:
    """Version 3: as version 2, and ``accurate`` runs the models' cross-encoders
    (:class:`~cuecoder.coder.Coder`)."""
    return load(models, accurate=accurate)


@Language.factory(
    "cuecoder",
    default_config={"coder": {"@misc": "cuecoder.cues.v2", "models": None}, "batch_size": 32},
)
def make_cuecoder(nlp: Language, name: str, coder: Coder, batch_size: int) -> CueComponent:
    """The cue component; ``coder`` comes from the versioned ``cuecoder.cues.v1``."""
    return CueComponent(nlp, name, coder, batch_size)
