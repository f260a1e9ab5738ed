"""Compressed input: a gzip file read as a stream, with its decompression ratio capped."""
from __future__ import annotations

import gzip
from contextlib import contextmanager
from pathlib import Path

from textwash import reasons
from textwash.reasons import Rejected

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 20


@contextmanager
def open_input(path: Path, max_ratio: float):
    """The file's bytes as a stream, decompressed when it is gzip (whatever its name says)."""
    with path.open("rb") as raw:
        if raw.peek(2)[:2] != GZIP_MAGIC:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            yield RatioCapped(stream, raw, max_ratio)


class RatioCapped:
    """A decompressing stream that raises a 'compression-ratio' Rejected once it has handed out
    more than `max_ratio` times the compressed bytes read from `raw` so far: a gzip bomb stops
    after a bounded amount of work, long before it fills memory or disk."""

    def __init__(self, stream, raw, max_ratio: float):
        self._stream, self._raw, self.max_ratio = stream, raw, max_ratio
        self._out = 0

    def _count(self, data: bytes) -> bytes:
        self._out += len(data)
        compressed = max(self._raw.tell(), 1)  # the decompressor reads ahead: never less than it used
        if self._out > self.max_ratio * compressed:
            raise Rejected(reasons.COMPRESSION_RATIO, f"{self._out} bytes decompressed from {compressed} compressed bytes, "
                                                f"over the {self.max_ratio:g}x limit (a gzip bomb?)")
        return data

    def read(self, size: int = -1) -> bytes:
        return self._count(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._count(self._stream.readline(size))

    def peek(self, size: int = 0) -> bytes:
        return self._stream.peek(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


def read_capped(stream, max_bytes: int) -> bytes:
    """Up to `max_bytes` of `stream`, read in chunks (so that a ratio cap stops a bomb early)."""
    chunks, size = [], 0
    while size <= max_bytes and (chunk := stream.read(min(CHUNK, max_bytes + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
    if size > max_bytes:
        raise Rejected(reasons.TOO_LARGE, f"over the {max_bytes}-byte limit")
    return b"".join(chunks)
