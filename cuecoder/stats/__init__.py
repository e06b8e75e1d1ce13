"""Statistics on coded cues: aggregation, tiers and group comparisons, mediation,
moderated mediation and SEM."""

from __future__ import annotations

from cuecoder.stats.aggregate import aggregate, join_survey
from cuecoder.stats.compare import compare, group_means, outcome_regression
from cuecoder.stats.design import plan_coding, sample_for_coding
from cuecoder.stats.mediation import mediate
from cuecoder.stats.sem import SEMResult, fit_indices, mediation_model, sem, sem_by_cue
from cuecoder.stats.tiers import tiers

__all__ = [
    "SEMResult",
    "aggregate",
    "compare",
    "group_means",
    "outcome_regression",
    "tiers",
    "fit_indices",
    "join_survey",
    "mediate",
    "mediation_model",
    "plan_coding",
    "sample_for_coding",
    "sem",
    "sem_by_cue",
]
