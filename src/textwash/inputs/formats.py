"""Formats: turn one input file into its input items, one per document it holds.

The file's name (or, without a known suffix, its first bytes) picks the reader: a .txt or .html
file is one document with an optional `name.json` sidecar (single.py), a JSONL dump one document
per line (jsonl.py), a WARC archive one per HTML response record (warc.py); any of them may be
gzipped (compressed.py). A record that cannot be read becomes a `BadItem` (items.py) with a
reason while the rest of the file is still read; the caller turns it into a reject row.

A big JSONL or WARC file is read in ranges (`Range`, planned by inputs/ranges.py): `read_range`
yields the items of one range alone, so the ranges of a file can run as separate batches.
"""
from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

from textwash import reasons
from textwash.config import DEFAULT_MAX_RATIO
from textwash.inputs.compressed import CHUNK, open_input, read_capped
from textwash.inputs.items import HTML, TEXT, BadItem, InputItem, Range, inside_root
from textwash.inputs.jsonl import read_jsonl
from textwash.inputs.single import HTML_SUFFIXES, TEXT_SUFFIXES, single_item
from textwash.inputs.warc import read_warc
from textwash.reasons import Rejected

_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
_WARC_SUFFIXES = {".warc"}
SNIFF_BYTES = 1024  # what tells a file's kind when its name does not


def read_items(root: Path, source: str, max_bytes: int, max_ratio: float = DEFAULT_MAX_RATIO,
               follow_symlinks: bool = False) -> Iterator[InputItem | BadItem]:
    """Every document in the file `source` under `root`; BadItems for what cannot be read.

    `max_bytes` caps each document (after decompression), not the container; `max_ratio` caps
    decompressed bytes per compressed byte (a gzip bomb stops the file as a reject). Only files
    under `root` are read: a source that leads out of it (a symlink, '..') is refused; with
    `follow_symlinks`, a path under `root` is read wherever its symlinks lead ('..' still is not).
    """
    items = 0
    try:
        for item in _file_items(root, source, max_bytes, max_ratio, follow_symlinks):
            items += 1
            yield item
        if not items:  # a dump or archive without documents still needs its one record
            yield BadItem(source, reasons.EMPTY, "no documents in the file")
    except (Rejected, *_GZIP_ERRORS) as exc:
        yield _stopped(source, exc)


def read_range(root: Path, part: Range, max_bytes: int, max_ratio: float = DEFAULT_MAX_RATIO,
               follow_symlinks: bool = False) -> Iterator[InputItem | BadItem]:
    """The documents of one range of a JSONL or WARC file (see `Range`); BadItems for what cannot
    be read. A range without documents yields nothing (its file has others); a failure that stops
    the range is one BadItem named `file#offset-START`."""
    source = part.source
    try:
        path = root / source
        inside_root(path, root, follow_symlinks)
        if _container(path) == "warc":
            with path.open("rb") as raw:
                yield from read_warc(raw, source, max_bytes, max_ratio, part.start, part.end)
            return
        with open_input(path, max_ratio) as stream:
            # In a gzip stream: decompressed and dropped up to the start. A range owns the lines
            # that start in it: from the middle of a line, reading begins at the next.
            stream.seek(max(part.start - 1, 0))
            if part.start and stream.read(1) != b"\n":
                while (rest := stream.readline(CHUNK)) and not rest.endswith(b"\n"):
                    pass
            yield from read_jsonl(Window(stream, part.end), source, max_bytes, part.first_line)
    except (Rejected, *_GZIP_ERRORS) as exc:
        yield _stopped(f"{source}#offset-{part.start}", exc)


_GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


def _stopped(name: str, exc: Exception) -> BadItem:
    """The BadItem of a read that `exc` stopped: a reject's own reason, a truncated or damaged gzip stream."""
    if isinstance(exc, Rejected):
        return BadItem(name, exc.reason, exc.detail)
    return BadItem(name, reasons.TRUNCATED_GZIP if isinstance(exc, EOFError) else reasons.BAD_GZIP,
                   f"{type(exc).__name__}: {exc}")


class Window:
    """The lines of `stream` that start before byte `end`: a line begun before it is read to its
    end, none starts at or after it."""

    def __init__(self, stream, end: int):
        self._stream, self._end = stream, end
        self._line_start = True

    def readline(self, size: int = -1) -> bytes:
        if self._line_start and self._stream.tell() >= self._end:
            return b""
        line = self._stream.readline(size)
        self._line_start = not line or line.endswith(b"\n")
        return line

    def tell(self) -> int:
        return self._stream.tell()


def _file_items(root: Path, source: str, max_bytes: int, max_ratio: float,
                follow_symlinks: bool) -> Iterator[InputItem | BadItem]:
    path = root / source
    if "\\x" in source and not path.exists():
        raise Rejected(reasons.BAD_NAME, "the file name is not UTF-8 (its bytes are shown as \\xNN); rename the file")
    inside_root(path, root, follow_symlinks)
    container = _container(path)
    if container == "warc":
        # warcio reads gzip members itself, and unlike GzipFile it still hands over the
        # records before a damaged member.
        with path.open("rb") as raw:
            yield from read_warc(raw, source, max_bytes, max_ratio)
        return
    named = container is not None  # a file named for its kind may have a sidecar
    with open_input(path, max_ratio) as stream:
        if container is None:
            container = _sniff(stream)
        if container == "jsonl":
            yield from read_jsonl(stream, source, max_bytes)
        elif container == "warc":
            yield from read_warc(stream, source, max_bytes, max_ratio)
        else:
            yield single_item(path, root, source, read_capped(stream, max_bytes), container, follow_symlinks, named)


def _container(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    for kind, known in ((TEXT, TEXT_SUFFIXES), (HTML, HTML_SUFFIXES), ("jsonl", _JSONL_SUFFIXES), ("warc", _WARC_SUFFIXES)):
        if last in known:
            return kind
    return None


def _sniff(stream) -> str:
    """The kind of a file whose name does not say: WARC, HTML, or else text."""
    return sniff(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(stream, "peek") else b"")


def sniff(data: bytes) -> str:
    """The kind of a document whose name does not say, from its first SNIFF_BYTES bytes:
    "warc" (an archive of many), HTML, or else TEXT.

    >>> sniff(b"<!DOCTYPE html><html><body>Hi</body></html>"), sniff(b"Hello"), sniff(b"WARC/1.0")
    ('html', 'text', 'warc')
    """
    head = data[:SNIFF_BYTES]
    if head.startswith(b"WARC/"):
        return "warc"
    if _looks_like_html(head):
        return HTML
    return TEXT


def kind_of_name(name: str) -> str | None:
    """What a file's name says it holds (TEXT, HTML, "jsonl" or "warc", gzipped or not), or None.

    >>> kind_of_name("page.HTML.gz"), kind_of_name("dump.jsonl"), kind_of_name("notes")
    ('html', 'jsonl', None)
    """
    return _container(Path(name))


def _looks_like_html(head: bytes) -> bool:
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<") and b"<html" in head)
