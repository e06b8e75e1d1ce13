"""``cuecoder report``: one HTML file, user errors as one line (the command of cuecoder.cli)."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from cuecoder.cli import app

runner = CliRunner()


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_report_command_writes_one_html(scored, tmp_path):
    scored_frame, scored = scored, tmp_path / "scored.csv"
    scored_frame.to_csv(scored, index=False)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("handle,fans\nbrandA,2000000\nnano1,500\nmicro1,10000\nsolo,\n")
    out = tmp_path / "report.html"
    result = runner.invoke(
        app,
        [
            "report",
            str(scored),
            "--accounts",
            str(accounts),
            "--key",
            "account",
            "--followers",
            "fans",
            "--out",
            str(out),
            "--n-boot",
            "100",
        ],
    )
    # the accounts table names its key 'handle': one line, exit 1
    assert result.exit_code == 1 and "[E101]" in plain(result.output)
    assert "Traceback" not in result.output
    accounts.write_text("account,fans\nbrandA,2000000\nnano1,500\nmicro1,10000\nsolo,\n")
    result = runner.invoke(
        app,
        [
            "report",
            str(scored),
            "--accounts",
            str(accounts),
            "--followers",
            "fans",
            "--out",
            str(out),
            "--n-boot",
            "100",
        ],
    )
    text = plain(result.output)
    assert result.exit_code == 0, text
    assert "W350" in text and "Report of 10 replies from 4 accounts" in text
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<script" not in html.lower()
    assert "cuecoder report" in html and "--followers fans" in html  # the command
