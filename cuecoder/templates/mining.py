"""Mine the templates of a corpus file: read it in chunks, write tables and an HTML page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pandas as pd

from ..corpus import read as cread
from ..errors import CuecoderError, Errors
from .index import MIN_SIZE, THRESHOLD, By, TemplateIndex
from .page import write_templates_html

logger = logging.getLogger(__name__)

#: Column names tried, in order, when a role's column is not given (TWCS names first).
GUESS = {
    "text": ("reply_text", "text", "reply"),
    "account": ("brand", "account", "author_id"),
    "recipient": ("parent_author_id", "recipient", "in_reply_to_user_id"),
    "id": ("reply_tweet_id", "item_id", "tweet_id", "id"),
    "time": ("reply_created_at", "created_at", "time", "timestamp"),
}
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"  # TWCS created_at


def _parse_times(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, format=TWITTER_TIME, utc=True, errors="coerce")
    if parsed.isna().all():
        parsed = pd.to_datetime(values, utc=True, errors="coerce", format="mixed")
    return parsed


def mine_templates(
    corpus: Path,
    out: Path,
    by: By = "all",
    min_size: int = MIN_SIZE,
    threshold: float = THRESHOLD,
    fmt: Literal["csv", "parquet"] = "csv",
    columns: dict[str, str | None] | None = None,
    chunk_size: int = 50_000,
    top: int = 10,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Build a :class:`TemplateIndex` over a corpus file and write its results.

    Parameters
    ----------
    corpus : Path
        One reply per row: CSV, TSV, JSON lines (each optionally ``.gz``) or Parquet,
        read in chunks by :func:`cuecoder.corpus.read.iter_chunks` (rows without text
        are skipped).
    out : Path
        Folder for ``templates.<fmt>``, ``account_rates.<fmt>`` and ``templates.html``.
    by : {"all", "account"}
        Cluster across accounts or within each account.
    min_size : int
        Replies a cluster needs to be listed as a template.
    threshold : float
        Jaccard threshold of near-duplicates.
    fmt : {"csv", "parquet"}
        Table format.
    columns : dict, optional
        Column of each role (``text``, ``account``, ``recipient``, ``id``, ``time``);
        missing roles are guessed from :data:`GUESS`; only ``text`` is required.
    chunk_size : int
        Rows read at a time.
    top : int
        Templates per account on the HTML page.
    progress : callable, optional
        Called with the number of rows of each chunk read.

    Returns
    -------
    dict
        Summary: replies, distinct texts, templates, templated replies and output paths.
    """
    corpus, out = Path(corpus), Path(out)
    if fmt not in ("csv", "parquet"):
        raise CuecoderError(
            Errors.E104.format(value=fmt, name="--format", valid=["csv", "parquet"])
        )
    available = cread.read_header(corpus)
    roles: dict[str, str | None] = {}
    for role, names in GUESS.items():
        given = (columns or {}).get(role)
        if given is not None and given not in available:
            raise CuecoderError(
                Errors.E101.format(column=given, source=corpus, available=available)
            )
        roles[role] = given or next((c for c in names if c in available), None)
    if roles["text"] is None:
        raise CuecoderError(
            Errors.E101.format(
                column=" or ".join(GUESS["text"]), source=corpus, available=available
            )
        )
    if by == "account" and roles["account"] is None:
        raise CuecoderError(
            Errors.E101.format(
                column=" or ".join(GUESS["account"]), source=corpus, available=available
            )
        )
    index = TemplateIndex(threshold=threshold, min_size=min_size, by=by)
    read_as = cread.Columns(
        text=roles["text"],
        id=roles["id"],
        account=roles["account"],
        recipient=roles["recipient"],
        keep=[roles["time"]] if roles["time"] and roles["time"] != roles["id"] else [],
    )
    for chunk in cread.iter_chunks([corpus], read_as, chunk_size):
        frame = chunk.frame

        def col(name: str | None, frame=frame):
            if name is None:
                return None
            values = frame[name].astype(object)
            return values.where(values.astype(str).str.strip() != "", None)

        times = col(roles["time"] and (cread.ID if roles["time"] == roles["id"] else roles["time"]))
        index.add(
            frame[cread.TEXT],
            col(cread.ACCOUNT if roles["account"] else None),
            col(cread.RECIPIENT if roles["recipient"] else None),
            col(cread.ID),
            None if times is None else _parse_times(times),
        )
        if progress is not None:
            progress(chunk.n_records)
    if index.n_replies == 0:
        raise CuecoderError(Errors.E410.format(path=corpus, column=roles["text"]))
    index.finalize()
    templates, rates = index.templates(), index.account_rates()
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "templates": out / f"templates.{fmt}",
        "account_rates": out / f"account_rates.{fmt}",
        "html": out / "templates.html",
    }
    if fmt == "csv":
        templates.to_csv(paths["templates"], index=False)
        rates.to_csv(paths["account_rates"], index=False)
    else:
        templates.assign(
            example_ids=templates["example_ids"].map(lambda v: [str(x) for x in v])
        ).to_parquet(paths["templates"], index=False)
        rates.to_parquet(paths["account_rates"], index=False)
    write_templates_html(
        templates, rates, paths["html"], top=top, title=f"Templates in {corpus.name}"
    )
    return {
        "replies": index.n_replies,
        "distinct_texts": index.n_keys,
        "templates": len(templates),
        "templated_replies": int(templates["size"].sum()) if len(templates) else 0,
        "columns": roles,
        "paths": {k: str(v) for k, v in paths.items()},
    }
