"""Fine-tune the sentence encoder on coded replies, SetFit-style, and export it to ONNX.

The packaged all-MiniLM-L6-v2 is trained contrastively on pairs of replies: the target
cosine of a pair is the share of the four codebook labels on which the two replies agree
(:func:`make_pairs`). The tuned model is exported like the default encoder (mean pooling
and L2 normalisation in the graph, per-channel dynamic int8), so it drops into a model
folder in place of ``encoder.onnx``.

Whether this pays for itself is measured in ``training/ablations/finetune.py`` and
written up in ``docs/finetune.md``.

Notes
-----
SetFit (Tunstall et al. 2022) fine-tunes the body on pairs labelled 1 (same class) or
0 (different class) with a cosine-similarity loss, then fits a logistic head on the tuned
embeddings. With four binary labels per reply a pair is neither simply "same" nor
"different"; here its target is the Hamming similarity of the two label vectors
(0, .25, .5, .75 or 1). Pairs are sampled label by label in turn, half agreeing and half
disagreeing on that label, so the rare label (openness) is contrasted as often as the
common ones.

The encoder sees every row it is given with its codes. Out-of-fold predictions on
those same rows (used to choose C and thresholds) are therefore optimistic; evaluate on
rows the encoder was not tuned on.

References
----------
Tunstall, L., Reimers, N., Jo, U. E. S., Bates, L., Korat, D., Wasserblat, M. &
Pereg, O. (2022). Efficient few-shot learning without prompts. arXiv:2209.11055.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._optional import require
from ..errors import CuecoderError, Errors
from .export_encoder import ENCODER_NAME, export_encoder

logger = logging.getLogger(__name__)

#: SetFit's default body learning rate and warm-up share (setfit ``TrainingArguments``).
LEARNING_RATE = 2e-5
WARMUP_SHARE = 0.1


def make_pairs(labels_matrix: np.ndarray, n_pairs: int, seed: int = 0) -> tuple:
    """Sample contrastive pairs and their target cosine from a 0/1 label matrix.

    Parameters
    ----------
    labels_matrix : array of shape (n_rows, n_labels)
        0/1 codes, one column per label.
    n_pairs : int
        Number of pairs.
    seed : int
        Seed of ``np.random.default_rng``.

    Returns
    -------
    left, right : int arrays of shape (n_pairs,)
        Row indices of each pair (never the same row twice in a pair).
    target : float32 array of shape (n_pairs,)
        Share of labels on which the two rows agree.

    Notes
    -----
    Pair ``k`` is built for label ``k mod n_labels``: a random anchor, and with
    probability one half a partner with the same code on that label, otherwise one
    with the other code (when the label has only one code in the rows, any partner).

    Examples
    --------
    >>> y = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    >>> left, right, target = make_pairs(y, 4, seed=0)
    >>> bool((left != right).all()), sorted(set(target.tolist())) <= [0.0, 0.5, 1.0]
    (True, True)
    """
    y = np.asarray(labels_matrix).astype(np.int8)
    if y.ndim != 2 or len(y) < 2:
        raise CuecoderError(
            Errors.E307.format(
                name="labels_matrix",
                requirement="a 2-d array with at least 2 rows",
                value=y.shape,
            )
        )
    if n_pairs < 1:
        raise CuecoderError(Errors.E307.format(name="n_pairs", requirement=">= 1", value=n_pairs))
    rng = np.random.default_rng(seed)
    n, n_labels = y.shape
    left = rng.integers(0, n, n_pairs)
    right = np.empty(n_pairs, dtype=np.int64)
    same = rng.random(n_pairs) < 0.5
    by_code = [[np.flatnonzero(y[:, j] == c) for c in (0, 1)] for j in range(n_labels)]
    for k in range(n_pairs):
        j, i = k % n_labels, left[k]
        code = y[i, j] if same[k] else 1 - y[i, j]
        pool = by_code[j][code]
        if len(pool) == 0 or (len(pool) == 1 and pool[0] == i):
            pool = np.arange(n)
        partner = i
        while partner == i:
            partner = pool[rng.integers(0, len(pool))]
        right[k] = partner
    target = (y[left] == y[right]).mean(axis=1).astype(np.float32)
    return left, right, target


def finetune_encoder(
    texts: Sequence[str],
    labels_matrix: np.ndarray,
    out_dir: Path,
    epochs: int = 1,
    n_pairs: int = 4000,
    seed: int = 0,
    batch_size: int = 16,
    learning_rate: float = LEARNING_RATE,
    keep_fp32: bool = True,
) -> Path:
    """Fine-tune all-MiniLM-L6-v2 on ``texts`` and write ``encoder.onnx`` to ``out_dir``.

    Parameters
    ----------
    texts : sequence of str
        The replies to train on (only these rows are seen).
    labels_matrix : array of shape (len(texts), n_labels)
        Their 0/1 codes.
    out_dir : Path
        Written: ``sentence-transformer/`` (the tuned model), ``encoder.onnx`` (int8,
        per-channel), ``encoder.fp32.onnx`` (unless ``keep_fp32`` is False),
        ``tokenizer.json`` and ``finetune.json`` (settings, loss curve and timings).
    epochs : int
        Passes over the sampled pairs.
    n_pairs : int
        Pairs sampled by :func:`make_pairs`; with ``epochs`` this sets the cost.
    seed : int
        Seeds the pair sampling, their order per epoch and torch (dropout).
    batch_size : int
        Pairs per optimiser step.
    learning_rate : float
        Peak AdamW learning rate; linear warm-up over the first 10% of steps, then
        linear decay to 0.
    keep_fp32 : bool
        Keep the fp32 ONNX export beside the int8 one.

    Returns
    -------
    Path
        ``out_dir``.

    Notes
    -----
    Runs on the CPU with torch's current thread setting; call
    ``torch.set_num_threads`` first to bound it. Loads the model with
    ``HF_HUB_OFFLINE=1``.
    """
    torch = require("torch", "Fine-tuning the encoder")
    require("sentence_transformers", "Fine-tuning the encoder")
    from sentence_transformers import SentenceTransformer

    from .export_encoder import encoder_source

    try:
        from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.losses import CosineSimilarityLoss

    texts = list(texts)
    y = np.asarray(labels_matrix)
    if len(y) != len(texts):
        raise CuecoderError(
            Errors.E307.format(
                name="labels_matrix",
                requirement=f"one row per text ({len(texts)})",
                value=y.shape,
            )
        )
    if epochs < 1:
        raise CuecoderError(Errors.E307.format(name="epochs", requirement=">= 1", value=epochs))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    left, right, target = make_pairs(y, n_pairs, seed)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    model = SentenceTransformer(str(encoder_source()), device="cpu")
    loss_fn = CosineSimilarityLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    n_steps = epochs * int(np.ceil(n_pairs / batch_size))
    warmup = max(1, int(WARMUP_SHARE * n_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: (s + 1) / warmup if s < warmup else max(0.0, (n_steps - s) / (n_steps - warmup)),
    )
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    started = time.perf_counter()
    losses: list[float] = []
    model.train()
    for epoch in range(epochs):
        order = rng.permutation(n_pairs)
        for start in range(0, n_pairs, batch_size):
            idx = order[start : start + batch_size]
            features = [
                tokenize([texts[i] for i in left[idx]]),
                tokenize([texts[i] for i in right[idx]]),
            ]
            loss = loss_fn(features, torch.from_numpy(target[idx]))
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(float(loss.detach()))
            if len(losses) % 50 == 0:
                logger.info(
                    "epoch %d step %d/%d loss %.4f (%.0f s)",
                    epoch,
                    len(losses),
                    n_steps,
                    np.mean(losses[-50:]),
                    time.perf_counter() - started,
                )
    train_seconds = time.perf_counter() - started
    model.eval()

    started = time.perf_counter()
    tuned = out_dir / "sentence-transformer"
    model.save(str(tuned))
    encoder = export_encoder(
        out_dir,
        keep_fp32=keep_fp32,
        source=tuned,
        name=f"{ENCODER_NAME}, fine-tuned (cuecoder.train.finetune)",
    )
    export_seconds = time.perf_counter() - started

    report = {
        "encoder": encoder,
        "settings": {
            "loss": "CosineSimilarityLoss (MSE), target = share of labels agreed",
            "n_rows": len(texts),
            "n_pairs": n_pairs,
            "epochs": epochs,
            "batch_size": batch_size,
            "steps": n_steps,
            "learning_rate": learning_rate,
            "warmup_steps": warmup,
            "seed": seed,
            "torch_threads": torch.get_num_threads(),
            "target_mean": float(target.mean()),
        },
        "loss_per_50_steps": [
            round(float(np.mean(losses[s : s + 50])), 5) for s in range(0, len(losses), 50)
        ],
        "seconds": {"train": round(train_seconds, 1), "export": round(export_seconds, 1)},
    }
    (out_dir / "finetune.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return out_dir
