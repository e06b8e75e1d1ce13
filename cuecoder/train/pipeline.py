"""Train a cue model from a config file and write a model folder with its report.

The config (TOML) names the data, the encoder, the head and the seed; paths in it are
relative to the working directory. ``cuecoder train CONFIG`` calls :func:`train`.

Protocol
--------
Real replies are split by brand: ``test_share`` of the rows, whole brands at a time, are
held out and never trained on or tuned on. On the rest (plus the written corpus, if
configured) the regularisation ``C`` and the decision thresholds are chosen from
out-of-fold predictions of a grouped K-fold (groups: brand for real replies, industry for
written ones): ``C`` by log-loss, the threshold by Krippendorff's alpha against the codes
(``threshold_metric``), on the real rows when they hold at least ``min_real_positives``
positives of the label, else on all rows. The final heads are fit on all training
rows; the test brands then give precision, recall, F1, Krippendorff's alpha and ECE per
label, beside three baselines fit on the same rows: a lexicon-only coder, TF-IDF +
logistic regression, and the embedding alone.
"""

from __future__ import annotations

import glob
import logging
import shutil
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from .._optional import require
from ..codebook import LABELS
from ..coder import Featurizer
from ..cues.evidence import data_files, read_lexicons
from ..cues.features import FEATURE_SETS
from ..errors import CuecoderError, Errors
from ..model.encoder import OnnxEncoder
from ..model.folder import load_meta, write_meta
from ..model.lexical import profile as lexical_profile
from ..stats.agreement import binary_report, human_benchmark
from .data import (
    apply_recodes,
    brand_split,
    data_hash,
    load_real,
    load_written,
    read_label_files,
    real_replies,
)
from .heads import export_faithful, make_head
from .lexical import (
    BLEND_GRID,
    check_lexical_parity,
    choose_blend,
    fit_lexical,
    write_lexical,
)
from .selection import best_threshold, grouped_folds

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """What :func:`train` reads from a TOML config (see ``training/configs/``)."""

    name: str = "cuecoder-model"
    version: str = "0.1.0"
    output: str = "models/trained"
    seed: int = 0
    real_labels: list[str] = field(default_factory=list)
    recodes: list[str] = field(default_factory=list)
    adjudicated: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    data_dir: str | None = None
    test_share: float = 0.25
    max_written: int | None = None
    max_real: int | None = None
    second_coding: list[str] = field(default_factory=list)
    second_recodes: list[str] = field(default_factory=list)
    bilingual_model: str | None = None
    encoder_source: str = "export"
    text_language: str = "en"
    text_rules: str = "social"
    text_languages: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    corpus_sources: list[str] = field(default_factory=lambda: ["twcs", "ibm"])
    head: str = "logreg"
    C: list[float] = field(default_factory=lambda: [0.01, 0.03, 0.1, 0.3, 1.0])
    use_features: bool = True
    context_rules: bool = False
    n_folds: int = 5
    baselines: bool = True
    min_real_positives: int = 20
    corpus_evidence: bool = True
    threshold_metric: str = "alpha"
    lexical: bool = True
    #: lexical weights tried per label (1.0 lets a label use the lexical head alone)
    blend_grid: list[float] = field(default_factory=lambda: list(BLEND_GRID))
    #: the ``[cross_encoder]`` table: fine-tune a cross-encoder and mix it in
    #: (:func:`cuecoder.train.cross_encoder.fit_stage`); None trains without one
    cross_encoder: dict | None = None

    @classmethod
    def from_toml(cls, path: Path) -> TrainConfig:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        flat = {
            **{k: v for k, v in raw.items() if not isinstance(v, dict)},
            **raw.get("data", {}),
            **{f"encoder_{k}": v for k, v in raw.get("encoder", {}).items()},
            **{f"text_{k}": v for k, v in raw.get("text", {}).items()},
            **{("head" if k == "kind" else k): v for k, v in raw.get("head", {}).items()},
        }
        if "cross_encoder" in raw:
            flat["cross_encoder"] = dict(raw["cross_encoder"])
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(flat) - known)
        if unknown:
            raise CuecoderError(
                Errors.E104.format(value=unknown, name=f"keys in {path}", valid=sorted(known))
            )
        return cls(**flat)


def _expand(patterns: list[str]) -> list[Path]:
    paths: list[Path] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern))
        if not found:
            raise CuecoderError(Errors.E106.format(path=pattern, supported="matching files"))
        paths.extend(Path(p) for p in found)
    return paths


def load_training_data(cfg: TrainConfig) -> pd.DataFrame:
    """Labelled rows with ``split`` (train/test) and ``group`` (for grouped K-fold)."""
    frames = []
    if cfg.real_labels:
        data_dir = cfg.data_dir
        real = load_real(
            _expand(cfg.real_labels), data_dir, _expand(cfg.recodes), _expand(cfg.adjudicated)
        )
        if cfg.languages:
            real = real[real["language"].isin(cfg.languages)].reset_index(drop=True)
        if cfg.max_real is not None:
            real = real.sample(n=min(cfg.max_real, len(real)), random_state=cfg.seed)
        real["split"] = brand_split(real["brand"], cfg.test_share, 0.0, cfg.seed).replace(
            "val", "train"
        )
        frames.append(real)
    if cfg.written:
        written = load_written(_expand(cfg.written))
        if cfg.max_written is not None:
            written = written.sample(n=min(cfg.max_written, len(written)), random_state=cfg.seed)
        written["split"] = "train"
        frames.append(written)
    if not frames:
        raise CuecoderError(
            Errors.E104.format(value="no data", name="data", valid="real_labels or written")
        )
    rows = pd.concat(frames, ignore_index=True)
    rows["context"] = rows["context"].fillna("")
    return rows.reset_index(drop=True)


def fit_label(
    X: np.ndarray, y: np.ndarray, folds: np.ndarray, is_real: np.ndarray, cfg: TrainConfig
) -> tuple[object, float, float, dict]:
    """Choose C by out-of-fold log-loss, the threshold by out-of-fold F1, then refit."""
    best = None
    for C in cfg.C:
        oof = np.zeros(len(y))
        for k in np.unique(folds):
            tr, va = folds != k, folds == k
            if len(np.unique(y[tr])) < 2:
                oof[va] = y[tr].mean()
                continue
            oof[va] = make_head(cfg.head, C, cfg.seed).fit(X[tr], y[tr]).predict_proba(X[va])[:, 1]
        eps = 1e-7
        loss = -np.mean(y * np.log(oof + eps) + (1 - y) * np.log(1 - oof + eps))
        if best is None or loss < best[1]:
            best = (C, loss, oof)
    C, loss, oof = best
    use_real = is_real.any() and y[is_real].sum() >= cfg.min_real_positives
    sel = is_real if use_real else np.ones(len(y), bool)
    threshold = best_threshold(y[sel], oof[sel], cfg.threshold_metric)
    head = make_head(cfg.head, C, cfg.seed).fit(X, y)
    info = {"C": C, "oof_log_loss": float(loss), "threshold_from": "real" if use_real else "all"}
    return head, C, threshold, info, oof


def lexicon_baseline(
    rows: pd.DataFrame,
    featurizer: Featurizer,
    all_real: pd.DataFrame | None,
    language: str = "en",
):
    """LIWC-style dictionary coder, 0/1 per label: responsiveness = a content word shared
    with the consumer message (a second-person pronoun when there is none), listening = a
    question mark, openness = a first-person singular pronoun, automated = the same
    slot-masked text sent more than once by the brand in the whole real corpus."""
    from ..cues.evidence import is_content_token
    from ..templates.normalize import normalize

    lex = read_lexicons(data_files(language)[1])
    docs = featurizer.tokenize(rows["reply"])
    ctx = featurizer.tokenize_optional(rows["context"])
    counts = {}
    if all_real is not None:
        keys = all_real["brand"] + "\x1f" + all_real["reply"].map(normalize)
        counts = keys.value_counts().to_dict()
    out = {label: np.zeros(len(rows), int) for label in LABELS}
    for i, (doc, c) in enumerate(zip(docs, ctx, strict=True)):
        words = [t.lower_ for t in doc]
        if c is not None:
            shared = {t.lower_ for t in c if is_content_token(t)}
            out["responsiveness"][i] = any(is_content_token(t) and t.lower_ in shared for t in doc)
        else:
            out["responsiveness"][i] = any(w in lex["second"] for w in words)
        out["listening"][i] = "?" in doc.text or "？" in doc.text
        out["openness"][i] = any(w in lex["first_singular"] for w in words)
        key = f"{rows['brand'].iat[i]}\x1f{normalize(doc.text)}"
        out["automated"][i] = counts.get(key, 0) >= 2
    return out


def tfidf_baseline(
    train: pd.DataFrame, test: pd.DataFrame, seed: int, language: str = "en"
) -> dict:
    """TF-IDF + logistic regression per label: probabilities on ``test``."""
    require("sklearn", "The TF-IDF baseline")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    pattern, n_max = lexical_profile(language)
    vec = TfidfVectorizer(token_pattern=pattern, ngram_range=(1, n_max), min_df=2)
    Xtr, Xte = vec.fit_transform(train["reply"]), vec.transform(test["reply"])
    out = {}
    for label in LABELS:
        y = train[label].to_numpy()
        lr = LogisticRegression(class_weight="balanced", max_iter=5000, random_state=seed)
        out[label] = lr.fit(Xtr, y).predict_proba(Xte)[:, 1]
    return out


def _stage_encoder(cfg: TrainConfig, out: Path) -> dict:
    if cfg.encoder_source == "export":
        from .export_encoder import export_encoder

        return export_encoder(out)
    source = Path(cfg.encoder_source)
    enc = dict(load_meta(source)["encoder"])  # checked like any model folder
    shutil.copy2(source / enc["file"], out / enc["file"])
    shutil.copy2(source / enc["tokenizer"], out / enc["tokenizer"])
    return enc


def train(config: Path | TrainConfig, output: Path | None = None) -> dict:
    """Train per the config and write a model folder; returns its ``meta.json`` dict."""
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_toml(config)
    if not cfg.blend_grid or any(not 0 <= w <= 1 for w in cfg.blend_grid):
        raise CuecoderError(
            Errors.E307.format(
                name="blend_grid", requirement="weights between 0 and 1", value=cfg.blend_grid
            )
        )
    out = Path(output or cfg.output)
    started = time.time()
    rows = load_training_data(cfg)
    logger.info("%d labelled rows (%s)", len(rows), rows["split"].value_counts().to_dict())

    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    encoder_meta = _stage_encoder(cfg, tmp)
    patterns_file, lexicons_file = data_files(cfg.text_language)
    shutil.copy2(patterns_file, tmp / "patterns.tsv")
    shutil.copy2(lexicons_file, tmp / "lexicons.tsv")
    text_profile = {"language": cfg.text_language, "rules": cfg.text_rules}
    if cfg.text_languages:
        text_profile["languages"] = list(cfg.text_languages)
    encoder = OnnxEncoder.from_meta(tmp, encoder_meta)
    feature_names = FEATURE_SETS[int(cfg.context_rules)]
    featurizer = Featurizer(
        encoder, tmp / "patterns.tsv", tmp / "lexicons.tsv", text_profile, feature_names
    )

    docs = featurizer.tokenize(rows["reply"])
    ctx = featurizer.tokenize_optional(rows["context"].where(rows["context"] != "", None))
    X, _, _ = featurizer.transform(docs, ctx)
    n_emb = encoder.dim
    if not cfg.use_features:
        X = X[:, :n_emb]
    is_train = (rows["split"] == "train").to_numpy()
    is_real = (rows["source"] != "written").to_numpy()
    test = rows[~is_train]
    folds = grouped_folds(rows.loc[is_train, "group"].to_numpy(), cfg.n_folds, cfg.seed)

    heads, thresholds, fit_info, metrics = {}, {}, {}, {"model": {}, "n_test": int(len(test))}
    (tmp / "heads").mkdir()
    test_labels: dict[str, np.ndarray] = {}
    base_oof = np.zeros((int(is_train.sum()), len(LABELS)))
    base_test = np.zeros((int((~is_train).sum()), len(LABELS)))
    lexical = lexical_test = None
    if cfg.lexical:
        lexical = fit_lexical(
            rows.loc[is_train, "reply"],
            rows.loc[is_train, list(LABELS)],
            folds,
            cfg.seed,
            *lexical_profile(cfg.text_language),
        )
        lexical_entry = write_lexical(tmp, lexical)
        lexical_entry["parity_max_abs_diff"] = check_lexical_parity(
            tmp, lexical_entry, lexical, rows["reply"]
        )
        lexical_entry["blend"] = {}
        if len(test):
            lexical_test = lexical.predict_proba(test["reply"])
    for label in LABELS:
        y = rows[label].to_numpy()
        head, C, thr, info, oof = fit_label(X[is_train], y[is_train], folds, is_real[is_train], cfg)
        weight = 0.0
        if lexical is not None:
            sel = is_real[is_train] if info["threshold_from"] == "real" else slice(None)
            weight, thr, _ = choose_blend(
                y[is_train][sel],
                oof[sel],
                lexical.oof[label][sel],
                cfg.threshold_metric,
                tuple(cfg.blend_grid),
            )
            oof = (1 - weight) * oof + weight * lexical.oof[label]
            lexical_entry["blend"][label] = weight
            info["lexical_C"] = lexical.C[label]
        path, info["parity_max_abs_diff"], precision = export_faithful(
            head, X, tmp / "heads" / f"{label}.onnx"
        )
        if precision != "float32":
            info["precision"] = precision
        heads[label] = f"heads/{label}.onnx"
        thresholds[label] = round(thr, 6)
        fit_info[label] = info
        if len(test):
            p = head.predict_proba(X[~is_train])[:, 1]
            if lexical is not None:
                p = (1 - weight) * p + weight * lexical_test[label]
            metrics["model"][label] = binary_report(y[~is_train], p >= thr, p)
            test_labels[label] = p >= thr
            base_test[:, LABELS.index(label)] = p
        base_oof[:, LABELS.index(label)] = oof

    auto = LABELS.index("automated")
    cross = None
    if cfg.cross_encoder is not None:  # the optional accurate mode (Coder(accurate=True))
        from .cross_encoder import fit_stage

        cross = fit_stage(
            rows,
            is_train,
            is_real,
            base_oof,
            base_test,
            cfg.cross_encoder,
            tmp,
            cfg.seed,
            cfg.threshold_metric,
        )
        if len(test):
            metrics["accurate"] = {
                label: binary_report(
                    rows[label].to_numpy()[~is_train],
                    cross.test_probs[:, j] >= cross.thresholds[label],
                    cross.test_probs[:, j],
                )
                for j, label in enumerate(LABELS)
            }

    if cfg.second_coding and len(test):
        second = apply_recodes(
            read_label_files(_expand(cfg.second_coding)), _expand(cfg.second_recodes)
        )
        # the first coding as coded (with its recodes), before adjudication
        first = apply_recodes(read_label_files(_expand(cfg.real_labels)), _expand(cfg.recodes))
        first = test[["item_id"]].merge(first, on="item_id", how="left")
        metrics["human_benchmark"] = human_benchmark(first, second, test_labels, LABELS)

    # every real reply (labelled or not): the corpus for template evidence and duplicates
    corpus = None
    if is_real.any():
        corpus = real_replies(cfg.data_dir, sources=tuple(cfg.corpus_sources))
        if cfg.languages:
            corpus = corpus[corpus["language"].isin(cfg.languages)].reset_index(drop=True)
    corpus_params = None
    if cfg.corpus_evidence and corpus is not None:
        # on out-of-fold automated probabilities of the training rows
        corpus_params, metrics["automated_with_corpus_evidence"] = fit_corpus_combination(
            rows,
            is_train,
            is_real,
            base_oof[:, auto],
            base_test[:, auto] if len(test) else None,
            corpus,
            cfg,
        )
        if cross is not None:  # the mix is out of sample on the validation brands only
            cross.spec["corpus_evidence"], report = fit_corpus_combination(
                rows,
                cross.val,
                is_real,
                cross.val_probs[:, auto],
                cross.test_probs[:, auto] if len(test) else None,
                corpus,
                cfg,
                ~is_train,
            )
            metrics["accurate_automated_with_corpus_evidence"] = report
    if cfg.baselines and len(test):
        metrics["baselines"] = _baselines(rows, is_train, X, n_emb, featurizer, folds, corpus, cfg)

    split_desc = (
        f"real replies split by brand, {cfg.test_share:.0%} of rows held out "
        f"(seed {cfg.seed}); test brands: {sorted(test['brand'].unique().tolist())}"
    )
    meta = {
        "name": cfg.name,
        "version": cfg.version,
        "cuecoder_version": __version__,
        "labels": list(LABELS),
        "thresholds": thresholds,
        "features": list(feature_names) if cfg.use_features else [],
        "text": text_profile,
        "encoder": encoder_meta,
        "heads": heads,
        "lexical": lexical_entry if lexical is not None else None,
        "patterns": "patterns.tsv",
        "lexicons": "lexicons.tsv",
        "opset": 17,
        "metrics": metrics,
        "training": {"seed": cfg.seed, "head": cfg.head, "fit": fit_info, "split": split_desc},
        "training_data": {
            "n_rows": int(len(rows)),
            "n_train": int(is_train.sum()),
            "n_test": int(len(test)),
            "sources": rows.groupby("source").size().to_dict(),
            "labels_sha256": data_hash(rows, ["item_id", *LABELS]),
            "text_sha256": data_hash(rows, ["item_id", "reply", "context"]),
        },
        "corpus_evidence": corpus_params,
        **({"cross_encoder": cross.spec} if cross is not None else {}),
        "files": {},
        "created_seconds": round(time.time() - started, 1),
    }
    from .card import write_card

    write_card(tmp, meta, rows)
    meta = write_meta(tmp, meta)
    if cfg.bilingual_model and len(test):
        from ..coder import Coder
        from .bilingual import language_report

        report = language_report(
            Coder(tmp),
            Coder(Path(cfg.bilingual_model)),
            test,
            _expand(cfg.real_labels),
            cfg.data_dir,
            _expand(cfg.recodes),
        )
        meta["metrics"]["bilingual"] = report.get("bilingual")
        write_card(tmp, meta, rows)
        meta = write_meta(tmp, meta)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return meta


def fit_corpus_combination(rows, is_train, is_real, auto_oof, auto_test, corpus, cfg, is_test=None):
    """Fit how corpus evidence (template size and recipients over the whole real corpus)
    combines with the per-reply ``automated`` probability, on out-of-sample probabilities
    of the rows in ``is_train`` (``auto_oof``, one per such row); report the combination
    on the rows in ``is_test`` (default: the rest).

    See :func:`cuecoder.templates.evidence.combine_automated` for the model and
    ``docs/templates.md`` for why out-of-fold probabilities are used.
    """
    from ..templates.evidence import corpus_features
    from .corpus_evidence import corpus_template_features, fit_params

    found = corpus_template_features(corpus)
    found["item_id"] = corpus["item_id"].to_numpy()
    feats = rows[["item_id"]].merge(found, on="item_id", how="left")
    size = feats["template_size"].fillna(1).to_numpy()
    recs = feats["template_recipients"].fillna(1).to_numpy()
    y = rows["automated"].to_numpy()
    train_real = is_real[is_train]
    tr_idx = np.flatnonzero(is_train)[train_real]
    params, model, _ = fit_params(
        auto_oof[train_real],
        size[tr_idx],
        recs[tr_idx],
        y[tr_idx],
        rows["group"].to_numpy()[tr_idx],
        corpus_size=len(corpus),
        n_folds=cfg.n_folds,
        seed=cfg.seed,
        threshold_metric=cfg.threshold_metric,
    )
    report = {}
    if auto_test is not None:
        te_idx = np.flatnonzero(~is_train if is_test is None else is_test)
        Xte = corpus_features(auto_test, size[te_idx], recs[te_idx])
        p = model.predict_proba(Xte)[:, 1]
        report = binary_report(y[te_idx], p >= params["threshold"], p)
    return params, report


def _baselines(rows, is_train, X, n_emb, featurizer, folds, corpus, cfg) -> dict:
    test = rows[~is_train]
    lex = lexicon_baseline(test, featurizer, corpus, cfg.text_language)
    tfidf = tfidf_baseline(rows[is_train], test, cfg.seed, cfg.text_language)
    is_real = (rows["source"] != "written").to_numpy()
    out = {"lexicon": {}, "tfidf_logreg": {}, "embedding_only": {}}
    for label in LABELS:
        y = rows[label].to_numpy()
        yt = y[~is_train]
        out["lexicon"][label] = binary_report(yt, lex[label])
        p = tfidf[label]
        out["tfidf_logreg"][label] = binary_report(yt, p >= 0.5, p)
        head, _, thr, _, _ = fit_label(
            X[is_train, :n_emb], y[is_train], folds, is_real[is_train], cfg
        )
        p = head.predict_proba(X[~is_train, :n_emb])[:, 1]
        out["embedding_only"][label] = binary_report(yt, p >= thr, p)
    return out
