"""The one place that defines what textwash writes: the document and reject record schemas.

Every column is typed explicitly so that DuckDB, Polars, pandas and Spark read the files as they
are. The schema version travels in each Parquet file's key-value metadata; bump it whenever a
column is added, removed or changes type.
"""
from __future__ import annotations

import pyarrow as pa

from textwash import __version__

SCHEMA_VERSION = "5"  # 2: fetched_at, source_format, tags; 3: duplicate_of; 4: clean_confidence;
# 5: metadata_sources

# Below this clean_confidence the cleaner was unsure the kept text is the article: show, stats and
# the report single such documents out.
LOW_CONFIDENCE = 0.5

# A cut: its text, why, and where it stood (index of the kept paragraph it preceded).
REMOVED_SPAN = pa.struct([("text", pa.string()), ("reason", pa.string()), ("paragraph", pa.int32())])

DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("source_sha256", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        # When the scraper fetched the page (JSONL field, WARC-Date, sidecar); null if not given.
        pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
        # What the input was: text, html, jsonl/text, jsonl/html or warc/html.
        pa.field("source_format", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("description", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("publisher", pa.string()),
        pa.field("dateline", pa.string()),
        pa.field("published", pa.date32()),
        pa.field("section", pa.list_(pa.string())),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("language", pa.string()),
        # Where each metadata column's value came from: column name -> source, for the columns that
        # hold a value (title, description, authors, publisher, dateline, published, section,
        # tags, language). Sources: "text" (read from the text's lines), "langid" (language
        # detected from the text), "scraper" (a title the input gave), "trafilatura", or the HTML
        # reader's (inputs/html_metadata.py): "json-ld", "opengraph", "meta:<name>", "title-tag",
        # "h1", "byline", "rel=author", "itemprop=author", "htmldate", "time", "html-lang".
        # Empty when no column holds a value; null in files written before schema version 5.
        pa.field("metadata_sources", pa.map_(pa.string(), pa.string())),
        pa.field("text", pa.string(), nullable=False),
        pa.field("word_count", pa.int32(), nullable=False),
        # How sure the cleaner is that `text` is the article (0-1); null when no layer judged the page.
        pa.field("clean_confidence", pa.float64()),
        pa.field("content_sha256", pa.string(), nullable=False),
        # doc_id of the first-seen document with the same or nearly the same text; null if none.
        pa.field("duplicate_of", pa.string()),
        pa.field("removed", pa.list_(REMOVED_SPAN)),
        pa.field("encoding", pa.string()),
        pa.field("repaired", pa.bool_()),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("processed_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("source_sha256", pa.string()),
        pa.field("size_bytes", pa.int64()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("processed_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)


def confidence_label(confidence: float | None) -> str:
    """A document's clean_confidence as `show` and the report print it: as stored (three decimals
    at most), so that a value just below the threshold does not print as the threshold.

    >>> confidence_label(0.42), confidence_label(0.499), confidence_label(0.9), confidence_label(None)
    ('0.42 (low)', '0.499 (low)', '0.9', 'n/a')
    """
    if confidence is None:
        return "n/a"
    return f"{confidence:.3g} (low)" if is_low_confidence(confidence) else f"{confidence:.3g}"


def is_low_confidence(confidence: float | None) -> bool:
    """Whether the cleaner was unsure the text is the article; a page no layer judged is not low.

    >>> is_low_confidence(0.499), is_low_confidence(0.5), is_low_confidence(None)
    (True, False, False)
    """
    return confidence is not None and confidence < LOW_CONFIDENCE


def file_metadata(kind: str) -> dict[bytes, bytes]:
    """Key-value metadata stored in every Parquet file textwash writes."""
    return {
        b"textwash.schema_version": SCHEMA_VERSION.encode(),
        b"textwash.pipeline_version": __version__.encode(),
        b"textwash.kind": kind.encode(),
    }


def to_table(rows: list[dict], schema: pa.Schema, kind: str) -> pa.Table:
    """Build a table of `rows` (dicts keyed by column name) in `schema`, with textwash metadata."""
    table = pa.Table.from_pylist(rows, schema=schema)
    return table.replace_schema_metadata(file_metadata(kind))
