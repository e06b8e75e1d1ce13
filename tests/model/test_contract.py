"""A model folder with another text profile and encoder contract, loaded by the same code.

The tiny model is built here: a Chinese text profile (spaCy's character segmentation, no
social-media rules), a word-level tokenizer with its own pad token, and an ONNX encoder
with other input names that returns token vectors for the loader to mean-pool.
"""

from __future__ import annotations

import shutil
from importlib import resources

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
skl2onnx = pytest.importorskip("skl2onnx")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from tokenizers import Tokenizer, models, pre_tokenizers  # noqa: E402

import cuecoder  # noqa: E402
from cuecoder.codebook import LABELS  # noqa: E402
from cuecoder.cues.features import FEATURE_NAMES  # noqa: E402
from cuecoder.errors import ModelError  # noqa: E402
from cuecoder.model.folder import write_meta  # noqa: E402

CHARS = list("亲您好感谢反馈请私信我们订单号会尽快处理抱歉")
DIM = 8


def _encoder(path, table: np.ndarray) -> None:
    """ids, mask -> token vectors table[ids] * mask: shape (batch, tokens, DIM)."""
    nodes = [
        helper.make_node("Gather", ["table", "ids"], ["vectors"]),
        helper.make_node("Cast", ["mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "axis"], ["mask3"]),
        helper.make_node("Mul", ["vectors", "mask3"], ["tokens"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [
            helper.make_tensor_value_info("ids", TensorProto.INT64, ["b", "s"]),
            helper.make_tensor_value_info("mask", TensorProto.INT64, ["b", "s"]),
        ],
        [helper.make_tensor_value_info("tokens", TensorProto.FLOAT, ["b", "s", DIM])],
        [
            numpy_helper.from_array(table.astype(np.float32), "table"),
            numpy_helper.from_array(np.array([-1], dtype=np.int64), "axis"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny_zh")
    rng = np.random.default_rng(0)
    vocab = {"<unk>": 0, "<pad>": 1, **{c: i + 2 for i, c in enumerate(CHARS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()  # one token per CJK character
    tok.save(str(folder / "tokenizer.json"))
    table = rng.normal(size=(len(vocab), DIM))
    table[1] = 0.0
    _encoder(folder / "encoder.onnx", table)
    (folder / "heads").mkdir()
    n_in = DIM + len(FEATURE_NAMES)
    X = rng.normal(size=(60, n_in)).astype(np.float32)
    heads = {}
    for j, label in enumerate(LABELS):
        y = (X[:, j] + 0.3 * rng.normal(size=60) > 0).astype(int)
        est = LogisticRegression().fit(X, y)
        onx = skl2onnx.to_onnx(est, X[:1], options={id(est): {"zipmap": False}})
        (folder / "heads" / f"{label}.onnx").write_bytes(onx.SerializeToString())
        heads[label] = f"heads/{label}.onnx"
    data = resources.files("cuecoder") / "data"
    for name in ("patterns.tsv", "lexicons.tsv"):
        shutil.copy(str(data / name), folder / name)
    write_meta(
        folder,
        {
            "name": "tiny-zh",
            "version": "0.0.1",
            "cuecoder_version": cuecoder.__version__,
            "labels": list(LABELS),
            "thresholds": dict.fromkeys(LABELS, 0.5),
            "features": list(FEATURE_NAMES),
            "text": {"language": "zh", "rules": "none"},
            "encoder": {
                "file": "encoder.onnx",
                "tokenizer": "tokenizer.json",
                "inputs": {"ids": "ids", "mask": "mask"},
                "pad_token": "<pad>",
                "pad_id": 1,
                "pooling": "mean",
                "dim": DIM,
                "max_tokens": 32,
            },
            "heads": heads,
            "metrics": {},
            "training_data": {},
        },
    )
    return folder, table, tok


def test_the_loader_builds_the_model_from_its_meta(tiny):
    folder, table, tok = tiny
    coder = cuecoder.load(folder)
    assert coder.nlp.lang == "zh"
    assert [t.text for t in coder.nlp("亲您好")] == ["亲", "您", "好"]
    assert coder.encoder.dim == DIM and coder.encoder.pad_id == 1
    texts = ["亲您好", "感谢反馈请私信我们订单号"]
    emb = coder.encoder.encode(texts, batch_size=2)  # padded batch: the mask must hold
    for row, text in zip(emb, texts, strict=True):
        mean = table[tok.encode(text).ids].mean(axis=0)  # pooled by hand
        np.testing.assert_allclose(row, mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)
    scores = coder.score(texts)
    assert scores[list(LABELS)].notna().all().all()
    assert ((scores[list(LABELS)] >= 0) & (scores[list(LABELS)] <= 1)).all().all()


def test_a_contract_the_graph_does_not_meet_is_refused(tiny, tmp_path):
    folder, _, _ = tiny
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    import json

    meta = json.loads((bad / "meta.json").read_text(encoding="utf-8"))
    meta["encoder"]["inputs"] = {"ids": "input_ids", "mask": "attention_mask"}
    write_meta(bad, meta)
    with pytest.raises(ModelError, match=r"\[E011\]"):
        cuecoder.load(bad)
