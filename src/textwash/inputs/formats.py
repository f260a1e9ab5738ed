"""Formats: turn one input file into its input items, one per document it holds.

A .txt or .html file is one document (with an optional `name.json` sidecar carrying url,
fetched_at and title); a JSONL dump is one document per line (source `file#LINE`); a WARC archive
one per HTML response record (source `file#RECORD-ID`). Any of them may be gzipped. A record that
cannot be read becomes a `BadItem` with a reason while the rest of the file is still read; the
caller turns it into a reject row.

A big JSONL or WARC file is read in ranges (`Range`, planned by inputs/ranges.py): `read_range`
yields the items of one range alone, so the ranges of a file can run as separate batches.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import zlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from textwash import reasons
from textwash.config import DEFAULT_MAX_RATIO
from textwash.reasons import Rejected

# Content kinds of an item: what the pipeline does with its bytes.
TEXT = "text"
HTML = "html"

_TEXT_SUFFIXES = {".txt", ".text"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
_WARC_SUFFIXES = {".warc"}
_GZIP_MAGIC = b"\x1f\x8b"
_HTML_MIME = ("text/html", "application/xhtml+xml")
SNIFF_BYTES = 1024  # what tells a file's kind when its name does not
_GZIP_MEMBER = b"\x1f\x8b\x08"
_WARC_START = b"\nWARC/1."  # a header line after the blank line that closes a record
_WARC_TYPES = {"warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation"}
_CHUNK = 1 << 20
# Invalid Unicode that JSON's \ud800 escapes let through: no UTF-8 (and no Parquet string) holds it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# What a WARC-Record-ID must not hold to name an item: our '#' separator, control characters, and
# path forms (a leading '/' or '\\', a '..' segment) that a consumer might take for a file.
_UNSAFE_RECORD_ID = re.compile(r"[#\x00-\x1f\x7f\\]|^/|(?:^|/)\.\.(?:/|$)")
_MAX_RECORD_ID = 200


@dataclass(frozen=True)
class InputItem:
    source: str  # root-relative path, with #LINE or #RECORD-ID for an item of a container
    data: bytes  # the document's bytes, decompressed
    kind: str  # TEXT or HTML
    source_format: str  # text, html, jsonl/text, jsonl/html, warc/html
    url: str | None = None
    fetched_at: dt.datetime | None = None
    title: str | None = None


def input_file(source: str, files: Collection[str]) -> str:
    """The raw file (one of `files`) that the record `source` came from: itself, or for an item of
    a container (`file#LINE`, `file#RECORD-ID`) the part before its last '#'.

    >>> input_file("dump.jsonl#12", {"dump.jsonl"}), input_file("a#b.txt", {"a#b.txt"})
    ('dump.jsonl', 'a#b.txt')
    """
    return source if source in files else source.rsplit("#", 1)[0]


@dataclass(frozen=True)
class Range:
    """Part of a JSONL or WARC file: the lines or records that start at byte `start` or later and
    before `end`. Offsets are in the file's bytes, except for a gzipped JSONL file (one gzip
    stream), where they are in its decompressed bytes. `first_line` numbers a JSONL range's first
    line, so that its items keep their `file#LINE` sources."""
    source: str
    start: int
    end: int
    first_line: int = 1


def unit_file(unit: str | Range) -> str:
    """The raw file of a batch's unit: a whole file (its source) or a Range of one."""
    return unit.source if isinstance(unit, Range) else unit


@dataclass(frozen=True)
class BadItem:
    source: str
    reason: str
    detail: str
    data: bytes | None = None


def sidecar_of(path: Path) -> Path:
    """The metadata sidecar of a one-document file.

    >>> sidecar_of(Path("raw/a.txt")).as_posix(), sidecar_of(Path("raw/b.html.gz")).as_posix()
    ('raw/a.json', 'raw/b.json')
    """
    name = path.name[: -len(".gz")] if path.name.lower().endswith(".gz") else path.name
    return path.with_name(Path(name).stem + ".json")


def is_sidecar(path: Path) -> bool:
    """A .json file next to a document of the same name is that document's metadata, not input."""
    if path.suffix.lower() != ".json":
        return False
    stem = path.name[: -len(".json")]
    return any(
        path.with_name(stem + suffix + compression).is_file()
        for suffix in sorted(_TEXT_SUFFIXES | _HTML_SUFFIXES)
        for compression in ("", ".gz")
    )


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
    except Rejected as exc:
        yield BadItem(source, exc.reason, exc.detail)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield BadItem(source, reasons.TRUNCATED_GZIP if isinstance(exc, EOFError) else reasons.BAD_GZIP, f"{type(exc).__name__}: {exc}")


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
                yield from _read_warc(raw, source, max_bytes, max_ratio, part.start, part.end)
            return
        with _open(path, max_ratio) as stream:
            # In a gzip stream: decompressed and dropped up to the start. A range owns the lines
            # that start in it: from the middle of a line, reading begins at the next.
            stream.seek(max(part.start - 1, 0))
            if part.start and stream.read(1) != b"\n":
                while (rest := stream.readline(_CHUNK)) and not rest.endswith(b"\n"):
                    pass
            yield from _read_jsonl(Window(stream, part.end), source, max_bytes, part.first_line)
    except Rejected as exc:
        yield BadItem(f"{source}#offset-{part.start}", exc.reason, exc.detail)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield BadItem(f"{source}#offset-{part.start}", reasons.TRUNCATED_GZIP if isinstance(exc, EOFError)
                      else reasons.BAD_GZIP, f"{type(exc).__name__}: {exc}")


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
            yield from _read_warc(raw, source, max_bytes, max_ratio)
        return
    with _open(path, max_ratio) as stream:
        if container is None:
            container = _sniff(stream)
        if container == "jsonl":
            yield from _read_jsonl(stream, source, max_bytes)
        elif container == "warc":
            yield from _read_warc(stream, source, max_bytes, max_ratio)
        else:
            yield _single(path, root, source, _read_capped(stream, max_bytes), container, follow_symlinks)


def inside_root(path: Path, root: Path, follow_symlinks: bool = False) -> Path:
    """`path` resolved, if it lies under `root` (symlinks followed); else a Rejected 'outside-root'
    naming both paths. With `follow_symlinks` only the path as written must stay under `root`
    (no '..' out of it, not absolute elsewhere): its symlinks may lead anywhere."""
    base = Path(os.path.realpath(root))
    # realpath, not Path.resolve: a loop of links resolves to a path whose reading then fails
    # ('unreadable'), where resolve raises RuntimeError.
    resolved = Path(os.path.normpath(base / path.relative_to(root) if path.is_relative_to(root) else path)
                    if follow_symlinks else os.path.realpath(path))
    if not resolved.is_relative_to(base):
        raise Rejected(reasons.OUTSIDE_ROOT, f"{path.relative_to(root) if path.is_relative_to(root) else path} "
                                             f"leads to {resolved}, outside the raw root")
    return resolved


def parse_timestamp(value) -> dt.datetime:
    """A UTC datetime from an ISO 8601 string (naive means UTC) or Unix seconds; ValueError else."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a timestamp")
    if isinstance(value, (int, float)):
        try:
            return dt.datetime.fromtimestamp(value, dt.timezone.utc)
        except (OverflowError, OSError) as exc:  # NaN, 1e300, years past 9999
            raise ValueError(f"{value!r} is not a timestamp ({exc})") from None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a timestamp")
    parsed = dt.datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def _container(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    for kind, known in ((TEXT, _TEXT_SUFFIXES), (HTML, _HTML_SUFFIXES), ("jsonl", _JSONL_SUFFIXES), ("warc", _WARC_SUFFIXES)):
        if last in known:
            return kind
    return None


@contextmanager
def _open(path: Path, max_ratio: float):
    """The file's bytes as a stream, decompressed when it is gzip (whatever its name says)."""
    with path.open("rb") as raw:
        if raw.peek(2)[:2] != _GZIP_MAGIC:
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


def _read_capped(stream, max_bytes: int) -> bytes:
    """Up to `max_bytes` of `stream`, read in chunks (so that a ratio cap stops a bomb early)."""
    chunks, size = [], 0
    while size <= max_bytes and (chunk := stream.read(min(_CHUNK, max_bytes + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
    if size > max_bytes:
        raise Rejected(reasons.TOO_LARGE, f"over the {max_bytes}-byte limit")
    return b"".join(chunks)


def _single(path: Path, root: Path, source: str, data: bytes, kind: str, follow_symlinks: bool = False) -> InputItem:
    url = fetched_at = title = None
    sidecar = sidecar_of(path)
    if _container(path) is not None and sidecar.is_file():
        try:
            inside_root(sidecar, root, follow_symlinks)
        except Rejected as exc:
            raise Rejected(reasons.BAD_SIDECAR, f"{sidecar.name}: {exc.detail}") from None
        try:
            fields = json.loads(sidecar.read_bytes())
            if not isinstance(fields, dict):
                raise ValueError("not a JSON object")
            check_unicode(fields)
            url, title = _optional_str(fields, "url"), _optional_str(fields, "title")
            fetched_at = parse_timestamp(fields["fetched_at"]) if fields.get("fetched_at") is not None else None
        except (ValueError, TypeError) as exc:
            raise Rejected(reasons.BAD_SIDECAR, f"{sidecar.name}: {exc}") from None
    return InputItem(source, data, kind, kind, url=url, fetched_at=fetched_at, title=title)


def _optional_str(fields: dict, key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} is {type(value).__name__}, not a string")
    return value.strip() or None


def check_unicode(fields: dict) -> None:
    """Raise Rejected 'lone-surrogate' when a string field of a JSON object holds a lone UTF-16
    surrogate (a \\ud800 escape): it is not a character, and no UTF-8 text can hold it."""
    for key, value in fields.items():
        if isinstance(value, str) and (bad := _LONE_SURROGATE.search(value)):
            raise Rejected(reasons.LONE_SURROGATE, f"field {str(key)[:40]!r} holds a lone surrogate \\u{ord(bad.group()):04x} "
                                             f"at character {bad.start()} (invalid Unicode)")


def _read_jsonl(stream, source: str, max_bytes: int, first_line: int = 1) -> Iterator[InputItem | BadItem]:
    for number, line in enumerate(_capped_lines(stream, max_bytes), start=first_line):
        item_source = f"{source}#{number}"
        if line is None:
            yield BadItem(item_source, reasons.TOO_LARGE, f"line over the {max_bytes}-byte limit")
            continue
        if not line.strip():
            continue
        try:
            yield _jsonl_item(item_source, line)
        except Rejected as exc:
            yield BadItem(item_source, exc.reason, exc.detail, line)
        except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            yield BadItem(item_source, reasons.BAD_RECORD, f"{type(exc).__name__}: {exc}", line)


def _capped_lines(stream, max_bytes: int) -> Iterator[bytes | None]:
    """The lines of `stream`; None for a line over `max_bytes`, whose rest is skipped unread.
    Read in chunks, so that a ratio cap stops a bomb inside one line early."""
    while True:
        parts, size = [], 0
        while size <= max_bytes and (part := stream.readline(min(_CHUNK, max_bytes + 1 - size))):
            parts.append(part)
            size += len(part)
            if part.endswith(b"\n"):
                break
        line = b"".join(parts)
        if not line:
            return
        if size > max_bytes and not line.endswith(b"\n"):
            while (rest := stream.readline(_CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield line


def _jsonl_item(source: str, line: bytes) -> InputItem:
    fields = json.loads(line)
    if not isinstance(fields, dict):
        raise ValueError(f"a JSON {type(fields).__name__}, not an object")
    check_unicode(fields)
    html, text = fields.get("html"), fields.get("text")
    if isinstance(html, str) and html.strip():
        kind, body = HTML, html
    elif isinstance(text, str) and text.strip():
        kind, body = TEXT, text
    else:
        raise ValueError("no non-empty 'html' or 'text' string")
    fetched_at = fields.get("fetched_at")
    return InputItem(
        source,
        body.encode("utf-8"),
        kind,
        f"jsonl/{kind}",
        url=_optional_str(fields, "url"),
        fetched_at=parse_timestamp(fetched_at) if fetched_at is not None else None,
        title=_optional_str(fields, "title"),
    )


def _read_warc(raw, source: str, max_bytes: int, max_ratio: float, begin: int = 0,
               end: int | None = None) -> Iterator[InputItem | BadItem]:
    """The HTML responses of a WARC file (of its records that start in [begin, end), for a
    range); after a record whose framing is broken, reading resumes at the next record start
    found in the bytes."""
    # Records are gzip members in a .warc.gz, so resume at the next member there; at the next
    # header line in a plain WARC.
    marker = _GZIP_MEMBER if raw.peek(3)[:3] == _GZIP_MEMBER else _WARC_START
    start: int | None = begin
    # A decompressing stream guards its own ratio; a file's records are weighed against its size.
    size = None if isinstance(raw, RatioCapped) else raw.seek(0, 2)
    while start is not None and (end is None or start < end):
        raw.seek(start)
        start = yield from _read_warc_from(raw, source, max_bytes, marker, max_ratio, size, end)


def _read_warc_from(raw, source: str, max_bytes: int, marker: bytes, max_ratio: float,
                    size: int | None, end: int | None = None) -> Iterator[InputItem | BadItem]:
    """Records from the stream's position on (those that start before `end`); returns where to
    resume after broken framing, or None at the end of the file or range."""
    from warcio.archiveiterator import ArchiveIterator

    begin = raw.tell()
    records = ArchiveIterator(raw, check_digests="raise")
    while True:
        try:
            record = next(records)
        except StopIteration:
            return None
        except Rejected:
            raise
        except Exception as exc:  # warcio on damaged bytes: ArchiveLoadFailed, ValueError, and its own bugs
            # The end of the last record read whole (warcio's offset can come out below where it began:
            # resuming never goes back, or a damaged file would be read round and round).
            broken_at = max(records.offset, begin)
            if end is not None and broken_at >= end:
                return None  # the next range's record
            yield BadItem(f"{source}#offset-{broken_at}", reasons.BROKEN_WARC_RECORD, f"{type(exc).__name__}: {exc}")
            return _next_record_start(raw, broken_at + 1, marker)
        if end is not None and records.offset >= end:
            return None  # the first record of the next range
        if size is not None and (record.length or 0) > max_ratio * max(size, 1):
            # Even skipping a record decompresses it: past a bomb nothing more can be read.
            yield BadItem(f"{source}#offset-{records.offset}", reasons.COMPRESSION_RATIO,
                          f"a record declares {record.length} bytes in a file of {size} bytes, over the "
                          f"{max_ratio:g}x limit (a gzip bomb?); the rest of the file is not read")
            return None
        record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>") or f"offset-{records.offset}"
        item_source = f"{source}#{record_id}"
        if len(record_id) > _MAX_RECORD_ID or _UNSAFE_RECORD_ID.search(record_id):
            yield BadItem(f"{source}#offset-{records.offset}", reasons.UNSAFE_NAME,
                          f"WARC-Record-ID {record_id[:80]!r} is not usable as a name (a path, '#' or control characters)")
            continue
        if record.rec_type not in _WARC_TYPES:
            yield BadItem(item_source, reasons.BROKEN_WARC_RECORD, f"no valid WARC header (record type {record.rec_type!r})")
            continue
        if record.rec_type != "response":
            continue  # warcinfo, request, metadata records describe the crawl, not documents
        try:
            yield _warc_item(record, item_source, max_bytes)
        except Rejected as exc:
            yield BadItem(item_source, exc.reason, exc.detail)
        except Exception as exc:  # as above, while reading the payload
            yield BadItem(item_source, reasons.BROKEN_WARC_RECORD, f"{type(exc).__name__}: {exc}")


def _next_record_start(raw, offset: int, marker: bytes) -> int | None:
    """Where the first `marker` at or after `offset` begins a record; None if there is none."""
    chunk_size = 1 << 20
    while True:
        raw.seek(offset)
        chunk = raw.read(chunk_size + len(marker))
        found = chunk.find(marker)
        if found >= 0:
            # The WARC marker starts with the line end before the header line.
            return offset + found + (1 if marker == _WARC_START else 0)
        if len(chunk) <= len(marker):
            return None
        offset += chunk_size


def _warc_item(record, source: str, max_bytes: int) -> InputItem:
    http = record.http_headers
    status = http.get_statuscode() if http else None
    if status != "200":
        raise Rejected(reasons.HTTP_STATUS, f"HTTP status {status or 'missing'}")
    mime = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if mime not in _HTML_MIME:
        raise Rejected(reasons.UNSUPPORTED_CONTENT, f"content type {mime or 'missing'}, not HTML")
    data = _read_capped(record.content_stream(), max_bytes)
    # Reading to the end lets warcio compare the payload digest; a mismatch raises here.
    record.raw_stream.read()
    if (missing := getattr(record.raw_stream, "limit", 0)) > 0:
        raise Rejected(reasons.BROKEN_WARC_RECORD, f"truncated: {missing} bytes short of its Content-Length")
    date = record.rec_headers.get_header("WARC-Date")
    try:
        fetched_at = parse_timestamp(date) if date else None
    except ValueError:
        raise Rejected(reasons.BAD_RECORD, f"WARC-Date {date!r} is not a timestamp") from None
    return InputItem(source, data, HTML, "warc/html", url=record.rec_headers.get_header("WARC-Target-URI"), fetched_at=fetched_at)

