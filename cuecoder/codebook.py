"""The codebook's labels, sub-codes and composites: the one definition every module reads.

The text of each definition is ``../shared/codebook.md`` (v1); this module holds the
names, and the rules that build composites and the columns that carry them.

Examples
--------
>>> from cuecoder.codebook import LABELS, LABEL_OF, label_column
>>> LABELS
('responsiveness', 'listening', 'openness', 'automated')
>>> LABEL_OF["L-QUESTION"], label_column("listening")
('listening', 'listening_label')
"""

from __future__ import annotations

import pandas as pd

LABELS: tuple[str, ...] = ("responsiveness", "listening", "openness", "automated")
SUBCODES: dict[str, tuple[str, ...]] = {
    "responsiveness": ("R-ADDRESS", "R-CONTENT", "R-ANSWER"),
    "listening": ("L-ACK", "L-EMPATHY", "L-REFLECT", "L-QUESTION"),
    "openness": ("O-FEELING", "O-EXPERIENCE", "O-INSIDE", "O-IDENTITY"),
    "automated": ("A-TEMPLATE", "A-SLOT", "A-MARKER"),
}
ALL_SUBCODES: tuple[str, ...] = tuple(s for label in LABELS for s in SUBCODES[label])
LABEL_OF: dict[str, str] = {s: label for label in LABELS for s in SUBCODES[label]}
#: Sub-codes that are evidence only: they never make their label 1 on their own.
EVIDENCE_ONLY: frozenset[str] = frozenset({"O-IDENTITY"})

#: Composites of the theory: perceived interactivity is responsiveness and listening.
#: A reply's composite probability is the mean of its parts' probabilities, its label is
#: True when any part's label is; an account's composite share is the share of its
#: replies whose composite label is True (the same rule, one level up).
COMPOSITES: dict[str, tuple[str, ...]] = {"interactivity": ("responsiveness", "listening")}

#: The moderator of the theory, and the column to use for it (see the README).
MODERATOR = "automated"
#: Corpus evidence: the per-reply ``automated`` combined with template evidence.
AUTOMATED_CORPUS = "automated_corpus"
TEMPLATE_COLUMNS: tuple[str, ...] = ("template_id", "template_size", "template_recipients")


def label_column(name: str) -> str:
    """The boolean column of a label or composite: ``<name>_label``."""
    return f"{name}_label"


def add_composites(table: pd.DataFrame) -> pd.DataFrame:
    """Add each composite's probability and label to a reply-level table, in place.

    The probability is the mean of the parts (NaN when a part is NaN); the label is True
    when any part's label is.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"responsiveness": [.8, .2], "listening": [.4, .2],
    ...                   "responsiveness_label": [True, False],
    ...                   "listening_label": [False, False]})
    >>> add_composites(t)[["interactivity", "interactivity_label"]].values.tolist()
    [[0.6000000000000001, True], [0.2, False]]
    """
    for name, parts in COMPOSITES.items():
        if all(p in table.columns for p in parts):
            table[name] = table[list(parts)].mean(axis=1, skipna=False)
        labels = [label_column(p) for p in parts]
        if all(c in table.columns for c in labels):
            table[label_column(name)] = table[labels].any(axis=1).to_numpy(dtype=bool)
    return table


def check_codes(frame: pd.DataFrame) -> list[str]:
    """Rows of a coding whose sub-codes disagree with their labels.

    A label coded 1 needs one of its own sub-codes (evidence-only ones do not count); a
    label coded 0 carries none but evidence-only ones; every sub-code is the codebook's.
    """
    problems = []
    for row in frame.itertuples(index=False):
        codes = [c for c in str(row.subcodes).split(";") if c]
        unknown = [c for c in codes if c not in LABEL_OF]
        if unknown:
            problems.append(f"{row.item_id}: unknown sub-code(s) {unknown}")
        for label in LABELS:
            own = [c for c in codes if LABEL_OF.get(c) == label and c not in EVIDENCE_ONLY]
            value = getattr(row, label)
            if int(value) == 1 and not own:
                problems.append(f"{row.item_id}: {label}=1 without a sub-code")
            if int(value) == 0 and own:
                problems.append(f"{row.item_id}: {label}=0 with {own}")
    return problems
