"""Templates across a corpus: the same reply, up to its slots, sent to many people.

Reply software fills names, handles, order numbers and links into canned text, so one
reply can look personal and still be a template; the corpus shows it. :class:`TemplateIndex`
reads replies in chunks, clusters near-duplicates of their slot-masked text and describes
each cluster as a template with its slots marked; :func:`combine_automated` turns a reply's
template size and recipients, with the per-reply ``automated`` probability, into one
calibrated probability (parameters fit by
:func:`cuecoder.train.corpus_evidence.fit_corpus_evidence`).

Notes
-----
Method, in four steps:

1. **Key.** Each reply's slots are masked (:func:`cuecoder.templates.normalize.normalize`);
   the 64-bit hash of that key (with the account when ``by="account"``) is looked up in a
   dict. A repeat costs one hash and a few counter updates (exact-duplicate fast path);
   only a new key gets shingled and MinHashed.
2. **Candidates.** A new key's shingles (word unigrams and bigrams, a slot marker
   counting as one word) give a MinHash signature
   (:mod:`cuecoder.templates.minhash`); its LSH band hashes (9 bands x 7 rows for Jaccard 0.8
   and 64 permutations) are kept, the signature is not.
3. **Clusters** (at :meth:`TemplateIndex.finalize`). Keys sharing a band hash are
   candidates; each is compared with the bucket's anchor (the key with the smallest hash)
   by the exact Jaccard of its shingles, and pairs at or above ``threshold`` are joined
   (union-find). Clusters are the connected components; their id comes from their smallest
   key hash, so clusters, ids and counts do not depend on input order or chunking.
4. **Templates.** A cluster's template is its most frequent key's text with slot markers,
   aligned (difflib) with up to ``MAX_VARIANTS`` other keys: words that differ between
   members become ``{VAR}``.

Memory bound. Per distinct key (not per reply): the key text, one example reply and its
id, an 8-byte hash in a dict, ``bands`` 8-byte band hashes, and counters; in CPython about
``0.5 KB + len(key) + len(example)`` bytes, so roughly 0.8 KB for a tweet-length reply.
Keys seen more than once add capped state: at most ``2 * recipient_cap`` recipient
hashes (trimmed to the ``recipient_cap`` smallest when full; about 30 KB at the default
cap), then distinct recipients are estimated from the smallest hashes (k-minimum values:
exact up to the cap, about 1/sqrt(cap) = 6 % relative error beyond); at most
``max_examples`` example replies; one counter per account. Nothing is kept per reply, so
memory grows with the number of distinct slot-masked texts D, not with the number of
replies: at most about ``0.8 KB x D + 30 KB x (keys seen twice or more)``. Measured: a
million replies drawn from 4,318 templates took 126 MB (``benchmarks/bench_templates.py``).

References
----------
Broder, A. Z. (1997). On the resemblance and containment of documents.
Bar-Yossef, Jayram, Kumar, Sivakumar & Trevisan (2002). Counting distinct elements in a
data stream (k-minimum values).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .._unicode import repair_surrogates
from ..errors import CuecoderError, Errors
from .minhash import MinHasher, jaccard, stable_hash
from .normalize import HANDLE, normalize, template_text

logger = logging.getLogger(__name__)

#: Index defaults, the settings the shipped corpus evidence was fit with: Jaccard of
#: near-duplicate slot-masked texts, MinHash permutations, replies a template needs.
THRESHOLD = 0.8
NUM_PERM = 64
MIN_SIZE = 2
INDEX_SETTINGS = {"threshold": THRESHOLD, "num_perm": NUM_PERM, "min_size": MIN_SIZE, "by": "all"}
MAX_VARIANTS = 50  # distinct keys aligned per template when marking {VAR} words
MAX_BUCKET = 5000  # candidates compared per LSH bucket (a bucket this big is one template)
HASH_SPACE = float(2**64)
SLOT_MARKER = re.compile(r"\{[A-Z]+\}")
# Shingles are word unigrams and bigrams of the key, a slot marker counting as one word:
# one substituted word in a 14-word reply keeps Jaccard 0.84 (character 5-grams: 0.72),
# while bigrams keep word order in play.
_WORD = re.compile(r"\{[a-z]+\}|\w+(?:'\w+)?|[^\w\s]")
_TOKEN = re.compile(r"\{[A-Z]+\}|\w+(?:'\w+)?|[^\w\s]|\s+")

By = Literal["all", "account"]


def _key_shingles(key: str) -> set[str]:
    """Word unigrams and bigrams of a (lower-cased, slot-masked) key."""
    words = _WORD.findall(key)
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


def _as_list(values, n: int, name: str) -> list:
    if values is None:
        return [None] * n
    values = list(values)
    if len(values) != n:
        raise CuecoderError(Errors.E401.format(name=name, n=len(values), n_texts=n))
    return values


def _extreme(pick, *values):
    """``pick`` (min or max) of the values that are not None; None when all are."""
    known = [v for v in values if v is not None]
    return pick(known) if known else None


def _clean(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    value = repair_surrogates(str(value))[0]  # hashable as UTF-8
    return value if value.strip() else None


class _Recipients:
    """Distinct recipient hashes: exact up to ``cap``, a bottom-``cap`` sketch beyond."""

    __slots__ = ("hashes", "trimmed")

    def __init__(self, hashes: Iterable[int] = ()) -> None:
        self.hashes = set(hashes)
        self.trimmed = False

    def add(self, h: int, cap: int) -> None:
        self.hashes.add(h)
        if len(self.hashes) > 2 * cap:
            self.trim(cap)

    def trim(self, cap: int) -> None:
        if len(self.hashes) > cap:
            self.hashes = set(sorted(self.hashes)[:cap])
            self.trimmed = True

    def update(self, other: _Recipients, cap: int) -> None:
        self.hashes |= other.hashes
        self.trimmed |= other.trimmed
        if len(self.hashes) > 2 * cap:
            self.trim(cap)

    def count(self, cap: int) -> int:
        if not self.trimmed and len(self.hashes) <= cap:
            return len(self.hashes)
        self.trim(cap)
        kth = max(self.hashes) / HASH_SPACE  # k-minimum-values estimate
        return int(round((len(self.hashes) - 1) / kth))


class TemplateIndex:
    """Near-duplicate clusters of slot-masked replies, built from a stream of chunks.

    Parameters
    ----------
    threshold : float
        Jaccard similarity (word unigrams and bigrams of the slot-masked text) at or
        above which two distinct texts are joined.
    num_perm : int
        MinHash permutations for the LSH candidate search.
    min_size : int
        Replies a cluster needs to count as a template (``template_id`` is None below).
    by : {"all", "account"}
        Cluster across accounts, or within each account only.
    max_examples : int
        Example replies kept per template.
    recipient_cap : int
        Recipient hashes kept per key before distinct recipients are estimated.
    seed : int
        Seed of the MinHash permutations.

    Examples
    --------
    >>> index = TemplateIndex(min_size=2)
    >>> index.add(["@1 Hi Sam, order 12 is late, sorry!", "@2 Hi Ana, order 98 is late, sorry!",
    ...            "Loved the photo, what a view"]).finalize().lookup(
    ...     ["@3 Hi Bo, order 5 is late, sorry!"])["template_size"].tolist()
    [2]
    """

    def __init__(
        self,
        threshold: float = THRESHOLD,
        num_perm: int = NUM_PERM,
        min_size: int = MIN_SIZE,
        by: By = "all",
        max_examples: int = 5,
        recipient_cap: int = 256,
        seed: int = 1,
    ) -> None:
        if by not in ("all", "account"):
            raise CuecoderError(Errors.E104.format(value=by, name="by", valid=["all", "account"]))
        if not 0.0 < threshold <= 1.0:
            raise CuecoderError(Errors.E402.format(name="threshold", value=threshold))
        self.threshold = threshold
        self.num_perm = num_perm
        self.min_size = min_size
        self.by = by
        self.max_examples = max_examples
        self.recipient_cap = recipient_cap
        self.seed = seed
        self._hasher = MinHasher(num_perm, threshold, seed)
        self._index: dict[int, int] = {}  # key hash -> key number
        self._hash: list[int] = []
        self._key: list[str] = []
        self._cased: list[str] = []
        self._count: list[int] = []
        self._first: list = []
        self._last: list = []
        self._example: list[tuple[int, str, object]] = []  # (hash, text, id) of one member
        self._account: list[int] = []  # account number of the first reply
        self._recipient: list[int] = []  # recipient hash of the first reply
        self._bands: list[np.ndarray] = []
        # capped state, only for keys seen more than once
        self._accounts_multi: dict[int, Counter] = {}
        self._recipients_multi: dict[int, _Recipients] = {}
        self._examples_multi: dict[int, list[tuple[int, str, object]]] = {}
        self._account_names: dict[str, int] = {}
        self._account_list: list[str] = []
        self._n = 0
        self._n_empty = 0
        self._timed = False
        self._final = False

    # -- building ----------------------------------------------------------------------

    def add(
        self,
        texts: Sequence | pd.Series,
        accounts: Sequence | pd.Series | None = None,
        recipients: Sequence | pd.Series | None = None,
        ids: Sequence | pd.Series | None = None,
        times: Sequence | pd.Series | None = None,
    ) -> TemplateIndex:
        """Add a chunk of replies; None or empty entries are skipped.

        Parameters
        ----------
        texts : sequence of str
            The replies.
        accounts : sequence, optional
            Sending account of each reply (None: one anonymous account).
        recipients : sequence, optional
            Recipient of each reply. Missing entries fall back to the first @handle of
            the reply, then to "a recipient seen once" (each such reply counts as its own
            recipient).
        ids : sequence, optional
            Ids shown with the example members (default: position in the stream).
        times : sequence, optional
            Send times (anything :func:`pandas.to_datetime` reads) for ``first_seen`` and
            ``last_seen``; without them these are stream positions.

        Returns
        -------
        TemplateIndex
            ``self``.
        """
        if self._final:
            raise CuecoderError(Errors.E403)
        texts = list(texts)
        n = len(texts)
        accounts = _as_list(accounts, n, "accounts")
        recipients = _as_list(recipients, n, "recipients")
        ids = _as_list(ids, n, "ids")
        if times is not None:
            stamps = pd.to_datetime(
                pd.Series(_as_list(times, n, "times")), utc=True, errors="coerce", format="mixed"
            )
            when = [None if pd.isna(t) else int(t.value) for t in stamps]
            self._timed = True
        else:
            when = [None] * n
        cap = self.recipient_cap
        for i, text in enumerate(texts):
            pos = self._n
            self._n += 1
            text = _clean(text)
            if text is None:
                self._n_empty += 1
                continue
            account = _clean(accounts[i]) or ""
            acc = self._account_names.get(account)
            if acc is None:
                acc = self._account_names[account] = len(self._account_list)
                self._account_list.append(account)
            cased = template_text(text)
            key = normalize(text)
            khash = stable_hash(key if self.by == "all" else f"{account}\x1f{key}")
            rec = _clean(recipients[i])
            if rec is None:
                handle = HANDLE.search(text)
                rec = handle.group(0) if handle else f"\x00{pos}"
            rhash = stable_hash(rec)
            t = when[i] if times is not None else pos  # a missing send time stays None
            item_id = ids[i] if ids[i] is not None else pos
            ehash = stable_hash(text)
            k = self._index.get(khash)
            if k is None:
                k = self._index[khash] = len(self._hash)
                self._hash.append(khash)
                self._key.append(key)
                self._cased.append(cased)
                self._count.append(1)
                self._first.append(t)
                self._last.append(t)
                self._example.append((ehash, text, item_id))
                self._account.append(acc)
                self._recipient.append(rhash)
                salt = 0 if self.by == "all" else stable_hash(account)
                sig = self._hasher.signature(_key_shingles(key))
                self._bands.append(self._hasher.band_hashes(sig, salt))
                continue
            self._count[k] += 1
            self._first[k] = _extreme(min, self._first[k], t)
            self._last[k] = _extreme(max, self._last[k], t)
            if cased < self._cased[k]:  # order-independent choice of the cased form
                self._cased[k] = cased
            counts = self._accounts_multi.get(k)
            if counts is None:
                counts = self._accounts_multi[k] = Counter({self._account[k]: 1})
            counts[acc] += 1
            recs = self._recipients_multi.get(k)
            if recs is None:
                recs = self._recipients_multi[k] = _Recipients([self._recipient[k]])
            recs.add(rhash, cap)
            examples = self._examples_multi.get(k)
            if examples is None:
                examples = self._examples_multi[k] = [self._example[k]]
            if len(examples) < self.max_examples or ehash < examples[-1][0]:
                if all(e[0] != ehash for e in examples):
                    examples.append((ehash, text, item_id))
                    examples.sort(key=lambda e: (e[0], str(e[2])))
                    del examples[self.max_examples :]
        return self

    def finalize(self) -> TemplateIndex:
        """Join near-duplicate keys into clusters and describe each cluster.

        Returns
        -------
        TemplateIndex
            ``self``; :meth:`lookup`, :meth:`templates` and :meth:`account_rates` need it.
        """
        n_keys = len(self._hash)
        hashes = np.array(self._hash, dtype=np.uint64)
        bands = (
            np.vstack(self._bands) if self._bands else np.zeros((0, self._hasher.bands), np.uint64)
        )
        parent = np.arange(n_keys)

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        grams: dict[int, set[str]] = {}

        def gram(k: int) -> set[str]:
            g = grams.get(k)
            if g is None:
                g = grams[k] = _key_shingles(self._key[k])
            return g

        checked: set[tuple[int, int]] = set()
        for j in range(bands.shape[1] if n_keys else 0):
            order = np.lexsort((hashes, bands[:, j]))
            col = bands[order, j]
            starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
            ends = np.r_[starts[1:], len(col)]
            for s, e in zip(starts, ends, strict=True):
                if e - s < 2:
                    continue
                anchor = int(order[s])
                for k in order[s + 1 : min(e, s + MAX_BUCKET)]:
                    k = int(k)
                    pair = (anchor, k)
                    if pair in checked:
                        continue
                    checked.add(pair)
                    if find(anchor) == find(k):
                        continue
                    if jaccard(gram(anchor), gram(k)) >= self.threshold:
                        ra, rk = find(anchor), find(k)
                        parent[max(ra, rk)] = min(ra, rk)
        grams.clear()
        checked.clear()
        roots = np.array([find(k) for k in range(n_keys)], dtype=np.int64)
        # cluster number per key, ordered by the cluster's smallest key hash
        cluster_hash = np.full(n_keys, np.iinfo(np.uint64).max, dtype=np.uint64)
        np.minimum.at(cluster_hash, roots, hashes)
        root_ids = np.unique(roots)
        order = np.argsort(cluster_hash[root_ids], kind="stable")
        number = np.empty(n_keys, dtype=np.int64)
        number[root_ids[order]] = np.arange(len(root_ids))
        self._cluster = number[roots] if n_keys else np.zeros(0, np.int64)
        self._cluster_hash = cluster_hash[root_ids[order]]
        counts = np.array(self._count, dtype=np.int64)
        self._size = np.bincount(self._cluster, weights=counts, minlength=len(root_ids)).astype(
            np.int64
        )
        self._describe()
        self._final = True
        return self

    def _members(self) -> list[list[int]]:
        members: list[list[int]] = [[] for _ in range(len(self._size))]
        for k, c in enumerate(self._cluster):
            members[c].append(k)
        return members

    def _describe(self) -> None:
        """Per-cluster recipients, accounts, times, examples and template text."""
        cap = self.recipient_cap
        n_clusters = len(self._size)
        self._recipients = np.ones(n_clusters, dtype=np.int64)
        self._rows: list[dict] = []
        self._account_counts = Counter()
        self._account_templated = Counter()
        self._account_templates: dict[int, Counter] = {}
        for c, keys in enumerate(self._members()):
            accounts: Counter = Counter()
            for k in keys:
                accounts.update(self._accounts_multi.get(k) or {self._account[k]: 1})
            size = int(self._size[c])
            is_template = size >= self.min_size
            tid = f"t{int(self._cluster_hash[c]):016x}"[:13] if is_template else None
            for acc, n in accounts.items():
                self._account_counts[acc] += n
                if is_template:
                    self._account_templated[acc] += n
                    self._account_templates.setdefault(acc, Counter())[tid] += n
            if size == 1 and not is_template:  # one reply: one recipient, no row
                continue
            recs = _Recipients()
            for k in keys:
                recs.update(self._recipients_multi.get(k) or _Recipients([self._recipient[k]]), cap)
            self._recipients[c] = recs.count(cap)
            if not is_template:
                continue
            examples = sorted(
                {e for k in keys for e in self._examples_multi.get(k, [self._example[k]])},
                key=lambda e: (e[0], str(e[2])),
            )[: self.max_examples]
            top = sorted(accounts.items(), key=lambda kv: (-kv[1], self._account_list[kv[0]]))
            self._rows.append(
                {
                    "template_id": tid,
                    "account": self._account_list[top[0][0]] or None,
                    "template": self._induce(keys),
                    "size": size,
                    "recipients": int(self._recipients[c]),
                    "accounts": len(accounts),
                    "first_seen": _extreme(min, *(self._first[k] for k in keys)),
                    "last_seen": _extreme(max, *(self._last[k] for k in keys)),
                    "variants": len(keys),
                    "examples": [e[1] for e in examples],
                    "example_ids": [e[2] for e in examples],
                }
            )

    def _induce(self, keys: list[int]) -> str:
        """The template of a cluster: its most frequent key with varying words as {VAR}."""
        ranked = sorted(keys, key=lambda k: (-self._count[k], self._hash[k]))
        base = _TOKEN.findall(self._cased[ranked[0]])
        varies = np.zeros(len(base), dtype=bool)
        for k in ranked[1:MAX_VARIANTS]:
            other = _TOKEN.findall(self._cased[k])
            matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
            for op, i1, i2, _, _ in matcher.get_opcodes():
                if op in ("replace", "delete"):
                    varies[i1:i2] = True
        out: list[str] = []
        for tok, var in zip(base, varies, strict=True):
            if var and not tok.isspace() and not SLOT_MARKER.fullmatch(tok):
                if out and out[-1] == "{VAR}":
                    continue
                if len(out) >= 2 and out[-1].isspace() and out[-2] == "{VAR}":
                    out.pop()
                    continue
                out.append("{VAR}")
            else:
                out.append(tok)
        return "".join(out)

    # -- reading -----------------------------------------------------------------------

    def _check_final(self) -> None:
        if not self._final:
            raise CuecoderError(Errors.E404)

    def _find(self, key: str, account: str) -> int | None:
        """Cluster of a key not added to the index: best verified LSH candidate, if any."""
        if not hasattr(self, "_band_sorted"):
            bands = (
                np.vstack(self._bands)
                if self._bands
                else np.zeros((0, self._hasher.bands), np.uint64)
            )
            self._band_sorted = [
                (np.sort(bands[:, j]), np.argsort(bands[:, j], kind="stable"))
                for j in range(bands.shape[1])
            ]
        g = _key_shingles(key)
        salt = 0 if self.by == "all" else stable_hash(account)
        query = self._hasher.band_hashes(self._hasher.signature(g), salt)
        best, best_sim = None, self.threshold
        seen: set[int] = set()
        for j, (values, order) in enumerate(self._band_sorted):
            lo, hi = (
                np.searchsorted(values, query[j], "left"),
                np.searchsorted(values, query[j], "right"),
            )
            for k in order[lo : min(hi, lo + MAX_BUCKET)]:
                k = int(k)
                if k in seen:
                    continue
                seen.add(k)
                sim = jaccard(g, _key_shingles(self._key[k]))
                if sim > best_sim or (
                    sim == best_sim and best is not None and self._hash[k] < self._hash[best]
                ):
                    best, best_sim = k, sim
                elif sim == best_sim and best is None:
                    best = k
        return None if best is None else int(self._cluster[best])

    def lookup(
        self, texts: Sequence | pd.Series, accounts: Sequence | pd.Series | None = None
    ) -> pd.DataFrame:
        """Template evidence for each reply, one row per input in order.

        Returns
        -------
        pandas.DataFrame
            ``template_id`` (None when the reply's cluster has fewer than ``min_size``
            replies), ``template_size`` (replies in its cluster, 1 when unique; 0 for an
            empty entry) and ``template_recipients`` (distinct recipients of the cluster).
            A reply that was not added is matched to the most similar key in the index.
        """
        self._check_final()
        texts = list(texts)
        accounts = _as_list(accounts, len(texts), "accounts")
        tid, size, recs = [], np.zeros(len(texts), np.int64), np.zeros(len(texts), np.int64)
        for i, text in enumerate(texts):
            text = _clean(text)
            if text is None:
                tid.append(None)
                continue
            account = _clean(accounts[i]) or ""
            key = normalize(text)
            k = self._index.get(stable_hash(key if self.by == "all" else f"{account}\x1f{key}"))
            c = int(self._cluster[k]) if k is not None else self._find(key, account)
            if c is None:
                tid.append(None)
                size[i], recs[i] = 1, 1
                continue
            size[i], recs[i] = self._size[c], self._recipients[c]
            tid.append(
                f"t{int(self._cluster_hash[c]):016x}"[:13] if size[i] >= self.min_size else None
            )
        return pd.DataFrame(
            {
                "template_id": pd.Series(tid, dtype=object),
                "template_size": size,
                "template_recipients": recs,
            }
        )

    def templates(self) -> pd.DataFrame:
        """One row per template (cluster of at least ``min_size`` replies), largest first.

        Columns: template_id, account (the one that sent it most), template (slots as
        ``{SLOT}``, words that vary between members as ``{VAR}``), size, recipients,
        accounts (how many sent it), first_seen, last_seen, variants (distinct slot-masked
        texts), examples and example_ids (up to ``max_examples`` members).
        """
        self._check_final()
        cols = [
            "template_id",
            "account",
            "template",
            "size",
            "recipients",
            "accounts",
            "first_seen",
            "last_seen",
            "variants",
            "examples",
            "example_ids",
        ]
        table = pd.DataFrame(self._rows, columns=cols)
        if self._timed and len(table):
            for col in ("first_seen", "last_seen"):
                table[col] = pd.to_datetime(table[col], utc=True)
        return table.sort_values(
            ["size", "template_id"], ascending=[False, True], ignore_index=True
        )

    def account_rates(self) -> pd.DataFrame:
        """Per account: replies, replies in a template, template rate, distinct templates.

        Columns: account, replies, templated, template_rate, templates, top_template_id.
        """
        self._check_final()
        rows = []
        for acc, n in self._account_counts.items():
            used = self._account_templates.get(acc, Counter())
            top = sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))
            rows.append(
                {
                    "account": self._account_list[acc] or None,
                    "replies": n,
                    "templated": self._account_templated.get(acc, 0),
                    "template_rate": self._account_templated.get(acc, 0) / n,
                    "templates": len(used),
                    "top_template_id": top[0][0] if top else None,
                }
            )
        cols = ["account", "replies", "templated", "template_rate", "templates", "top_template_id"]
        return pd.DataFrame(rows, columns=cols).sort_values(
            ["replies", "account"], ascending=[False, True], ignore_index=True
        )

    @property
    def n_replies(self) -> int:
        """Replies added (empty ones excluded)."""
        return self._n - self._n_empty

    @property
    def n_keys(self) -> int:
        """Distinct slot-masked texts (the unit of memory)."""
        return len(self._hash)
