"""Sentence encoder on onnxruntime: ``tokenizers`` in, L2-normalised embeddings out.

What the encoder expects and returns is its *contract*, stored in the model folder's
``meta.json`` (``encoder``): input names, pad token, pooling, dimension and token limit.
:meth:`OnnxEncoder.from_meta` builds the encoder from it, so a new encoder is a model
folder, not a code change.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from ..errors import Errors, ModelError

logger = logging.getLogger(__name__)

#: The contract of the encoder cuecoder exports (all-MiniLM-L6-v2, see
#: :mod:`cuecoder.train.export_encoder`); a model folder's ``meta["encoder"]`` overrides
#: any of it. ``inputs`` maps roles to graph input names (``type_ids`` may be absent);
#: ``pooling`` is ``"graph"`` (the graph returns the pooled, normalised embedding) or
#: ``"mean"`` (the graph returns token vectors, averaged over the mask and L2-normalised
#: here).
DEFAULT_CONTRACT: dict = {
    "inputs": {"ids": "input_ids", "mask": "attention_mask", "type_ids": "token_type_ids"},
    "pad_token": "[PAD]",
    "pad_id": 0,
    "pooling": "graph",
    "dim": 384,
    "max_tokens": 256,
}
POOLINGS = ("graph", "mean")


def make_session(path: Path, n_threads: int | None = None) -> ort.InferenceSession:
    """An onnxruntime CPU session; ``n_threads=None`` lets onnxruntime use every core."""
    options = ort.SessionOptions()
    if n_threads:
        options.intra_op_num_threads = n_threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """Embed texts with an exported sentence-transformer.

    Parameters
    ----------
    model_path : Path
        ONNX graph whose inputs and output follow ``contract``.
    tokenizer_path : Path
        ``tokenizer.json`` of the encoder (padding to the longest, truncation set).
    max_tokens : int, optional
        Truncation length, the encoder's limit (default: the contract's).
    n_threads : int, optional
        Batches encoded at the same time, each on one onnxruntime thread; ``None`` uses
        every core. Results do not depend on it.
    contract : dict, optional
        Input names, pad token and id, pooling, dimension, token limit; what is not
        given is :data:`DEFAULT_CONTRACT`'s.

    Notes
    -----
    Texts are sorted by (token count, text) inside each call before batching, which cuts
    padded tokens by about 40% on tweet-length text, and makes the batches the same
    whatever the input order; results come back in input order. Dynamic int8 quantizes
    activations per batch, so with ``batch_size > 1`` an embedding depends slightly on its
    batch mates (cosine about .98 or more to the same text alone); the default
    ``batch_size=1`` makes every embedding independent of the others.
    """

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        max_tokens: int | None = None,
        n_threads: int | None = None,
        contract: dict | None = None,
    ) -> None:
        c = {**DEFAULT_CONTRACT, **(contract or {})}
        if max_tokens is not None:
            c["max_tokens"] = max_tokens
        if c["pooling"] not in POOLINGS:
            raise ModelError(
                Errors.E104.format(value=c["pooling"], name="encoder pooling", valid=POOLINGS)
            )
        self.contract = c
        self.inputs = dict(c["inputs"])
        self.pad_token, self.pad_id = str(c["pad_token"]), int(c["pad_id"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_padding(pad_id=self.pad_id, pad_token=self.pad_token)
        self.max_tokens = int(c["max_tokens"])
        self.tokenizer.enable_truncation(self.max_tokens)
        # one onnxruntime thread per run, and as many runs at a time as threads asked for:
        # small per-reply inputs keep each core busy this way (about 1.7x on 2 cores)
        self.n_workers = n_threads or os.cpu_count() or 1
        self.session = make_session(model_path, 1)
        self.dim = int(c["dim"])
        found = self.session.get_outputs()[0].shape[-1]
        names = {i.name for i in self.session.get_inputs()}
        missing = [n for n in self.inputs.values() if n not in names]
        if missing or (isinstance(found, int) and found != self.dim):
            raise ModelError(
                Errors.E011.format(
                    path=model_path,
                    inputs=sorted(names),
                    dim=found,
                    contract={"inputs": self.inputs, "dim": self.dim},
                )
            )

    @classmethod
    def from_meta(cls, folder: Path, encoder: dict, n_threads: int | None = None) -> OnnxEncoder:
        """The encoder of a model folder, built from its ``meta["encoder"]`` contract."""
        contract = {k: encoder[k] for k in DEFAULT_CONTRACT if k in encoder}
        return cls(
            Path(folder) / encoder["file"],
            Path(folder) / encoder["tokenizer"],
            n_threads=n_threads,
            contract=contract,
        )

    def encode(
        self, texts: Sequence[str], batch_size: int = 1, return_truncated: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Embed ``texts``; returns a float32 array of shape ``(len(texts), dim)``, and with
        ``return_truncated`` also a boolean mask of the texts cut at ``max_tokens``."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        truncated = np.zeros(len(texts), dtype=bool)
        if texts:
            self.tokenizer.no_padding()
            encodings = self.tokenizer.encode_batch(texts)
            self.tokenizer.enable_padding(pad_id=self.pad_id, pad_token=self.pad_token)
            lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64)
            truncated[:] = [bool(e.overflowing) for e in encodings]
            # by length, then text: the same texts form the same batches in any input order
            order = np.asarray(sorted(range(len(texts)), key=lambda i: (lengths[i], texts[i])))
            batches = [order[k : k + batch_size] for k in range(0, len(texts), batch_size)]

            def run(idx: np.ndarray) -> None:
                width = int(lengths[idx].max())
                ids = np.full((len(idx), width), self.pad_id, dtype=np.int64)
                mask = np.zeros((len(idx), width), dtype=np.int64)
                for row, i in enumerate(idx):
                    n = lengths[i]
                    ids[row, :n] = encodings[i].ids
                    mask[row, :n] = 1
                feed = {self.inputs["ids"]: ids, self.inputs["mask"]: mask}
                if self.inputs.get("type_ids"):
                    feed[self.inputs["type_ids"]] = np.zeros_like(ids)
                result = self.session.run(None, feed)[0]
                if self.contract["pooling"] == "mean":
                    weights = mask[..., None].astype(np.float32)
                    result = (result * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1)
                    norms = np.linalg.norm(result, axis=1, keepdims=True)
                    result = result / np.maximum(norms, 1e-12)
                out[idx] = result

            if self.n_workers > 1 and len(batches) > 1:
                # onnxruntime releases the GIL: batches run side by side, one thread each
                with ThreadPoolExecutor(self.n_workers) as pool:
                    list(pool.map(run, batches))
            else:
                for idx in batches:
                    run(idx)
        if return_truncated:
            return out, truncated
        return out
