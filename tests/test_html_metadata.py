"""The HTML metadata reader (inputs/html_metadata.py) on small hand-written pages, none copied from
the dev sets, and its doctests."""
import doctest
import json

import pytest

from textwash.inputs import extract, html_metadata
from textwash.model import record
from textwash.report import render
from textwash.inputs.html_metadata import PageMetadataGuess, read_metadata


def page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html lang='en'><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def ld(obj) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


@pytest.mark.parametrize("module", [html_metadata, extract, record, render], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_jsonld_graph_with_author_list():
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "River Valley Gazette", "url": "https://gazette.example/"},
            {"@type": "WebPage", "name": "Council approves new bridge - River Valley Gazette"},
            {"@type": "NewsArticle", "headline": "Council approves new bridge",
             "datePublished": "2023-05-04T18:30:00-05:00",
             "author": [{"@type": "Person", "name": "Maria Lopez"}, {"@type": "Person", "name": "Tom Reed"}],
             "publisher": {"@type": "Organization", "name": "River Valley Gazette"}},
        ],
    }
    g = read_metadata(page("<title>Council approves new bridge | River Valley Gazette</title>" + ld(graph)))
    assert g.title == "Council approves new bridge"
    assert g.authors == ["Maria Lopez", "Tom Reed"]
    assert g.site_name == "River Valley Gazette"
    assert g.published[:10] == "2023-05-04"  # the page's own calendar day, not UTC's
    assert g.sources["title"] == g.sources["authors"] == g.sources["site_name"] == "json-ld"


def test_jsonld_in_cdata_and_single_author_object():
    block = ('<script type="application/ld+json">//<![CDATA[\n'
             + json.dumps({"@context": "https://schema.org", "@type": "BlogPosting", "headline": "Tuning ovens",
                           "author": {"@type": "Person", "name": "Ada Byrne"}}) + "\n//]]></script>")
    g = read_metadata(page(block))
    assert (g.title, g.authors) == ("Tuning ovens", ["Ada Byrne"])


def test_opengraph_only_page():
    head = ('<meta property="og:title" content="Ten ways to grow basil indoors">'
            '<meta property="og:site_name" content="Green Thumb Weekly">'
            '<meta property="og:description" content="Light, water and patience.">'
            '<meta property="article:published_time" content="2021-03-09T08:00:00+01:00">')
    g = read_metadata(page(head))
    assert g.title == "Ten ways to grow basil indoors"
    assert g.site_name == "Green Thumb Weekly"
    assert g.description == "Light, water and patience."
    assert g.published.startswith("2021-03-09")
    assert g.sources["title"] == "opengraph" and g.sources["site_name"] == "opengraph"
    assert g.language == "en"


@pytest.mark.parametrize("title, site, want", [
    ("Why rivers flood | Hydrology Today", "Hydrology Today", "Why rivers flood"),
    ("HT - Why rivers flood in spring", "HT", "Why rivers flood in spring"),
    ("Why rivers flood - a primer » Hydrology Today", "Hydrology Today", "Why rivers flood - a primer"),
    # the trailing part is not the site: keep the title whole
    ("Evolve: a history - the extension for version control", "Hydrology Today",
     "Evolve: a history - the extension for version control"),
])
def test_title_site_affix(title, site, want):
    g = read_metadata(page(f"<title>{title}</title><meta property='og:site_name' content='{site}'>"))
    assert g.title == want


def test_title_suffix_from_host_name():
    g = read_metadata(page("<title>Notes on caching | Quietbytes</title>"
                           "<link rel='canonical' href='https://www.quietbytes.example/notes'>"))
    assert g.title == "Notes on caching"


@pytest.mark.parametrize("byline, want", [
    ("By Priya Nair and Owen Clarke", ["Priya Nair", "Owen Clarke"]),
    ("BY PRIYA NAIR, OWEN CLARKE", ["PRIYA NAIR", "OWEN CLARKE"]),
    ("Par Claire Dubois", ["Claire Dubois"]),
    ("By Priya Nair, Senior Correspondent", ["Priya Nair"]),
    ("By Priya Nair | Updated March 4, 2022 at 9:15 am", ["Priya Nair"]),
])
def test_byline_in_text(byline, want):
    body = f"<article><h1>A headline</h1><div class='story-byline'>{byline}</div><p>Text.</p></article>"
    g = read_metadata(page("<title>A headline</title>", body))
    assert g.authors == want
    assert g.sources["authors"] == "byline"


def test_meta_author_beats_sidebar_and_drops_site_name():
    head = ("<meta property='og:site_name' content='Harbor Post'>"
            "<meta name='author' content='Harbor Post Staff'>"
            "<meta name='parsely-author' content='Lena Fischer'>")
    g = read_metadata(page(head))
    assert g.authors == ["Lena Fischer"]
    assert g.sources["authors"] == "meta:parsely-author"


def test_rel_author_link_after_heading():
    body = ("<nav><a rel='author' href='/u/1'>Menu Person</a></nav><h1>Story</h1>"
            "<p>by <a rel='author' href='/u/2'>Sam Okafor</a></p>")
    g = read_metadata(page("", body))
    assert g.authors == ["Sam Okafor"]
    assert g.sources["authors"] == "rel=author"


def test_dublin_core_preferred_over_title_tag():
    g = read_metadata(page("<title>Element title</title><meta name='dc.title' content='Stated title'>"
                           "<meta name='dc.creator' content='Rui Costa'>"))
    assert (g.title, g.authors) == ("Stated title", ["Rui Costa"])


@pytest.mark.parametrize("hostile", [
    "", "   ", "\x00\x01\x02" * 1000, "not html at all", "<", "<<<>>>",
    "<html>" + "<div>" * 50_000 + "deep" + "</div>" * 50_000 + "</html>",
    "<html><head><title>" + "x" * 5_000_000 + "</title></head></html>",
    bytes(range(256)).decode("latin-1") * 200,
    page('<script type="application/ld+json">' + "[" * 40 + '{"@type": "Article", "headline": "x"}' + "]" * 40 + "</script>"),
    page('<script type="application/ld+json">' + "[" * 100_000 + "</script>"),
    page('<script type="application/ld+json">{"@type": "NewsArticle", "author": 7, "headline": ["x"], '
         '"datePublished": {"a": 1}, "publisher": [null, 3]}</script>'),
    page("<meta property='article:published_time' content='2020-99-99'><time datetime='9999-01-01'>x</time>"),
])
def test_hostile_input_never_raises(hostile):
    g = read_metadata(hostile)
    assert isinstance(g, PageMetadataGuess)


def test_non_string_input_gives_empty_guess():
    assert read_metadata(None) == PageMetadataGuess()  # type: ignore[arg-type]
    assert read_metadata(b"<html></html>") == PageMetadataGuess()  # type: ignore[arg-type]


def test_dates_that_disagree_go_to_htmldate():
    head = ("<meta property='article:published_time' content='2019-06-01T10:00:00'>"
            + ld({"@context": "https://schema.org", "@type": "Article", "headline": "H",
                  "datePublished": "2019-06-03T10:00:00"}))
    g = read_metadata(page(head, "<p>Posted 2019-06-01</p>"), "https://example.org/2019/06/01/h")
    assert g.published is not None and g.sources["published"] == "htmldate"


def test_guess_is_frozen():
    g = read_metadata(page("<title>Some page title here</title>"))
    with pytest.raises(Exception):
        g.title = "x"  # type: ignore[misc]
