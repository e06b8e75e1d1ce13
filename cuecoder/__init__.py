"""cuecoder: code brand and influencer replies for parasocial-interaction cues.

>>> import cuecoder
>>> coder = cuecoder.load()
>>> table = coder.score(["Hi Maria, so sorry the jacket came late! Which size was it?"])
>>> bool(table.loc[0, "listening_label"])
True
"""

from __future__ import annotations

from ._version import __version__
from .coder import Coder, load  # noqa: E402
from .corpus.batch import score_corpus  # noqa: E402
from .errors import CuecoderError, ModelError  # noqa: E402
from .stats import aggregate, join_survey, mediate, mediation_model, sem, sem_by_cue  # noqa: E402
from .stats.agreement import validate  # noqa: E402

__all__ = [
    "Coder",
    "CuecoderError",
    "ModelError",
    "aggregate",
    "join_survey",
    "load",
    "mediate",
    "mediation_model",
    "sem",
    "score_corpus",
    "sem_by_cue",
    "validate",
    "__version__",
]
