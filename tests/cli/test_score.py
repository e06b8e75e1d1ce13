"""``cuecoder score`` through typer: success, and one-line user errors with exit code 1."""

from __future__ import annotations

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cuecoder.cli.score import score_command


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()
    app.command("score")(score_command)
    app.command("noop")(lambda: None)  # two commands: "score" is then a subcommand
    return app


@pytest.fixture()
def small(tmp_path, replies):
    path = tmp_path / "r.tsv"
    replies.iloc[:30].to_csv(path, sep="\t", index=False)
    return path


def test_score_writes_output_and_summary(app, small, tmp_path):
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(
        app,
        [
            "score",
            str(small),
            "--out",
            str(out),
            "--keep",
            "all",
            "--context-col",
            "context",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Scored 30 rows" in result.output
    table = pd.read_csv(out, dtype={"id": str})
    assert len(table) == 30 and {"id", "text", "brand", "automated_label"} <= set(table)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--text-col", "reply"], "Columns there"),
        (["--shard", "3/2"], "--shard"),
        (["--engine", "spark"], "Valid"),
        (["--scheduler", "tcp://x:1"], "--engine dask"),
    ],
)
def test_user_errors_are_one_line_exit_1(app, small, tmp_path, args, expected):
    out = tmp_path / "o.parquet"
    result = CliRunner().invoke(app, ["score", str(small), "--out", str(out), *args])
    assert result.exit_code == 1
    assert expected in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_unknown_extension_lists_supported(app, small, tmp_path):
    result = CliRunner().invoke(app, ["score", str(small), "--out", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 1
    assert ".parquet" in result.output and ".jsonl" in result.output


def test_missing_input_is_refused_by_typer(app, tmp_path):
    result = CliRunner().invoke(app, ["score", str(tmp_path / "none.csv"), "--out", "o.csv"])
    assert result.exit_code != 0


def test_summary_counts_quarantined_rows_and_lines(app, tmp_path):
    path = tmp_path / "dirty.csv"
    path.write_text(
        "id,text\n"
        "a,Thanks for writing to us!\n"
        'b,"a quote that never closes\n'
        "c,So sorry about that. Which store?\n"
        ',"no id,\non two lines"\n'  # lines 5-6: one record, both lines quarantined
        "e,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(
        app, ["score", str(path), "--out", str(out), "--no-progress", "--no-corpus-evidence"]
    )
    assert result.exit_code == 0, result.output
    assert "Scored 2 rows" in result.output
    assert "3 quarantined (4 input lines)" in " ".join(result.output.split())
