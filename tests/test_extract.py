"""HTML extraction: the capped worker, page metadata, and its merge with the text-level metadata."""
import datetime as dt
import gzip
import json

import pytest

from conftest import DATA
from shingles import precision_recall_f1
from textwash.inputs.extract import ExtractTimeout, HtmlExtractor, PageMetadata, extract_page, merge_metadata, too_deep
from textwash.inputs.formats import parse_timestamp
from textwash.model.metadata import Metadata
from textwash.config import Settings
from textwash.document import process_batch

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
AUDI = DATA / "html" / "3cb22bfabed8de715c0813a7bb5052363c96bd71ccce3bb2dfb3ab9d1d7a9bbc.html.gz"


def slow_page(blocks: int = 20_000) -> str:
    """About 2 MB of small link-laden blocks: several seconds of trafilatura's time."""
    return "<html><body>" + "".join(
        f"<div><p>Paragraph {i} with a few words of text in it.</p><a href='/x{i}'>link {i}</a></div>" for i in range(blocks)
    ) + "</body></html>"


def test_worker_gives_what_in_process_extraction_gives():
    html = gzip.decompress(AUDI.read_bytes()).decode("utf-8")
    with HtmlExtractor(timeout=60) as extractor:
        assert extractor.extract(html) == extract_page(html)


def test_a_page_over_the_time_cap_is_a_reject_and_the_batch_goes_on(tmp_path):
    (tmp_path / "a-slow.html").write_text(slow_page())
    (tmp_path / "b-good.html.gz").write_bytes(AUDI.read_bytes())
    result = process_batch(tmp_path, ["a-slow.html", "b-good.html.gz"], NOW, Settings(extract_timeout=0.5))
    assert [row["source"] for row in result.documents] == ["b-good.html.gz"]
    [reject] = result.rejects
    assert (reject["source"], reject["reason"]) == ("a-slow.html", "extract-timeout")
    assert "0.5 s" in reject["detail"] and reject["size_bytes"] > 1_000_000


def test_extractor_raises_on_timeout_and_recovers():
    html = gzip.decompress(AUDI.read_bytes()).decode("utf-8")
    with HtmlExtractor(timeout=0.5) as extractor:
        with pytest.raises(ExtractTimeout):
            extractor.extract(slow_page())
        assert "e-tron Sportback" in extractor.extract(html).text


def test_each_test_page_gives_its_article_whichever_pass_finds_it():
    """Three pages' articles come from the first (fast) pass; on the Brazilian one it finds nothing,
    and the full cascade must find the article, not settle for recall mode's page chrome."""
    truth = json.loads((DATA / "html" / "truth.json").read_text(encoding="utf-8"))
    for page_id, page in truth.items():
        html = gzip.decompress((DATA / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
        precision, recall, _ = precision_recall_f1([(extract_page(html).text, page["body"])])
        assert precision >= 0.8 and recall >= 0.95, (page_id, precision, recall)


def test_depth_scan_counts_only_elements_that_nest():
    assert too_deep("<div>" * 5, 5) is None and too_deep("<div>" * 5, 4) == 20
    flat = ("<div>" * 4 + "<br/><img src='a/b'><p>x<p>y<li>z" + "<span />" * 3 + "<!-- <div><div> -->"
            + "<script>if (a<b) { '<div>' }</script>" + "</DIV ><div class='a'>")
    assert too_deep(flat, 4) is None
    assert too_deep(flat + "<section data-path='1/2'>", 4) == len(flat)


def test_page_metadata_wins_where_present():
    text = Metadata(title="Text title", description="Text standfirst", authors=["Text Author"],
                    publisher="AP", dateline="BERLIN", published=dt.date(2020, 1, 1), section=["World"])
    page = PageMetadata(title="Page title", authors=["Page Author"], published=dt.date(2021, 2, 3))
    merged = merge_metadata(page, text)
    assert (merged.title, merged.authors, merged.published) == ("Page title", ["Page Author"], dt.date(2021, 2, 3))
    assert (merged.description, merged.publisher, merged.dateline, merged.section) == ("Text standfirst", "AP", "BERLIN", ["World"])


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-05-06T07:08:09Z", dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)),
        ("2024-05-06T09:08:09+02:00", dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)),
        ("2024-05-06 07:08:09", dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)),
        (1714979289, dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)),
    ],
)
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize("value", ["yesterday", True, None, [2024]])
def test_parse_timestamp_refuses_what_is_not_a_time(value):
    with pytest.raises(ValueError):
        parse_timestamp(value)
