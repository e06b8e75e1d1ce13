"""Score replies for the codebook's cues with an ONNX model folder.

Inference needs onnxruntime, tokenizers, numpy, pandas and spaCy: no torch.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from spacy.tokens import Doc

from ._unicode import repair_surrogates
from .codebook import EVIDENCE_ONLY, add_composites, label_column
from .cues.evidence import Evidence, EvidenceMatcher
from .cues.features import FEATURE_NAMES, FEATURE_SETS, featurize
from .errors import CuecoderError, Errors, ModelError, Warnings
from .model.cross_encoder import OnnxCrossEncoder
from .model.encoder import OnnxEncoder, make_session
from .model.folder import DEFAULT_MODEL, DEFAULT_MODELS, languages_of, load_meta
from .model.lexical import LexicalHead
from .templates.evidence import add_corpus_evidence, find_templates
from .text.language import UNDETERMINED, detect_languages
from .text.tokenizer import DEFAULT_PROFILE, shared_nlp

#: ``languages`` of :meth:`Coder.score`: route each reply to the model for its language
#: and flag the rest (``"auto"``), or score every reply (``"any"``).
LANGUAGE_MODES = ("auto", "any")

logger = logging.getLogger(__name__)


#: Replies (and contexts) are cut to this many characters before tokenizing, and the
#: reply flagged ``truncated``: spaCy's tokenizer splits affixes one at a time, which is
#: quadratic in the length of a run without whitespace (16,000 emoji took 46 s on the
#: reference 2-core machine, 100,000 would take about half an hour). The encoder reads
#: 256 tokens, about 1,000 characters, anyway. (Issue 13: hostile input.)
MAX_TEXT_CHARS = 4_096


def _bounded(text: str | None) -> tuple[str | None, bool, bool]:
    """``text`` cut to :data:`MAX_TEXT_CHARS`, with lone UTF-16 surrogates (not valid
    Unicode text; the tokenizers can't take them) as U+FFFD; whether it was cut, and
    whether it was repaired."""
    if text is None:
        return None, False, False
    cut = len(text) > MAX_TEXT_CHARS
    if cut:
        text = text[:MAX_TEXT_CHARS]
    text, repaired = repair_surrogates(text)
    return text, cut, repaired


def _as_text(value) -> str | None:
    """The reply as a string, or None when it is missing, not text or only whitespace."""
    if isinstance(value, str):
        return value if value.strip() else None
    return None


def _dedupe(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Drop spans nested inside a longer span of the same sub-code."""
    spans = sorted(evidence, key=lambda e: (e.start, -(e.end - e.start)))
    kept: list[Evidence] = []
    for ev in spans:
        if any(k.subcode == ev.subcode and k.start <= ev.start and ev.end <= k.end for k in kept):
            continue
        kept.append(ev)
    return kept


class Featurizer:
    """Replies to the design matrix ``[embedding, codebook features]``, with evidence.

    Parameters
    ----------
    encoder : OnnxEncoder
        The sentence encoder.
    patterns_path, lexicons_path : Path
        Evidence pattern and lexicon tables.
    text_profile : dict, optional
        ``{"language": ..., "rules": ...}`` of the tokenizer (``meta["text"]``; default
        :data:`cuecoder.text.tokenizer.DEFAULT_PROFILE`).
    """

    def __init__(
        self,
        encoder: OnnxEncoder,
        patterns_path: Path,
        lexicons_path: Path,
        text_profile: dict | None = None,
        feature_names: Sequence[str] = FEATURE_NAMES,
    ) -> None:
        self.encoder = encoder
        self.feature_names = tuple(feature_names)
        self.context_rules = self.feature_names == FEATURE_SETS[1]
        self.text_profile = {**DEFAULT_PROFILE, **(text_profile or {})}
        self.nlp = shared_nlp(self.text_profile["language"], self.text_profile["rules"])
        self.matcher = EvidenceMatcher(self.nlp, patterns_path, lexicons_path)

    @classmethod
    def from_meta(cls, path: Path, meta: dict, n_threads: int | None = None) -> Featurizer:
        """The featurizer described by a model folder's ``meta.json``."""
        encoder = OnnxEncoder.from_meta(path, meta["encoder"], n_threads=n_threads)
        return cls(
            encoder,
            path / meta.get("patterns", "patterns.tsv"),
            path / meta.get("lexicons", "lexicons.tsv"),
            meta.get("text"),
            meta.get("features") or FEATURE_NAMES,
        )

    def tokenize(self, texts: Iterable[str]) -> list[Doc]:
        """Tokenize with the social-media tokenizer (no other pipeline components)."""
        return list(self.nlp.tokenizer.pipe(texts, batch_size=256))

    def tokenize_optional(self, texts: Iterable) -> list[Doc | None]:
        """Tokenize where there is text; None where the entry is missing or empty."""
        texts = [_as_text(t) for t in texts]
        docs = iter(self.tokenize(t for t in texts if t is not None))
        return [next(docs) if t is not None else None for t in texts]

    def transform(
        self,
        docs: Sequence[Doc],
        context_docs: Sequence[Doc | None] | None = None,
        batch_size: int = 1,
    ) -> tuple[np.ndarray, list[list[Evidence]], np.ndarray]:
        """Design matrix, evidence per reply, and which replies were cut at the limit."""
        context_docs = context_docs or [None] * len(docs)
        evidence = [self.matcher(d, c) for d, c in zip(docs, context_docs, strict=True)]
        feats = np.zeros((len(docs), len(self.feature_names)), np.float32)
        for i, (d, ev, c) in enumerate(zip(docs, evidence, context_docs, strict=True)):
            feats[i] = featurize(d, ev, self.matcher.lexicons, c, self.context_rules)
        emb, truncated = self.encoder.encode(
            [d.text for d in docs], batch_size=batch_size, return_truncated=True
        )
        return np.hstack([emb, feats]).astype(np.float32), evidence, truncated


class Coder:
    """A loaded cue model: tokenizer, evidence patterns, ONNX encoder and heads.

    Use :func:`cuecoder.load` rather than the constructor.

    Parameters
    ----------
    path : Path
        Model folder (see :mod:`cuecoder.model.folder`).
    n_threads : int, optional
        onnxruntime threads; ``None`` uses every core.
    verify : bool
        Check every file's sha256 against ``meta.json`` (default True).
    others : sequence of Path
        Model folders for other languages. Each reply goes to the model that declares
        its language (``meta["text"]``; this folder first), see :meth:`score`.
    accurate : bool
        Also run the folder's cross-encoder, which reads each reply with the message it
        answers, and mix it into every label by the weights chosen in training; the
        thresholds (and the corpus-evidence combination) are the ones chosen for the mix.
        About half the speed. E018 when this folder has none; a folder in ``others``
        without one scores its replies as usual, with a warning (W122).
    """

    def __init__(
        self,
        path: Path,
        n_threads: int | None = None,
        verify: bool = True,
        others: Sequence[Path] = (),
        accurate: bool = False,
        _primary: bool = True,
    ) -> None:
        self.path = Path(path)
        self.meta = load_meta(self.path, verify=verify)
        if tuple(self.meta["features"]) not in FEATURE_SETS:
            raise ModelError(
                Errors.E007.format(
                    path=self.path,
                    found=len(self.meta["features"]),
                    expected=" or ".join(str(len(names)) for names in FEATURE_SETS),
                    names=", ".join(FEATURE_NAMES[:3]) + ", ...",
                )
            )
        self.labels: tuple[str, ...] = tuple(self.meta["labels"])
        cross = self.meta.get("cross_encoder")
        if accurate and not cross:
            if _primary:
                raise CuecoderError(Errors.E018.format(name=self.meta["name"], path=self.path))
            warnings.warn(
                Warnings.W122.format(
                    languages="/".join(languages_of(self.meta)), name=self.meta["name"]
                ),
                stacklevel=3,
            )
        #: Whether the cross-encoder is mixed in (``accurate=True`` and the folder has one).
        self.accurate = bool(accurate and cross)
        #: What :func:`load` needs besides the paths to load this coder again (workers).
        self.load_options = {"accurate": bool(accurate)}
        chosen = cross["thresholds"] if self.accurate else self.meta["thresholds"]
        self.thresholds = {k: float(v) for k, v in chosen.items()}
        self.featurizer = Featurizer.from_meta(self.path, self.meta, n_threads=n_threads)
        self.nlp = self.featurizer.nlp
        self.encoder = self.featurizer.encoder
        self.heads = {
            label: make_session(self.path / self.meta["heads"][label], n_threads)
            for label in self.labels
        }
        self.corpus_model = self.meta.get("corpus_evidence")
        if self.accurate and cross.get("corpus_evidence"):
            self.corpus_model = cross["corpus_evidence"]
        self.lexical = (
            LexicalHead.from_meta(self.path, self.meta) if self.meta.get("lexical") else None
        )
        self.cross_encoder = (
            OnnxCrossEncoder.from_meta(self.path, cross, self.labels, n_threads)
            if self.accurate
            else None
        )
        self.languages: tuple[str, ...] = languages_of(self.meta)
        #: The model for each language a loaded folder declares (this one first).
        self.routes: dict[str, Coder] = dict.fromkeys(self.languages, self)
        self.paths: tuple[Path, ...] = (self.path, *(Path(p) for p in others))
        for other_path in others:
            other = Coder(
                other_path, n_threads=n_threads, verify=verify, accurate=accurate, _primary=False
            )
            if other.labels != self.labels:
                raise ModelError(
                    Errors.E120.format(
                        first=self.path,
                        second=other.path,
                        labels_first=list(self.labels),
                        labels_second=list(other.labels),
                    )
                )
            for lang in other.languages:
                self.routes.setdefault(lang, other)

    def __repr__(self) -> str:
        langs = ", ".join(sorted(self.routes))
        mode = ", accurate=True" if self.accurate else ""
        return (
            f"Coder(name={self.meta['name']!r}, version={self.meta['version']!r}, "
            f"languages=[{langs}]{mode})"
        )

    def route(self, languages: Sequence[str], mode: str = "auto") -> list[Coder | None]:
        """The model that scores each reply, by its detected language: the model declaring
        that language; for ``"und"`` (no letters: emoji, punctuation) this one; otherwise
        None with ``mode="auto"`` and this one with ``mode="any"``."""
        if mode not in LANGUAGE_MODES:
            raise CuecoderError(Errors.E121.format(value=mode))
        fallback = self if mode == "any" else None
        return [
            self.routes.get(lang, self if lang == UNDETERMINED else fallback) for lang in languages
        ]

    def threshold(self, label: str) -> float:
        """Decision threshold of ``label``, ``automated_corpus`` included (the threshold
        chosen when the corpus-evidence combination was fit)."""
        if label == "automated_corpus" and self.corpus_model:
            return float(self.corpus_model["threshold"])
        if label not in self.thresholds:
            raise CuecoderError(
                Errors.E104.format(value=label, name="label", valid=[*self.thresholds])
            )
        return self.thresholds[label]

    # -- building blocks -------------------------------------------------------------

    def features(self, replies: Sequence, contexts: Sequence | None = None, batch_size=1):
        """Design matrix of ``replies`` (see :meth:`Featurizer.transform`)."""
        docs = self.featurizer.tokenize(replies)
        ctx = None if contexts is None else self.featurizer.tokenize_optional(contexts)
        return self.featurizer.transform(docs, ctx, batch_size=batch_size)

    def blend(self, probs: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Mix the embedding heads' probabilities with the lexical head's, per label, by
        the weights chosen in training (``meta["lexical"]["blend"]``); unchanged when the
        model has no lexical head."""
        if self.lexical is None or not len(texts):
            return probs
        lexical = self.lexical.predict_proba(texts)
        weights = self.meta["lexical"]["blend"]
        out = probs.copy()
        for j, label in enumerate(self.labels):
            w = float(weights.get(label, 0.0))
            if w:
                out[:, j] = (1 - w) * probs[:, j] + w * lexical[:, self.lexical.labels.index(label)]
        return out

    def mix_cross_encoder(
        self, probs: np.ndarray, texts: Sequence[str], contexts: Sequence[str | None]
    ) -> np.ndarray:
        """Mix in the cross-encoder's probabilities (each reply read with its message), per
        label, by the weights chosen in training (``meta["cross_encoder"]["blend"]``);
        unchanged unless the coder was loaded with ``accurate=True``."""
        if self.cross_encoder is None or not len(texts):
            return probs
        weights = self.meta["cross_encoder"]["blend"]
        if not any(float(weights[label]) for label in self.labels):
            return probs
        cross = self.cross_encoder.predict_proba(texts, contexts)
        out = probs.copy()
        for j, label in enumerate(self.labels):
            w = float(weights[label])
            out[:, j] = (1 - w) * probs[:, j] + w * cross[:, j]
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probability of each label from the embedding heads (columns in :attr:`labels`
        order); :meth:`score` then blends in the lexical head (:meth:`blend`)."""
        out = np.zeros((len(X), len(self.labels)), dtype=np.float64)
        if len(X):
            for j, label in enumerate(self.labels):
                sess = self.heads[label]
                name, kind = sess.get_inputs()[0].name, sess.get_inputs()[0].type
                dtype = np.float64 if kind == "tensor(double)" else np.float32
                probs = sess.run(["probabilities"], {name: X.astype(np.float32).astype(dtype)})[0]
                out[:, j] = np.clip(probs[:, 1], 0.0, 1.0)
        return out

    # -- public API ------------------------------------------------------------------

    def _score_rows(
        self, texts: list[str], contexts: list, batch_size: int
    ) -> tuple[np.ndarray, np.ndarray, list[list[dict]], np.ndarray]:
        """This model's probabilities, labels, evidence and truncation flags of replies
        that all have text."""
        docs = self.featurizer.tokenize(texts)
        ctx_docs = self.featurizer.tokenize_optional(contexts)
        X, evidence, truncated = self.featurizer.transform(docs, ctx_docs, batch_size)
        probs = self.blend(self.predict_proba(X), texts)
        probs = self.mix_cross_encoder(probs, texts, contexts)
        labels = (
            np.column_stack(
                [probs[:, j] >= self.thresholds[label] for j, label in enumerate(self.labels)]
            )
            if len(texts)
            else np.zeros((0, len(self.labels)), bool)
        )
        shown = [
            [
                ev.as_dict()
                for ev in _dedupe(row_evidence)
                if ev.subcode in EVIDENCE_ONLY or labels[i, self.labels.index(ev.label)]
            ]
            for i, row_evidence in enumerate(evidence)
        ]
        return probs, labels, shown, truncated

    def add_corpus_evidence(self, table: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
        """:func:`~cuecoder.templates.evidence.add_corpus_evidence` with the combination of
        the model that scored each row (``table["language"]``), then the labels of
        replies in unsupported languages blanked (:func:`blank_unsupported`)."""
        if "language" in table.columns and len(self.paths) > 1:
            models = [
                c.corpus_model if c is not None else None
                for c in self.route(table["language"].tolist(), "any")
            ]
        else:
            models = self.corpus_model
        return blank_unsupported(add_corpus_evidence(table, found, models))

    # -- public API ------------------------------------------------------------------

    def score(
        self,
        replies: Sequence | pd.Series,
        contexts: Sequence | pd.Series | None = None,
        batch_size: int = 1,
        corpus_evidence: bool = False,
        accounts: Sequence | pd.Series | None = None,
        recipients: Sequence | pd.Series | None = None,
        languages: str = "auto",
    ) -> pd.DataFrame:
        """Score replies for the four cues; one row per reply, in input order.

        Parameters
        ----------
        replies : sequence of str
            Brand or influencer replies. Missing, empty, whitespace-only or non-string
            entries are not scored: their probabilities are NaN, their labels False and
            ``empty`` is True.
        contexts : sequence of str, optional
            The consumer message each reply answers (same length; missing entries mean
            no context). Responsiveness and listening are judged against it.
        batch_size : int
            Encoder batch size. The default, 1, encodes each reply on its own, so a
            reply's scores do not depend on the other replies, their order or the
            batch size: the int8 encoder quantizes activations per batch, and with
            larger batches a score can move by up to about 0.2 with its batch mates
            (texts are sorted by length within a call, so order still does not matter).
        corpus_evidence : bool
            Treat ``replies`` as a corpus: find templates (the same text up to names,
            handles, numbers and links sent to several people) and combine that evidence
            with the per-reply ``automated`` score into ``automated_corpus`` (see
            :mod:`cuecoder.templates.evidence`). ``automated`` stays per reply.
        accounts, recipients : sequence, optional
            Sending account and recipient of each reply, used by ``corpus_evidence``.
        languages : {"auto", "any"}
            ``"auto"``: each reply's language is detected
            (:func:`cuecoder.text.language.detect_language`) and the reply is scored by
            the loaded model that declares it; a reply in a language no loaded model
            reads gets NaN probabilities, missing (``<NA>``) labels and
            ``unsupported_language`` True, never "absent". Replies without letters
            (``"und"``: emoji, punctuation) go to this model. ``"any"`` scores those
            replies with this model too, with a warning (``unsupported_language`` stays
            True: their scores are not validated).

        Returns
        -------
        pandas.DataFrame
            ``responsiveness``, ``listening``, ``openness``, ``automated`` (per-reply
            probabilities), ``interactivity`` (mean of responsiveness and listening),
            one ``<label>_label`` per label from the thresholds of the model that scored
            the reply (nullable booleans) and ``interactivity_label`` (either of its two
            labels); with corpus evidence, ``automated_corpus``,
            ``automated_corpus_label``, ``template_id``, ``template_size``,
            ``template_recipients``; then ``evidence`` (list of dicts: subcode, start,
            end, text; the spans of the per-reply labels), ``empty`` and ``truncated``
            flags, ``language`` (ISO 639-1 code, ``"und"`` without letters) and
            ``unsupported_language``.

        Examples
        --------
        >>> import cuecoder
        >>> coder = cuecoder.load()
        >>> table = coder.score(["Hi Maria, so sorry the jacket came late! Which size?"])
        >>> list(table.columns[:4])
        ['responsiveness', 'listening', 'openness', 'automated']
        """
        replies = list(replies)
        if contexts is None:
            contexts = [None] * len(replies)
        contexts = list(contexts)
        if len(contexts) != len(replies):
            raise CuecoderError(
                Errors.E103.format(n_contexts=len(contexts), n_replies=len(replies))
            )
        bounded = [_bounded(_as_text(r)) for r in replies]
        texts = [b[0] for b in bounded]
        cut = np.array([b[1] for b in bounded], dtype=bool)
        n_cut, n_repaired = int(cut.sum()), sum(b[2] for b in bounded)
        if n_cut or n_repaired:
            warnings.warn(
                Warnings.W502.format(
                    n_cut=n_cut, n_repaired=n_repaired, total=len(texts), limit=MAX_TEXT_CHARS
                ),
                stacklevel=2,
            )
        contexts = [_bounded(_as_text(c))[0] for c in contexts]
        n_empty = sum(t is None for t in texts)
        if n_empty:
            warnings.warn(Warnings.W003.format(n=n_empty, total=len(texts)), stacklevel=2)
        language = detect_languages(texts, prefer=tuple(self.routes))
        models = self.route(language, languages)
        unsupported = np.array(
            [
                t is not None and self.routes.get(lang) is None and lang != UNDETERMINED
                for t, lang in zip(texts, language, strict=True)
            ],
            dtype=bool,
        )
        if unsupported.any():
            found = pd.Series(np.asarray(language, dtype=object)[unsupported]).value_counts()
            langs = ", ".join(f"{k}: {v}" for k, v in found.items())
            message = Warnings.W121 if languages == "any" else Warnings.W120
            warnings.warn(
                message.format(
                    n=int(unsupported.sum()),
                    total=len(texts),
                    languages=langs,
                    models=", ".join(sorted(self.routes)),
                    model=self.meta["name"],
                ),
                stacklevel=2,
            )
        probs = np.full((len(texts), len(self.labels)), np.nan)
        labels = np.zeros((len(texts), len(self.labels)), dtype=bool)
        ev_col: list[list[dict]] = [[] for _ in texts]
        truncated = np.zeros(len(texts), dtype=bool)
        for model in dict.fromkeys(m for m in models if m is not None):
            rows = [
                i
                for i, (t, m) in enumerate(zip(texts, models, strict=True))
                if t is not None and m is model
            ]
            if not rows:
                continue
            p, lab, ev, trunc = model._score_rows(
                [texts[i] for i in rows], [contexts[i] for i in rows], batch_size
            )
            probs[rows], labels[rows], truncated[rows] = p, lab, trunc
            for i, spans in zip(rows, ev, strict=True):
                ev_col[i] = spans
        n_truncated = int(truncated.sum())
        truncated |= cut  # cut at MAX_TEXT_CHARS before scoring (W502 said so)
        if n_truncated:
            warnings.warn(
                Warnings.W002.format(
                    n=n_truncated, total=len(texts), limit=self.encoder.max_tokens
                ),
                stacklevel=2,
            )
        table = pd.DataFrame(probs, columns=list(self.labels))
        for j, label in enumerate(self.labels):
            table[label_column(label)] = labels[:, j]
        add_composites(table)
        # composites' probabilities sit with the labels' probabilities
        names = [c for c in table.columns if not c.endswith("_label")]
        table = table[names + [c for c in table.columns if c.endswith("_label")]]
        table["evidence"] = ev_col
        table["empty"] = [t is None for t in texts]
        table["truncated"] = truncated
        table["language"] = language
        table["unsupported_language"] = unsupported
        if corpus_evidence:
            found = find_templates(texts, self.corpus_model, accounts, recipients)
            return self.add_corpus_evidence(table, found)
        return blank_unsupported(table)


def blank_unsupported(table: pd.DataFrame) -> pd.DataFrame:
    """Label columns as nullable booleans, missing (``<NA>``) for replies in an
    unsupported language that were not scored: a reply no model could read is never
    "absent"."""
    # with languages="any" such replies are scored: their labels stay
    unscored = table[[c for c in table.columns if f"{c}_label" in table.columns]].isna().all(axis=1)
    mask = table["unsupported_language"].to_numpy(dtype=bool) & unscored.to_numpy()
    for column in [c for c in table.columns if c.endswith("_label")]:
        values = pd.array(table[column].to_numpy(dtype=bool, na_value=False), dtype="boolean")
        values[mask] = pd.NA
        table[column] = values
    return table


def load(
    path: str | Path | Sequence[str | Path] | None = None,
    n_threads: int | None = None,
    accurate: bool = False,
) -> Coder:
    """Load a model folder, or several for several languages (the first one primary).

    Without ``path``, the models shipped with cuecoder: English (``models/default``) and
    Chinese (``models/zh``), each reply routed by its language (:meth:`Coder.score`).
    ``accurate=True`` also runs the cross-encoder of the folders that have one (see
    :class:`Coder`).

    Raises :class:`~cuecoder.errors.ModelError` when a folder is incomplete or a file
    fails its checksum.

    Examples
    --------
    >>> import cuecoder
    >>> coder = cuecoder.load()
    >>> coder.labels
    ('responsiveness', 'listening', 'openness', 'automated')
    """
    if path is None:
        paths = [p for p in DEFAULT_MODELS if (p / "meta.json").is_file()] or [DEFAULT_MODEL]
    elif isinstance(path, (str, Path)):
        paths = [Path(path)]
    else:
        paths = [Path(p) for p in path]
    return Coder(paths[0], n_threads=n_threads, others=paths[1:], accurate=accurate)


__all__ = ["Coder", "LANGUAGE_MODES", "blank_unsupported", "load"]
