"""WARC archives: one document per HTML response record (source `file#RECORD-ID`); after a
record whose framing is broken, reading resumes at the next record start."""
from __future__ import annotations

import re
from collections.abc import Iterator

from textwash import reasons
from textwash.inputs.compressed import RatioCapped, read_capped
from textwash.inputs.items import HTML, BadItem, InputItem, parse_timestamp
from textwash.reasons import Rejected

_HTML_MIME = ("text/html", "application/xhtml+xml")
GZIP_MEMBER = b"\x1f\x8b\x08"
WARC_START = b"\nWARC/1."  # a header line after the blank line that closes a record
_WARC_TYPES = {"warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation"}
# What a WARC-Record-ID must not hold to name an item: our '#' separator, control characters, and
# path forms (a leading '/' or '\\', a '..' segment) that a consumer might take for a file.
_UNSAFE_RECORD_ID = re.compile(r"[#\x00-\x1f\x7f\\]|^/|(?:^|/)\.\.(?:/|$)")
_MAX_RECORD_ID = 200


def read_warc(raw, source: str, max_bytes: int, max_ratio: float, begin: int = 0,
               end: int | None = None) -> Iterator[InputItem | BadItem]:
    """The HTML responses of a WARC file (of its records that start in [begin, end), for a
    range); after a record whose framing is broken, reading resumes at the next record start
    found in the bytes."""
    # Records are gzip members in a .warc.gz, so resume at the next member there; at the next
    # header line in a plain WARC.
    marker = GZIP_MEMBER if raw.peek(3)[:3] == GZIP_MEMBER else WARC_START
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
            return offset + found + (1 if marker == WARC_START else 0)
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
    data = read_capped(record.content_stream(), max_bytes)
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
