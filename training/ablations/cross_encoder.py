"""Ablation: a supervised cross-encoder, fine-tuned end to end, against the frozen model.

all-MiniLM-L6-v2 reads each reply together with its consumer message as one sentence
pair (``[CLS] reply [SEP] context [SEP]``), mean-pools the last layer and predicts the
four labels with one linear layer, trained with class-weighted binary cross-entropy on
the pipeline's training rows. Unlike the SetFit-style arm of ``finetune.py``, the
encoder sees the context, which the codebook's responsiveness is about.

Split: the pipeline's (``load_training_data`` on the config; whole brands held out as
test). A fifth of the real training brands is kept out of fine-tuning to choose each
label's threshold (by alpha); the test brands are touched only to report.

    python training/ablations/cross_encoder.py [--epochs 4] [--lr 5e-5]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from cuecoder._optional import require
from cuecoder.codebook import LABELS
from cuecoder.stats.agreement import krippendorff_alpha
from cuecoder.train.export_encoder import encoder_source
from cuecoder.train.pipeline import TrainConfig, load_training_data
from cuecoder.train.selection import best_threshold

BATCH = 16
MAX_PAIR_TOKENS = 160
VAL_SHARE = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("training/configs/default.toml"))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch = require("torch", "the cross-encoder ablation")
    transformers = require("transformers", "the cross-encoder ablation")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.manual_seed(args.seed)

    rows = load_training_data(TrainConfig.from_toml(args.config))
    test = rows[rows["split"] == "test"].reset_index(drop=True)
    train = rows[rows["split"] == "train"].reset_index(drop=True)
    real = train["source"] != "written"
    rng = np.random.default_rng(args.seed)
    brands = rng.permutation(np.asarray(train.loc[real, "group"].unique(), dtype=object))
    held = train["group"].isin(brands[: max(1, int(len(brands) * VAL_SHARE))]) & real
    val, fit = train[held].reset_index(drop=True), train[~held].reset_index(drop=True)
    print(f"fine-tune {len(fit)} rows, thresholds {len(val)}, test {len(test)}", flush=True)

    source = str(encoder_source())
    tokenizer = transformers.AutoTokenizer.from_pretrained(source)

    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = transformers.AutoModel.from_pretrained(source)
            self.drop = torch.nn.Dropout(0.1)
            self.out = torch.nn.Linear(self.body.config.hidden_size, len(LABELS))

        def forward(self, **batch):
            hidden = self.body(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            return self.out(self.drop((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)))

    def inputs(frame):
        return tokenizer(
            frame["reply"].tolist(),
            frame["context"].fillna("").tolist(),
            truncation="longest_first",
            max_length=MAX_PAIR_TOKENS,
            padding=True,
            return_tensors="pt",
        )

    def predict(model, frame):
        model.eval()
        out = np.zeros((len(frame), len(LABELS)))
        order = np.argsort(frame["reply"].str.len().to_numpy())
        with torch.no_grad():
            for k in range(0, len(frame), 64):
                idx = order[k : k + 64]
                out[idx] = torch.sigmoid(model(**inputs(frame.iloc[idx]))).numpy()
        model.train()
        return out

    model = CrossEncoder()
    target = torch.tensor(fit[list(LABELS)].to_numpy(), dtype=torch.float32)
    share = target.mean(0)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=((1 - share) / share).clamp(max=5).sqrt())
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * int(np.ceil(len(fit) / BATCH))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps)
    )
    started = time.time()
    for epoch in range(args.epochs):
        order = rng.permutation(len(fit))
        for k in range(0, len(fit), BATCH):
            idx = order[k : k + BATCH]
            loss = loss_fn(model(**inputs(fit.iloc[idx])), target[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
        p_val, p_test = predict(model, val), predict(model, test)
        result = {}
        for j, label in enumerate(LABELS):
            threshold = best_threshold(val[label].to_numpy(), p_val[:, j], "alpha")
            result[label] = round(
                krippendorff_alpha(test[label].to_numpy(), (p_test[:, j] >= threshold).astype(int)),
                3,
            )
        mean = round(float(np.mean(list(result.values()))), 3)
        print(
            f"epoch {epoch + 1} ({time.time() - started:.0f} s): test alpha {json.dumps(result)}"
            f" mean {mean}",
            flush=True,
        )


if __name__ == "__main__":
    main()
