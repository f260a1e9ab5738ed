"""JSONL dumps: one document per line, an object with `html` or `text` (source `file#LINE`)."""
from __future__ import annotations

import json
from collections.abc import Iterator

from textwash import reasons
from textwash.inputs.compressed import CHUNK
from textwash.inputs.items import HTML, TEXT, BadItem, InputItem, check_unicode, optional_str, parse_timestamp
from textwash.reasons import Rejected

def read_jsonl(stream, source: str, max_bytes: int, first_line: int = 1) -> Iterator[InputItem | BadItem]:
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
        while size <= max_bytes and (part := stream.readline(min(CHUNK, max_bytes + 1 - size))):
            parts.append(part)
            size += len(part)
            if part.endswith(b"\n"):
                break
        line = b"".join(parts)
        if not line:
            return
        if size > max_bytes and not line.endswith(b"\n"):
            while (rest := stream.readline(CHUNK)) and not rest.endswith(b"\n"):
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
        url=optional_str(fields, "url"),
        fetched_at=parse_timestamp(fetched_at) if fetched_at is not None else None,
        title=optional_str(fields, "title"),
    )
