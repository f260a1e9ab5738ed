"""clean_confidence: how sure the cleaner is that a document's text is the article, carried from
the page into the record and the Parquet file, and shown by `show`, `stats` and the report. The
confidence is set on the page here: the model that sets it in a run is another layer's business."""
from __future__ import annotations

import datetime as dt
import doctest
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from textwash import schema
from textwash.lines import Page
from textwash.metadata import Metadata
from textwash.record import build_document
from textwash.schema import SCHEMA_VERSION
from textwash.write import write_parquet_atomic

NOW = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
ARTICLE = ("The city council voted on Tuesday to expand the bus network into the northern districts.\n"
           "Under the plan, the council will add four new bus routes and extend two existing ones.")


def document(source: str, confidence: float | None) -> dict:
    """The record of ARTICLE as `source`, its page judged `confidence`."""
    page = Page.from_text(ARTICLE)
    page.confidence = confidence
    return build_document(source=source, source_sha256=source * 2, page=page, meta=Metadata(), language="en",
                          encoding="utf-8", repaired=False, processed_at=NOW)


def test_the_helpers_examples_hold():
    assert doctest.testmod(schema).failed == 0


def test_a_record_carries_its_pages_confidence_rounded():
    assert document("a.txt", 0.123456)["clean_confidence"] == 0.123
    assert document("b.txt", 1.0)["clean_confidence"] == 1.0
    assert document("c.html", None)["clean_confidence"] is None  # no layer judged the page


def test_schema_4_round_trips_the_confidence(tmp_path: Path):
    path = tmp_path / "documents" / "part.parquet"
    write_parquet_atomic([document("a.txt", 0.42), document("b.html", None)], "documents", path)
    table = pq.read_table(path)
    assert SCHEMA_VERSION == "4" and table.schema.metadata[b"textwash.schema_version"] == b"4"
    assert table.schema.field("clean_confidence") == pa.field("clean_confidence", pa.float64(), nullable=True)
    assert table["clean_confidence"].to_pylist() == [0.42, None]
