"""Ranges: where a big JSONL or WARC file can be cut so that its parts run as separate batches.

A cheap scan that parses nothing beyond finding boundaries:

- JSONL: line starts (a newline search); each range knows the number of its first line, so its
  items keep their `file#LINE` sources. A gzipped JSONL file is one gzip stream and cannot be
  read from the middle: its ranges are offsets in the decompressed bytes, and reading one
  decompresses (and drops) everything before it. The scan decompresses the file once.
- WARC: record starts. In a plain WARC each record's header gives its Content-Length, so the scan
  jumps from record to record; in a .warc.gz each record is a gzip member, whose end is found by
  decompressing it (output dropped; only its first bytes are read for the record type). A member
  that does not begin a record (a record spread over several members) is no boundary.

Where the framing breaks (a damaged member, a header without Content-Length) the scan stops
cutting: the rest of the file is its last range, and the reader's own recovery takes over there.
A truncated last record stays in the last range, where the reader rejects it. A file the scan
cannot read at all (a truncated or damaged gzip stream of JSONL, a gzip bomb) is not split.

Cuts fall every `per_range` items (JSONL lines, WARC response records), and at the `cuts` given
(the ends of ranges an earlier run committed: record or line starts of the same bytes).
"""
from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from textwash import reasons
from textwash.config import DEFAULT_MAX_RATIO
from textwash.inputs.compressed import CHUNK, GZIP_MAGIC, RatioCapped
from textwash.inputs.formats import kind_of_name
from textwash.reasons import Rejected

_MEMBER_CHUNK = 1 << 16
_HEAD = 1 << 16  # a WARC record's header block, at most
_CONTENT_LENGTH = re.compile(rb"\r?\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_WARC_TYPE = re.compile(rb"\r?\nwarc-type:[ \t]*(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """A range of a file found by the scan: bytes [start, end), its first line's number (JSONL),
    and the items it holds (JSONL lines, WARC response records), for batching and progress."""
    start: int
    end: int
    first_line: int
    items: int


def splittable(name: str) -> bool:
    """Whether a file's name makes it a JSONL or WARC file, which can be read in ranges.

    >>> splittable("dump.jsonl.gz"), splittable("crawl.warc"), splittable("page.html")
    (True, True, False)
    """
    return kind_of_name(name) in ("jsonl", "warc")


def scan(path: Path, per_range: int, max_ratio: float = DEFAULT_MAX_RATIO, cuts: Iterable[int] = ()) -> list[Span] | None:
    """The ranges of the JSONL or WARC file at `path`, in order, covering it; None when it is no
    such file, cannot be scanned or holds no documents (then it is read whole, and a file without
    documents gets its one record)."""
    kind = kind_of_name(path.name)
    if kind not in ("jsonl", "warc"):
        return None
    cutter = _Cutter(per_range, cuts)
    try:
        with path.open("rb") as raw:
            gzipped = raw.peek(2)[:2] == GZIP_MAGIC
            if kind == "jsonl" and gzipped:
                with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                    size = _scan_lines(RatioCapped(stream, raw, max_ratio), cutter)
            elif kind == "jsonl":
                size = _scan_lines(raw, cutter)
            elif gzipped:
                size = _scan_members(raw, cutter, max_ratio)
            else:
                size = _scan_records(raw, cutter)
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error, Rejected):
        return None
    spans = cutter.finish(size)
    return spans if any(span.items for span in spans) else None


class _Cutter:
    """Collects the spans from the item starts it is shown, in order."""

    def __init__(self, per_range: int, cuts: Iterable[int]):
        self.per_range = max(1, per_range)
        self.cuts = sorted({cut for cut in cuts if cut > 0}, reverse=True)  # the next cut last
        self.spans: list[Span] = []
        self.start, self.first_line, self.items, self.lines = 0, 1, 0, 0

    def close(self, at: int) -> None:
        if at > self.start:
            self.spans.append(Span(self.start, at, self.first_line, self.items))
            self.start, self.first_line, self.items, self.lines = at, self.first_line + self.lines, 0, 0

    def at(self, offset: int, item: bool = True) -> None:
        """An item (a line, a record) starts at `offset`."""
        while self.cuts and self.cuts[-1] < offset:
            self.cuts.pop()  # not an item start: the plan finds the committed ranges do not align
        if self.cuts and self.cuts[-1] == offset:
            self.cuts.pop()
            self.close(offset)
        elif self.items >= self.per_range:
            self.close(offset)
        self.items += item
        self.lines += 1

    def finish(self, size: int) -> list[Span]:
        self.close(size)
        return self.spans


# A line that opens with white space is not counted as a document: it is still read (ranges cover
# every byte), but a file of blank lines alone is read whole, to get its one record.
_BLANK_START = (b"\n", b"\r", b" ", b"\t")


def _scan_lines(stream, cutter: _Cutter) -> int:
    """Line starts; returns the (decompressed) size."""
    position, pending = 0, 0  # pending: a line start not yet known to hold a byte
    while chunk := stream.read(CHUNK):
        if pending is not None:
            cutter.at(pending, chunk[:1] not in _BLANK_START)
            pending = None
        found = chunk.find(b"\n")
        while found >= 0:
            if found + 1 < len(chunk):
                cutter.at(position + found + 1, chunk[found + 1:found + 2] not in _BLANK_START)
            else:
                pending = position + found + 1
            found = chunk.find(b"\n", found + 1)
        position += len(chunk)
    return position


def _scan_records(raw, cutter: _Cutter) -> int:
    """Record starts of a plain WARC, by their headers' Content-Length; returns the file's size."""
    size = raw.seek(0, 2)
    position = 0
    while position < size:
        raw.seek(position)
        head = raw.read(_HEAD)
        record = head.lstrip(b"\r\n")
        position += len(head) - len(record)
        header_end = record.find(b"\r\n\r\n")
        length = _CONTENT_LENGTH.search(record, 0, max(header_end, 0))
        if not record.startswith(b"WARC/") or header_end < 0 or length is None:
            break  # trailing blank lines, or broken framing: no more cuts
        cutter.at(position, _is_response(record[:header_end]))
        position += header_end + 4 + int(length.group(1))
    return size


def _scan_members(raw, cutter: _Cutter, max_ratio: float) -> int:
    """Record starts of a .warc.gz: the gzip members that begin a record; returns the file's size."""
    size = raw.seek(0, 2)
    raw.seek(0)
    pending, read, out = b"", 0, 0
    while True:
        if len(pending) < len(GZIP_MAGIC) + 1:
            more = raw.read(_MEMBER_CHUNK)
            read += len(more)
            pending += more
            if not pending:
                break
        start = read - len(pending)
        if not pending.startswith(GZIP_MAGIC):
            break  # no member here: no more cuts
        member, data, head = zlib.decompressobj(31), pending, b""
        try:
            while True:
                chunk = member.decompress(data, CHUNK)
                out += len(chunk)
                if out > max_ratio * max(read, 1):
                    raise Rejected(reasons.COMPRESSION_RATIO, "over the ratio limit while scanning")
                if len(head) < _HEAD:
                    head += chunk[:_HEAD - len(head)]
                if member.eof:
                    break
                data = member.unconsumed_tail
                if not data:
                    data = raw.read(_MEMBER_CHUNK)
                    read += len(data)
                    if not data:
                        return size  # a truncated last member: it stays in the last range
        except zlib.error:
            return size  # a damaged member: the rest is the last range
        if head.startswith(b"WARC/"):
            header_end = head.find(b"\r\n\r\n")
            cutter.at(start, _is_response(head[:header_end if header_end >= 0 else len(head)]))
        pending = member.unused_data
    return size


def _is_response(headers: bytes) -> bool:
    found = _WARC_TYPE.search(headers)
    return found is not None and found.group(1).lower() == b"response"
