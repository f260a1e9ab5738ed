import datetime as dt

import pytest

from textwash.model.page import Page
from textwash.cleaning.metadata import extract_metadata, parse_date

BODY = ("The minister said on Tuesday that the talks would resume next week in the capital, "
        "after two days of meetings that ended without an agreement.")


def read(text: str):
    page = Page.from_text(text)
    return page, extract_metadata(page)


def test_header_zone_title_standfirst_byline_date_section():
    page, meta = read(
        "World | Europe\n"
        "Talks on the new treaty stall again\n"
        "Negotiators left Brussels without a deal, and the next round is months away.\n"
        "By Jane Doe and Max Mustermann\n"
        "March 3, 2021\n"
        f"{BODY}\n{BODY}"
    )
    assert meta.section == ["World", "Europe"]
    assert meta.title == "Talks on the new treaty stall again"
    assert meta.description.startswith("Negotiators left Brussels")
    assert meta.authors == ["Jane Doe", "Max Mustermann"]
    assert meta.published == dt.date(2021, 3, 3)
    assert page.text() == f"{BODY}\n\n{BODY}"
    assert {cut["reason"] for cut in page.removed()} == {
        "metadata: section", "metadata: title", "metadata: description", "metadata: byline",
        "metadata: published date"}


@pytest.mark.parametrize(
    "line, dateline, publisher",
    [
        ("CNN  —", None, "CNN"),
        ("Idlib, Syria CNN  —", "Idlib, Syria", "CNN"),
        ("LONDON (Reuters) —", "LONDON", "Reuters"),
        ("BERLIN —", "BERLIN", None),
    ],
)
def test_standalone_dateline(line, dateline, publisher):
    page, meta = read(f"A crowd gathers in the square after the announcement.\n{line}\n\n{BODY}")
    assert (meta.dateline, meta.publisher) == (dateline, publisher)
    # Above a dateline stands only the lead photo's caption.
    assert page.text() == BODY


def test_glued_date_field_is_cut_and_the_sentence_stays():
    page, meta = read(f" date 2018-01-10 {BODY}")
    assert meta.published == dt.date(2018, 1, 10)
    assert page.text() == BODY
    assert page.removed() == [{"text": "date 2018-01-10", "reason": "metadata: published date", "paragraph": 0}]


def test_reporting_credit_line_gives_authors():
    page, meta = read(f"{BODY}\n{BODY}\n{BODY}\nExample’s Ana Lima and Tom Berg reported from Kyiv, while Li Wei wrote from London.")
    assert meta.authors == ["Ana Lima", "Tom Berg", "Li Wei"]
    assert "reported from" not in page.text()


@pytest.mark.parametrize("sentence", [
    "The Daily Courier reported on Monday that the council had delayed the vote.",
    "After I reported the fault to the landlord, a plumber came within the hour.",
    "Maria Santos wrote in her column that the plan would cost more than promised.",
])
def test_a_sentence_that_names_who_reported_or_wrote_is_not_a_credit_line(sentence):
    page, meta = read(f"{BODY}\n{BODY}\n{BODY}\n{sentence}")
    assert meta.authors == [] and page.text().endswith(sentence)


@pytest.mark.parametrize("credit, authors", [
    ("Anna Berg reported from Oslo, and Tomas Varga from Budapest.", ["Anna Berg"]),
    ("Lena Fischer and Omar Haddad contributed.", ["Lena Fischer", "Omar Haddad"]),
    ("Paul Mensah contributed reporting from Accra.", ["Paul Mensah"]),
])
def test_credit_lines_of_other_shapes_give_authors(credit, authors):
    page, meta = read(f"{BODY}\n{BODY}\n{BODY}\n{credit}")
    assert meta.authors == authors and credit not in page.text()


def test_nothing_is_invented_for_plain_body_text():
    page, meta = read(f"{BODY}\n\n{BODY}\n\nShe added that the decision by the council was final.")
    assert meta.title is None and meta.description is None and meta.published is None
    assert meta.authors == [] and meta.section == [] and meta.publisher is None and meta.dateline is None
    assert page.removed() == []


@pytest.mark.parametrize(
    "text, date",
    [
        ("2020-02-29", dt.date(2020, 2, 29)),
        ("Published: 2019-11-19T10:00:00Z", dt.date(2019, 11, 19)),
        ("Jan. 5, 2020", dt.date(2020, 1, 5)),
        ("5 January 2020", dt.date(2020, 1, 5)),
        ("5. März 2020", dt.date(2020, 3, 5)),
        ("12 de octubre de 2019", dt.date(2019, 10, 12)),
        ("1er avril 2021", None),
        ("2021-02-30", None),
        ("no date here", None),
    ],
)
def test_parse_date(text, date):
    assert parse_date(text) == date
