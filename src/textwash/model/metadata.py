"""What a document says about itself: the fields the text reader and the HTML reader fill."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# The word joining the last two names of a byline, in the languages bylines are read in (a regex
# alternation): the text reader and the HTML reader split author lists at it.
NAME_CONJUNCTIONS = "and|und|et|y|e|en|og|och"


@dataclass
class Metadata:
    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    dateline: str | None = None
    published: dt.date | None = None
    section: list[str] = field(default_factory=list)
    language: str | None = None  # ISO 639-1 code, detected from the page's prose
    # Where a field's value came from when not from this reader ("text") or, for the language,
    # detection ("langid"): merge_metadata fills it for the fields an HTML page gave.
    sources: dict[str, str] = field(default_factory=dict)
