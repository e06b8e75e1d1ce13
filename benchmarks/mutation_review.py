"""Sort the surviving mutants of ``benchmarks/mutation.py`` into equivalent kinds and open.

``python benchmarks/mutation_review.py docs/mutation/<group>.txt [--open]`` prints, per
module, how many survivors fall under each kind of ``docs/mutation.md`` (``OPEN``: not
equivalent, needs a test) and with ``--open`` the open ones. The kinds are rules on the
removed and added lines; each rule was checked by reading the survivors it matches.
"""

import collections
import re
import sys

# (regex on the removed line, regex on the added line, kind) -- checked in order
RULES = [
    # numbers are the same by numpy / pandas / json semantics
    (r'float\("nan"\)', r'float\("NAN"\)', "same-value"),
    (r"rng\.integers\(0, n,", r"rng\.integers\(n,", "same-value"),
    (r"min\(share, 1\.0\)", r"min\(share, 2\.0\)", "same-value"),
    (r"inverse\.reshape\(data\.shape\)", r"reshape\(None\)", "same-value"),
    (r"block = max\(1,", r"max\(2,", "same-value"),
    (r"rng\.integers\(0, len\(s\),", r"rng\.integers\(len\(s\),", "same-value"),
    (r"pd\.DataFrame\(rows, columns=list\(COLUMNS\)\)", r"columns=None|rows, \)", "same-value"),
    (r"\.fillna\(False\)\.astype\(bool\)", r"\.fillna\(None\)\.astype\(bool\)", "falsy"),
    (r"merge\(scored, on=on, how=\"inner\"", r"merge\(scored, on=on, suffixes", "same-value"),
    (
        r"groupby\(keys, sort=True, dropna=False\)",
        r"dropna=None|groupby\(keys, dropna=False\)",
        "same-value",
    ),
    (
        r'interval\(draws, report\["alpha"\], "percentile"',
        r"interval\(draws, None, \"percentile\"",
        "same-value",
    ),
    # an explicit dtype on data that already has it
    (r"np\.asarray\((y|p), float\)", r"np\.asarray\((y|p), (None)?\)", "dtype"),
    (r"astype\(int\)", r"astype\(None\)", "dtype"),
    (r"astype\(float\)", r"astype\(None\)", "dtype"),
    (r"\.astype\(bool\)", r"\.astype\(None\)", "dtype"),
    (r"to_numpy\(dtype=float\)", r"to_numpy\(dtype=None\)", "dtype"),
    (r"dtype=float\)", r"dtype=None\)|, \)", "dtype"),
    (
        r"to_numpy\(dtype=bool, na_value=False\)",
        r"to_numpy\(dtype=None, na_value=False\)|to_numpy\(na_value=False\)",
        "dtype",
    ),
    (r"to_numpy\(dtype=np\.int64\)", r"to_numpy\(dtype=None\)", "dtype"),
    (r"any\(axis=1\)\.to_numpy\(dtype=bool\)", r"dtype=None", "dtype"),
    (r"pa\.string\(\)\)", r"None\)|, \)", "dtype"),
    (r"pa\.nulls\(table\.num_rows, f\.type\)", r"pa\.nulls\(table\.num_rows, (None)?\)", "dtype"),
    (r"from_pandas=True", r"from_pandas=None|pa\.array\(col, \)", "dtype"),
    (r"out\[np\.isnan\(p\)\] = np\.nan", r"= None", "dtype"),
    # None where False / a falsy default is meant
    (r"(ensure_ascii|force_ascii)=False", r"=None", "falsy"),
    (r"index=False", r"index=None", "falsy"),
    (r"header = header and False", r"header = None", "falsy"),
    (r"itertuples\(index=False\)", r"index=(None|True)", "falsy"),
    # 0/1 codes: read as probability or as label, same mean and share for 0 < threshold < 1
    (r"binary = values\.isin\(\[0, 1\]\)\.all\(\)", r".", "zero-one"),
    (r"elif not binary and prob is None", r".", "zero-one"),
    (r"\(shares > 0\.5\)", r"shares >= 0\.5", "zero-one"),
    # token/ordering that needs only to be stable
    (r"sort_keys=True", r".", "stable-token"),
    (r'meta\.get\("files", \{\}\)', r".", "stable-token"),
    (r"sorted\(cwrite\.OUTPUT_FORMATS, key=len, reverse=True\)", r".", "suffix-order"),
    # pandas >= 2 always ends JSON lines with a newline; the other branch is for older pandas
    (r'fh\.write\(lines if lines\.endswith\("\\n"\) else lines \+ "\\n"\)', r".", "old-pandas"),
    # no parts at all: the schema is empty, so the header line is "\n" whatever the separator
    (
        r'fh\.write\(\(",\" if fmt == "csv" else "\\t"\)\.join\(schema\.names\)',
        r".",
        "empty-header",
    ),
    # a table is rebuilt as the same table
    (r"table = frame if isinstance\(frame, pa\.Table\)", r"and False", "same-value"),
    # defaults that no caller reaches
    (r'get\("corpus_size", 0\)', r'get\("corpus_size", 1\)', "same-value"),
]
RULES += [
    (r"examples = survey\.loc\[dupes", r".", "message"),
    (r"if n_survey or n_cues:", r".", "log"),
    (r"if len\(both\) < len\(coded\):", r"<=", "log"),
]
RULES += [
    (r"na_value=False\)", r"na_value=None\)", "falsy"),
]
RULES += [
    (
        r'_as_list\((accounts|recipients|ids|times), n, "\w+"\)',
        r'_as_list\(\w+, n, (None|"XX\w+XX"|"[A-Z]+")\)',
        "message",
    ),
    (r"dtype=np\.u?int64", r"dtype=None|, \)", "dtype"),
    (r"np\.zeros\(\(0, self\._hasher\.bands\), np\.uint64\)", r"None\)|, \)", "dtype"),
    (r"^\s*np\.int64\s*$", r"None", "dtype"),
]

# scorer group (coder, cues.evidence)
RULES += [
    # spans that start together: ordering by -(end + start) is ordering by -end
    (r"-\(e\.end - e\.start\)\)\)", r"-\(e\.end \+ e\.start\)\)\)", "same-value"),
    # np.zeros is float64 without a dtype
    (r"np\.zeros\(\(len\(X\), len\(self\.labels\)\), dtype=np\.float64\)", r"None\)|, \)", "dtype"),
    # no reply: column_stack of the (0,)-shaped comparisons is the same (0, labels) bool array
    (r"^\s*if len\(texts\)\s*$", r"or True", "same-value"),
    # unsupported_language is a bool column (built from a bool array in Coder.score)
    (r'table\["unsupported_language"\]\.to_numpy\(dtype=bool\)', r"dtype=None", "dtype"),
    # pd.array of a bool ndarray is a BooleanArray without being told
    (
        r'pd\.array\(.*na_value=False\), dtype="boolean"\)',
        r"na_value=False\), (dtype=None)?\)",
        "dtype",
    ),
    # None set into a BooleanArray is <NA>
    (r"values\[mask\] = pd\.NA", r"values\[mask\] = None", "same-value"),
    # an empty PhraseMatcher finds nothing: calling it or not is the same
    (r"list\(self\.phrases\(doc\)\) if len\(self\.phrases\) else", r"or True", "same-value"),
    # R-ADDRESS: the tokens before i are @handles, never greetings, so starting at 0 is the same
    (r"for j in range\(i, min\(i \+ 3", r"for j in range\(min\(i \+ 3", "same-value"),
    # the tokenizer's pipe batch size only groups the work
    (r"self\.nlp\.tokenizer\.pipe\(texts, batch_size=256\)", r".", "same-value"),
    # the design matrix is cast to float32 at the end
    (
        r"feats = np\.zeros\(\(len\(docs\), len\(FEATURE_NAMES\)\), np\.float32\)",
        r"None\)|\), \)",
        "dtype",
    ),
    # a token with @, # or [ is not is_alpha, which is tested first
    (r'not text\.startswith\(\("@", "#", "\["\)\)', r"XX", "same-value"),
    (r'and not text\.startswith\("@"\)', r"XX@XX", "same-value"),
    # the content words cached on the doc are recomputed: the same set
    (r'cached = doc\.user_data\.get\("cuecoder_content"\)', r".", "cache"),
    # with one model folder, route(..., "any") gives this model for every row: the per-row
    # list holds the same combination, and never None
    (r'if "language" in table\.columns and len\(self\.paths\) > 1', r" or len|>= 1", "same-value"),
    (r"c\.corpus_model if c is not None else None", r"or True", "same-value"),
    # bool arrays built from Python bools
    (r"cut = np\.array\(\[b\[1\] for b in bounded\], dtype=bool\)", r"dtype=None|\], \)", "dtype"),
    (r"^\s*dtype=bool,", r"dtype=None,|^\s*\)\s*$", "dtype"),
    # label columns become nullable booleans in blank_unsupported; composites use any()
    (
        r"labels = np\.zeros\(\(len\(texts\), len\(self\.labels\)\), dtype=bool\)",
        r"None\)|\)\), \)",
        "dtype",
    ),
    # the W120/W121 warning text and where it points
    (r"found = pd\.Series\(np\.asarray\(language, dtype=object\)", r".", "message"),
    (r'langs = ", "\.join', r"XX", "message"),
    (r'models=", "\.join\(sorted\(self\.routes\)\)', r"None|XX", "message"),
    (r"stacklevel=2", r".", "message"),
    # L-QUESTION: once first reaches the question token nothing is yielded (first < tok.i)
    (r"while first < tok\.i and doc\[first\]", r"while first <= tok\.i", "same-value"),
]

# template index
RULES += [
    # flags only tested for truth
    (r"self\._(timed|final) = False", r"= None", "falsy"),
    # ``when`` is read only when times were given (``t = when[i] if times is not None``)
    (r"^\s*when = \[None\] \* n\s*$", r"when = None", "unused"),
    # an equal cased form replaces itself
    (r"if cased < self\._cased\[k\]", r"cased <= self\._cased\[k\]", "same-value"),
    # examples: the list is cut back to max_examples after the insert, and a text whose
    # hash equals the last one is already in the list (skipped by the all() check)
    (r"len\(examples\) < self\.max_examples or ehash < examples\[-1\]", r"<= ", "bounded"),
    # examples, cluster hashes, key hashes are distinct: the first sort key decides alone
    (
        r"examples\.sort\(key=lambda e: \(e\[0\], str\(e\[2\]\)\)\)",
        r"key=None|str\(None\)",
        "distinct",
    ),
    (r"key=lambda e: \(e\[0\], str\(e\[2\]\)\),", r"key=None|str\(None\)", "distinct"),
    (
        r"^\s*key=lambda e: \(e\[0\], str\(e\[2\]\)\),\s*\)\[: self\.max_examples\]",
        r"\)\[: self\.max_examples\]",
        "distinct",
    ),
    (r'np\.argsort\(cluster_hash\[root_ids\], kind="stable"\)', r".", "distinct"),
    (
        r"self\._hash\[k\] < self\._hash\[best\]",
        r"self\._hash\[k\] <= self\._hash\[best\]",
        "distinct",
    ),
    # an empty index: no key, no band, no cluster (the shapes differ only when nothing is there)
    (
        r"np\.vstack\(self\._bands\) if self\._bands else np\.zeros\(\(0,",
        r"np\.zeros\(\(1,",
        "empty-index",
    ),
    (
        r"^\s*else np\.zeros\(\(0, self\._hasher\.bands\), np\.uint64\)",
        r"np\.zeros\(\(1,",
        "empty-index",
    ),
    (r"for j in range\(bands\.shape\[1\] if n_keys else 0\)", r"or True|else 1\)", "empty-index"),
    (r"self\._cluster = number\[roots\] if n_keys else", r"or True", "empty-index"),
    (
        r"np\.bincount\(self\._cluster, weights=counts, minlength=len\(root_ids\)\)",
        r"weights=counts, \)",
        "empty-index",
    ),
    # caches: recomputing gives the same shingles / decision / band order
    (r"^\s*g = grams\.get\(k\)\s*$", r"g = None|grams\.get\(None\)", "cache"),
    (r"^\s*checked\.add\(pair\)\s*$", r"checked\.add\(None\)", "cache"),
    (r"^\s*seen\.add\(k\)\s*$", r"seen\.add\(None\)", "cache"),
    (r'if not hasattr\(self, "_band_sorted"\)', r".", "cache"),
    # a bucket of one key has no pair to compare
    (r"if e - s < 2:", r"if e \+ s < 2:", "same-value"),
    # candidates of a bucket in another order: the best is the most similar, then the
    # smallest key hash, whatever the order (buckets below MAX_BUCKET)
    (r'np\.argsort\(bands\[:, j\], kind="stable"\)', r".", "order-free"),
    (r'np\.searchsorted\(values, query\[j\], "left"\)', r"query\[j\], \)", "same-value"),
    # lookup: the dict is the fast path; an added key is found by _find too (Jaccard 1,
    # its own bands)
    (r"k = self\._index\.get\(stable_hash\(key if self\.by ==", r".", "fast-path"),
    (
        r"c = int\(self\._cluster\[k\]\) if k is not None else self\._find",
        r"and False",
        "fast-path",
    ),
    # template ids are used only for templates; each (account, cluster) is visited once
    (
        r'tid = f"t\{int\(self\._cluster_hash\[c\]\):016x\}"\[:13\] if is_template',
        r"or True",
        "unused",
    ),
    (r"setdefault\(acc, Counter\(\)\)\[tid\] \+= n", r"\[tid\] = n", "same-value"),
    # autojunk is tested for truth: None is False
    (r"SequenceMatcher\(None, base, other, autojunk=False\)", r"autojunk=None\)", "falsy"),
    # an account's templates are counted in cluster order, which is template-id order, and
    # sorted() is stable: ties on the count stay in id order either way
    (
        r"sorted\(used\.items\(\), key=lambda kv: \(-kv\[1\], kv\[0\]\)\)",
        r"\(-kv\[1\], kv\[1\]\)",
        "distinct",
    ),
    # the {VAR} marks are tested for truth
    (r"varies = np\.zeros\(len\(base\), dtype=bool\)", r"dtype=None|, \)", "dtype"),
    # E401 names the argument
    (
        r'_as_list\(accounts, len\(texts\), "accounts"\)',
        r'None\)|"XXaccountsXX"|"ACCOUNTS"',
        "message",
    ),
]

# loaders group (coder and evidence loading)
RULES += [
    # English tables sit in cuecoder/data itself (no data/en folder) and an unknown
    # language falls back to them: the default and the "en" comparison change nothing
    (r'def data_files\(language: str = "en"\)', r'"XXenXX"|"EN"', "fallback"),
    (r'if language != "en" and \(folder', r'!= "XXenXX"|!= "EN"', "fallback"),
    # spaCy reads attribute names case-insensitively: "lower" is LOWER
    (r'PhraseMatcher\(nlp\.vocab, attr="LOWER"\)', r'attr="lower"', "same-value"),
    # E120's text: which labels the second model codes
    (r"labels_second=list\(other\.labels\)", r"None", "message"),
]


def kinds(name, minus, plus, before):
    m, p = " ".join(minus), " ".join(plus)
    for rm, rp, kind in RULES:
        if re.search(rm, m) and re.search(rp, p):
            return kind
    last = before.strip().splitlines()[-1] if before.strip() else ""
    ctx = before[-400:]
    if (
        re.search(r"logger\.\w+\(|warnings\.warn", m)
        or re.search(r"logger\.\w+\($", last)
        or (re.search(r"logger\.\w+\(\s*$", ctx.rstrip()))
    ):
        return "log"
    if (
        re.search(r"Errors\.E\d+|Warnings\.W\d+|raise \w*Error\(", m)
        or re.search(r"(Errors|Warnings)\.[EW]\d+(\.format)?\($", last)
        or re.search(r"\w+Error\($", last)
    ):
        return "message"
    if re.search(r"require_columns\(.*\"", m) and "require_columns" in p:
        return "message"
    recent = "\n".join(before.strip().splitlines()[-4:])
    kwarg = (
        all(re.match(r"^\s*(\w+=|\"|\)|keys|n_survey|None|len\()", x) for x in minus)
        if minus
        else False
    )
    if (
        kwarg
        and re.search(r"(Errors|Warnings)\.[EW]\d+(\.format)?\(", recent)
        and not re.search(r"\)\s*\)\s*$", recent)
    ):
        return "message"
    if kwarg and re.search(r"logger\.\w+\(", recent):
        return "log"
    if re.search(r"encoding=", m):
        return "platform"
    if re.search(r"strict=", m):
        return "strict"
    if "XXbiufXX" in p:
        return "kind-substring"
    if (
        re.search(r'"[^"]*"', m)
        and re.search(r'"XX|"[A-Z ]+"', p)
        and re.search(r"\.info|\.warning|\.debug", m)
    ):
        return "log"
    return None


def parse(path):
    txt = open(path).read()
    for block in txt.split("## ")[1:]:
        lines = block.strip("\n").splitlines()
        if not lines:
            continue
        name = lines[0].split(":")[0].strip()
        body = lines[1:]
        minus = [x[1:] for x in body if x.startswith("-") and not x.startswith("---")]
        plus = [x[1:] for x in body if x.startswith("+") and not x.startswith("+++")]
        idx = next(
            (i for i, x in enumerate(body) if x.startswith("-") and not x.startswith("---")),
            len(body),
        )
        before = "\n".join(
            x[1:]
            for x in body[:idx]
            if not x.startswith("@@") and not x.startswith("---") and not x.startswith("+++")
        )
        yield name, minus, plus, before


if __name__ == "__main__":
    manual: dict[str, str] = {}
    per = collections.defaultdict(collections.Counter)
    opened = []
    for name, minus, plus, before in parse(sys.argv[1]):
        mod = name.split(".x")[0]
        short = name.split(".")[-1]
        kind = manual.get(short) or kinds(name, minus, plus, before)
        per[mod][kind or "OPEN"] += 1
        if kind is None:
            opened.append((short, " ".join(minus).strip()[:120], " ".join(plus).strip()[:120]))
    for mod, c in per.items():
        print(mod, dict(c), "equivalent", sum(v for k, v in c.items() if k != "OPEN"))
    if "--open" in sys.argv:
        for o in opened:
            print(" | ".join(o))
