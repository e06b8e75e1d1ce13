"""The model card (README.md of a model folder), written from ``meta.json``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..codebook import LABELS
from ..model.lexical import PROFILES

LIMITS = """\
- English only: the encoder (all-MiniLM-L6-v2) was trained on English text; replies
  detected as another language are flagged (`unsupported_language`) unless a model for
  their language is loaded beside this one (the shipped Chinese model is).
- Real training replies are customer-support tweets (TWCS 2017, IBM 2019-20): openness is
  rare there, so its held-out figures rest on few positives; the written corpus adds
  influencer and non-Twitter replies, but those are written for this project, not scraped.
- Responsiveness and listening depend on the consumer message; without it the model
  judges from the reply alone, as the codebook says, and is less sure.
- A single reply often cannot show that it is a template: score a corpus with
  `corpus_evidence=True` (or `cuecoder score`) to use repeats across replies.
- The model agrees with a coder far less than two coders agree with each other (see the
  human benchmark above): use its labels for large-sample estimates, and hand-code a
  sample of your own corpus to check it before relying on single replies.
- The encoder is int8: against fp32 embeddings, up to about 2% of labels per label
  change (`benchmarks/bench_quantization.py`). Each reply is encoded on its own by default;
  with `batch_size > 1`, int8 activations are quantized per batch and scores move
  slightly with the batch composition.
"""


def _table(block: dict) -> str:
    lines = [
        "| label | alpha | F1 | precision | recall | ECE | positives / n |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label in LABELS:
        m = block.get(label)
        if not m:
            continue
        ece = f"{m['ece']:.3f}" if "ece" in m else "-"
        lines.append(
            f"| {label} | {m['alpha']:.3f} | {m['f1']:.3f} | {m['precision']:.3f} | "
            f"{m['recall']:.3f} | {ece} | {m['support']} / {m['n']} |"
        )
    return "\n".join(lines)


ZH_LIMITS = """\
- Chinese only. The real training replies are one kind of text: Weibo customer-service
  turns of 2013-16 (STC-3), mostly telecom, phone and travel helpdesks, and the test
  figures above are on such turns. Influencer, shop and e-commerce replies (Xiaohongshu,
  Douyin, Taobao) come only from 240 exchanges written for this project: check the model
  on a hand-coded sample of your own corpus before relying on it there.
- The encoder (all-MiniLM-L6-v2) was trained on English text and reads Chinese as
  characters: most of what this model knows comes from the Chinese codebook features
  (jieba words, `patterns.tsv`) and the character n-gram lexical head. No multilingual
  encoder with its weights installs offline (see `docs/languages.md`).
- Openness is rare in helpdesk replies (under 2% of the coded turns): its held-out
  figures rest on few positives.
- A single reply often cannot show that it is a template: score a corpus with
  `corpus_evidence=True` (or `cuecoder score`) to use repeats across replies.
"""
#: The "Known limits" of a model card by the model's text language.
LIMITS_BY_LANGUAGE = {"en": LIMITS, "zh": ZH_LIMITS}
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}


def write_card(folder: Path, meta: dict, rows: pd.DataFrame) -> Path:
    """Write ``README.md`` for the model folder: data, split, figures, limits."""
    metrics = meta["metrics"]
    text = meta.get("text") or {}
    language = text.get("language", "en")
    languages = text.get("languages") or [language]
    named = ", ".join(LANGUAGE_NAMES.get(code, code) for code in languages)
    parts = [
        f"# {meta['name']} {meta['version']}",
        "",
        "Codes brand and influencer replies for the four labels of the cuecoder codebook "
        "(responsiveness, listening, openness, automated). Inference: onnxruntime only.",
        "",
        f"**Language: {named}** (`meta.json` `text`). Each reply's language is detected; "
        "this model scores the replies in its language, and replies in a language no "
        "loaded model reads get NaN scores and `unsupported_language` True.",
        "",
        "## Training data",
        "",
        f"{meta['training_data']['n_rows']} labelled replies "
        f"({meta['training_data']['sources']}), "
        f"{meta['training_data']['n_train']} trained on.",
        "",
        "Label counts (1s) per source:",
        "",
        rows.groupby("source")[list(LABELS)].sum().to_markdown()
        if hasattr(rows, "to_markdown") and _has_tabulate()
        else rows.groupby("source")[list(LABELS)].sum().to_string(),
        "",
        "## Evaluation",
        "",
        f"Split: {meta['training']['split']}.",
        "Thresholds were chosen on out-of-fold predictions of the training rows, never on "
        "the test rows.",
        "",
    ]
    if metrics.get("model"):
        parts += ["### This model", "", _table(metrics["model"]), ""]
    if metrics.get("automated_with_corpus_evidence"):
        parts += [
            "### automated, with corpus evidence",
            "",
            "The per-reply probability combined with template evidence over the whole real "
            "corpus (`corpus_evidence=True`), same test brands:",
            "",
            _table({"automated": metrics["automated_with_corpus_evidence"]}),
            "",
        ]
    if metrics.get("human_benchmark"):
        bench = metrics["human_benchmark"]
        lines = [
            "| label | n | alpha, coder 1 vs coder 2 | alpha, model vs coder 1 | "
            "alpha, model vs coder 2 |",
            "| --- | --- | --- | --- | --- |",
        ]
        for label, m in bench.items():
            lines.append(
                f"| {label} | {m['n']} | {m['alpha_coders']:.3f} | "
                f"{m['alpha_model_first']:.3f} | {m['alpha_model_second']:.3f} |"
            )
        parts += [
            "### Human benchmark",
            "",
            "The same test replies coded a second time by other coders, blind to the first "
            "coding: how well two people agree, beside how well the model agrees with each.",
            "",
            *lines,
            "",
        ]
    if metrics.get("bilingual"):
        bilingual = metrics["bilingual"]
        lines = [
            "| label | alpha, this model vs codes | alpha, translation model vs codes | "
            "alpha between the two models |",
            "| --- | --- | --- | --- |",
        ]
        for label, m in bilingual["labels"].items():
            lines.append(
                f"| {label} | {m['alpha_model']:.3f} | {m['alpha_translation_model']:.3f} | "
                f"{m['alpha_between']:.3f} |"
            )
        parts += [
            "### Bilingual check",
            "",
            f"The {bilingual['n']} test replies that were also translated: this model on the "
            "original, the model of the translation's language on the translation (one code "
            "labels both).",
            "",
            *lines,
            "",
        ]
    if metrics.get("accurate"):
        parts += [
            "### Accurate mode (`accurate=True`, `--accurate`: the cross-encoder mixed in)",
            "",
            _table(metrics["accurate"]),
            "",
        ]
    for name, block in metrics.get("baselines", {}).items():
        parts += [f"### Baseline: {name}", "", _table(block), ""]
    parts += [
        "## Model",
        "",
        f"- Encoder: {meta['encoder']['name']} ({meta['encoder']['licence']}), "
        f"{meta['encoder'].get('quantization', 'fp32')}.",
        f"- Heads: {meta['training']['head']} per label on the embedding plus "
        f"{len(meta['features'])} codebook features; thresholds {meta['thresholds']}.",
        *(
            [
                f"- Lexical head: {_ngrams(meta['lexical'])} TF-IDF with a logistic regression "
                f"per label (`{meta['lexical']['file']}`, readable: one weight per n-gram), "
                "blended "
                "into each label's probability with the weight chosen out of fold: "
                f"{meta['lexical']['blend']}."
            ]
            if meta.get("lexical")
            else []
        ),
        *(
            [
                "- Cross-encoder (accurate mode only): the encoder fine-tuned on (message, "
                "reply) pairs for the labels and sub-codes "
                f"(`{meta['cross_encoder']['file']}`, "
                f"{meta['cross_encoder'].get('quantization', 'fp32')}; "
                f"{meta['cross_encoder']['n_fit']} training rows), mixed into each label's "
                "probability with the weight chosen on "
                f"{meta['cross_encoder']['validation']['n_rows']} rows of brands it never "
                f"saw: {meta['cross_encoder']['blend']}; thresholds "
                f"{meta['cross_encoder']['thresholds']}. Each reply runs on its own "
                "(about twice the time per reply of the frozen design)."
            ]
            if meta.get("cross_encoder")
            else []
        ),
        "",
        "## Known limits",
        "",
        LIMITS_BY_LANGUAGE.get(language, LIMITS),
    ]
    path = Path(folder) / "README.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _ngrams(lexical: dict) -> str:
    pattern, n_max = lexical.get("token_pattern"), int(lexical.get("n_max", 2))
    if (pattern, n_max) == PROFILES["en"]:
        return "word uni- and bigram"
    unit = "character" if pattern == PROFILES["zh"][0] else "token"
    return f"{unit} 1-{n_max}-gram"


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True
