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
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from textwash.config import DEFAULT_THRESHOLD
from textwash.model.page import WORD

NUM_PERM = 128
SHINGLE_WORDS = 5
_MERSENNE_BITS = np.uint64(61)
_MERSENNE = np.uint64((1 << 61) - 1)
# Shingles permuted at a time: the working arrays (shingles × NUM_PERM × 8 bytes) stay in cache.
_SHINGLES_PER_STEP = 128
_MAX_HASH = np.uint64((1 << 32) - 1)
# FNV-1a's constants, to hash the rows of a band into one 64-bit key.
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
# Keys of newly added originals are merged into the sorted array this many at a time.
_PENDING_KEYS = 1 << 15
# Signatures are stored this many to a block (2 MB).
BLOCK_ROWS = 4096

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
    lowest = np.full(NUM_PERM, _MAX_HASH, dtype=np.uint64)
    for start in range(0, len(hashes), _SHINGLES_PER_STEP):
        np.minimum(lowest, _lowest_permuted(hashes[start:start + _SHINGLES_PER_STEP]), out=lowest)
    return lowest.astype(np.uint32)


def _lowest_permuted(hashes: np.ndarray) -> np.ndarray:
    """Per permutation, the least low 32 bits of (a*x + b) mod p over the shingle hashes x.

    Universal hashing stands in for NUM_PERM random permutations; with x, a and b below 2**32 the
    product fits in uint64 (the sum may wrap, as it always has: signatures stay comparable). The
    modulus is a Mersenne prime, so x mod p = (x & p) + (x >> 61), less p once if that reaches p:
    numpy's uint64 division was most of the cost.
    """
    permuted = np.multiply.outer(hashes, _PERM_A)
    permuted += _PERM_B
    reduced = permuted & _MERSENNE
    permuted >>= _MERSENNE_BITS
    reduced += permuted
    np.subtract(reduced, _MERSENNE, out=reduced, where=reduced >= _MERSENNE)
    reduced &= _MAX_HASH
    return reduced.min(axis=0)


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


class DedupIndex:
    """The originals seen so far: their doc_ids, content hashes and MinHash signatures.

    Lookups go through one sorted array of 64-bit keys, a key for each LSH band of each signature
    and one for each content hash, beside the position of the original it belongs to: about 0.4 KB
    per original besides its 0.5 KB signature, where a dict of byte strings per band took 6 KB.
    The keys of originals added since the last merge wait in a small dict.

    Signatures are stored in blocks of BLOCK_ROWS, filled in turn, and the ids of the originals a
    run loads stay in their Arrow columns: a commit over a big index holds it about once, where a
    growing array was copied whole at each doubling and the ids were a Python string apiece.
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, doc_ids: Sequence[str] | pa.Array = (),
                 content_sha256: Sequence[str] | pa.Array = (),
                 signatures: np.ndarray | Iterable[np.ndarray] | None = None):
        """`signatures`: one (originals, NUM_PERM) array, or such arrays in turn (a file's batches)."""
        self.threshold = threshold
        self.bands, self.rows = lsh_bands(threshold)
        self._loaded_ids = doc_ids if isinstance(doc_ids, pa.Array) else pa.array(doc_ids, pa.string())
        self._loaded_contents = (content_sha256 if isinstance(content_sha256, pa.Array)
                                 else pa.array(content_sha256, pa.string()))
        self._new_ids: list[str] = []
        self._new_contents: list[str] = []
        self._blocks: list[np.ndarray] = []
        self._filled = BLOCK_ROWS  # rows used in the last block
        for batch in [signatures] if isinstance(signatures, np.ndarray) else signatures or ():
            self._store(batch)
        if self._count != len(self._loaded_ids):
            raise ValueError(f"{len(self._loaded_ids)} originals but {self._count} signatures")
        contents = self._loaded_contents.to_pylist()
        keys = np.concatenate([self._keys(block, contents[i * BLOCK_ROWS:i * BLOCK_ROWS + len(block)])
                               for i, block in enumerate(self._used_blocks())]
                              or [np.empty((0, self.bands + 1), np.uint64)]).ravel()
        del contents
        order = np.argsort(keys, kind="stable")
        self._sorted_keys = keys[order]
        del keys
        order //= self.bands + 1
        self._sorted_positions = order.astype(np.int32)
        self._pending: dict[int, list[int]] = defaultdict(list)
        self._pending_count = 0

    @property
    def _count(self) -> int:
        return (len(self._blocks) - 1) * BLOCK_ROWS + self._filled if self._blocks else 0

    def _store(self, signatures: np.ndarray) -> None:
        """Copy `signatures` into the blocks, after those stored."""
        done = 0
        while done < len(signatures):
            if self._filled == BLOCK_ROWS:
                self._blocks.append(np.empty((BLOCK_ROWS, NUM_PERM), np.uint32))
                self._filled = 0
            rows = min(BLOCK_ROWS - self._filled, len(signatures) - done)
            self._blocks[-1][self._filled:self._filled + rows] = signatures[done:done + rows]
            self._filled += rows
            done += rows

    def _used_blocks(self) -> list[np.ndarray]:
        return [*self._blocks[:-1], self._blocks[-1][:self._filled]] if self._blocks else []

    def __len__(self) -> int:
        return len(self._loaded_ids) + len(self._new_ids)

    @property
    def signatures(self) -> np.ndarray:
        return np.concatenate(self._used_blocks()) if self._blocks else np.empty((0, NUM_PERM), np.uint32)

    def doc_id(self, position: int) -> str:
        loaded = len(self._loaded_ids)
        return self._loaded_ids[position].as_py() if position < loaded else self._new_ids[position - loaded]

    def _content(self, position: int) -> str:
        loaded = len(self._loaded_contents)
        return self._loaded_contents[position].as_py() if position < loaded else self._new_contents[position - loaded]

    def _signature_rows(self, positions: np.ndarray) -> np.ndarray:
        return np.array([self._blocks[p // BLOCK_ROWS][p % BLOCK_ROWS] for p in positions.tolist()], np.uint32)

    def _keys(self, signatures: np.ndarray, contents: Sequence[str]) -> np.ndarray:
        """Per original, a key for each band of its signature and, last, one for its content."""
        keys = np.empty((len(signatures), self.bands + 1), np.uint64)
        keys[:, :-1] = _FNV_OFFSET ^ np.arange(self.bands, dtype=np.uint64)  # bands apart
        for row in range(self.rows):
            keys[:, :-1] ^= signatures[:, row::self.rows]
            keys[:, :-1] *= _FNV_PRIME
        keys[:, -1] = [int.from_bytes(hashlib.blake2b(c.encode(), digest_size=8).digest(), "little")
                       for c in contents]
        return keys

    def _positions(self, keys: np.ndarray) -> np.ndarray:
        """The originals holding any of `keys`, in the order they were added."""
        left = np.searchsorted(self._sorted_keys, keys, "left")
        right = np.searchsorted(self._sorted_keys, keys, "right")
        found = [self._sorted_positions[a:b] for a, b in zip(left, right) if b > a]
        found += [np.array(self._pending[key], np.int32) for key in keys.tolist() if key in self._pending]
        return np.unique(np.concatenate(found)) if found else np.empty(0, np.int32)

    def add(self, doc_id: str, content_sha256: str, signature: np.ndarray) -> None:
        self._add(self._keys(signature[None, :], [content_sha256])[0], doc_id, content_sha256, signature)

    def _add(self, keys: np.ndarray, doc_id: str, content_sha256: str, signature: np.ndarray) -> None:
        position = len(self)
        self._store(signature[None, :])
        self._new_ids.append(doc_id)
        self._new_contents.append(content_sha256)
        for key in keys.tolist():
            self._pending[key].append(position)
        self._pending_count += len(keys)
        if self._pending_count >= _PENDING_KEYS:
            self._merge_pending()

    def _merge_pending(self) -> None:
        keys = np.array([key for key, positions in self._pending.items() for _ in positions], np.uint64)
        positions = np.array([p for ps in self._pending.values() for p in ps], np.int32)
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(self._sorted_keys, keys[order], "right")
        self._sorted_keys = np.insert(self._sorted_keys, at, keys[order])
        self._sorted_positions = np.insert(self._sorted_positions, at, positions[order])
        self._pending.clear()
        self._pending_count = 0

    def find(self, content_sha256: str, signature: np.ndarray) -> str | None:
        """The doc_id of the original this content duplicates, or None."""
        return self._find(self._keys(signature[None, :], [content_sha256])[0], content_sha256, signature)

    def _find(self, keys: np.ndarray, content_sha256: str, signature: np.ndarray) -> str | None:
        for position in self._positions(keys[-1:]).tolist():  # the first original of this content
            if self._content(position) == content_sha256:
                return self.doc_id(position)
        candidates = self._positions(keys[:-1])
        if not len(candidates):
            return None
        scores = np.count_nonzero(self._signature_rows(candidates) == signature, axis=1) / NUM_PERM
        best = int(np.argmax(scores))  # the earliest original wins a tie
        return self.doc_id(int(candidates[best])) if scores[best] >= self.threshold else None

    def flag(self, doc_id: str, content_sha256: str, signature: np.ndarray) -> str | None:
        """The original a document duplicates; a document that duplicates none joins the index."""
        keys = self._keys(signature[None, :], [content_sha256])[0]
        original = self._find(keys, content_sha256, signature)
        if original is None:
            self._add(keys, doc_id, content_sha256, signature)
        return original

    def without(self, doc_ids: set[str]) -> DedupIndex:
        """The index without `doc_ids` (originals whose records are being replaced): itself when it
        holds none of them, else a copy."""
        table = self.to_table()
        keep = pc.invert(pc.is_in(table["doc_id"], pa.array(sorted(doc_ids), pa.string())))
        if pc.all(keep).as_py() is not False:
            return self
        return DedupIndex.from_table(table.filter(keep), self.threshold)

    def to_table(self) -> pa.Table:
        """The index as a table, its columns over the index's own buffers (no copy of the signatures)."""
        signatures = [pa.Array.from_buffers(pa.binary(NUM_PERM * 4), len(block),
                                            [None, pa.py_buffer(np.ascontiguousarray(block, "<u4"))])
                      for block in self._used_blocks()]
        return pa.Table.from_arrays(
            [pa.chunked_array([self._loaded_ids, pa.array(self._new_ids, pa.string())]),
             pa.chunked_array([self._loaded_contents, pa.array(self._new_contents, pa.string())]),
             pa.chunked_array(signatures, pa.binary(NUM_PERM * 4))],
            schema=INDEX_SCHEMA)

    @classmethod
    def from_table(cls, table: pa.Table, threshold: float = DEFAULT_THRESHOLD) -> DedupIndex:
        return cls(threshold, table["doc_id"].combine_chunks(), table["content_sha256"].combine_chunks(),
                   (_signature_array(chunk) for chunk in table["minhash"].chunks))

    @classmethod
    def read(cls, path: Path, threshold: float = DEFAULT_THRESHOLD) -> DedupIndex:
        """The index saved at `path` (by `to_table`), its signatures read a batch at a time."""
        file = pq.ParquetFile(path, pre_buffer=False)
        ids = file.read(columns=["doc_id", "content_sha256"], use_threads=False)
        batches = file.iter_batches(BLOCK_ROWS, columns=["minhash"], use_threads=False)
        return cls(threshold, ids["doc_id"].combine_chunks(), ids["content_sha256"].combine_chunks(),
                   (_signature_array(batch.column(0)) for batch in batches))


def signature_table(documents: list[dict]) -> pa.Table:
    """The MinHash signatures of `documents`, computed where they are processed (in parallel
    batches) so that the sequential flagging step only looks them up."""
    return _index_table([d["doc_id"] for d in documents], [d["content_sha256"] for d in documents],
                        np.array([minhash(d["text"]) for d in documents], np.uint32).reshape(-1, NUM_PERM))


def _index_table(doc_ids: list[str], content_sha256: list[str], signatures: np.ndarray) -> pa.Table:
    raw = pa.py_buffer(np.ascontiguousarray(signatures, "<u4").tobytes())
    return pa.Table.from_arrays(
        [pa.array(doc_ids, pa.string()), pa.array(content_sha256, pa.string()),
         pa.Array.from_buffers(pa.binary(NUM_PERM * 4), len(doc_ids), [None, raw])],
        schema=INDEX_SCHEMA,
    )


def _signature_array(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A column of signatures as one (rows, NUM_PERM) array."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    data = column.buffers()[1]
    return np.frombuffer(data, "<u4", count=len(column) * NUM_PERM, offset=column.offset * NUM_PERM * 4
                         ).reshape(len(column), NUM_PERM).astype(np.uint32, copy=False)


def signatures_by_doc_id(table: pa.Table) -> dict[str, np.ndarray]:
    return dict(zip(table["doc_id"].to_pylist(), _signature_array(table["minhash"])))


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
