"""Record: assemble the document and reject rows in the shape schema.py defines."""
from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import urlsplit

from textwash import __version__
from textwash.model.page import Page
from textwash.model.metadata import Metadata


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def url_site(url: str | None) -> str | None:
    """The site of a URL: its host without "www."; None without a host. Templates, the report and
    stats each fall back from it in their own way (the source's folder, "(no URL)", the publisher).

    >>> url_site("https://www.example.org/news/a.html"), url_site("not a url")
    ('example.org', None)
    """
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def document_id(source: str, source_sha256: str) -> str:
    """Stable id of one version of one input: the same source with the same bytes, the same id."""
    return sha256_hex(f"{source}\n{source_sha256}".encode())[:32]


# The columns metadata_sources speaks for, and where a value came from when the metadata's
# `sources` do not say: the text reader, or for the language its detection.
METADATA_COLUMNS = ("title", "description", "authors", "publisher", "dateline", "published", "section", "tags",
                    "language")
_DEFAULT_SOURCE = {"language": "langid"}


def metadata_sources(row: dict, sources: dict[str, str]) -> list[tuple[str, str]]:
    """(column, source) for each metadata column of `row` that holds a value, in column order.

    >>> metadata_sources({"title": "T", "authors": [], "language": "en", "published": None},
    ...                  {"title": "json-ld", "authors": "byline"})
    [('title', 'json-ld'), ('language', 'langid')]
    """
    return [(column, sources.get(column) or _DEFAULT_SOURCE.get(column, "text"))
            for column in METADATA_COLUMNS if row.get(column)]


def build_document(
    *,
    source: str,
    source_sha256: str,
    page: Page,
    meta: Metadata,
    language: str | None,
    encoding: str,
    repaired: bool,
    processed_at: dt.datetime,
    url: str | None = None,
    fetched_at: dt.datetime | None = None,
    source_format: str = "text",
    tags: list[str] | None = None,
) -> dict:
    text = page.text()
    row = {
        "doc_id": document_id(source, source_sha256),
        "source": source,
        "source_sha256": source_sha256,
        "url": url,
        "fetched_at": fetched_at,
        "source_format": source_format,
        "title": meta.title,
        "description": meta.description,
        "authors": meta.authors,
        "publisher": meta.publisher,
        "dateline": meta.dateline,
        "published": meta.published,
        "section": meta.section,
        "tags": tags or [],
        "language": language,
        "text": text,
        "word_count": sum(line.words for line in page.kept()),  # words never span lines: WORD.findall(text)
        "clean_confidence": round(page.confidence, 3) if page.confidence is not None else None,
        "content_sha256": sha256_hex(text.encode()),
        "removed": page.removed(),
        "encoding": encoding,
        "repaired": repaired,
        "pipeline_version": __version__,
        "processed_at": processed_at,
    }
    row["metadata_sources"] = metadata_sources(row, meta.sources)
    return row


def build_reject(
    *,
    source: str,
    reason: str,
    detail: str,
    processed_at: dt.datetime,
    source_sha256: str | None = None,
    size_bytes: int | None = None,
) -> dict:
    return {
        "source": source,
        "source_sha256": source_sha256,
        "size_bytes": size_bytes,
        "reason": reason,
        "detail": detail,
        "pipeline_version": __version__,
        "processed_at": processed_at,
    }
