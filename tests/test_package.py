"""The package installs anywhere: the wheel carries the default model and its data files,
and ``import cuecoder`` and scoring load nothing of ``cuecoder.train``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_carries_the_default_model(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation"]
        + ["-w", str(tmp_path), "-q"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("cuecoder-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    model = REPO / "cuecoder" / "models" / "default"
    shipped = {p.relative_to(REPO).as_posix() for p in model.rglob("*") if p.is_file()}
    assert shipped <= names, sorted(shipped - names)
    assert {"cuecoder/data/patterns.tsv", "cuecoder/data/lexicons.tsv"} <= names
    assert not any(n.startswith(("tests/", "corpora/", "training/")) for n in names)


def test_import_and_scoring_load_nothing_of_train():
    code = textwrap.dedent(
        """
        import sys
        import cuecoder
        cuecoder.load().score(["Sorry about that! Which store?"], corpus_evidence=True)
        print(sorted(m for m in sys.modules if m.startswith("cuecoder.train")))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
