"""Formats: turn one input file into its input items, one per document it holds.

A .txt or .html file is one document (with an optional `name.json` sidecar carrying url,
fetched_at and title); a JSONL dump is one document per line (source `file#LINE`); a WARC archive
one per HTML response record (source `file#RECORD-ID`). Any of them may be gzipped. A record that
cannot be read becomes a `BadItem` with a reason while the rest of the file is still read; the
caller turns it into a reject row.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from textwash.errors import Rejected

# Content kinds of an item: what the pipeline does with its bytes.
TEXT = "text"
HTML = "html"

_TEXT_SUFFIXES = {".txt", ".text"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
_WARC_SUFFIXES = {".warc"}
_GZIP_MAGIC = b"\x1f\x8b"
_HTML_MIME = ("text/html", "application/xhtml+xml")
_SNIFF = 1024
_GZIP_MEMBER = b"\x1f\x8b\x08"
_WARC_START = b"\nWARC/1."  # a header line after the blank line that closes a record
_WARC_TYPES = {"warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation"}


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
    a container (`file#LINE`, `file#RECORD-ID`) the part before its last '#'."""
    return source if source in files else source.rsplit("#", 1)[0]


@dataclass(frozen=True)
class BadItem:
    source: str
    reason: str
    detail: str
    data: bytes | None = None


def sidecar_of(path: Path) -> Path:
    """The metadata sidecar of a one-document file: name.txt, name.html.gz → name.json."""
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


def read_items(root: Path, source: str, max_bytes: int) -> Iterator[InputItem | BadItem]:
    """Every document in the file `source` under `root`; BadItems for what cannot be read.

    `max_bytes` caps each document (after decompression), not the container.
    """
    path = root / source
    container = _container(path)
    try:
        if container == "warc":
            # warcio reads gzip members itself, and unlike GzipFile it still hands over the
            # records before a damaged member.
            with path.open("rb") as raw:
                yield from _read_warc(raw, source, max_bytes)
            return
        with _open(path) as stream:
            if container is None:
                container = _sniff(stream)
            if container == "jsonl":
                yield from _read_jsonl(stream, source, max_bytes)
            elif container == "warc":
                yield from _read_warc(stream, source, max_bytes)
            else:
                data = _read_capped(stream, max_bytes)
                yield _single(path, source, data, container)
    except Rejected as exc:
        yield BadItem(source, exc.reason, exc.detail)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield BadItem(source, "truncated-gzip" if isinstance(exc, EOFError) else "bad-gzip", f"{type(exc).__name__}: {exc}")


def parse_timestamp(value) -> dt.datetime:
    """A UTC datetime from an ISO 8601 string (naive means UTC) or Unix seconds; ValueError else."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a timestamp")
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
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
def _open(path: Path):
    """The file's bytes as a stream, decompressed when it is gzip (whatever its name says)."""
    with path.open("rb") as raw:
        if raw.peek(2)[:2] != _GZIP_MAGIC:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            yield stream


def _sniff(stream) -> str:
    """The kind of a file whose name does not say: WARC, HTML, or else text."""
    head = stream.peek(_SNIFF)[:_SNIFF] if hasattr(stream, "peek") else b""
    if head.startswith(b"WARC/"):
        return "warc"
    if _looks_like_html(head):
        return HTML
    return TEXT


def _looks_like_html(head: bytes) -> bool:
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<") and b"<html" in head)


def _read_capped(stream, max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Rejected("too-large", f"over the {max_bytes}-byte limit")
    return data


def _single(path: Path, source: str, data: bytes, kind: str) -> InputItem:
    url = fetched_at = title = None
    sidecar = sidecar_of(path)
    if _container(path) is not None and sidecar.is_file():
        try:
            fields = json.loads(sidecar.read_bytes())
            if not isinstance(fields, dict):
                raise ValueError("not a JSON object")
            url, title = _optional_str(fields, "url"), _optional_str(fields, "title")
            fetched_at = parse_timestamp(fields["fetched_at"]) if fields.get("fetched_at") is not None else None
        except (ValueError, TypeError) as exc:
            raise Rejected("bad-sidecar", f"{sidecar.name}: {exc}") from None
    return InputItem(source, data, kind, kind, url=url, fetched_at=fetched_at, title=title)


def _optional_str(fields: dict, key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} is {type(value).__name__}, not a string")
    return value.strip() or None


def _read_jsonl(stream, source: str, max_bytes: int) -> Iterator[InputItem | BadItem]:
    for number, line in enumerate(_capped_lines(stream, max_bytes), start=1):
        item_source = f"{source}#{number}"
        if line is None:
            yield BadItem(item_source, "too-large", f"line over the {max_bytes}-byte limit")
            continue
        if not line.strip():
            continue
        try:
            yield _jsonl_item(item_source, line)
        except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            yield BadItem(item_source, "bad-record", f"{type(exc).__name__}: {exc}", line)


def _capped_lines(stream, max_bytes: int) -> Iterator[bytes | None]:
    """The lines of `stream`; None for a line over `max_bytes`, whose rest is skipped unread."""
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield line


def _jsonl_item(source: str, line: bytes) -> InputItem:
    fields = json.loads(line)
    if not isinstance(fields, dict):
        raise ValueError(f"a JSON {type(fields).__name__}, not an object")
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
        body.encode("utf-8", "replace"),  # a lone surrogate escape (invalid Unicode) becomes "?"
        kind,
        f"jsonl/{kind}",
        url=_optional_str(fields, "url"),
        fetched_at=parse_timestamp(fetched_at) if fetched_at is not None else None,
        title=_optional_str(fields, "title"),
    )


def _read_warc(raw, source: str, max_bytes: int) -> Iterator[InputItem | BadItem]:
    """The HTML responses of a WARC file; after a record whose framing is broken, reading
    resumes at the next record start found in the bytes."""
    # Records are gzip members in a .warc.gz, so resume at the next member there; at the next
    # header line in a plain WARC.
    marker = _GZIP_MEMBER if raw.peek(3)[:3] == _GZIP_MEMBER else _WARC_START
    start: int | None = 0
    while start is not None:
        raw.seek(start)
        start = yield from _read_warc_from(raw, source, max_bytes, marker)


def _read_warc_from(raw, source: str, max_bytes: int, marker: bytes) -> Iterator[InputItem | BadItem]:
    """Records from the stream's position on; returns where to resume after broken framing, or
    None at the end of the file."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    records = ArchiveIterator(raw, check_digests="raise")
    while True:
        try:
            record = next(records)
        except StopIteration:
            return None
        except (ArchiveLoadFailed, ValueError, EOFError, zlib.error) as exc:
            broken_at = records.offset  # the end of the last record read whole
            yield BadItem(f"{source}#offset-{broken_at}", "broken-warc-record", f"{type(exc).__name__}: {exc}")
            return _next_record_start(raw, broken_at + 1, marker)
        record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>") or f"offset-{records.offset}"
        item_source = f"{source}#{record_id}"
        if record.rec_type not in _WARC_TYPES:
            yield BadItem(item_source, "broken-warc-record", f"no valid WARC header (record type {record.rec_type!r})")
            continue
        if record.rec_type != "response":
            continue  # warcinfo, request, metadata records describe the crawl, not documents
        try:
            yield _warc_item(record, item_source, max_bytes)
        except Rejected as exc:
            yield BadItem(item_source, exc.reason, exc.detail)
        except (ArchiveLoadFailed, ValueError, EOFError, OSError, zlib.error) as exc:
            yield BadItem(item_source, "broken-warc-record", f"{type(exc).__name__}: {exc}")


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
        raise Rejected("http-status", f"HTTP status {status or 'missing'}")
    mime = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if mime not in _HTML_MIME:
        raise Rejected("unsupported-content", f"content type {mime or 'missing'}, not HTML")
    data = _read_capped(record.content_stream(), max_bytes)
    # Reading to the end lets warcio compare the payload digest; a mismatch raises here.
    record.raw_stream.read()
    if (missing := getattr(record.raw_stream, "limit", 0)) > 0:
        raise Rejected("broken-warc-record", f"truncated: {missing} bytes short of its Content-Length")
    date = record.rec_headers.get_header("WARC-Date")
    try:
        fetched_at = parse_timestamp(date) if date else None
    except ValueError:
        raise Rejected("bad-record", f"WARC-Date {date!r} is not a timestamp") from None
    return InputItem(source, data, HTML, "warc/html", url=record.rec_headers.get_header("WARC-Target-URI"), fetched_at=fetched_at)

