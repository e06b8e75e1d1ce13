"""Run a fine-tuned cross-encoder (an optional part of a model folder) with onnxruntime.

The cross-encoder reads each reply together with the message it answers,
``[CLS] message [SEP] reply [SEP]``, and gives one logit per output (the labels, then
the sub-codes it was trained on). A model folder that has one (``meta["cross_encoder"]``)
mixes its label probabilities into the frozen design's, per label, by the weights chosen
in training (:meth:`cuecoder.coder.Coder.score`). Trained by
:mod:`cuecoder.train.cross_encoder`; inference needs no torch.

Each pair runs on its own: dynamic int8 quantizes activations per run, so a reply's
score does not depend on the other replies of a call, their order or their number.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from ..errors import Errors, ModelError
from .encoder import make_session

#: Graph inputs of an exported cross-encoder (``cuecoder.train.cross_encoder.export_onnx``).
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxCrossEncoder:
    """Label probabilities of (message, reply) pairs from an exported cross-encoder.

    Parameters
    ----------
    model_path : Path
        ONNX graph with inputs :data:`INPUTS` and one output of shape (batch, outputs).
    tokenizer_path : Path
        ``tokenizer.json`` that encodes pairs, truncating the longer text first.
    outputs : sequence of str
        What each logit is (labels, then sub-codes), as written in training.
    labels : sequence of str
        The labels to return, in this order; each must be among ``outputs``.
    max_tokens : int
        Pair length limit (message and reply together).
    n_threads : int, optional
        Pairs run at the same time, one onnxruntime thread each; ``None`` uses every core.
        Results do not depend on it.
    """

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        outputs: Sequence[str],
        labels: Sequence[str],
        max_tokens: int,
        n_threads: int | None = None,
    ) -> None:
        missing = [label for label in labels if label not in outputs]
        if missing:
            raise ModelError(
                Errors.E015.format(
                    path=model_path,
                    field="cross_encoder.outputs",
                    missing=missing,
                    labels=list(labels),
                )
            )
        self.outputs = list(outputs)
        self.columns = [self.outputs.index(label) for label in labels]
        self.max_tokens = int(max_tokens)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens, strategy="longest_first")
        self.session = make_session(model_path, 1)
        names = {i.name for i in self.session.get_inputs()}
        found = self.session.get_outputs()[0].shape[-1]
        if not set(INPUTS) <= names or (isinstance(found, int) and found != len(self.outputs)):
            raise ModelError(
                Errors.E011.format(
                    path=model_path,
                    inputs=sorted(names),
                    dim=found,
                    contract={"inputs": list(INPUTS), "dim": len(self.outputs)},
                )
            )
        self.n_workers = n_threads or os.cpu_count() or 1

    @classmethod
    def from_meta(
        cls, folder: Path, spec: dict, labels: Sequence[str], n_threads: int | None = None
    ) -> OnnxCrossEncoder:
        """The cross-encoder of a model folder, from its ``meta["cross_encoder"]``."""
        folder = Path(folder)
        return cls(
            folder / spec["file"],
            folder / spec["tokenizer"],
            spec["outputs"],
            labels,
            spec["max_tokens"],
            n_threads=n_threads,
        )

    def predict_proba(
        self, replies: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """Probability of each label (columns in ``labels`` order) for each reply read
        with its message (a missing message, None or NaN, is read as empty)."""
        replies = list(replies)
        contexts = [None] * len(replies) if contexts is None else list(contexts)
        out = np.zeros((len(replies), len(self.columns)), dtype=np.float64)
        if not replies:
            return out
        encodings = self.tokenizer.encode_batch(
            [(c if isinstance(c, str) else "", r) for c, r in zip(contexts, replies, strict=True)]
        )

        def run(i: int) -> None:
            enc = encodings[i]
            feed = {
                "input_ids": np.asarray([enc.ids], dtype=np.int64),
                "attention_mask": np.asarray([enc.attention_mask], dtype=np.int64),
                "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64),
            }
            logits = self.session.run(None, feed)[0][0, self.columns].astype(np.float64)
            out[i] = 1.0 / (1.0 + np.exp(-logits))

        if self.n_workers > 1 and len(replies) > 1:
            with ThreadPoolExecutor(self.n_workers) as pool:  # onnxruntime frees the GIL
                list(pool.map(run, range(len(replies))))
        else:
            for i in range(len(replies)):
                run(i)
        return out


__all__ = ["INPUTS", "OnnxCrossEncoder"]
