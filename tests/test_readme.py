from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    assert len(blocks) == 2, "the README holds exactly two set-up commands"
    ci = (REPO / ".ci" / "run").read_text()
    assert blocks[1].strip() in ci
    assert "cuecoder score corpora/examples/replies.csv" in blocks[0]
