"""Input items: one document's bytes with where they came from, or the reason a record could not
be read; and the checks on the fields a scraper gives (timestamps, strings, containment)."""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from textwash import reasons
from textwash.reasons import Rejected

# Content kinds of an item: what the pipeline does with its bytes.
TEXT = "text"
HTML = "html"
# Invalid Unicode that JSON's \ud800 escapes let through: no UTF-8 (and no Parquet string) holds it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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


def optional_str(fields: dict, key: str) -> str | None:
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
