"""Fuzz: hostile texts through score_corpus, Coder.score, explain, the templates page and
the corpus report.

Issue 13. ``n`` texts (10,000 by default) drawn from: random Unicode (every plane, no
surrogates), RTL and bidi controls, zero-width and combining characters (Zalgo), lone
UTF-16 surrogates (as ``\\udXXX`` escapes in JSON), 100,000-character strings, NUL and
other control bytes (terminal escapes too), emoji ZWJ chains, flags and skin tones,
markup (HTML, rich markup, CSV injection, format strings), line and paragraph
separators, whitespace-only and empty strings, and values that are not text (JSON
numbers, null, lists). Each text goes through

1. ``Coder.score`` (texts as replies, the same texts shuffled as contexts);
2. ``score_corpus`` on a JSON-lines file and on a CSV file of them (the CSV written as
   UTF-8, lone surrogates as the bytes a careless writer makes: not UTF-8);
3. ``cuecoder explain`` (the command's function, output to a buffer);
4. the template index and its HTML page (markup must come out as text).

Invariants checked (a failure is counted and printed, and the exit code is 1): no
crash; one output row per reply; every input row of a corpus file is in the output or
the quarantine, never both, never lost; probabilities in [0, 1], or NaN exactly where
the row is flagged ``empty`` or ``unsupported_language`` (never coded "absent"); no tag
or event attribute from the data on the page.
The corpus report of the texts must carry no active tag (script, img, iframe, ...) or
event attribute from the data. Not a timed benchmark:
it prints counts (and wall time for information only).

    nice -n 10 python benchmarks/fuzz_inputs.py            # 10,000 texts
    python benchmarks/fuzz_inputs.py --n 300 --seed 1      # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd

PROBS = ["responsiveness", "listening", "openness", "automated", "interactivity"]
LONG = 100_000
RTL = "\u200f\u200e\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"
BREAKS = ["\r\n", "\r", "\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"]
EMOJI = ["😀", "👍🏽", "❤️", "🇫🇷", "🏳️‍🌈", "👨‍👩‍👧‍👦", "🧑🏿‍🤝‍🧑🏻", "1️⃣", "🫶", "🦄"]
MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"'><svg/onload=alert(1)>",
    "</details></summary><b>bold</b>",
    "<!-- --> <![CDATA[x]]> &amp; &lt;b&gt; &#x3c;",
    "[bold red]rich[/] [/] [link=file:///etc/passwd]x[/link] [",
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    '{"text": "nested", "id": 1}',
    "{NAME} {0} %s %(x)s ${HOME} `rm -rf`",
    "\x1b[2J\x1b[31mred\x1b[0m \x07 bell",
    "'; DROP TABLE replies; --",
    '"quoted, with ""quotes"" and, commas"',
    "a\tb\tc",
    "**markdown** [link](javascript:alert(1))",
]
WORDS = ["thanks", "sorry", "order", "please", "DM", "us", "we", "love", "help", "@user"]
NOT_TEXT = [None, 12, 3.5, True, ["a", "list"], {"an": "object"}]


def _random_unicode(rng, n: int) -> str:
    planes = [(0x20, 0x7F), (0xA0, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF)]
    out = []
    for _ in range(n):
        lo, hi = planes[rng.integers(len(planes))]
        out.append(chr(int(rng.integers(lo, hi))))
    return "".join(out)


def _words(rng, n: int) -> str:
    return " ".join(WORDS[i] for i in rng.integers(len(WORDS), size=n))


def _mix(rng, alphabet: str, text: str) -> str:
    chars = list(text)
    for _ in range(int(rng.integers(1, 8))):
        chars.insert(int(rng.integers(len(chars) + 1)), alphabet[rng.integers(len(alphabet))])
    return "".join(chars)


def _long(rng) -> str:
    kind = int(rng.integers(5))
    if kind == 0:
        return (EMOJI[rng.integers(len(EMOJI))] * LONG)[:LONG]
    if kind == 1:
        return "!" * LONG
    if kind == 2:
        return ("thanks for your message " * (LONG // 24 + 1))[:LONG]
    if kind == 3:
        return _random_unicode(rng, LONG)
    return ("<b>" + "a" * 50 + "</b>\u200d") * (LONG // 58)


KINDS = {
    "random_unicode": (0.14, lambda rng: _random_unicode(rng, int(rng.integers(1, 200)))),
    "rtl_bidi": (
        0.08,
        lambda rng: _mix(rng, RTL, "שלום " + _words(rng, 5) + " مرحبا " + _words(rng, 3)),
    ),
    "zero_width": (0.08, lambda rng: _mix(rng, ZERO_WIDTH * 3, _words(rng, 8))),
    "combining": (
        0.07,
        lambda rng: "".join(
            c + "".join(chr(int(x)) for x in rng.integers(0x300, 0x370, rng.integers(1, 60)))
            for c in _words(rng, 3)
        ),
    ),
    "lone_surrogate": (
        0.08,
        lambda rng: _mix(rng, "\ud83d\ude00\udfff\ud800", _words(rng, 6) + " 😀"),
    ),
    "long_100k": (0.002, _long),
    "nul_controls": (
        0.08,
        lambda rng: _mix(rng, "\x00\x01\x08\x1b\x7f\x9b", _words(rng, 6)),
    ),
    "emoji_zwj": (
        0.1,
        lambda rng: " ".join(EMOJI[i] * int(rng.integers(1, 6)) for i in rng.integers(10, size=4)),
    ),
    "markup": (
        0.14,
        lambda rng: MARKUP[rng.integers(len(MARKUP))] + " " + _words(rng, int(rng.integers(0, 6))),
    ),
    "line_breaks": (
        0.07,
        lambda rng: BREAKS[rng.integers(len(BREAKS))].join(
            _words(rng, 3) for _ in range(int(rng.integers(2, 5)))
        ),
    ),
    "blank": (0.03, lambda rng: ["", " ", "\t\n", "\u3000", "\u00a0\u2003"][rng.integers(5)]),
    "not_text": (0.018, lambda rng: NOT_TEXT[rng.integers(len(NOT_TEXT))]),
}


def hostile_texts(n: int, seed: int = 0) -> tuple[list, list[str]]:
    """``n`` hostile values and the kind of each (``long_100k`` at least twice)."""
    rng = np.random.default_rng(seed)
    names = list(KINDS)
    weights = np.array([KINDS[k][0] for k in names])
    kinds = list(rng.choice(names, size=n, p=weights / weights.sum()))
    for j in range(min(2, n)):
        kinds[j * max(1, n // 2)] = "long_100k"  # one in each half
    return [KINDS[k][1](rng) for k in kinds], kinds


# -- checks ------------------------------------------------------------------------------


def _is_text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def check_table(table: pd.DataFrame, values: list, failures: list, where: str) -> Counter:
    """Probabilities in [0, 1], or NaN exactly where a flag says why (``empty``, or
    ``unsupported_language``: in a language no loaded model reads, labels missing too);
    one row per value."""
    counts = Counter()
    if len(table) != len(values):
        failures.append(f"{where}: {len(table)} rows out for {len(values)} in")
        return counts
    probs = table[PROBS].to_numpy(dtype=float)
    nan = np.isnan(probs)
    empty = table["empty"].to_numpy(dtype=bool)
    outside = ~nan & ((probs < 0) | (probs > 1))
    counts["rows"] += len(table)
    counts["rows_nan_flagged_empty"] += int((nan.any(axis=1) & empty).sum())
    counts["rows_truncated"] += int(table["truncated"].sum())
    unsupported = table["unsupported_language"].to_numpy(dtype=bool)
    counts["rows_nan_flagged_unsupported_language"] += int((nan.any(axis=1) & unsupported).sum())
    labels = table[[f"{c}_label" for c in PROBS if f"{c}_label" in table.columns]]
    bad_nan = nan.any(axis=1) & ~empty & ~unsupported
    bad_unsupported = unsupported & ~nan.all(axis=1)
    absent = unsupported & labels.eq(False).any(axis=1).to_numpy()  # coded "absent"
    bad_empty = empty & ~nan.all(axis=1)
    expected_empty = np.array([not _is_text(v) for v in values])
    for name, mask in [
        ("probability outside [0, 1]", outside.any(axis=1)),
        ("NaN without the empty or unsupported_language flag", bad_nan),
        ("unsupported_language with a probability", bad_unsupported),
        ("unsupported_language coded absent", absent),
        ("empty flag with a probability", bad_empty),
        ("empty flag disagrees with the input", empty != expected_empty),
    ]:
        if mask.any():
            failures.append(f"{where}: {int(mask.sum())} rows with {name}")
    return counts


def _write_jsonl(values: list, path: Path) -> None:
    with open(path, "w", encoding="ascii") as fh:  # ensure_ascii: surrogates as \udXXX
        for i, v in enumerate(values):
            fh.write(json.dumps({"id": f"f{i}", "text": v}) + "\n")


def _write_csv(values: list, path: Path) -> tuple[list[int], int]:
    """The text values as CSV rows; each row's first physical line and the line count."""
    firsts, line = [], 2
    with open(path, "wb") as fh:
        fh.write(b"id,text\r\n")
        for i, v in enumerate(values):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerow([f"f{i}", v])
            data = buffer.getvalue().encode("utf-8", "surrogatepass")
            fh.write(data)
            firsts.append(line)
            line += len(data.splitlines())
    return firsts, line - 1


def check_corpus(
    coder, values: list, path: Path, failures: list, where: str, first_lines=None
) -> Counter:
    """score_corpus on ``path``: every row in the output or the quarantine, once."""
    from cuecoder.corpus.batch import quarantine_path, score_corpus

    out = path.with_suffix(".scores.parquet")
    summary = score_corpus(path, out, model=coder, chunk_rows=2_000, progress=False)
    table = pd.read_parquet(out)
    qpath = quarantine_path(out)
    bad = [json.loads(x) for x in qpath.read_text().splitlines()] if qpath.exists() else []
    counts = Counter(
        rows_scored=summary.rows_scored,
        rows_quarantined=summary.rows_quarantined,
        lines_quarantined=summary.lines_quarantined,
        rows_repaired=summary.rows_repaired,
    )
    scored = set(table["id"])
    if first_lines is None:  # JSON lines: line i + 1 holds row i
        first_lines = [i + 1 for i in range(len(values))]
    line_of = {line: i for i, line in enumerate(first_lines)}
    quarantined_rows = {line_of[b["line"]] for b in bad if b["line"] in line_of}
    scored_rows = {int(x[1:]) for x in scored}
    lost = set(range(len(values))) - scored_rows - quarantined_rows
    both = scored_rows & quarantined_rows
    counts["rows_lost"] = len(lost)
    if lost:
        failures.append(f"{where}: {len(lost)} rows lost, e.g. {sorted(lost)[:5]}")
    if both:
        failures.append(f"{where}: {len(both)} rows both scored and quarantined")
    if len(scored) != len(table):
        failures.append(f"{where}: repeated ids in the output")
    by_id = dict(zip(table["id"], range(len(table)), strict=True))
    order = [by_id[f"f{i}"] for i in sorted(scored_rows)]
    check_table(table.iloc[order], [values[i] for i in sorted(scored_rows)], failures, where)
    counts.update(Counter(f"reason {b['reason'].split(']')[0]}]" for b in bad))
    return counts


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(a for a, _ in attrs)


PAGE_TAGS = {
    "meta",
    "title",
    "style",
    "h1",
    "h2",
    "p",
    "span",
    "div",
    "details",
    "summary",
    "ul",
    "li",
}


def check_templates(texts: list[str], tmp: Path, failures: list) -> Counter:
    from cuecoder.templates.index import TemplateIndex
    from cuecoder.templates.page import write_templates_html

    rng = np.random.default_rng(0)
    accounts = [MARKUP[i] if i < 4 else f"brand{i}" for i in rng.integers(8, size=len(texts))]
    # each hostile text sent three times with a different number: templates to show
    rows = [
        (f"{t} #{k}{i}", a)
        for i, (t, a) in enumerate(zip(texts, accounts, strict=True))
        for k in range(3)
    ]
    index = TemplateIndex().add([r[0] for r in rows], accounts=[r[1] for r in rows]).finalize()
    templates, rates = index.templates(), index.account_rates()
    page = write_templates_html(templates, rates, tmp / "templates.html", top=50, title=MARKUP[1])
    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    extra = parsed.tags - PAGE_TAGS
    events = {a for a in parsed.attrs if a.startswith("on") or a in ("src", "href")}
    if extra or events:
        failures.append(f"templates page: tags {sorted(extra)} attributes {sorted(events)}")
    return Counter(template_replies=len(rows), templates=len(templates))


def check_explain(coder, texts: list[str], failures: list) -> Counter:
    from rich.console import Console

    import cuecoder.cli.explain as explain
    import cuecoder.coder

    counts = Counter()
    buffer = io.StringIO()
    with (
        contextlib.ExitStack() as stack,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        real_load, real_console = cuecoder.coder.load, explain.console
        cuecoder.coder.load = lambda *a, **k: coder  # one load, not one per call
        explain.console = Console(file=buffer, width=120, color_system=None)
        stack.callback(setattr, cuecoder.coder, "load", real_load)
        stack.callback(setattr, explain, "console", real_console)
        for i, text in enumerate(texts):
            try:
                explain.explain_command(text, None, None)
                counts["explained"] += 1
            except Exception as exc:  # noqa: BLE001 - every crash is a finding
                failures.append(f"explain text {i}: {type(exc).__name__}: {exc}"[:300])
            buffer.seek(0)
            buffer.truncate()
    return counts


#: Tags that would run or load something if the data put them on the report page.
ACTIVE_TAGS = {"script", "img", "iframe", "object", "embed", "link", "form", "input", "base"}


def check_report(coder, texts: list[str], tmp: Path, failures: list) -> Counter:
    """The corpus report of the hostile texts (as replies of hostile account names):
    built and written, with no active tag or event attribute from the data."""
    from cuecoder.report import build

    rng = np.random.default_rng(1)
    table = coder.score(texts)
    table.insert(0, "text", pd.Series(texts, dtype=object))  # surrogates and all
    table.insert(0, "account", [MARKUP[i % len(MARKUP)] for i in rng.integers(50, size=len(texts))])
    table.insert(0, "id", [f"r{i}" for i in range(len(texts))])
    table["evidence"] = [json.dumps(ev) for ev in table["evidence"]]
    path = build(table, key="account", text="text", n_boot=200).write(tmp / "report.html")
    parsed = _Page()
    parsed.feed(path.read_text(encoding="utf-8"))
    active = parsed.tags & ACTIVE_TAGS
    events = {a for a in parsed.attrs if a.startswith("on")}
    if active or events:
        failures.append(f"report page: tags {sorted(active)} attributes {sorted(events)}")
    return Counter(report_replies=len(texts), report_bytes=path.stat().st_size)


def run(n: int = 10_000, seed: int = 0, coder=None, explain_n: int | None = None) -> dict:
    """Every check on ``n`` hostile texts; the counts and the list of failures."""
    import cuecoder

    t0 = time.perf_counter()
    coder = coder or cuecoder.load()
    values, kinds = hostile_texts(n, seed)
    texts = [v for v in values if isinstance(v, str)]
    failures: list[str] = []
    result: dict = {"n": n, "seed": seed, "kinds": dict(Counter(kinds))}

    def stage(name, fn):
        t = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result[name] = dict(fn())
        except Exception as exc:  # noqa: BLE001 - a crash is a finding, not the end
            traceback.print_exc()
            failures.append(f"{name}: crashed: {type(exc).__name__}: {exc}"[:400])
            result[name] = {"crashed": 1}
        result[name]["seconds"] = round(time.perf_counter() - t, 1)
        print(f"{name}: {result[name]}", file=sys.stderr, flush=True)

    def score_direct():
        counts = Counter()
        order = np.random.default_rng(seed).permutation(len(values))
        contexts = [values[i] for i in order]
        for k in range(0, len(values), 1_000):
            part = values[k : k + 1_000]
            table = coder.score(part, contexts[k : k + 1_000])
            counts.update(check_table(table, part, failures, f"Coder.score[{k}:]"))
        return counts

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        stage("coder_score", score_direct)
        _write_jsonl(values, tmp / "hostile.jsonl")
        stage(
            "score_corpus_jsonl",
            lambda: check_corpus(coder, values, tmp / "hostile.jsonl", failures, "jsonl"),
        )
        firsts, _ = _write_csv(texts, tmp / "hostile.csv")
        stage(
            "score_corpus_csv",
            lambda: check_corpus(coder, texts, tmp / "hostile.csv", failures, "csv", firsts),
        )
        stage("explain", lambda: check_explain(coder, texts[:explain_n], failures))
        stage("templates", lambda: check_templates(texts, tmp, failures))
        stage("report", lambda: check_report(coder, texts, tmp, failures))
    result["failures"] = failures
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--explain-n", type=int, default=None, help="texts through explain")
    args = parser.parse_args()
    result = run(args.n, args.seed, explain_n=args.explain_n)
    print(json.dumps(result, indent=1, ensure_ascii=True))
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
