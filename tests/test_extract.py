"""HTML extraction: the capped worker, page metadata, and its merge with the text-level metadata."""
import datetime as dt
import gzip
import json

import pytest

from conftest import DATA
from shingles import precision_recall_f1
from textwash.inputs.extract import ExtractTimeout, HtmlExtractor, PageMetadata, extract_page, merge_metadata, too_deep
from textwash.inputs.items import parse_timestamp
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


def test_page_metadata_is_our_readers_and_trafilaturas_fills_each_field_it_leaves_empty():
    from types import SimpleNamespace

    from textwash.inputs.extract import _page_metadata
    from textwash.inputs.html_metadata import PageMetadataGuess

    ours = PageMetadataGuess(title="Our title", published="2021-02-03T04:05", language="pt-BR",
                             sources={"title": "json-ld", "published": "meta:article:published_time",
                                      "language": "html-lang"})
    theirs = SimpleNamespace(title="Their title | Site", author="Ann Lee; Bo Chan", date="2020-01-01", sitename="Site",
                             description=None, categories=["World, Europe"], tags=None, url="https://x.example/a",
                             language=None)
    page = _page_metadata(ours, theirs)
    assert (page.title, page.authors, page.published, page.publisher) == (
        "Our title", ["Ann Lee", "Bo Chan"], dt.date(2021, 2, 3), "Site")
    assert (page.description, page.categories, page.tags, page.language) == (None, ["World", "Europe"], [], "pt")
    assert page.sources == {"title": "json-ld", "authors": "trafilatura", "published": "meta:article:published_time",
                            "publisher": "trafilatura", "section": "trafilatura", "language": "html-lang"}


def test_extract_page_reads_the_pages_own_statements():
    head = ("<title>Bridges of the valley | River Gazette</title>"
            "<meta property='og:site_name' content='River Gazette'>"
            "<meta property='og:description' content='A short history.'>"
            "<meta name='author' content='By Maria Lopez'>"
            "<meta property='article:published_time' content='2023-05-04T18:30:00-05:00'>")
    body = "<article><h1>Bridges of the valley</h1>" + "<p>The old stone bridge was built in 1850 by the town.</p>" * 30
    meta = extract_page(f"<html lang='en-GB'><head>{head}</head><body>{body}</body></html>").meta
    assert (meta.title, meta.authors, meta.publisher, meta.published, meta.description, meta.language) == (
        "Bridges of the valley", ["Maria Lopez"], "River Gazette", dt.date(2023, 5, 4), "A short history.", "en")
    assert meta.sources == {"title": "title-tag", "authors": "meta:author", "publisher": "opengraph",
                            "published": "meta:article:published_time", "description": "opengraph",
                            "language": "html-lang"}


def test_merge_records_each_fields_source_and_the_detected_language_wins():
    text = Metadata(title="Text title", description="Text standfirst", dateline="BERLIN", language="de",
                    section=["World"])
    page = PageMetadata(title="Page title", authors=["Ann Lee"], language="en", tags=["a"],
                        sources={"title": "json-ld", "authors": "byline", "language": "html-lang", "tags": "trafilatura"})
    merged = merge_metadata(page, text)
    assert merged.language == "de"  # the declared language only fills in for detection
    assert merged.sources == {"title": "json-ld", "authors": "byline", "tags": "trafilatura"}
    undetected = merge_metadata(page, Metadata())
    assert undetected.language == "en" and undetected.sources["language"] == "html-lang"


def test_documents_carry_their_metadata_sources(tmp_path):
    """An HTML page's fields name the reader's sources; a text dump's name the text reader ("text")
    and language detection ("langid"); a field without a value has no entry."""
    (tmp_path / "page.html.gz").write_bytes(AUDI.read_bytes())
    (tmp_path / "dump.txt").write_text("Bridges of the valley\n\nBy Maria Lopez\n\n"
                                       + "The old stone bridge was built in 1850 by the town council.\n" * 5)
    result = process_batch(tmp_path, ["dump.txt", "page.html.gz"], NOW, Settings(extract_timeout=None))
    rows = {row["source"]: row for row in result.documents}
    dump, page = dict(rows["dump.txt"]["metadata_sources"]), dict(rows["page.html.gz"]["metadata_sources"])
    assert dump == {"title": "text", "authors": "text", "language": "langid"}
    assert page == {"title": "json-ld", "description": "opengraph", "authors": "json-ld", "publisher": "json-ld",
                    "published": "json-ld", "tags": "trafilatura", "language": "langid"}


def test_a_page_of_several_posts_keeps_every_post():
    posts = [
        ("Notes from the allotment", "The broad beans went in on a cold Saturday morning, two rows of twenty, "
                                     "and the soil was still heavy from the rain."),
        ("Fixing the garden gate", "The hinge had rusted through at the top, so I replaced both hinges and planed "
                                   "the bottom edge to stop it dragging."),
        ("A week of soup", "Leek and potato on Monday, then lentil with cumin, and by Friday a thin broth made from "
                           "whatever was left over."),
    ]
    body = "".join(f'<article class="post"><h2>{title}</h2><p>{text}</p></article>' for title, text in posts)
    html = ('<html><head><title>Small garden diary</title></head><body>'
            '<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/archive">Archive</a></nav>'
            f'<main>{body}</main><footer>Powered by a static site generator</footer></body></html>')
    text = extract_page(html).text
    assert all(post in text for _, post in posts)
    assert "Archive" not in text and "Powered by" not in text


def test_a_tiny_page_trafilatura_keeps_little_of_takes_the_fallback_text():
    # trafilatura drops repeats of a paragraph, here keeping 2 of 6 choruses: under 60% of the
    # page's main content, so resiliparse's text of it is taken instead.
    chorus = ("<p>Row, row, row your boat, gently down the stream; merrily, merrily, merrily, merrily, "
              "life is but a dream.</p>")
    html = ('<html><head><title>Rounds to sing</title></head><body><nav><a href="/">Home</a></nav><article>'
            '<h1>Rounds to sing</h1><p>The second voice comes in after the first line.</p>' + chorus * 6 +
            '</article><footer>Contact us</footer></body></html>')
    text = extract_page(html).text
    assert text.count("life is but a dream") == 6
    assert "Contact us" not in text
    # A text not much shorter than the fallback's stays as trafilatura kept it.
    from textwash.inputs.extract import _fallback_text
    line = "Row, row, row your boat, gently down the stream; merrily, merrily, merrily, merrily, life is but a dream.\n"
    kept = "Rounds to sing\nThe second voice comes in after the first line.\n" + line * 4
    assert _fallback_text(html, kept) == kept


def test_an_early_copyright_notice_does_not_end_an_extracted_page():
    from textwash.cleaning.end_rules import apply_end_rules
    from textwash.cleaning.ruleset import load_rules
    from textwash.model.page import Page

    prose = "This paragraph of the specification explains one more part of the protocol in some detail here."
    text = "\n".join([prose] * 4 + ["Copyright Notice", "Copyright (c) 2014 the authors. All rights reserved."]
                     + [prose] * 12)
    rules = load_rules(None)
    extracted = Page.from_text(text)
    apply_end_rules(extracted, rules, extracted=True)
    assert extracted.text().count(prose) == 16
    dump = Page.from_text(text)  # a text dump keeps the old rule: the notice ends the article
    apply_end_rules(dump, rules)
    assert dump.text().count(prose) == 4
