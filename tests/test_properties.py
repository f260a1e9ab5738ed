"""Properties of decode, repair, clean and metadata on generated input (hypothesis): they never
raise on any bytes or text, nothing vanishes without a recorded reason, a second cleaning pass
takes nothing more by content, and metadata only ever holds what the input says.

Example counts come from the hypothesis profile (tests/conftest.py): modest by default, more
with HYPOTHESIS_PROFILE=thorough.
"""
from __future__ import annotations

import datetime as dt
import gzip
import html
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, SAMPLES
from textwash.reasons import MODEL_FAMILY
from textwash.inputs.decode import DecodeError, decode
from textwash.reasons import Rejected
from textwash.inputs.extract import HtmlExtractor
from textwash.inputs.items import HTML, InputItem
from textwash.config import Settings
from textwash.document import clean_text, prepare, process_prepared
from textwash.inputs.repair import repair
from textwash.cleaning.ruleset import load_rules

RULES = load_rules(None)
NOW = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
SAMPLE_LINES = [line for path in sorted(SAMPLES.glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n")]
# Lines that wake the metadata reader and the rules: bylines, dates, datelines, sections, chrome.
HEADER_LINES = ["By Jane Doe and John Roe", "Published 12 March 2024", "2024-03-12", "LONDON (AP) —",
                "BERLIN —", "Analysis | Europe", "Share this article", "Sign up for our newsletter",
                "Reporting by Ann Lee; editing by Bo Chan", "date 2018-01-10 The battle began", "", "   "]
line = st.one_of(st.sampled_from(SAMPLE_LINES), st.sampled_from(HEADER_LINES), st.text(max_size=120))
document = st.lists(line, max_size=60).map("\n".join)
# Text bytes in a few encodings, damaged at random, and plain random bytes.
encoded = st.tuples(document, st.sampled_from(["utf-8", "cp1252", "utf-16", "latin-1", "shift_jis"])).map(
    lambda pair: pair[0].encode(pair[1], "replace"))
any_bytes = st.one_of(st.binary(max_size=3000), encoded,
                      st.tuples(encoded, st.binary(max_size=20), st.integers(0, 2000)).map(
                          lambda t: t[0][:t[2]] + t[1] + t[0][t[2]:]))
RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def tokens(text: str) -> Counter:
    return Counter(text.split())


@RELAXED
@given(any_bytes)
def test_decode_never_raises_but_a_reject_on_any_bytes(data):
    try:
        decoded = decode(data)
    except DecodeError as exc:
        assert exc.reason in {"empty", "binary", "undecodable"} and exc.detail
        return
    assert "\r" not in decoded.text and decoded.encoding


@RELAXED
@given(st.text(max_size=2000))
def test_repair_never_raises_and_is_idempotent(text):
    once = repair(text)
    assert repair(once.text).text == once.text
    assert once.changed == (once.text != text)


@RELAXED
@given(document)
def test_clean_text_and_removed_spans_account_for_every_word(text):
    """Every whitespace-separated token of the input is in the clean text or in a removed span:
    nothing vanishes without a recorded reason (line joins by unwrap move no token)."""
    text = repair(text).text
    page, _ = clean_text(text, RULES)
    kept_and_removed = page.text() + "\n" + "\n".join(span["text"] for span in page.removed())
    assert tokens(kept_and_removed) == tokens(text)
    assert all(span["reason"] for span in page.removed())


def judged_anew(reason: str) -> bool:
    """Reasons of the layers that judge a line by what surrounds it in the kept text: the header
    zone (metadata) and the segment model (its features read the neighbours and the whole page)."""
    return reason.startswith(("metadata:", "before the dateline", f"{MODEL_FAMILY}:"))


@RELAXED
@given(document)
def test_a_second_cleaning_pass_takes_nothing_more_by_content(text):
    """Stated exception: once the first pass has taken lines out, others stand in new company (a
    line becomes the first, the page's prose is a larger share), so the layers that judge a line by
    its surroundings may take more on a second pass. The boilerplate and end-of-article rules never
    do; on real articles nothing more goes at all (the test after this one)."""
    page, _ = clean_text(repair(text).text, RULES)
    again, _ = clean_text(page.text(), RULES)
    assert [span for span in again.removed() if not judged_anew(span["reason"])] == []


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.txt")) + sorted((DATA / "eval_pages").glob("*.txt")),
                         ids=lambda p: p.name[:12])
def test_a_second_pass_over_a_real_article_removes_nothing(path):
    page, _ = clean_text(repair(path.read_text(encoding="utf-8")).text, RULES)
    again, _ = clean_text(page.text(), RULES)
    assert again.removed() == [] and again.text() == page.text()


def folded(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).strip().casefold()


def assert_metadata_from_input(row: dict, source_text: str) -> None:
    """Every metadata value is in the input, up to entities, white space and letter case (a page's
    site name comes capitalised from its host name: "Comwrap" from blog.comwrap.com)."""
    source_text = folded(source_text)
    for value in [row["title"], row["description"], row["publisher"], row["dateline"], *row["authors"],
                  *row["section"], *row["tags"]]:
        if value:
            assert folded(value) in source_text, value
    if row["published"]:
        date = row["published"]
        assert str(date.year) in source_text and str(date.day) in source_text


@RELAXED
@given(document)
def test_metadata_holds_only_what_the_text_says(text):
    item = InputItem("doc.txt", text.encode("utf-8", "surrogatepass"), "text", "text")
    try:
        prepared = prepare(item, HtmlExtractor(None))
        row = process_prepared(prepared, NOW, RULES)
    except Rejected:
        return
    assert_metadata_from_input(row, prepared.repaired.text)


@pytest.mark.parametrize("path", sorted((DATA / "html").glob("*.html.gz")), ids=lambda p: p.name[:12])
def test_page_metadata_holds_only_what_the_page_says(path):
    page = gzip.decompress(path.read_bytes())
    prepared = prepare(InputItem(path.name, page, HTML, HTML), HtmlExtractor(None))
    row = process_prepared(prepared, NOW, RULES)
    assert row["title"]
    assert_metadata_from_input(row, repair(decode(page).text).text)


@settings(RELAXED, max_examples=max(10, RELAXED.max_examples // 2))  # HTML extraction is the slow part
@given(any_bytes, st.sampled_from(["text", "html"]))
def test_the_per_document_path_never_raises_but_a_reject(data, kind):
    """decode → [extract] → repair → clean → record on any bytes: a row or a Rejected."""
    item = InputItem(f"doc.{kind}", data, kind, kind)
    try:
        row = process_prepared(prepare(item, HtmlExtractor(None), Settings(extract_timeout=None)), NOW, RULES)
    except Rejected as exc:
        assert exc.reason and exc.detail
        return
    assert row["text"] and row["word_count"] > 0
