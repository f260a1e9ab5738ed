"""clean_confidence: how sure the cleaner is that a document's text is the article, carried from
the page into the record and the Parquet file, and shown by `show`, `stats` and the report. The
confidence is set on the page here: the model that sets it in a run is another layer's business."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import lxml.html
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from textwash.cli import app
from textwash.model.page import Page
from textwash.model.metadata import Metadata
from textwash.model.record import build_document
from textwash.report import write_report
from textwash.report.figures import page_of
from textwash.run.driver import run_dataset
from textwash.model.schema import SCHEMA_VERSION
from textwash.stats import dataset_stats
from textwash.dataset.store import write_parquet_atomic

NOW = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
ARTICLE = ("The city council voted on Tuesday to expand the bus network into the northern districts.\n"
           "Under the plan, the council will add four new bus routes and extend two existing ones.")


def document(source: str, confidence: float | None) -> dict:
    """The record of ARTICLE as `source`, its page judged `confidence`."""
    page = Page.from_text(ARTICLE)
    page.confidence = confidence
    return build_document(source=source, source_sha256=source * 2, page=page, meta=Metadata(), language="en",
                          encoding="utf-8", repaired=False, processed_at=NOW)


# The confidence the pages of a run are judged, by source.
JUDGED = {"low.txt": 0.3, "high.txt": 0.9, "unjudged.txt": None}


def write_raw(raw: Path, sources) -> None:
    raw.mkdir(exist_ok=True)
    for source in sources:
        (raw / source).write_text(f"{ARTICLE}\nThis copy is {source}.", encoding="utf-8")


@pytest.fixture
def judged_dataset(tmp_path, judged_pages) -> Path:
    """A dataset of one low-confidence document, one confident and one no layer judged."""
    write_raw(tmp_path / "raw", JUDGED)
    judged_pages.update(JUDGED)
    run_dataset(tmp_path / "raw", tmp_path / "out")
    return tmp_path / "out"



def test_a_record_carries_its_pages_confidence_rounded():
    assert document("a.txt", 0.123456)["clean_confidence"] == 0.123
    assert document("b.txt", 1.0)["clean_confidence"] == 1.0
    assert document("c.html", None)["clean_confidence"] is None  # no layer judged the page


def test_schema_4_round_trips_the_confidence(tmp_path: Path):
    path = tmp_path / "documents" / "part.parquet"
    write_parquet_atomic([document("a.txt", 0.42), document("b.html", None)], "documents", path)
    table = pq.read_table(path)
    assert table.schema.metadata[b"textwash.schema_version"] == SCHEMA_VERSION.encode()
    assert table.schema.field("clean_confidence") == pa.field("clean_confidence", pa.float64(), nullable=True)
    assert table["clean_confidence"].to_pylist() == [0.42, None]


def test_show_prints_each_records_confidence(judged_dataset):
    shown = CliRunner().invoke(app, ["show", str(judged_dataset)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    confidence_by_source, source = {}, None
    for line in shown.output.splitlines():
        if line.strip("─ ") in JUDGED:  # the rule that opens a record
            source = line.strip("─ ")
        elif line.strip().startswith("confidence "):
            confidence_by_source[source] = line.strip().removeprefix("confidence ")
    assert confidence_by_source == {"high.txt": "0.9", "low.txt": "0.3 (low)", "unjudged.txt": "n/a"}


def test_stats_count_the_low_confidence_documents_and_name_them(judged_dataset):
    figures = dataset_stats(judged_dataset)["confidence"]
    assert (figures["low"], figures["judged"], figures["lowest"]) == (1, 2, [("low.txt", 0.3)])
    assert dict(figures["distribution"]) == {"0-0.25": 0, "0.25-0.5": 1, "0.5-0.75": 0, "0.75-1": 1, "n/a": 1}
    printed = CliRunner().invoke(app, ["stats", str(judged_dataset)], env={"COLUMNS": "200"})
    assert printed.exit_code == 0, printed.output
    assert "confidence: 1 of 2 judged documents below 0.5 (low)" in printed.output
    (row,) = [line for line in printed.output.splitlines() if "low.txt" in line]
    assert "0.3" in row


def test_the_report_flags_low_confidence_documents(tmp_path):
    rows = [document(source, confidence) for source, confidence in JUDGED.items()]
    write_parquet_atomic(rows, "documents", tmp_path / "ds" / "documents" / "part.parquet")
    index = write_report(tmp_path / "ds", tmp_path / "report")
    page_by_source = {row["source"]: index.parent / page_of(row["doc_id"]) for row in rows}

    overview = lxml.html.parse(str(index)).getroot()
    figures = {term.text_content(): term.getnext().text_content() for term in overview.xpath("//dl[@class='figures']//dt")}
    assert figures["Low confidence"] == "1 of 2 judged"
    (listed,) = overview.xpath("//*[@id='low-confidence']//tbody/tr")
    assert [cell.text_content() for cell in listed.xpath("td")] == ["low.txt", "", "0.3 (low)"]
    assert (index.parent / listed.xpath(".//a")[0].get("href")).resolve() == page_by_source["low.txt"].resolve()
    confidence_column = {row.xpath("td")[0].text_content(): row.xpath("td")[-1].text_content()
                         for row in overview.xpath("//*[@id='document-list']/tbody/tr")}
    assert confidence_column == {"high.txt": "0.9", "low.txt": "0.3 (low)", "unjudged.txt": "n/a"}
    # What the list's "only low confidence" filter keeps.
    assert [row.xpath("td//a")[0].text_content() for row in overview.xpath("//*[@id='document-list']/tbody/tr")
            if row.get("data-low") == "1"] == ["low.txt"]

    def banner(source: str) -> list:
        return lxml.html.parse(str(page_by_source[source])).getroot().xpath("//*[@role='note']")

    (low,) = banner("low.txt")
    assert low.text_content().startswith("Low confidence: the cleaner was unsure this is the article")
    assert banner("high.txt") == [] and banner("unjudged.txt") == []
