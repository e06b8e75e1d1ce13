from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from cuecoder.cli import app

runner = CliRunner()


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_explain_prints_scores_and_evidence():
    result = runner.invoke(
        app,
        [
            "explain",
            "Hi Maria, so sorry the jacket came late! Which size? ^JS",
            "--context",
            "my jacket order is late",
        ],
    )
    out = plain(result.output)
    assert result.exit_code == 0, out
    for label in ("responsiveness", "listening", "openness", "automated", "interactivity"):
        assert label in out
    assert "L-QUESTION" in out and "R-ADDRESS 'Maria'" in out
    assert "Hi Maria, so sorry the jacket came late!" in out


def test_explain_empty_reply_says_so():
    result = runner.invoke(app, ["explain", "   "])
    assert result.exit_code == 0
    assert "empty" in plain(result.output)


def test_explain_bad_model_is_one_line_exit_1(tmp_path):
    result = runner.invoke(app, ["explain", "hi", "--model", str(tmp_path)])
    assert result.exit_code == 1
    lines = [line for line in plain(result.output).splitlines() if line.strip()]
    assert len(lines) == 1 and "Can't find a model folder" in lines[0]
    assert "Traceback" not in result.output


def test_train_bad_config_is_one_line_exit_1(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('name = "x"\nunknown_key = 1\n')
    result = runner.invoke(app, ["train", str(cfg)])
    assert result.exit_code == 1
    assert "unknown_key" in plain(result.output) and "Traceback" not in result.output


def test_all_commands_registered():
    out = plain(runner.invoke(app, ["--help"]).output)
    for command in ("score", "explain", "templates", "mediate", "train"):
        assert command in out


def test_score_cli_round_trip(tmp_path, example_corpus):
    src = tmp_path / "in.jsonl"
    example_corpus.to_json(src, orient="records", lines=True)
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "score",
            str(src),
            "--out",
            str(out),
            "--id-col",
            "id",
            "--context-col",
            "context",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, plain(result.output)
    import pandas as pd

    table = pd.read_csv(out)
    assert table["id"].tolist() == example_corpus["id"].tolist()
    assert all(isinstance(json.loads(e), list) for e in table["evidence"])


def test_explain_shows_markup_and_escapes_as_text():
    reply = "Thanks [bold]Maria[/] [/] <script>x</script> \x1b[2J\x07 sorry!"
    result = runner.invoke(app, ["explain", reply])
    assert result.exit_code == 0, result.output
    assert "\x1b[2J" not in result.output and "\x07" not in result.output
    out = " ".join(plain(result.output).split())
    assert "[bold]Maria[/] [/] <script>x</script>" in out
