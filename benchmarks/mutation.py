"""Mutation testing of the modules where a silent error changes research results.

Not a test and not in CI (it is slow): ``python benchmarks/mutation.py [GROUP ...]``.
Each group is mutated by mutmut (PyPI, ``pip install mutmut``) in a throwaway clone of
this checkout, with the tests that cover it; the script prints killed / survived per
module and writes ``docs/mutation/<group>.txt`` with every surviving mutant's diff, to be
looked at one by one (a test, or a note that the mutant is equivalent, in
``docs/mutation.md``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: group -> (modules to mutate, tests that cover them)
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "stats": (
        [
            "cuecoder/stats/bootstrap.py",
            "cuecoder/stats/agreement.py",
            "cuecoder/stats/aggregate.py",
        ],
        ["tests/stats/"],
    ),
    "codebook": (
        ["cuecoder/codebook.py", "cuecoder/templates/evidence.py"],
        # test_coder.py covers add_composites too, but loads the model: ~1 min a mutant
        ["tests/test_codebook.py", "tests/test_labels.py", "tests/templates/test_index.py"],
    ),
    "scorer": (
        ["cuecoder/coder.py", "cuecoder/cues/evidence.py"],
        # test_coder.py checks the same rules end to end but loads and runs the model
        # (~1 min a mutant); these build the coder from stand-ins and the matcher from
        # the model folder's tables: a second or two a mutant
        ["tests/test_coder_blocks.py", "tests/cues/"],
    ),
    "loaders": (
        ["cuecoder/coder.py", "cuecoder/cues/evidence.py"],
        # the rest of the scorer's modules: loading model folders and pattern tables,
        # checked by loading without scoring (about 20 s a mutant)
        ["tests/test_coder_load.py", "tests/cues/"],
    ),
    "corpus": (
        ["cuecoder/corpus/checkpoint.py", "cuecoder/corpus/write.py"],
        # test_batch.py covers them too, but scores a corpus with the model: ~80 s a mutant
        [
            "tests/corpus/test_checkpoint.py",
            "tests/corpus/test_write.py",
            "tests/corpus/test_io.py",
        ],
    ),
    "templates": (["cuecoder/templates/index.py"], ["tests/templates/"]),
}

#: group -> mutants to run (fnmatch patterns of mutmut's names), where not all of them:
#: the scorer group runs the functions that turn head outputs into scores, labels and
#: evidence spans, the table ``score`` builds from them, the featurizer (around a
#: stand-in encoder), input cleaning, routing and blanking, all tested without the model
#: (the rest of coder.py loads model folders: covered by test_coder.py, which runs the
#: model; the rest of evidence.py reads the pattern tables)
ONLY: dict[str, list[str]] = {
    "scorer": [
        "cuecoder.coder.x__as_text__mutmut_*",
        "cuecoder.coder.x__bounded__mutmut_*",
        "cuecoder.coder.x__dedupe__mutmut_*",
        "cuecoder.coder.x_blank_unsupported__mutmut_*",
        "cuecoder.coder.xǁFeaturizerǁ__init____mutmut_*",
        "cuecoder.coder.xǁFeaturizerǁtokenize__mutmut_*",
        "cuecoder.coder.xǁFeaturizerǁtokenize_optional__mutmut_*",
        "cuecoder.coder.xǁFeaturizerǁtransform__mutmut_*",
        "cuecoder.coder.xǁCoderǁfeatures__mutmut_*",
        "cuecoder.coder.xǁCoderǁscore__mutmut_*",
        "cuecoder.coder.xǁCoderǁadd_corpus_evidence__mutmut_*",
        "cuecoder.coder.xǁCoderǁ__repr____mutmut_*",
        "cuecoder.coder.xǁCoderǁroute__mutmut_*",
        "cuecoder.coder.xǁCoderǁpredict_proba__mutmut_*",
        "cuecoder.coder.xǁCoderǁblend__mutmut_*",
        "cuecoder.coder.xǁCoderǁthreshold__mutmut_*",
        "cuecoder.coder.xǁCoderǁ_score_rows__mutmut_*",
        "cuecoder.cues.evidence.xǁEvidenceMatcherǁ__call____mutmut_*",
        "cuecoder.cues.evidence.xǁEvidenceMatcherǁ_computed__mutmut_*",
        "cuecoder.cues.evidence.xǁEvidenceMatcherǁ_computed_chinese__mutmut_*",
        "cuecoder.cues.evidence.xǁEvidenceǁas_dict__mutmut_*",
        "cuecoder.cues.evidence.x_is_content_token__mutmut_*",
        "cuecoder.cues.evidence.x_content_words__mutmut_*",
        "cuecoder.cues.evidence.x__questions__mutmut_*",
        "cuecoder.cues.evidence.x__shared_content__mutmut_*",
    ],
    "loaders": [
        "cuecoder.coder.x_load__mutmut_*",
        "cuecoder.coder.xǁCoderǁ__init____mutmut_*",
        "cuecoder.coder.xǁFeaturizerǁfrom_meta__mutmut_*",
        "cuecoder.cues.evidence.x_data_files__mutmut_*",
        "cuecoder.cues.evidence.x_read_lexicons__mutmut_*",
        "cuecoder.cues.evidence.xǁEvidenceMatcherǁ__init____mutmut_*",
    ],
}

SHOW = """
import sys
from mutmut.__main__ import find_mutant
from mutmut.mutation.diff_apply import get_diff_for_mutant
for name in sys.argv[1:]:
    print(f"## {name}")
    print(get_diff_for_mutant(name, path=find_mutant(name).path))
"""


def run(
    group: str, out: Path, children: int = 2, keep: Path | None = None, rerun: bool = False
) -> Counter:
    modules, tests = GROUPS[group]
    # ``rerun``: only the survivors listed in docs/mutation/<group>.txt by the last run
    names = survivors_of(out / f"{group}.txt") if rerun else ONLY.get(group, [])
    with tempfile.TemporaryDirectory() as tmp:
        # with ``keep``, the clone and mutmut's results stay there: a run that stops is
        # resumed by running the same command again (mutmut skips mutants it has results for)
        base = keep / group if keep else Path(tmp)
        work = base / ROOT.name
        if work.exists():
            return _collect(group, work, out, children, names)
        base.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", str(ROOT), str(work)], check=True)
        shared = ROOT.parent / "shared"
        if shared.exists():
            (base / "shared").symlink_to(shared)
        config = (
            "\n[tool.mutmut]\n"
            f"paths_to_mutate = {modules!r}\n"
            f"tests_dir = {tests!r}\n"
            'also_copy = ["cuecoder/", "tests/", "corpora/"]\n'
        ).replace("'", '"')
        with open(work / "pyproject.toml", "a", encoding="utf-8") as fh:
            fh.write(config)
        return _collect(group, work, out, children, names)


def survivors_of(path: Path) -> list[str]:
    """Mutant names of a survivors file (``## <name>`` headers)."""
    text = path.read_text(encoding="utf-8")
    return [line[3:].split(":")[0].strip() for line in text.splitlines() if line.startswith("## ")]


def _collect(group: str, work: Path, out: Path, children: int, names: list[str]) -> Counter:
    """Run (or resume) mutmut in ``work``, then count its results and write the survivors."""
    subprocess.run(
        ["mutmut", "run", "--max-children", str(children), *names],
        cwd=work,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    listing = subprocess.run(
        ["mutmut", "results", "--all", "true"], cwd=work, capture_output=True, text=True
    ).stdout
    counts: Counter = Counter()
    survivors = []
    for line in listing.splitlines():
        # functions are x_<name>, methods xǁ<Class>ǁ<name>; statuses may have spaces
        m = re.match(r"\s*(cuecoder\.[\w.]+?)\.x[_ǁ]\S+?__mutmut_\d+: (.+?)\s*$", line)
        if m and m.group(2) != "not checked":
            counts[(m.group(1), m.group(2))] += 1
            if m.group(2) == "survived":
                survivors.append(line.split(":")[0].strip())
    # one process for every diff (``mutmut show`` per mutant costs a start-up each)
    shown = subprocess.run(
        [sys.executable, "-c", SHOW, *survivors], cwd=work, capture_output=True, text=True
    )
    diffs = [shown.stdout] if shown.returncode == 0 else []
    if shown.returncode != 0:
        for name in survivors:
            one = subprocess.run(["mutmut", "show", name], cwd=work, capture_output=True, text=True)
            diffs.append(f"## {name}\n{one.stdout}")
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{group}.txt").write_text("\n".join(diffs), encoding="utf-8")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("groups", nargs="*", default=list(GROUPS), choices=list(GROUPS))
    parser.add_argument("--children", type=int, default=2, help="mutants run at once")
    parser.add_argument(
        "--keep", type=Path, help="keep the clone here and resume from it (a checkpoint)"
    )
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="run only the survivors in docs/mutation/<group>.txt (after new tests); the "
        "counts are then of those mutants only",
    )
    args = parser.parse_args()
    if shutil.which("mutmut") is None:
        sys.exit("mutmut is not installed: pip install mutmut")
    print("| module | killed | survived | other | score |\n| --- | --- | --- | --- | --- |")
    for group in args.groups:
        counts = run(group, ROOT / "docs" / "mutation", args.children, args.keep, args.rerun)
        for module in sorted({m for m, _ in counts}):
            killed, survived = counts[(module, "killed")], counts[(module, "survived")]
            total = sum(v for (m, _), v in counts.items() if m == module)
            other = total - killed - survived  # no tests, timeout, suspicious
            print(f"| {module} | {killed} | {survived} | {other} | {killed / max(total, 1):.0%} |")


if __name__ == "__main__":
    main()
