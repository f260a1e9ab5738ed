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

import bisect
import hashlib
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
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
# Candidates past this many are deduplicated with marks over all originals rather than a sort.
_FEW_POSITIONS = 1024
# Keys of newly added originals are merged into the sorted array this many at a time.
_PENDING_KEYS = 1 << 15
# Signatures are stored this many to a block (2 MB), and ids and content hashes sealed into Arrow arrays.
BLOCK_ROWS = 4096
# Signatures read back from the spill file that stay in memory (8 MB, once the first block spills).
CACHED_ROWS = 16_384

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


class _Strings:
    """A growing column of strings held as Arrow arrays (about the strings' bytes) rather than as
    one Python object each: the loaded ones as they were read, the added ones sealed every
    BLOCK_ROWS.

    >>> column = _Strings(pa.array(["a", "b"]), seal_every=2)
    >>> for value in "cde":
    ...     column.append(value)
    >>> len(column), column[1], column[3], column[4], column.array().to_pylist()
    (5, 'b', 'd', 'e', ['a', 'b', 'c', 'd', 'e'])
    """

    def __init__(self, loaded: pa.Array, seal_every: int) -> None:
        self._chunks = [loaded] if len(loaded) else []
        self._starts = [0] if len(loaded) else []  # where each chunk starts
        self._sealed = len(loaded)
        self._open: list[str] = []
        self._seal_every = seal_every

    def __len__(self) -> int:
        return self._sealed + len(self._open)

    def __getitem__(self, position: int) -> str:
        if position >= self._sealed:
            return self._open[position - self._sealed]
        chunk = bisect.bisect_right(self._starts, position) - 1
        return self._chunks[chunk][position - self._starts[chunk]].as_py()

    def append(self, value: str) -> None:
        self._open.append(value)
        if len(self._open) >= self._seal_every:
            self._chunks.append(pa.array(self._open, pa.string()))
            self._starts.append(self._sealed)
            self._sealed += len(self._open)
            self._open = []

    def array(self) -> pa.ChunkedArray:
        return pa.chunked_array([*self._chunks, pa.array(self._open, pa.string())], pa.string())


class _Signatures:
    """The originals' signatures in blocks of BLOCK_ROWS: the block being filled in memory, the
    full ones in a temporary file (in `spill_dir`, else the system's), read back a row at a time
    for a candidate's check (through a cache, `rows`) and a block at a time to save the index.
    Memory stays at one block and the cache however many originals there are: on a big dataset
    of distinct pages the signatures were most of the index.

    >>> signatures = np.arange(5000 * NUM_PERM, dtype=np.uint32).reshape(5000, NUM_PERM)
    >>> stored = _Signatures()
    >>> stored.extend(signatures[:10]); stored.extend(signatures[10:])
    >>> len(stored), stored._spilled, stored._filled  # one block in the file, the rest open
    (5000, 1, 904)
    >>> np.array_equal(stored.rows(np.array([4999, 7, 4096, 4095])), signatures[[4999, 7, 4096, 4095]])
    True
    >>> np.array_equal(np.concatenate(list(stored.blocks())), signatures)
    True
    """

    def __init__(self, spill_dir: Path | None = None) -> None:
        self._block_rows = BLOCK_ROWS
        self._open = np.empty((self._block_rows, NUM_PERM), np.uint32)
        self._filled = 0  # rows used in the open block
        self._spilled = 0  # full blocks in the file
        self._spill_dir = spill_dir
        self._file = None
        self._cached = self._cached_at = None  # the rows read back, and their positions (-1: none)

    def __len__(self) -> int:
        return self._spilled * self._block_rows + self._filled

    def extend(self, signatures: np.ndarray) -> None:
        """Append `signatures` (rows × NUM_PERM) after those stored."""
        done = 0
        while done < len(signatures):
            rows = min(self._block_rows - self._filled, len(signatures) - done)
            self._open[self._filled:self._filled + rows] = signatures[done:done + rows]
            self._filled += rows
            done += rows
            if self._filled == self._block_rows:
                if self._file is None:
                    self._file = tempfile.TemporaryFile(dir=self._spill_dir, buffering=0)
                    self._cached = np.empty((CACHED_ROWS, NUM_PERM), np.uint32)
                    self._cached_at = np.full(CACHED_ROWS, -1, np.int64)
                self._file.seek(self._spilled * self._open.nbytes)
                self._file.write(self._open.data)
                self._spilled += 1
                self._filled = 0

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """The signatures at `positions`, one row each. A row read from the file stays in memory
        in its slot of a direct-mapped cache of CACHED_ROWS (position modulo CACHED_ROWS): the
        originals of a cluster of near-duplicates are the candidates of every next member."""
        positions = np.asarray(positions, np.int64)
        found = np.empty((len(positions), NUM_PERM), np.uint32)
        spilled_rows = self._spilled * self._block_rows
        in_open = positions >= spilled_rows
        found[in_open] = self._open[positions[in_open] - spilled_rows]
        spilled = np.flatnonzero(~in_open)
        if not len(spilled):
            return found
        slots = positions[spilled] % CACHED_ROWS
        cached = self._cached_at[slots] == positions[spilled]
        found[spilled[cached]] = self._cached[slots[cached]]
        # Misses are read after the hits are copied: two of them may share a slot.
        for i, slot in zip(spilled[~cached].tolist(), slots[~cached].tolist()):
            self._file.seek(int(positions[i]) * NUM_PERM * 4)
            self._file.readinto(found[i].data)
            self._cached[slot], self._cached_at[slot] = found[i], positions[i]
        return found

    def blocks(self) -> Iterator[np.ndarray]:
        """Every stored signature, a block at a time, in order."""
        for block in range(self._spilled):
            rows = np.empty_like(self._open)
            self._file.seek(block * rows.nbytes)
            self._file.readinto(rows.data)
            yield rows
        if self._filled:
            yield self._open[:self._filled].copy()


class DedupIndex:
    """The originals seen so far: their doc_ids, content hashes and MinHash signatures.

    Lookups go through one sorted array of 64-bit keys, a key for each LSH band of each signature
    and one for each content hash, beside the position of the original it belongs to: 0.4 KB per
    original at the default threshold (32 bands), where a dict of byte strings per band took 6 KB.
    The keys of originals added since the last merge wait in a small dict. The ids and content
    hashes stay in Arrow arrays (`_Strings`, 0.1 KB) and the 0.5 KB signatures in a temporary file
    (`_Signatures`), so a commit over a big index holds about 0.5 KB per original, not 1 KB.
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, doc_ids: Sequence[str] | pa.Array = (),
                 content_sha256: Sequence[str] | pa.Array = (),
                 signatures: np.ndarray | Iterable[np.ndarray] | None = None, spill_dir: Path | None = None):
        """`signatures`: one (originals, NUM_PERM) array, or such arrays in turn (a file's batches);
        `spill_dir`: where the signatures' temporary file goes (None: the system's temporary folder)."""
        self.threshold = threshold
        self.bands, self.rows = lsh_bands(threshold)
        self._spill_dir = spill_dir
        doc_ids = doc_ids if isinstance(doc_ids, pa.Array) else pa.array(doc_ids, pa.string())
        content_sha256 = content_sha256 if isinstance(content_sha256, pa.Array) else pa.array(content_sha256, pa.string())
        self._doc_ids = _Strings(doc_ids, BLOCK_ROWS)
        self._contents = _Strings(content_sha256, BLOCK_ROWS)
        self._signatures = _Signatures(spill_dir)
        keys = []
        for batch in [signatures] if isinstance(signatures, np.ndarray) else signatures or ():
            keys.append(self._keys(batch, content_sha256.slice(len(self._signatures), len(batch)).to_pylist()))
            self._signatures.extend(batch)
        if len(self._signatures) != len(doc_ids):
            raise ValueError(f"{len(doc_ids)} originals but {len(self._signatures)} signatures")
        keys = np.concatenate(keys or [np.empty((0, self.bands + 1), np.uint64)]).ravel()
        order = np.argsort(keys, kind="stable")
        self._sorted_keys = keys[order]
        del keys
        order //= self.bands + 1
        self._sorted_positions = order.astype(np.int32)
        self._pending: dict[int, list[int]] = defaultdict(list)
        self._pending_count = 0

    def __len__(self) -> int:
        return len(self._doc_ids)

    @property
    def signatures(self) -> np.ndarray:
        return np.concatenate([*self._signatures.blocks(), np.empty((0, NUM_PERM), np.uint32)])

    def doc_id(self, position: int) -> str:
        return self._doc_ids[position]

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
        if not found:
            return np.empty(0, np.int32)
        found = np.concatenate(found)
        if len(found) < _FEW_POSITIONS:
            return np.unique(found)
        # Many (a big cluster of near-duplicates): marks over all originals beat sorting them.
        marks = np.zeros(len(self), bool)
        marks[found] = True
        return np.flatnonzero(marks).astype(np.int32)

    def add(self, doc_id: str, content_sha256: str, signature: np.ndarray) -> None:
        self._add(self._keys(signature[None, :], [content_sha256])[0], doc_id, content_sha256, signature)

    def _add(self, keys: np.ndarray, doc_id: str, content_sha256: str, signature: np.ndarray) -> None:
        position = len(self)
        self._signatures.extend(signature[None, :])
        self._doc_ids.append(doc_id)
        self._contents.append(content_sha256)
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
            if self._contents[position] == content_sha256:
                return self.doc_id(position)
        candidates = self._positions(keys[:-1])
        if not len(candidates):
            return None
        scores = np.count_nonzero(self._signatures.rows(candidates) == signature, axis=1) / NUM_PERM
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
        holds none of them, else a copy, made a block of signatures at a time."""
        ids = self._doc_ids.array()
        keep = pc.invert(pc.is_in(ids, pa.array(sorted(doc_ids), pa.string())))
        if pc.all(keep).as_py() is not False:
            return self
        kept = keep.to_numpy()

        def kept_signatures() -> Iterator[np.ndarray]:
            start = 0
            for block in self._signatures.blocks():
                yield block[kept[start:start + len(block)]]
                start += len(block)

        return DedupIndex(self.threshold, ids.filter(keep).combine_chunks(),
                          self._contents.array().filter(keep).combine_chunks(), kept_signatures(), self._spill_dir)

    def to_batches(self) -> Iterator[pa.RecordBatch]:
        """The index as record batches of INDEX_SCHEMA, a block of signatures each (see `to_table`)."""
        ids, contents = self._doc_ids.array(), self._contents.array()
        start = 0
        for block in self._signatures.blocks():
            signatures = pa.Array.from_buffers(pa.binary(NUM_PERM * 4), len(block),
                                               [None, pa.py_buffer(np.ascontiguousarray(block, "<u4"))])
            yield pa.RecordBatch.from_arrays([ids.slice(start, len(block)).combine_chunks(),
                                              contents.slice(start, len(block)).combine_chunks(), signatures],
                                             schema=INDEX_SCHEMA)
            start += len(block)

    def to_table(self) -> pa.Table:
        """The index as a table, which `from_table` reads back."""
        return pa.Table.from_batches(list(self.to_batches()), INDEX_SCHEMA)

    @classmethod
    def from_table(cls, table: pa.Table, threshold: float = DEFAULT_THRESHOLD) -> DedupIndex:
        return cls(threshold, table["doc_id"].combine_chunks(), table["content_sha256"].combine_chunks(),
                   (_signature_array(chunk) for chunk in table["minhash"].chunks))

    @classmethod
    def read(cls, path: Path, threshold: float = DEFAULT_THRESHOLD, spill_dir: Path | None = None) -> DedupIndex:
        """The index saved at `path` (by `to_batches`), its signatures read a batch at a time."""
        file = pq.ParquetFile(path, pre_buffer=False)
        ids = file.read(columns=["doc_id", "content_sha256"], use_threads=False)
        batches = file.iter_batches(BLOCK_ROWS, columns=["minhash"], use_threads=False)
        return cls(threshold, ids["doc_id"].combine_chunks(), ids["content_sha256"].combine_chunks(),
                   (_signature_array(batch.column(0)) for batch in batches), spill_dir)


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
