"""The figures and tables of a corpus report, computed in one streaming pass.

:func:`build` reads a scored corpus (a DataFrame, or a Parquet/CSV/TSV/JSON-lines file
streamed in chunks) once. Per chunk it keeps only sums: per account, the sufficient
statistics of :func:`cuecoder.stats.aggregate.group_sums`; per template, a count and one
example; per cue, a handful of example replies; counts of platforms and languages. Memory
therefore grows with the number of accounts and templates, not with the number of replies.
Everything after the pass (profiles, tiers, comparisons) works on the account table.
"""

from __future__ import annotations

import heapq
import json
import logging
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from .._unicode import repair_surrogates
from .._version import __version__
from ..codebook import AUTOMATED_CORPUS, LABEL_OF, LABELS, TEMPLATE_COLUMNS, label_column
from ..corpus import read as cread
from ..corpus.checkpoint import model_token, quarantine_path
from ..errors import CuecoderError, Errors, Warnings
from ..htmlsafe import write_html
from ..stats._checks import preview, require_columns
from ..stats.aggregate import TEMPLATE_SHARE, finish_sums, group_sums, reply_measures
from ..stats.compare import compare, group_means, outcome_regression, pooled_share
from ..stats.tiers import KOC_BELOW, tiers
from ..templates.normalize import normalize

logger = logging.getLogger(__name__)

#: Measures shown, in order, with their names for readers.
MEASURES: dict[str, str] = {
    "responsiveness": "Responsiveness",
    "listening": "Listening",
    "interactivity": "Interaction (responsiveness or listening)",
    "openness": "Openness",
    "automated": "Automated, per reply",
    AUTOMATED_CORPUS: "Automated, with corpus evidence",
    "template": "In a corpus template",
}
#: Columns tried, in order, for the reply text when ``text`` is not given.
TEXT_COLUMNS = ("text", "reply_text", "reply", "message")
#: Columns read from the scored table besides the cue columns.
EXTRA_COLUMNS = (
    "platform",
    "language",
    "unsupported_language",
    "empty",
    "truncated",
    "evidence",
    *TEMPLATE_COLUMNS,
)
CHUNK_ROWS = 50_000
EXAMPLES = 3  # example replies per cue: the clearest ones and one near the threshold
POOL = 40  # candidates kept per cue while streaming, to pick distinct texts from
MIN_REPLIES = 5  # accounts with fewer replies are left out of the distribution figure


@dataclass
class Report:
    """The figures and tables of a corpus report (:func:`build`); ``to_html`` renders them.

    Attributes
    ----------
    overview : dict
        Rows, accounts, platforms, languages, quarantined rows, model, command.
    prevalence : pandas.DataFrame
        Per measure: replies scored, share with a Wilson CI (replies independent) and a
        bootstrap CI over accounts, mean probability.
    accounts : pandas.DataFrame
        One row per account: :func:`cuecoder.stats.aggregate` measures with Wilson CIs,
        and the tier and account columns when an accounts table was given.
    tier_means, comparison, outcome : pandas.DataFrame or None
        :func:`~cuecoder.stats.compare.group_means`, :func:`~cuecoder.stats.compare.compare`
        (adjacent tiers) and :func:`~cuecoder.stats.compare.outcome_regression` by tier.
    templates : pandas.DataFrame
        The largest templates of the corpus: template_id, replies, accounts, template
        (slots as ``{SLOT}``), example.
    examples : pandas.DataFrame
        Example replies per cue with their evidence spans.
    validity : pandas.DataFrame
        The model card's held-out figures per label.
    figures : dict
        matplotlib figures by section.
    notes : list of str
        What a reader should know (missing columns, accounts without a tier, ...).
    """

    overview: dict
    prevalence: pd.DataFrame
    accounts: pd.DataFrame
    tier_means: pd.DataFrame | None
    comparison: pd.DataFrame | None
    outcome: pd.DataFrame | None
    templates: pd.DataFrame
    examples: pd.DataFrame
    validity: pd.DataFrame
    figures: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def to_html(self) -> str:
        """The report as one self-contained HTML page (inline SVG and CSS, no scripts)."""
        from .page import render_html

        return render_html(self)

    def write(self, path: str | Path) -> Path:
        """Write :meth:`to_html` to ``path`` (UTF-8) and return the path."""
        path = Path(path)
        write_html(path, self.to_html())
        return path


# -- the streaming pass ----------------------------------------------------------------


def _chunks(scored, chunk_rows: int, columns: list[str] | None):
    if isinstance(scored, pd.DataFrame):
        # text made valid where it enters, as the file reader does (lone surrogates)
        texts = [c for c in scored.columns if scored[c].dtype == object]
        for start in range(0, max(len(scored), 1), chunk_rows):
            chunk = scored.iloc[start : start + chunk_rows]
            if texts:
                chunk = chunk.copy()
                for c in texts:
                    chunk[c] = [
                        repair_surrogates(v)[0] if isinstance(v, str) else v for v in chunk[c]
                    ]
            yield chunk
        return
    yield from cread.iter_table(scored, chunk_rows=chunk_rows, columns=columns)


def _header(scored) -> list[str]:
    if isinstance(scored, pd.DataFrame):
        return [str(c) for c in scored.columns]
    return cread.read_header(scored)


def _evidence(value) -> list[dict]:
    if isinstance(value, list):
        return value
    if isinstance(value, np.ndarray):
        return list(value)
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return []
        return parsed if isinstance(parsed, list) else []
    return []


class _Pass:
    """Accumulators of the one pass over the scored corpus."""

    def __init__(self, key: str | None, text: str | None, cues: list[str]) -> None:
        self.key, self.text, self.cues = key, text, cues
        self.rows = 0
        self.sums: pd.DataFrame | None = None
        self.counts = {"platform": Counter(), "language": Counter()}
        self.flags = Counter()
        self.templates: dict[str, list] = {}  # id -> [replies, example, accounts]
        # per cue: a min-heap of (prob, tiebreak, record) for the clearest replies, and a
        # max-heap (by -prob) of the replies just above the threshold
        self.top: dict[str, list] = {c: [] for c in cues}
        self.edge: dict[str, list] = {c: [] for c in cues}
        self.seen = 0

    def add(self, chunk: pd.DataFrame) -> None:
        n = len(chunk)
        if n == 0:
            return
        self.rows += n
        keys = chunk[self.key] if self.key else pd.Series(["(all)"] * n, index=chunk.index)
        frame = chunk.assign(__account=keys.astype("string").fillna("(none)").to_numpy())
        work = reply_measures(frame, "__account")
        sums = group_sums(work, "__account")
        if self.sums is None:
            self.sums = sums
        else:  # add up; memory: one row per account
            both = pd.concat([self.sums, sums])
            self.sums = both.groupby(level=0, sort=False).sum(min_count=0)
        for col in ("platform", "language"):
            if col in chunk.columns:
                self.counts[col].update(chunk[col].astype("string").fillna("(missing)"))
        for flag in ("unsupported_language", "empty", "truncated"):
            if flag in chunk.columns:
                values = chunk[flag]
                if values.dtype == object:
                    values = values.astype(str).str.lower().isin(["true", "1"])
                self.flags[flag] += int(values.fillna(False).astype(bool).sum())
        self._templates(chunk, frame["__account"])
        self._examples(chunk)

    def _templates(self, chunk: pd.DataFrame, accounts: pd.Series) -> None:
        tid = TEMPLATE_COLUMNS[0]
        if tid not in chunk.columns:
            return
        ids = chunk[tid]
        has = ids.notna() & (ids.astype("string") != "")
        if not has.any():
            return
        texts = chunk[self.text] if self.text else pd.Series([None] * len(chunk), index=chunk.index)
        for t, text, account in zip(
            ids[has].astype(str), texts[has], accounts[has.to_numpy()], strict=True
        ):
            entry = self.templates.get(t)
            if entry is None:
                entry = self.templates[t] = [0, text if isinstance(text, str) else None, set()]
            entry[0] += 1
            if len(entry[2]) < 1000:
                entry[2].add(account)

    def _examples(self, chunk: pd.DataFrame) -> None:
        if not self.text or "evidence" not in chunk.columns:
            return
        for cue in self.cues:
            prob_col, lab_col = cue, label_column(cue)
            if prob_col not in chunk.columns or lab_col not in chunk.columns:
                continue
            labels = chunk[lab_col]
            if labels.dtype == object:
                labels = labels.astype(str).str.lower().isin(["true", "1"])
            on = chunk[labels.fillna(False).astype(bool).to_numpy()]
            if on.empty:
                continue
            probs = pd.to_numeric(on[prob_col], errors="coerce")
            order = probs.sort_values(ascending=False)
            for idx in list(order.index[:POOL]) + list(order.index[-POOL:]):
                p = float(probs[idx])
                text = on.at[idx, self.text]
                if not isinstance(text, str) or not np.isfinite(p):
                    continue
                spans = [
                    e
                    for e in _evidence(on.at[idx, "evidence"])
                    if LABEL_OF.get(str(e.get("subcode"))) == cue
                ]
                if not spans:
                    continue
                self.seen += 1
                record = (text, _evidence(on.at[idx, "evidence"]), self._account(on, idx))
                item = (p, -self.seen, record)
                heap = self.top[cue]
                if len(heap) < POOL:
                    heapq.heappush(heap, item)
                elif p > heap[0][0]:
                    heapq.heapreplace(heap, item)
                low = self.edge[cue]
                neg = (-p, -self.seen, record)
                if len(low) < POOL:
                    heapq.heappush(low, neg)
                elif -p > low[0][0]:
                    heapq.heapreplace(low, neg)

    def _account(self, frame: pd.DataFrame, idx) -> str | None:
        if self.key and self.key in frame.columns:
            value = frame.at[idx, self.key]
            return None if pd.isna(value) else str(value)
        return None


def _pick_examples(state: _Pass, k: int) -> pd.DataFrame:
    rows = []
    for cue in state.cues:
        # the clearest, and among equally clear ones (to two decimals) the shorter: a
        # long reply full of evidence is the easiest to call and the hardest to read
        clear = sorted(state.top[cue], key=lambda t: (-round(t[0], 2), len(t[2][0]), -t[1]))
        near = sorted(state.edge[cue], key=lambda t: (-t[0], -t[1]))  # lowest prob first
        chosen: list[tuple[str, float, tuple]] = []
        texts: set[str] = set()
        for kind, pool in (("clear", clear[: 4 * k]), ("near the threshold", near)):
            for p, _, record in pool:
                p = p if kind == "clear" else -p
                norm = normalize(record[0])  # one example per template
                if norm in texts:
                    continue
                chosen.append((kind, p, record))
                texts.add(norm)
                if kind == "clear" and sum(c[0] == "clear" for c in chosen) >= k - 1:
                    break
                if kind != "clear":
                    break
        for kind, p, (text, evidence, account) in chosen:
            rows.append(
                {
                    "cue": cue,
                    "kind": kind,
                    "probability": p,
                    "account": account,
                    "text": text,
                    "evidence": evidence,
                }
            )
    return pd.DataFrame(rows, columns=["cue", "kind", "probability", "account", "text", "evidence"])


# -- after the pass --------------------------------------------------------------------


def _model_info(model) -> dict:
    from ..model.folder import DEFAULT_MODEL, DEFAULT_MODELS, languages_of, load_meta

    path = Path(model) if model is not None else DEFAULT_MODEL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a version note belongs to `score`, not here
        meta = load_meta(path, verify=False)
        others = [
            load_meta(p, verify=False)
            for p in (DEFAULT_MODELS[1:] if model is None else ())
            if (p / "meta.json").is_file()
        ]
    token = model_token(SimpleNamespace(meta=meta))
    bundled = "default (bundled)"
    if others:
        bundled += "; replies in " + ", ".join(
            f"{'/'.join(languages_of(m))} scored by {m['name']} {m['version']}" for m in others
        )
    return {
        "name": meta["name"],
        "version": meta["version"],
        "hash": token.rsplit(":", 1)[-1],
        "path": bundled if model is None else str(path),
        "thresholds": dict(meta.get("thresholds") or {}),
        "meta": meta,
    }


def _validity(meta: dict) -> pd.DataFrame:
    metrics = meta.get("metrics") or {}
    model = metrics.get("model") or {}
    human = metrics.get("human_benchmark") or {}
    rows = []
    for label in LABELS:
        m = model.get(label)
        if not m:
            continue
        rows.append(
            {
                "label": label,
                "alpha": m.get("alpha"),
                "alpha_coders": (human.get(label) or {}).get("alpha_coders"),
                "f1": m.get("f1"),
                "precision": m.get("precision"),
                "recall": m.get("recall"),
                "positives": m.get("support"),
                "n": m.get("n"),
            }
        )
    corpus = metrics.get("automated_with_corpus_evidence")
    if corpus:
        rows.append(
            {
                "label": AUTOMATED_CORPUS,
                "alpha": corpus.get("alpha"),
                "alpha_coders": (human.get("automated") or {}).get("alpha_coders"),
                "f1": corpus.get("f1"),
                "precision": corpus.get("precision"),
                "recall": corpus.get("recall"),
                "positives": corpus.get("support"),
                "n": corpus.get("n"),
            }
        )
    cols = ["label", "alpha", "alpha_coders", "f1", "precision", "recall", "positives", "n"]
    return pd.DataFrame(rows, columns=cols)


def _prevalence(sums: pd.DataFrame, n_boot: int, seed: int, alpha: float) -> pd.DataFrame:
    from ..stats.intervals import wilson

    rows = []
    for measure in MEASURES:
        share = f"{measure}_share" if measure != "template" else TEMPLATE_SHARE
        if f"{share}__sum" not in sums.columns:
            continue
        k, n = sums[f"{share}__sum"].to_numpy(float), sums[f"{share}__n"].to_numpy(float)
        total_k, total_n = float(k.sum()), float(n.sum())
        low, high = wilson(total_k, total_n, alpha)
        value, b_low, b_high = pooled_share(k, n, n_boot=n_boot, alpha=alpha, seed=seed)
        mean = np.nan
        if f"{measure}__sum" in sums.columns:
            s, c = sums[f"{measure}__sum"].sum(), sums[f"{measure}__n"].sum()
            mean = float(s / c) if c > 0 else np.nan
        rows.append(
            {
                "measure": measure,
                "name": MEASURES[measure],
                "replies": int(total_n),
                "with_cue": int(total_k),
                "share": value,
                "wilson_low": float(low),
                "wilson_high": float(high),
                "accounts_low": b_low,
                "accounts_high": b_high,
                "mean_probability": mean,
            }
        )
    cols = [
        "measure",
        "name",
        "replies",
        "with_cue",
        "share",
        "wilson_low",
        "wilson_high",
        "accounts_low",
        "accounts_high",
        "mean_probability",
    ]
    return pd.DataFrame(rows, columns=cols)


def _read_accounts(accounts, key: str) -> pd.DataFrame:
    table = accounts if isinstance(accounts, pd.DataFrame) else cread.read_table(accounts)
    require_columns(table, [key], "the accounts table")
    table = table.copy()
    table[key] = table[key].astype("string").str.strip()
    return table


def _join_tiers(
    profiles: pd.DataFrame,
    accounts: pd.DataFrame,
    key: str,
    followers: str,
    scheme,
    account_type: str | None,
    koc_below: float,
    notes: list[str],
) -> pd.DataFrame:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiered = tiers(
            accounts,
            followers=followers,
            scheme=scheme,
            account_type=account_type,
            koc_below=koc_below,
            key=key,
        )
    for w in caught:
        notes.append(str(w.message))
        warnings.warn(w.message, stacklevel=3)
    merged = profiles.merge(tiered, left_on="account", right_on=key, how="left", indicator=True)
    if key != "account":
        merged = merged.drop(columns=[key])
    missing = merged.loc[merged["_merge"] == "left_only", "account"].tolist()
    if len(missing) == len(merged):
        raise CuecoderError(
            Errors.E354.format(
                key=key,
                left=preview(profiles["account"].head(3).tolist()),
                right=preview(accounts[key].head(3).tolist()),
            )
        )
    if missing:
        message = Warnings.W351.format(
            n=len(missing), total=len(merged), examples=preview(missing[:3])
        )
        notes.append(message)
        warnings.warn(message, stacklevel=3)
    merged = merged.drop(columns="_merge")
    merged.attrs["no_tier"] = tiered.attrs.get("no_tier", [])
    return merged


def build(
    scored: pd.DataFrame | str | Path,
    accounts: pd.DataFrame | str | Path | None = None,
    key: str = "account",
    followers: str = "followers",
    scheme: str | dict = "influencer",
    account_type: str | None = None,
    koc_below: float = KOC_BELOW,
    outcome: str | None = None,
    outcome_cue: str = "interactivity_share",
    text: str | None = None,
    model: str | Path | None = None,
    command: str | None = None,
    quarantine: str | Path | None = None,
    top_templates: int = 10,
    examples: int = EXAMPLES,
    min_replies: int = MIN_REPLIES,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
    chunk_rows: int = CHUNK_ROWS,
) -> Report:
    """Figures and tables of a scored corpus: overview, prevalence, accounts, tiers,
    templates, examples, model validity.

    Parameters
    ----------
    scored : DataFrame or path
        Output of ``cuecoder score`` (Parquet, CSV, TSV, JSON lines; streamed in chunks
        of ``chunk_rows``) or of :meth:`Coder.score` with an account column.
    accounts : DataFrame or path, optional
        One row per account with ``key`` and a follower count: adds tiers, their
        comparison and, with ``outcome``, the outcome regression.
    key : str
        The account column, in ``scored`` and in ``accounts``. A scored table without it
        is one group (no distribution across accounts, no tiers).
    followers, scheme, account_type, koc_below
        As in :func:`cuecoder.stats.tiers`.
    outcome : str, optional
        Numeric column of ``accounts`` (engagement, likes per post) to regress on
        ``outcome_cue`` across and within tiers.
    outcome_cue : str
        Account measure for the outcome regression.
    text : str, optional
        Column of the reply text (default: the first of :data:`TEXT_COLUMNS` present);
        without one there are no example replies and templates show no text.
    model : path, optional
        The model folder the corpus was scored with (default: the bundled model). A
        scored file does not record its model, so this is what the report states.
    command : str, optional
        The command line that made the report, shown in the overview.
    quarantine : path, optional
        Quarantine file of the scoring run; default ``<scored>.quarantine.jsonl`` next
        to a scored file.
    top_templates, examples, min_replies : int
        Templates shown; example replies per cue; replies an account needs to appear in
        the distribution figure.
    n_boot, alpha, seed
        Bootstrap resamples (over accounts), 1 - confidence level, seed.
    chunk_rows : int
        Rows read at a time.

    Returns
    -------
    Report

    Examples
    --------
    >>> import pandas as pd
    >>> scored = pd.DataFrame({"account": ["a", "a", "b"],
    ...                        "openness": [0.9, 0.2, 0.6],
    ...                        "openness_label": [True, False, True]})
    >>> report = build(scored, n_boot=200)
    >>> report.prevalence[["measure", "replies", "with_cue"]]
        measure  replies  with_cue
    0  openness        3         2
    """
    t0 = time.perf_counter()
    for name, value in (("chunk_rows", chunk_rows), ("n_boot", n_boot)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise CuecoderError(
                Errors.E307.format(name=name, requirement="an integer >= 1", value=value)
            )
    header = _header(scored)
    notes: list[str] = []
    if key not in header:
        notes.append(
            f"The scored table has no account column '{key}': the corpus is one group, so "
            "there is no distribution across accounts and no tiers. Score with "
            "--keep <account column> and pass --key."
        )
        key_col = None
    else:
        key_col = key
    text_col = text if text is not None else next((c for c in TEXT_COLUMNS if c in header), None)
    if text is not None:
        require_columns(pd.DataFrame(columns=header), [text], "the scored table")
    if text_col is None:
        notes.append(
            "The scored table has no reply text column (looked for "
            f"{', '.join(TEXT_COLUMNS)}): no example replies, and templates show no text. "
            "Score with --keep <text column> to carry it."
        )
    cues = [c for c in LABELS if c in header]
    wanted = set(cues) | {label_column(c) for c in [*LABELS, "interactivity"]}
    wanted |= {"interactivity", AUTOMATED_CORPUS, label_column(AUTOMATED_CORPUS)}
    wanted |= set(EXTRA_COLUMNS)
    wanted |= {c for c in (key_col, text_col) if c}
    columns = [c for c in header if c in wanted]
    state = _Pass(key_col, text_col, cues)
    for chunk in _chunks(scored, chunk_rows, columns):
        state.add(chunk)
    if state.rows == 0 or state.sums is None:
        raise CuecoderError(
            Errors.E355.format(
                path=scored if not isinstance(scored, pd.DataFrame) else "a DataFrame"
            )
        )
    sums = state.sums.sort_index()
    sums.index.name = "account"
    profiles = finish_sums(sums, ci=True, alpha=alpha)

    qpath = None
    if quarantine is not None:
        qpath = Path(quarantine)
    elif not isinstance(scored, pd.DataFrame):
        qpath = quarantine_path(scored)
    n_quarantined = None
    if qpath is not None and qpath.is_file():
        with open(qpath, encoding="utf-8") as fh:
            n_quarantined = sum(1 for line in fh if line.strip())
    info = _model_info(model)

    tier_means = comparison = outcome_table = None
    if accounts is not None and key_col is not None:
        table = _read_accounts(accounts, key)
        if outcome is not None:
            require_columns(table, [outcome], "the accounts table")
        profiles = _join_tiers(
            profiles, table, key, followers, scheme, account_type, koc_below, notes
        )
        measures = [
            c
            for c in [f"{m}_share" for m in MEASURES if m != "template"] + [TEMPLATE_SHARE]
            if c in profiles.columns
        ]
        tier_means = group_means(profiles, "tier", measures, n_boot=n_boot, alpha=alpha, seed=seed)
        n_groups = int((tier_means.groupby("group", observed=False)["n_accounts"].max() > 0).sum())
        if n_groups >= 2:
            comparison = compare(
                profiles, "tier", measures, pairs="adjacent", n_boot=n_boot, alpha=alpha, seed=seed
            )
        else:
            notes.append("Fewer than two tiers have accounts: no tier comparison.")
        if outcome is not None:
            if outcome_cue not in profiles.columns:
                raise CuecoderError(
                    Errors.E101.format(
                        column=outcome_cue,
                        source="the account profiles",
                        available=preview(measures),
                    )
                )
            profiles[outcome] = pd.to_numeric(profiles[outcome], errors="coerce")
            outcome_table = outcome_regression(
                profiles, outcome, outcome_cue, by="tier", n_boot=n_boot, alpha=alpha, seed=seed
            )
    elif accounts is not None:
        notes.append("An accounts table was given but the scored table has no account column.")

    template_rows = sorted(state.templates.items(), key=lambda kv: (-kv[1][0], kv[0]))
    templates = pd.DataFrame(
        [
            {"template_id": t, "replies": e[0], "accounts": len(e[2]), "example": e[1]}
            for t, e in template_rows[:top_templates]
        ],
        columns=["template_id", "replies", "accounts", "example"],
    )
    from ..templates.normalize import template_text

    templates["template"] = [
        template_text(e) if isinstance(e, str) else None for e in templates["example"]
    ]
    overview = {
        "rows": state.rows,
        "accounts": int(len(profiles)) if key_col else None,
        "platforms": dict(state.counts["platform"].most_common()),
        "languages": dict(state.counts["language"].most_common()),
        "unsupported_language": state.flags.get("unsupported_language")
        if "unsupported_language" in header
        else None,
        "empty": state.flags.get("empty", 0),
        "truncated": state.flags.get("truncated", 0),
        "quarantined": n_quarantined,
        "templates": len(state.templates),
        "templated_replies": int(sum(e[0] for e in state.templates.values())),
        "model": {k: v for k, v in info.items() if k != "meta"},
        "command": command,
        "source": "a DataFrame" if isinstance(scored, pd.DataFrame) else str(scored),
        "cuecoder": __version__,
        "created": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    report = Report(
        overview=overview,
        prevalence=_prevalence(sums, n_boot, seed, alpha),
        accounts=profiles,
        tier_means=tier_means,
        comparison=comparison,
        outcome=outcome_table,
        templates=templates,
        examples=_pick_examples(state, examples),
        validity=_validity(info["meta"]),
        notes=notes,
        settings={
            "key": key if key_col else None,
            "followers": followers,
            "scheme": scheme,
            "outcome": outcome,
            "outcome_cue": outcome_cue,
            "n_boot": n_boot,
            "alpha": alpha,
            "seed": seed,
            "min_replies": min_replies,
            "seconds": time.perf_counter() - t0,
        },
    )
    from .figures import make_figures

    report.figures = make_figures(report)
    return report


__all__ = ["Report", "build", "MEASURES"]
