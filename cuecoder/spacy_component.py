"""cuecoder as a spaCy pipeline component.

>>> import spacy
>>> nlp = spacy.blank("en")
>>> _ = nlp.add_pipe("cuecoder")
>>> doc = nlp("Sorry the delivery was late! Which store did you order from?")
>>> sorted(doc._.cues)[:2]
['automated', 'automated_label']

Sets ``doc._.cues`` (the four probabilities, ``interactivity`` and the boolean labels) and
``doc.spans["cues"]`` (evidence spans labelled with sub-codes). Set ``doc._.context`` to
the consumer message before the component runs to judge responsiveness against it.
The factory ``cuecoder`` takes its scorer from the registered function
``cuecoder.cues.v1`` (``[components.cuecoder.coder] @misc = "cuecoder.cues.v1"``); a change
of behaviour gets a new version, ``cuecoder.cues.v2``, never a silent edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, SpanGroup
from spacy.util import registry

from .codebook import COMPOSITES
from .coder import Coder, load

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
                **{f"{k}_label": bool(row[f"{k}_label"]) for k in keys},
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


@registry.misc("cuecoder.cues.v1")
def cues_v1(model: str | None = None) -> Coder:
    """Version 1 of the cue scorer: a :class:`~cuecoder.coder.Coder` for ``model``
    (a model folder, or None for the default model)."""
    return load(model)


@Language.factory(
    "cuecoder",
    default_config={"coder": {"@misc": "cuecoder.cues.v1", "model": None}, "batch_size": 32},
)
def make_cuecoder(nlp: Language, name: str, coder: Coder, batch_size: int) -> CueComponent:
    """The cue component; ``coder`` comes from the versioned ``cuecoder.cues.v1``."""
    return CueComponent(nlp, name, coder, batch_size)
