"""Fine-tune a cross-encoder that reads each reply together with the message it answers.

all-MiniLM-L6-v2 (or another BERT-style sentence-transformers folder) reads the pair
``[CLS] message [SEP] reply [SEP]``, mean-pools the last layer and predicts, with one
linear layer, the four labels and (multi-task, ``subcode_weight > 0``) the sixteen
sub-codes of the codebook. The loss is binary cross-entropy per output, positives
weighted by ``sqrt(negatives / positives)`` capped at ``pos_weight_cap`` so rare outputs
(openness, L-REFLECT) are not ignored; sub-code losses count ``subcode_weight`` times a
label's.

Whether this pays, alone or blended with the frozen design, is measured in
``training/ablations/teacher.py`` and written up in ``docs/context_model.md``.

Notes
-----
Training runs on the CPU with torch's thread setting (set ``threads``). Fine-tuning on
CPU with a fixed seed repeats to floating-point noise on the same machine and thread
count, not bit for bit across machines; the ablation reports run-to-run spread over
seeds. Nothing is written with pickle: :func:`save_fit` stores the weights as
safetensors.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._optional import require
from ..codebook import ALL_SUBCODES, LABELS
from ..errors import CuecoderError, Errors

logger = logging.getLogger(__name__)


@dataclass
class CrossEncoderSettings:
    """How :func:`fit_cross_encoder` trains (all stored beside the weights)."""

    epochs: int = 3
    learning_rate: float = 5e-5
    batch_size: int = 16
    max_tokens: int = 160
    seed: int = 0
    subcode_weight: float = 0.5
    pos_weight_cap: float = 5.0
    warmup_share: float = 0.1
    weight_decay: float = 0.01
    threads: int | None = None
    base: str | None = None  # a sentence-transformers folder; None = packaged MiniLM


@dataclass
class CrossEncoderFit:
    """A fitted cross-encoder: the torch module, its tokenizer and what it outputs."""

    model: object
    tokenizer: object
    outputs: list[str]
    settings: CrossEncoderSettings
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def targets(rows: pd.DataFrame, subcodes: bool = True) -> tuple[np.ndarray, list[str]]:
    """0/1 matrix of the labels (and sub-codes, from the ``subcodes`` column) per row.

    Rows whose ``subcodes`` are missing get ``nan`` sub-code targets (masked in the
    loss), so written or recoded rows without sub-codes still teach the labels.
    """
    y = rows[list(LABELS)].to_numpy(dtype=np.float32)
    if not subcodes:
        return y, list(LABELS)
    sub = np.full((len(rows), len(ALL_SUBCODES)), np.nan, dtype=np.float32)
    col = {s: j for j, s in enumerate(ALL_SUBCODES)}
    raw = rows["subcodes"] if "subcodes" in rows else pd.Series([None] * len(rows))
    for i, value in enumerate(raw):
        if not isinstance(value, str):
            continue
        sub[i] = 0.0
        for code in value.split(";"):
            code = code.strip()
            if code in col:
                sub[i, col[code]] = 1.0
    return np.hstack([y, sub]), [*LABELS, *ALL_SUBCODES]


def _module(torch, transformers, base: str, n_out: int):
    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = transformers.AutoModel.from_pretrained(base)
            self.drop = torch.nn.Dropout(0.1)
            self.out = torch.nn.Linear(self.body.config.hidden_size, n_out)

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            hidden = self.body(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.out(self.drop(pooled))

    return CrossEncoder()


def _encode(tokenizer, settings: CrossEncoderSettings, frame: pd.DataFrame):
    return tokenizer(
        frame["context"].fillna("").astype(str).tolist(),
        frame["reply"].fillna("").astype(str).tolist(),
        truncation="longest_first",
        max_length=settings.max_tokens,
        padding=True,
        return_tensors="pt",
    )


def _length_batches(lengths: np.ndarray, batch_size: int, rng, pool: int = 50) -> list:
    """Shuffled batches of rows of similar length: shuffle, sort within pools of
    ``pool`` batches, cut, shuffle the batches (less padding, same expected gradient)."""
    order = rng.permutation(len(lengths))
    batches = []
    for start in range(0, len(order), pool * batch_size):
        chunk = order[start : start + pool * batch_size]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def fit_cross_encoder(
    rows: pd.DataFrame,
    settings: CrossEncoderSettings | None = None,
    on_epoch=None,
) -> CrossEncoderFit:
    """Fine-tune the cross-encoder on ``rows`` (``reply``, ``context``, labels, sub-codes).

    Parameters
    ----------
    rows : DataFrame
        Training rows; every row is seen with its codes.
    settings : CrossEncoderSettings, optional
        Epochs, learning rate, batch size, seed, multi-task weight.
    on_epoch : callable, optional
        Called as ``on_epoch(fit, epoch)`` after every epoch (for predictions and
        checkpoints of long runs).

    Returns
    -------
    CrossEncoderFit
    """
    settings = settings or CrossEncoderSettings()
    if settings.epochs < 1:
        raise CuecoderError(
            Errors.E307.format(name="epochs", requirement=">= 1", value=settings.epochs)
        )
    if not len(rows):
        raise CuecoderError(Errors.E307.format(name="rows", requirement="at least one", value=0))
    torch = require("torch", "Fine-tuning the cross-encoder")
    transformers = require("transformers", "Fine-tuning the cross-encoder")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if settings.threads:
        torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    base = settings.base
    if base is None:
        from .export_encoder import encoder_source

        base = str(encoder_source())
    y, outputs = targets(rows, subcodes=settings.subcode_weight > 0)
    tokenizer = transformers.AutoTokenizer.from_pretrained(base)
    model = _module(torch, transformers, base, len(outputs))
    fit = CrossEncoderFit(model, tokenizer, outputs, settings)

    known = ~np.isnan(y)
    pos = np.nansum(y, axis=0)
    neg = known.sum(0) - pos
    pos_weight = np.sqrt(neg / np.maximum(pos, 1)).clip(max=settings.pos_weight_cap)
    out_weight = np.ones(len(outputs), dtype=np.float32)
    out_weight[len(LABELS) :] = settings.subcode_weight
    pos_weight_t = torch.tensor(pos_weight, dtype=torch.float32)
    out_weight_t = torch.tensor(out_weight)
    target = torch.tensor(np.nan_to_num(y), dtype=torch.float32)
    mask = torch.tensor(known, dtype=torch.float32)

    optimizer = torch.optim.AdamW(
        model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    n_steps = settings.epochs * int(np.ceil(len(rows) / settings.batch_size))
    warmup = max(1, int(settings.warmup_share * n_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: (
            (s + 1) / warmup if s < warmup else max(0.0, (n_steps - s) / max(1, n_steps - warmup))
        ),
    )
    lengths = (rows["reply"].fillna("").str.len() + rows["context"].fillna("").str.len()).to_numpy()
    started = time.perf_counter()
    model.train()
    for epoch in range(settings.epochs):
        for idx in _length_batches(lengths, settings.batch_size, rng):
            logits = model(**_encode(tokenizer, settings, rows.iloc[idx]))
            per = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, target[idx], pos_weight=pos_weight_t, reduction="none"
            )
            weights = mask[idx] * out_weight_t
            loss = (per * weights).sum() / weights.sum().clamp(min=1.0)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            fit.losses.append(float(loss.detach()))
            if len(fit.losses) % 50 == 0:
                logger.info(
                    "epoch %d step %d/%d loss %.4f (%.0f s)",
                    epoch + 1,
                    len(fit.losses),
                    n_steps,
                    np.mean(fit.losses[-50:]),
                    time.perf_counter() - started,
                )
        fit.seconds = time.perf_counter() - started
        if on_epoch is not None:
            model.eval()
            on_epoch(fit, epoch + 1)
            model.train()
    model.eval()
    return fit


def predict_cross_encoder(fit: CrossEncoderFit, rows: pd.DataFrame, batch_size: int = 64):
    """Probabilities of every output (columns as ``fit.outputs``) for ``rows``."""
    torch = require("torch", "The cross-encoder")
    out = np.zeros((len(rows), len(fit.outputs)))
    # similar lengths share a batch: less padding, same results (padding is masked)
    lengths = rows["reply"].fillna("").str.len() + rows["context"].fillna("").str.len()
    order = np.argsort(lengths.to_numpy(), kind="stable")
    was_training = fit.model.training
    fit.model.eval()
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            idx = order[start : start + batch_size]
            logits = fit.model(**_encode(fit.tokenizer, fit.settings, rows.iloc[idx]))
            out[idx] = torch.sigmoid(logits).numpy()
    fit.model.train(was_training)
    return out


def save_fit(fit: CrossEncoderFit, folder: Path, extra: dict | None = None) -> Path:
    """Write the body (``save_pretrained``, safetensors), the output layer and settings
    (with ``extra``, e.g. a hash of the training rows, in ``cross_encoder.json``)."""
    require("safetensors", "Saving the cross-encoder")
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fit.model.body.save_pretrained(str(folder / "body"))
    fit.tokenizer.save_pretrained(str(folder / "body"))
    save_file(
        {k: v.contiguous() for k, v in fit.model.out.state_dict().items()},
        str(folder / "out.safetensors"),
    )
    info = {
        "outputs": fit.outputs,
        "settings": asdict(fit.settings),
        "seconds": round(fit.seconds, 1),
        "loss_per_50_steps": [
            round(float(np.mean(fit.losses[s : s + 50])), 5) for s in range(0, len(fit.losses), 50)
        ],
        **(extra or {}),
    }
    (folder / "cross_encoder.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    return folder


def load_fit(folder: Path, threads: int | None = None) -> CrossEncoderFit:
    """Read back what :func:`save_fit` wrote (safetensors weights, no pickle)."""
    torch = require("torch", "The cross-encoder")
    transformers = require("transformers", "The cross-encoder")
    require("safetensors", "The cross-encoder")
    from safetensors.torch import load_file

    folder = Path(folder)
    info_file = folder / "cross_encoder.json"
    if not info_file.is_file():
        raise CuecoderError(Errors.E105.format(path=info_file, reason="file not found"))
    info = json.loads(info_file.read_text(encoding="utf-8"))
    settings = CrossEncoderSettings(**info["settings"])
    if threads:
        torch.set_num_threads(threads)
    body = str(folder / "body")
    model = _module(torch, transformers, body, len(info["outputs"]))
    model.out.load_state_dict(load_file(str(folder / "out.safetensors")))
    model.eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(body)
    return CrossEncoderFit(
        model, tokenizer, list(info["outputs"]), settings, seconds=info["seconds"]
    )


def export_onnx(fit: CrossEncoderFit, folder: Path, opset: int = 17) -> dict:
    """Write ``cross_encoder.fp32.onnx``, its per-channel dynamic int8 version
    ``cross_encoder.onnx`` (logits of every output) and ``cross_encoder_tokenizer.json``
    (pairs, truncated longest-first at ``max_tokens``)."""
    torch = require("torch", "Exporting the cross-encoder")
    from .export_encoder import quantize_int8, tokenizer_spec

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / "cross_encoder.fp32.onnx"
    dummy = _encode(
        fit.tokenizer, fit.settings, pd.DataFrame({"context": ["a b"], "reply": ["c d e"]})
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {0: "batch", 1: "sequence"}
    fit.model.eval()
    torch.onnx.export(
        fit.model,
        tuple(dummy[k] for k in names),
        str(fp32),
        input_names=names,
        output_names=["logits"],
        dynamic_axes={**{k: axes for k in names}, "logits": {0: "batch"}},
        opset_version=opset,
        dynamo=False,
    )
    quantize_int8(fp32, folder / "cross_encoder.onnx")
    tokenizer = folder / "cross_encoder_tokenizer.json"
    spec = tokenizer_spec(
        json.loads(fit.tokenizer.backend_tokenizer.to_str()), fit.settings.max_tokens
    )
    tokenizer.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return {
        "file": "cross_encoder.onnx",
        "tokenizer": tokenizer.name,
        "outputs": fit.outputs,
        "max_tokens": fit.settings.max_tokens,
        "quantization": "dynamic int8, per-channel, QInt8 weights",
        "opset": opset,
    }


# -- the pipeline stage: a cross-encoder inside a model folder ---------------------------


def _fit_or_resume(
    rows: pd.DataFrame, settings: CrossEncoderSettings, checkpoint: str | None
) -> CrossEncoderFit:
    """Fine-tune, or load the weights a run with the same rows and settings kept in
    ``checkpoint`` (so a crash after tens of minutes of fine-tuning loses nothing)."""
    from .data import data_hash

    columns = ["item_id", "context", "reply", *LABELS, "subcodes"]
    digest = data_hash(rows, [c for c in columns if c in rows])
    same = {k: v for k, v in asdict(settings).items() if k != "threads"}
    folder = Path(checkpoint) if checkpoint else None
    if folder is not None and (folder / "cross_encoder.json").is_file():
        info = json.loads((folder / "cross_encoder.json").read_text(encoding="utf-8"))
        kept = {k: v for k, v in info.get("settings", {}).items() if k != "threads"}
        if info.get("rows_sha256") == digest and kept == same:
            logger.info(
                "cross-encoder: the fine-tuned weights in %s (same rows, same settings)", folder
            )
            return load_fit(folder, settings.threads)
        logger.info("cross-encoder: %s was trained on other rows or settings; fine-tuning", folder)
    logger.info("cross-encoder: fine-tuning on %d rows", len(rows))
    fit = fit_cross_encoder(rows, settings)
    if folder is not None:
        save_fit(fit, folder, {"rows_sha256": digest})
    return fit


#: Options of a config's ``[cross_encoder]`` table besides :class:`CrossEncoderSettings`'
#: fields, with their defaults: the share of real training rows (whole brands) kept out
#: of fine-tuning to choose the blend weights and thresholds, the weights tried, whether
#: the shipped graph is the int8 one, and a folder where the fine-tuned weights are kept
#: (safetensors) and reused by a rerun with the same rows and settings.
STAGE_OPTIONS = {
    "val_share": 0.2,
    "blend_grid": [0.0, 0.25, 0.5, 0.75, 1.0],
    "quantize": "int8",
    "checkpoint": None,
}
QUANTIZE = ("int8", "none")


@dataclass
class StageResult:
    """What :func:`fit_stage` adds to a model: ``meta["cross_encoder"]`` (with the
    thresholds of the mixed probabilities), and those probabilities on the validation and
    test rows."""

    spec: dict
    thresholds: dict[str, float]
    val: np.ndarray
    val_probs: np.ndarray
    test_probs: np.ndarray


def stage_settings(section: dict, seed: int) -> tuple[CrossEncoderSettings, dict]:
    """Settings and stage options from a config's ``[cross_encoder]`` table (E104 names
    an unknown key, E307 a bad value)."""
    fields = set(CrossEncoderSettings.__dataclass_fields__)
    unknown = sorted(set(section) - fields - set(STAGE_OPTIONS))
    if unknown:
        raise CuecoderError(
            Errors.E104.format(
                value=unknown,
                name="keys of [cross_encoder]",
                valid=sorted(fields | set(STAGE_OPTIONS)),
            )
        )
    options = {**STAGE_OPTIONS, **{k: v for k, v in section.items() if k in STAGE_OPTIONS}}
    if not 0 < float(options["val_share"]) < 1:
        raise CuecoderError(
            Errors.E307.format(
                name="val_share", requirement="in (0, 1)", value=options["val_share"]
            )
        )
    grid = options["blend_grid"]
    if not grid or any(not 0 <= w <= 1 for w in grid):
        raise CuecoderError(
            Errors.E307.format(name="blend_grid", requirement="weights between 0 and 1", value=grid)
        )
    if options["quantize"] not in QUANTIZE:
        raise CuecoderError(
            Errors.E104.format(value=options["quantize"], name="quantize", valid=list(QUANTIZE))
        )
    given = {k: v for k, v in section.items() if k in fields}
    return CrossEncoderSettings(**{"seed": seed, **given}), options


def fit_stage(
    rows: pd.DataFrame,
    is_train: np.ndarray,
    is_real: np.ndarray,
    base_oof: np.ndarray,
    base_test: np.ndarray,
    section: dict,
    folder: Path,
    seed: int = 0,
    metric: str = "alpha",
) -> StageResult:
    """Fine-tune a cross-encoder, export it into ``folder`` and mix it with the frozen design.

    Whole brands holding ``val_share`` of the real training rows (of all training rows
    when none is real)
    (:func:`~cuecoder.train.selection.held_out_groups`) are kept out of fine-tuning; on
    them each label's weight and threshold are chosen (:func:`choose_blend`) between the
    frozen design's out-of-fold probability (``base_oof``, one row per training row) and
    the exported cross-encoder's, the one that ships. The test rows get the mixed
    probability (``base_test`` being the frozen design's).
    """
    from ..model.cross_encoder import OnnxCrossEncoder
    from .lexical import choose_blend
    from .selection import held_out_groups

    settings, options = stage_settings(section, seed)
    folder = Path(folder)
    labels = list(LABELS)
    pool = is_train & is_real
    if not pool.any():  # written rows only (the tiny config): whole industries instead
        pool = is_train.copy()
    val = np.zeros(len(rows), dtype=bool)
    val[pool] = held_out_groups(rows.loc[pool, "group"].to_numpy(), options["val_share"], seed)
    if not val.any():
        raise CuecoderError(
            Errors.E307.format(
                name="val_share",
                requirement="large enough to hold one brand",
                value=options["val_share"],
            )
        )
    fitting = rows[is_train & ~val].reset_index(drop=True)
    logger.info("cross-encoder: %d validation rows", val.sum())
    fit = _fit_or_resume(fitting, settings, options["checkpoint"])
    val_rows, test_rows = rows[val], rows[~is_train]
    torch_val = predict_cross_encoder(fit, val_rows)[:, : len(labels)]
    spec = export_onnx(fit, folder)
    fp32 = folder / "cross_encoder.fp32.onnx"

    def run(path: Path, frame: pd.DataFrame) -> np.ndarray:
        model = OnnxCrossEncoder(
            path,
            folder / spec["tokenizer"],
            fit.outputs,
            labels,
            spec["max_tokens"],
            settings.threads,
        )
        return model.predict_proba(frame["reply"].tolist(), frame["context"].tolist())

    fp32_val = run(fp32, val_rows)
    parity = {"export_max_abs_diff": float(np.abs(fp32_val - torch_val).max())}
    if options["quantize"] == "int8":
        p_val = run(folder / spec["file"], val_rows)
        parity["int8_max_abs_diff"] = float(np.abs(p_val - fp32_val).max())
        fp32.unlink()
    else:
        (folder / spec["file"]).unlink()
        fp32.rename(folder / spec["file"])
        spec["quantization"] = "none (float32)"
        p_val = fp32_val
    p_test = run(folder / spec["file"], test_rows) if len(test_rows) else np.zeros((0, len(labels)))

    y_val = rows.loc[val, labels].to_numpy()
    base_val = base_oof[val[is_train]]
    # base_oof follows the training rows, val marks rows among all
    weights, thresholds, scores = {}, {}, {}
    val_probs = np.zeros_like(p_val)
    test_probs = np.zeros_like(p_test)
    for j, label in enumerate(labels):
        w, thr, score = choose_blend(
            y_val[:, j], base_val[:, j], p_val[:, j], metric, tuple(options["blend_grid"])
        )
        weights[label], thresholds[label], scores[label] = float(w), round(float(thr), 6), score
        val_probs[:, j] = (1 - w) * base_val[:, j] + w * p_val[:, j]
        if len(test_rows):
            test_probs[:, j] = (1 - w) * base_test[:, j] + w * p_test[:, j]
    spec.update(
        blend=weights,
        thresholds=thresholds,
        validation={
            "n_rows": int(val.sum()),
            "brands": sorted(rows.loc[val, "brand"].astype(str).unique().tolist()),
            metric: {k: round(float(v), 4) for k, v in scores.items()},
        },
        parity=parity,
        n_fit=int(len(fitting)),
        settings={k: v for k, v in asdict(settings).items() if k not in {"threads", "base"}},
        seconds=round(fit.seconds, 1),
    )
    return StageResult(spec, thresholds, val, val_probs, test_probs)
