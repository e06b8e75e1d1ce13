"""Input checks shared by the statistics: columns present, numeric, varying, complete."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cuecoder.errors import CuecoderError, Errors

logger = logging.getLogger(__name__)


def as_list(value: str | Sequence[str] | None) -> list[str]:
    """Return ``value`` as a list of column names (``None`` gives an empty list)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def preview(values: Iterable[object], limit: int = 12) -> str:
    """Short, readable list of values for an error message."""
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:limit])
    more = f", ... ({len(values) - limit} more)" if len(values) > limit else ""
    return f"[{shown}{more}]"


def require_columns(data: pd.DataFrame, columns: Iterable[str], source: str) -> None:
    """Raise E101 for the first of ``columns`` that is missing from ``data``."""
    for column in columns:
        if column not in data.columns:
            raise CuecoderError(
                Errors.E101.format(
                    column=column, source=source, available=preview(map(str, data.columns))
                )
            )


def require_numeric(
    data: pd.DataFrame, roles: dict[str, str], moderator: str | None = None
) -> None:
    """Raise E301 (E305 for the moderator) for a column that is not numeric or boolean."""
    for column, role in roles.items():
        dtype = data[column].dtype
        if dtype.kind not in "biuf":
            if column == moderator:
                raise CuecoderError(Errors.E305.format(column=column, dtype=dtype))
            raise CuecoderError(Errors.E301.format(column=column, dtype=dtype, role=role))


def require_finite(data: pd.DataFrame, roles: dict[str, str]) -> None:
    """Raise E320 for a column holding +/-inf (NaN is missing and dropped listwise)."""
    for column, role in roles.items():
        values = data[column].to_numpy(dtype="float64", na_value=np.nan)
        bad = np.isinf(values)
        if bad.any():
            example = data.index[np.flatnonzero(bad)[0]]
            raise CuecoderError(
                Errors.E320.format(
                    column=column, n=int(bad.sum()), example=_plain(example), role=role
                )
            )


def _plain(value: object) -> object:
    """A numpy scalar as the Python number it holds (so messages print 3.0, not np.float64)."""
    return value.item() if isinstance(value, np.generic) else value


def complete_rows(data: pd.DataFrame, columns: list[str], minimum: int) -> tuple[pd.DataFrame, int]:
    """Drop rows with a missing value in ``columns`` (listwise); raise E303 if too few remain.

    Returns the complete rows as float64 and the number of rows dropped.
    """
    # one float64 block built from numpy: the same table as astype + dropna, at a fraction
    # of pandas' per-column cost (this runs once per fit)
    values = np.column_stack(
        [data[c].to_numpy(dtype="float64", na_value=np.nan) for c in columns]
    ).reshape(len(data), len(columns))
    keep = ~np.isnan(values).any(axis=1)
    complete = pd.DataFrame(values[keep], index=data.index[keep], columns=columns)
    dropped = len(data) - len(complete)
    if dropped:
        logger.info("Dropped %d of %d rows with missing values (listwise).", dropped, len(data))
    if len(complete) < minimum:
        raise CuecoderError(
            Errors.E303.format(
                n=len(complete),
                dropped=dropped,
                total=len(data),
                columns=preview(columns),
                minimum=minimum,
            )
        )
    return complete, dropped


def require_varying(data: pd.DataFrame, roles: dict[str, str]) -> None:
    """Raise E302 for a constant column."""
    for column, role in roles.items():
        values = data[column].to_numpy()
        if np.all(values == values[0]):
            raise CuecoderError(
                Errors.E302.format(column=column, value=_plain(values[0]), role=role)
            )
