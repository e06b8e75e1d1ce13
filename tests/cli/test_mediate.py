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


def test_cli_missing_file_is_rejected(app, files, tmp_path):
    args = base(files)
    args[args.index("--scores") + 1] = str(tmp_path / "missing.csv")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2


@pytest.mark.parametrize("module", ["aggregate", "mediation", "sem", "diagram", "report"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"cuecoder.stats.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
