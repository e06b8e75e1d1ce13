from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cuecoder.cli.mediate import mediate_command


@pytest.fixture()
def app():
    app = typer.Typer()
    app.command("mediate")(mediate_command)
    app.command("noop")(lambda: None)  # two commands keep the subcommand name in argv
    return app


@pytest.fixture()
def files(tmp_path):
    rng = np.random.default_rng(0)
    n = 120
    level = rng.uniform(0.1, 0.9, n)
    rows = []
    for i in range(n):
        for _ in range(int(rng.integers(2, 6))):
            rows.append(
                {
                    "account": f"acc{i}",
                    "openness_prob": float(np.clip(level[i] + rng.normal(0, 0.1), 0, 1)),
                    "responsiveness_prob": rng.uniform(),
                    "listening_prob": rng.uniform(),
                }
            )
    psi = 2 * level + rng.normal(size=n)
    survey = pd.DataFrame(
        {
            "account": [f"acc{i}" for i in range(n)],
            "psi": psi,
            "loyalty": 0.5 * psi + rng.normal(size=n),
            "auto": rng.integers(0, 2, n),
            "label": ["x"] * n,
        }
    )
    survey.loc[0, "loyalty"] = np.nan
    scores_path, survey_path = tmp_path / "scores.csv", tmp_path / "survey.csv"
    pd.DataFrame(rows).to_csv(scores_path, index=False)
    survey.to_csv(survey_path, index=False)
    return scores_path, survey_path


def base(files):
    scores, survey = files
    return [
        "mediate",
        "--scores",
        str(scores),
        "--survey",
        str(survey),
        "--join",
        "account",
        "--x",
        "openness",
        "--m",
        "psi",
        "--y",
        "loyalty",
        "--n-boot",
        "300",
    ]


def test_cli_writes_tables_diagram_and_summary(app, files, tmp_path):
    out = tmp_path / "report"
    result = CliRunner().invoke(app, [*base(files), "--moderator", "auto", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "PROCESS model 7" in result.output and "N = 119 (1 rows dropped" in result.output
    table = pd.read_csv(out / "mediation.csv")
    assert {"a", "b", "direct", "indirect", "index_mm"} <= set(table["path"])
    for name in ("paths_loyalty.png", "paths_loyalty.svg", "summary.txt"):
        assert (out / name).stat().st_size > 0
    assert (out / "paths_loyalty.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--x", "nope"], "Column 'nope' is not in the data"),
        (["--moderator", "label"], "Moderator 'label'"),
        (["--ci", "normal"], "Unknown value 'normal' for 'ci'"),
    ],
)
def test_cli_user_errors_exit_1_without_traceback(app, files, extra, message):
    result = CliRunner().invoke(app, [*base(files), *extra])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("option", ["--scores", "--survey"])
def test_cli_missing_file_is_one_line_exit_1(app, files, tmp_path, option):
    args = base(files)
    args[args.index(option) + 1] = str(tmp_path / "missing.csv")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "[E105] Can't read" in result.output and "missing.csv" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_inf_is_refused_in_one_line(app, files):
    scores, survey = files
    table = pd.read_csv(survey)
    table.loc[3, "psi"] = np.inf
    table.to_csv(survey, index=False)
    result = CliRunner().invoke(app, base(files))
    assert result.exit_code == 1
    assert "[E320] Column 'psi' has 1 infinite" in result.output


def test_cli_serial_hc3_and_codes(app, files, tmp_path):
    scores, survey = files
    table = pd.read_csv(survey)
    table["trust"] = 0.5 * table["psi"] + np.random.default_rng(1).normal(size=len(table))
    table.to_csv(survey, index=False)
    args = [*base(files), "--m", "trust", "--serial", "--se", "hc3"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Serial mediation (PROCESS model 6)" in result.output
    assert "via psi -> trust" in result.output and "HC3 standard errors" in result.output
    # a coded sample of 40 accounts, every reply coded (0/1 from the predicted value)
    scored = pd.read_csv(scores)
    coded = scored[scored.account.isin([f"acc{i}" for i in range(0, 120, 3)])].assign(
        openness=lambda d: (d.openness_prob > 0.5).astype(int), pi_group=40 / 120, pi_reply=1.0
    )
    codes = tmp_path / "coded.csv"
    coded.to_csv(codes, index=False)
    with pytest.warns(UserWarning, match="W321"):
        result = CliRunner().invoke(app, [*base(files), "--codes", str(codes)])
    assert result.exit_code == 0, result.output
    # acc0 has no loyalty: dropped listwise, so 39 of its coded accounts are analysed
    assert "corrected with" in result.output and "from 39 of 119 accounts" in result.output
    assert "standardized nan" not in result.output


@pytest.mark.parametrize(
    "module", ["aggregate", "mediation", "sem", "diagram", "report", "dsl", "design", "pipeline"]
)
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"cuecoder.stats.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0


def test_sample_command_writes_the_table_to_code(files, tmp_path):
    from cuecoder.cli import app as full_app

    scores, _ = files
    out = tmp_path / "to_code.csv"
    args = ["sample", str(scores), "--by", "account", "--groups", "10", "--per-group", "2"]
    result = CliRunner().invoke(full_app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert table["account"].nunique() == 10 and len(table) == 20
    np.testing.assert_allclose(table["pi_group"], 10 / 120)
    assert "openness_prob" not in table.columns and table["openness"].isna().all()
    bad = CliRunner().invoke(full_app, [*args[:-1], "many", "--out", str(out)])
    assert bad.exit_code == 1 and "'per_group' must be" in bad.output
    missing = CliRunner().invoke(full_app, ["sample", str(tmp_path / "no.csv"), "--out", str(out)])
    assert missing.exit_code == 1 and "[E105]" in missing.output


def test_plan_command_prints_the_trade_off(tmp_path):
    from cuecoder.cli import app as full_app

    rng = np.random.default_rng(0)
    x = rng.beta(2, 3, 120)
    m = 2 * x + rng.normal(size=120)
    data = pd.DataFrame(
        {"openness": x, "psi": m, "loyalty": 0.4 * m + rng.normal(size=120), "n_replies": 8}
    )
    path = tmp_path / "analysis_data.csv"
    data.to_csv(path, index=False)
    args = ["plan", str(path), "--x", "openness", "--m", "psi", "--y", "loyalty"]
    result = CliRunner().invoke(full_app, [*args, "--alpha", "0.5", "--n-sims", "2"])
    assert result.exit_code == 0, result.output
    assert "120 accounts x 8 replies" in result.output and "CI width" in result.output
    bad = CliRunner().invoke(full_app, args)
    assert bad.exit_code == 1 and "'alpha' must be" in bad.output
