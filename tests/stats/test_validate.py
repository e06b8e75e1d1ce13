from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cuecoder import validate
from cuecoder.cli import app
from cuecoder.errors import CuecoderError
from cuecoder.stats.agreement import krippendorff_alpha

EXAMPLES = "corpora/examples/replies.csv"


@pytest.fixture(scope="module")
def scored(coder):
    frame = pd.read_csv(EXAMPLES)
    out = coder.score(frame["text"], frame["context"])
    out.insert(0, "id", frame["id"])
    return out


def hand_codes(scored, flips=3, seed=0):
    """Codes equal to the model's labels except ``flips`` replies per cue, shuffled."""
    rng = np.random.default_rng(seed)
    codes = pd.DataFrame({"id": scored["id"]})
    for label in ("responsiveness", "listening", "openness", "automated"):
        y = scored[f"{label}_label"].to_numpy(dtype=int, copy=True)
        idx = rng.choice(len(y), size=flips, replace=False)
        y[idx] = 1 - y[idx]
        codes[label] = y
    return codes.sample(frac=1, random_state=seed).reset_index(drop=True)


def test_validate_pairs_by_id_and_reports_alpha(scored):
    codes = hand_codes(scored)
    table = validate(scored, codes, on="id", n_boot=200).set_index("label")
    by_id = codes.set_index("id").loc[scored["id"]]
    for label in table.index:
        expected = krippendorff_alpha(by_id[label], scored[f"{label}_label"].astype(int))
        assert table.loc[label, "alpha"] == pytest.approx(expected)
        assert table.loc[label, "n"] == len(scored)
        assert table.loc[label, "alpha_ci_low"] <= table.loc[label, "alpha_ci_high"]
        assert 0.0 <= table.loc[label, "ece"] <= 1.0
    assert table.loc["openness", "predicted_1s"] == scored["openness_label"].sum()


def test_validate_leaves_out_uncoded_and_unscored_replies(scored):
    codes = hand_codes(scored).iloc[:20]
    codes = pd.concat([codes, pd.DataFrame({"id": ["not-scored"], "openness": [1]})])
    table = validate(scored, codes, n_boot=0, labels=["openness"])
    assert table.attrs == {"n_coded": 21, "n_matched": 20}
    assert table.loc[0, "n"] == 20
    assert np.isnan(table.loc[0, "alpha_ci_low"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s, c: (s, c.rename(columns={"id": "reply_id"})), "Column 'id' is not in the codes"),
        (lambda s, c: (s, c.assign(openness=c["openness"] * 2)), "must hold 0/1 codes"),
        (lambda s, c: (s, pd.concat([c, c.iloc[:2]])), "repeated ids"),
        (lambda s, c: (s, c[["id"]]), "No cue in both tables"),
        (lambda s, c: (s, c.assign(id="x" + c["id"])), "No id of 'id' in both tables"),
    ],
)
def test_validate_errors_name_the_problem(scored, change, message):
    s, c = change(scored, hand_codes(scored))
    with pytest.raises(CuecoderError, match=message):
        validate(s, c, n_boot=0)


def test_validate_command(scored, tmp_path):
    scores_path, codes_path = tmp_path / "scores.parquet", tmp_path / "codes.csv"
    scored.drop(columns="evidence").to_parquet(scores_path)
    hand_codes(scored).to_csv(codes_path, index=False)
    out = tmp_path / "check.csv"
    result = CliRunner().invoke(
        app, ["validate", str(scores_path), str(codes_path), "--n-boot", "50", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "model vs your codes (30 replies)" in result.output
    assert list(pd.read_csv(out)["label"]) == [
        "responsiveness",
        "listening",
        "openness",
        "automated",
    ]
    bad = CliRunner().invoke(app, ["validate", str(scores_path), str(codes_path), "--on", "key"])
    assert bad.exit_code == 1
    assert "Column 'key' is not in the scores" in bad.output
