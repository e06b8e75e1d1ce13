"""MinHash signatures and LSH banding for near-duplicate search, vectorised with numpy.

The hash family is datasketch's (``MinHash``): ``((a * h + b) mod p) & (2**32 - 1)``
with the Mersenne prime ``p = 2**61 - 1`` and ``(a, b)`` drawn from a seeded generator,
over 32-bit shingle hashes. Computing it here, in one numpy call per text, avoids creating
one ``datasketch.MinHash`` object (and its permutations) per text; the banding
parameters come from datasketch's false-positive/false-negative trade-off.

References
----------
Broder, A. Z. (1997). On the resemblance and containment of documents. SEQUENCES.
Leskovec, Rajaraman & Ullman (2020). Mining of Massive Datasets, ch. 3 (LSH banding).
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np

MERSENNE = np.uint64((1 << 61) - 1)  # datasketch.minhash._mersenne_prime
MAX_HASH = np.uint64((1 << 32) - 1)  # datasketch.minhash._max_hash
SHINGLE = 5  # characters, for :func:`shingles`


def stable_hash(text: str) -> int:
    """64-bit hash of ``text``, the same in every process (unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """Character ``k``-grams of ``text`` (the whole text when it is shorter)."""
    if len(text) <= k:
        return {text}
    return {text[i : i + k] for i in range(len(text) - k + 1)}


def jaccard(a: set, b: set) -> float:
    """|a & b| / |a | b| (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


#: Weight of missed pairs against candidate pairs when choosing the banding: candidates
#: are verified with the exact Jaccard, so a false positive costs only time. At 0.8 and 64
#: permutations this gives 9 bands of 7 rows: a pair at Jaccard 0.8 is a candidate with
#: probability 0.88, at 0.9 with 0.997 (equal weights give 5 x 11 and 0.36 at 0.8).
FALSE_NEGATIVE_WEIGHT = 0.9


def lsh_params(
    threshold: float, num_perm: int, fn_weight: float = FALSE_NEGATIVE_WEIGHT
) -> tuple[int, int]:
    """Bands ``b`` and rows ``r`` (``b * r <= num_perm``) for a Jaccard ``threshold``.

    Minimises the weighted false-positive and false-negative areas under the banding
    S-curve ``1 - (1 - s**r)**b``, as ``datasketch.MinHashLSH`` does (same result as its
    ``_optimal_param`` for the same weights).

    Examples
    --------
    >>> lsh_params(0.8, 64)
    (9, 7)
    """
    s = np.linspace(0.0, 1.0, 1001)
    best, best_err = (1, num_perm), np.inf
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1.0 - (1.0 - s**r) ** b
            fp = np.trapezoid(np.where(s < threshold, p, 0.0), s)
            fn = np.trapezoid(np.where(s >= threshold, 1.0 - p, 0.0), s)
            err = (1.0 - fn_weight) * fp + fn_weight * fn
            if err < best_err:
                best, best_err = (b, r), err
    return best


class MinHasher:
    """Signatures of shingle sets and their LSH band hashes.

    Parameters
    ----------
    num_perm : int
        Number of hash permutations (signature length).
    threshold : float
        Jaccard similarity the banding is tuned for.
    seed : int
        Seed of the permutations.
    """

    def __init__(self, num_perm: int = 64, threshold: float = 0.8, seed: int = 1) -> None:
        self.num_perm = num_perm
        self.threshold = threshold
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, int(MERSENNE), size=num_perm, dtype=np.uint64)
        self.b = rng.integers(0, int(MERSENNE), size=num_perm, dtype=np.uint64)
        self.bands, self.rows = lsh_params(threshold, num_perm)

    def signature(self, grams: set[str]) -> np.ndarray:
        """MinHash signature (uint64, values below 2**32) of a set of shingles."""
        h = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), np.uint64, len(grams))
        with np.errstate(over="ignore"):  # datasketch relies on the same uint64 wrap-around
            phv = ((h[:, None] * self.a + self.b) % MERSENNE) & MAX_HASH
        return phv.min(axis=0)

    def band_hashes(self, signature: np.ndarray, salt: int = 0) -> np.ndarray:
        """One 64-bit hash per band of ``signature`` (``salt`` keeps partitions apart)."""
        out = np.empty(self.bands, dtype=np.uint64)
        for i in range(self.bands):
            chunk = signature[i * self.rows : (i + 1) * self.rows].tobytes()
            digest = hashlib.blake2b(chunk, digest_size=8, salt=salt.to_bytes(8, "big"))
            out[i] = int.from_bytes(digest.digest(), "big")
        return out
