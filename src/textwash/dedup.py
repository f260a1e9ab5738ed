"""Dedup: flag exact and near-duplicate documents against everything seen before.

Exact duplicates share content_sha256. Near-duplicates are found with MinHash over word
shingles and locality-sensitive hashing (LSH): the signature is cut into bands, documents that
agree on a whole band are candidates, and a candidate counts when its estimated Jaccard
similarity reaches the threshold. Only originals are indexed, so `duplicate_of` always names the
first-seen document of its group, never another duplicate.

`DedupIndex` is plain data that round-trips through a Parquet table, so a run can load the
index of the previous runs, flag its own documents, and persist the grown index with its commit.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from textwash.lines import WORD

NUM_PERM = 128
SHINGLE_WORDS = 5
DEFAULT_THRESHOLD = 0.7
_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)

INDEX_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("content_sha256", pa.string(), nullable=False),
        pa.field("minhash", pa.binary(NUM_PERM * 4), nullable=False),
    ]
)


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    # Fixed seed: signatures must stay comparable across runs and machines.
    rng = np.random.default_rng(20261122)
    a = rng.integers(1, 1 << 32, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64)
    return a, b


_PERM_A, _PERM_B = _permutations(NUM_PERM)


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Overlapping runs of `size` lower-cased words; a text shorter than that is one shingle."""
    words = [w.lower() for w in WORD.findall(text)]
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def minhash(text: str) -> np.ndarray:
    """The MinHash signature (NUM_PERM uint32 values) of the text's word shingles."""
    grams = shingles(text)
    if not grams:
        return np.full(NUM_PERM, _MAX_HASH, dtype=np.uint32)
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") for g in grams),
        dtype=np.uint64, count=len(grams),
    )
    # Universal hashing (a*x + b mod p) stands in for NUM_PERM random permutations; with x, a
    # and b below 2**32 the product fits in uint64.
    permuted = (hashes[:, None] * _PERM_A[None, :] + _PERM_B[None, :]) % _MERSENNE
    return (permuted & _MAX_HASH).min(axis=0).astype(np.uint32)


def jaccard_estimate(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def lsh_bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) whose LSH S-curve turns at or just below `threshold`, so candidates are
    generous and the Jaccard check decides."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"near-duplicate threshold must be in (0, 1], not {threshold}")
    options = [(num_perm // r, r) for r in range(1, num_perm + 1) if num_perm % r == 0]
    below = [(b, r) for b, r in options if (1 / b) ** (1 / r) <= threshold]
    return max(below, key=lambda br: (1 / br[0]) ** (1 / br[1])) if below else options[-1]


@dataclass
class DedupIndex:
    """The originals seen so far: their content hashes and MinHash signatures."""

    threshold: float = DEFAULT_THRESHOLD
    doc_ids: list[str] = field(default_factory=list)
    content_sha256: list[str] = field(default_factory=list)
    signatures: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bands, self.rows = lsh_bands(self.threshold)
        self._by_content: dict[str, str] = {}
        self._buckets: list[dict[bytes, list[int]]] = [defaultdict(list) for _ in range(self.bands)]
        for position in range(len(self.doc_ids)):
            self._register(position)

    def _band_keys(self, signature: np.ndarray) -> list[bytes]:
        return [signature[i * self.rows:(i + 1) * self.rows].tobytes() for i in range(self.bands)]

    def _register(self, position: int) -> None:
        self._by_content.setdefault(self.content_sha256[position], self.doc_ids[position])
        for band, key in enumerate(self._band_keys(self.signatures[position])):
            self._buckets[band][key].append(position)

    def add(self, doc_id: str, content_sha256: str, signature: np.ndarray) -> None:
        self.doc_ids.append(doc_id)
        self.content_sha256.append(content_sha256)
        self.signatures.append(signature)
        self._register(len(self.doc_ids) - 1)

    def find(self, content_sha256: str, signature: np.ndarray) -> str | None:
        """The doc_id of the original this content duplicates, or None."""
        exact = self._by_content.get(content_sha256)
        if exact is not None:
            return exact
        best, best_score = None, self.threshold
        candidates = {p for band, key in enumerate(self._band_keys(signature)) for p in self._buckets[band].get(key, ())}
        for position in sorted(candidates):  # sorted: the earliest original wins a tie
            score = jaccard_estimate(signature, self.signatures[position])
            if score >= best_score and (best is None or score > best_score):
                best, best_score = self.doc_ids[position], score
        return best

    def flag(self, doc_id: str, content_sha256: str, signature: np.ndarray) -> str | None:
        """The original a document duplicates; a document that duplicates none joins the index."""
        original = self.find(content_sha256, signature)
        if original is None:
            self.add(doc_id, content_sha256, signature)
        return original

    def without(self, doc_ids: set[str]) -> DedupIndex:
        """A copy without `doc_ids` (originals whose records are being replaced)."""
        keep = [i for i, d in enumerate(self.doc_ids) if d not in doc_ids]
        return DedupIndex(self.threshold, [self.doc_ids[i] for i in keep],
                          [self.content_sha256[i] for i in keep], [self.signatures[i] for i in keep])

    def to_table(self) -> pa.Table:
        return _index_table(self.doc_ids, self.content_sha256, self.signatures)

    @classmethod
    def from_table(cls, table: pa.Table, threshold: float = DEFAULT_THRESHOLD) -> DedupIndex:
        columns = table.to_pydict()
        signatures = signatures_by_doc_id(table)
        return cls(threshold, columns["doc_id"], columns["content_sha256"],
                   [signatures[doc_id] for doc_id in columns["doc_id"]])


def signature_table(documents: list[dict]) -> pa.Table:
    """The MinHash signatures of `documents`, computed where they are processed (in parallel
    batches) so that the sequential flagging step only looks them up."""
    return _index_table([d["doc_id"] for d in documents], [d["content_sha256"] for d in documents],
                        [minhash(d["text"]) for d in documents])


def _index_table(doc_ids: list[str], content_sha256: list[str], signatures: list[np.ndarray]) -> pa.Table:
    return pa.Table.from_arrays(
        [pa.array(doc_ids, pa.string()), pa.array(content_sha256, pa.string()),
         pa.array([s.astype("<u4").tobytes() for s in signatures], pa.binary(NUM_PERM * 4))],
        schema=INDEX_SCHEMA,
    )


def signatures_by_doc_id(table: pa.Table) -> dict[str, np.ndarray]:
    return {doc_id: np.frombuffer(raw, dtype="<u4").astype(np.uint32)
            for doc_id, raw in zip(table["doc_id"].to_pylist(), table["minhash"].to_pylist())}


def flag_duplicates(documents: list[dict], index: DedupIndex, signatures: dict[str, np.ndarray] | None = None) -> list[dict]:
    """Set `duplicate_of` on each document (in order) against `index` and the earlier documents
    of the list; originals join the index. Signatures missing from `signatures` are computed.
    Returns the documents; the index grows in place."""
    signatures = signatures or {}
    for document in documents:
        signature = signatures.get(document["doc_id"])
        if signature is None:
            signature = minhash(document["text"])
        document["duplicate_of"] = index.flag(document["doc_id"], document["content_sha256"], signature)
    return documents
