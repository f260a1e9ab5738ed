"""Metadata: read title, standfirst, byline, date, dateline, section labels and credits from text.

Whole-page dumps carry their metadata as lines around the article: a header zone before the body
(title, standfirst, byline, date, "Section | Subsection" labels, a "PLACE (AGENCY) —" dateline) and
a credit line after it ("X's A and B reported from ..."). Each line read for metadata leaves the
text with the reason "metadata: <field>". Nothing is guessed: a field no line states stays None.
"""
from __future__ import annotations

import datetime as dt
import re

from textwash.model.metadata import NAME_CONJUNCTIONS, Metadata
from textwash.cleaning.layer import Layer, PageState
from textwash.model.page import Line, Page
from textwash.reasons import (
    BEFORE_DATELINE, BYLINE, DATELINE, METADATA_FAMILY, DESCRIPTION, PUBLISHED, REPORTING_CREDIT, SECTION, TITLE,
)

# How many kept lines from the top may belong to the header zone.
HEADER_SCAN = 15
# A line this long, or this long and ending like a sentence, is article body, not header.
BODY_WORDS = 25
BODY_SENTENCE_WORDS = 12
STANDFIRST_WORDS = 8
TITLE_WORDS = (2, 30)

_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
_NAME_PARTICLE = r"(?:al|bin|da|de|del|della|der|di|du|el|la|le|van|von|y)"
NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_NAME_WORD}|{_NAME_PARTICLE})){{0,3}}[ \t]+{_NAME_WORD}"
_NAME_LIST = rf"{NAME}(?:\s*,\s*{NAME})*(?:,?\s+(?:{NAME_CONJUNCTIONS})\s+{NAME})?"

_BYLINE = re.compile(
    rf"(?i:by|von|par|por|di|door|av|przez|written by|words by|text:|texto:)\s+(?P<names>{_NAME_LIST})"
    r"(?:\s*[,|·•/-]\s*[\w .&'’-]{1,60})?"
)
# "CNN's A, B and C reported from X, while D wrote from Y." / "Reporting by A; editing by B". The
# verb ends the clause or goes on as a credit does ("from", "to this report", "reporting"): "The Daily
# Courier reported on Monday that ..." and "After I reported the fault ..." are the article's sentences.
_CREDIT_VERB = (r"(?:reported|wrote|contributed)"
                r"(?=\s+(?:from|to\s+th(?:is|e)\s+\w+|(?:additional\s+)?reporting|research)\b|\s*(?:[.;,]|$))")
_CREDIT_LINE = re.compile(
    rf"(?:{_NAME_WORD}['’]s\s+)?{_NAME_LIST}\s+(?:also\s+)?{_CREDIT_VERB}.*"
    rf"|(?i:reporting|writing)\s+by\s+{_NAME_LIST}\b.*"
)
_CREDIT_NAMES = re.compile(
    rf"(?:^|[.;]\s+|\bwhile\s+|\bby\s+)(?:{_NAME_WORD}['’]s\s+)?(?P<names>{_NAME_LIST})"
    r"(?=\s+(?:also\s+)?(?:reported|wrote|contributed)\b|\s*(?:[;.]|$))",
)
_CREDIT_WORDS = re.compile(r"\b(reported|wrote|contributed|reporting|writing)\b", re.IGNORECASE)

# "PLACE (AGENCY) —", "PLACE AGENCY —" or "PLACE —", alone on its line. A bare capitalised token
# of up to three letters is an agency (CNN, AFP, AP); a longer one a place (BERLIN, KYIV).
_DATELINE = re.compile(
    r"(?:(?P<place>[A-ZÀ-Þ][\w .,'’-]{0,60}?)\s+)?(?:\((?P<agency>[^()]{2,40})\)|(?P<caps>[A-Z][A-Z&]{1,2}))\s*[—–-]+"
    r"|(?P<capsplace>[A-ZÀ-Þ][A-ZÀ-Þ .,'’-]{2,40}?)\s*[—–]+"
)
_SECTION_SEPARATOR = re.compile(r"\s+[|›»>/•·]\s+")

_MONTHS = {
    # en, de, fr, es, it, pt, nl month names and common abbreviations
    1: "january jan januar janvier enero gennaio janeiro januari jän",
    2: "february feb februar février fevrier febrero febbraio fevereiro februari",
    3: "march mar märz maerz mars marzo março maart",
    4: "april apr avril abril aprile",
    5: "may mai mayo maggio maio mei",
    6: "june jun juni juin junio giugno junho",
    7: "july jul juli juillet julio luglio julho",
    8: "august aug août aout agosto augustus",
    9: "september sep sept septembre septiembre settembre setembro",
    10: "october oct oktober octobre octubre ottobre outubro",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember décembre decembre diciembre dicembre dezembro",
}
_MONTH_NUMBER = {name: number for number, names in _MONTHS.items() for name in names.split()}
_MONTH = r"(?P<month>[^\W\d_]{3,10})\.?"
_DATE_FORMS = (
    re.compile(r"(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?"),
    re.compile(rf"{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"),
    re.compile(rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:de\s+)?{_MONTH}\s+(?:de\s+)?(?P<year>\d{{4}})"),
)
_DATE_PREFIX = (
    r"(?:(?:date|published|posted|updated|last updated|publication date|datum|veröffentlicht|"
    r"publié le|publié|mis à jour le|publicado|fecha|pubblicato)\s*(?:on|am|le|el)?\s*:?\s*)"
)
# A scraped field label glued to the front of a line: "date 2018-01-10 The battle ...".
_DATE_FIELD = re.compile(rf"{_DATE_PREFIX}(?P<date>\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:[T ][\d:.]+Z?)?)\s*", re.IGNORECASE)
_DATE_LINE_WORDS = 10


def extract_metadata(page: Page) -> Metadata:
    """Read metadata from the header zone and the credit lines of `page`, cutting what it reads."""
    meta = Metadata()
    _read_date_field(page, meta)
    _read_header(page, meta)
    _read_credits(page, meta)
    return meta


def parse_date(text: str) -> dt.date | None:
    """The calendar date written in `text` (ISO, or a day and month name in a few languages)."""
    for form in _DATE_FORMS:
        m = form.search(text)
        if not m:
            continue
        month = int(m["mnum"]) if "mnum" in m.groupdict() else _MONTH_NUMBER.get(m["month"].lower())
        try:
            return dt.date(int(m["year"]), month, int(m["day"])) if month else None
        except ValueError:
            continue
    return None


def _read_date_field(page: Page, meta: Metadata) -> None:
    for line in page.kept()[:3]:
        m = _DATE_FIELD.match(line.text)
        if m and (published := parse_date(m["date"])):
            meta.published = published
            page.cut_span(line, m.group(0), PUBLISHED)
            return


def _is_body(line: Line) -> bool:
    words = line.words
    return words >= BODY_WORDS or (words >= BODY_SENTENCE_WORDS and bool(_SENTENCE_END.search(line.text)))


def _is_title(line: Line) -> bool:
    low, high = TITLE_WORDS
    text = line.text
    return (
        low <= line.words <= high
        and not re.search(r"[.,;:]$", text)
        and not text[0].islower()
        and sum(ch.isalpha() for ch in text) > 0.6 * len(text)
    )


def _is_standfirst(line: Line, following: Line | None) -> bool:
    return (
        line.words >= STANDFIRST_WORDS
        and bool(_SENTENCE_END.search(line.text))
        and (following is None or not _is_body(following))
    )


def _date_line(line: Line) -> dt.date | None:
    if line.words > _DATE_LINE_WORDS:
        return None
    return parse_date(line.text)


def _section_labels(line: Line) -> list[str]:
    parts = _SECTION_SEPARATOR.split(line.text)
    if len(parts) < 2 or len(parts) > 6:
        return []
    if any(not part or len(part.split()) > 4 or _SENTENCE_END.search(part) for part in parts):
        return []
    return parts


def _read_header(page: Page, meta: Metadata) -> None:
    header = page.kept()[:HEADER_SCAN]
    dateline_at = next((i for i, line in enumerate(header) if _DATELINE.fullmatch(line.text)), None)
    for i, line in enumerate(header):
        following = header[i + 1] if i + 1 < len(header) else None
        if i == dateline_at:
            m = _DATELINE.fullmatch(line.text)
            meta.dateline = (m["place"] or m["capsplace"] or "").strip(" ,") or None
            meta.publisher = (m["agency"] or m["caps"] or "").strip() or None
            page.cut(line, DATELINE)
            return
        if (byline := _BYLINE.fullmatch(line.text)) and line.words <= 15:
            meta.authors += _split_names(byline["names"])
            page.cut(line, BYLINE)
        elif meta.published is None and (published := _date_line(line)):
            meta.published = published
            page.cut(line, PUBLISHED)
        elif labels := _section_labels(line):
            meta.section += labels
            page.cut(line, SECTION)
        elif meta.title is None and meta.description is None and _is_title(line):
            meta.title = line.text
            page.cut(line, TITLE)
        elif meta.title and meta.description is None and _is_standfirst(line, following):
            meta.description = line.text
            page.cut(line, DESCRIPTION)
        elif dateline_at is not None:
            # Above a dateline only the lead image's caption and page header stand.
            page.cut(line, BEFORE_DATELINE)
        elif _is_body(line):
            return


def _read_credits(page: Page, meta: Metadata) -> None:
    body_seen = 0
    for line in page.kept():
        if body_seen >= 3 and len(line.text) < 600 and _CREDIT_WORDS.search(line.text) and _CREDIT_LINE.match(line.text):
            names = [name for m in _CREDIT_NAMES.finditer(line.text) for name in _split_names(m["names"])]
            if names:
                meta.authors += [name for name in names if name not in meta.authors]
                page.cut(line, REPORTING_CREDIT)
        elif _is_body(line):
            body_seen += 1


def _split_names(names: str) -> list[str]:
    parts = re.split(rf"\s*,\s*|\s+(?:{NAME_CONJUNCTIONS})\s+", names.strip())
    return [part.strip() for part in parts if part.strip()]


class MetadataLayer(Layer):
    """Reads the header zone's title, byline, dates and section, and the credit lines, cutting
    what it reads; the page's language is added when the layers are done."""
    name = "metadata"
    family = METADATA_FAMILY

    def apply(self, state: PageState) -> None:
        state.meta = extract_metadata(state.page)
