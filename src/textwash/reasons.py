"""Reject codes, removal reasons and their families: the strings the records carry.

Every module that writes or tests one of these strings takes it from here, so a rename is one edit
and a reader (the model's features, the HTML header restore, the report's colours) cannot drift
from the writer. Reasons of the rules file are data (cleaning/rules/boilerplate.toml) and are not
listed; their family is their text up to a colon or " (".
"""
from __future__ import annotations


class Rejected(ValueError):
    """`reason` is a short stable code for the reject row (one of REJECT_CODES); `detail` says what
    was wrong."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# --- reject codes: why an input is a reject row, not a document ---------------------------------
# Reading the file or record
UNREADABLE = "unreadable"
BAD_NAME = "bad-name"
OUTSIDE_ROOT = "outside-root"
EMPTY = "empty"
TOO_LARGE = "too-large"
COMPRESSION_RATIO = "compression-ratio"
TRUNCATED_GZIP = "truncated-gzip"
BAD_GZIP = "bad-gzip"
BAD_SIDECAR = "bad-sidecar"
BAD_RECORD = "bad-record"
LONE_SURROGATE = "lone-surrogate"
BROKEN_WARC_RECORD = "broken-warc-record"
UNSAFE_NAME = "unsafe-name"
HTTP_STATUS = "http-status"
UNSUPPORTED_CONTENT = "unsupported-content"
# Decoding the bytes
UNDECODABLE = "undecodable"
BINARY = "binary"
NUL_BYTES = "nul-bytes"
# The limits on hostile input
LINE_TOO_LONG = "line-too-long"
HTML_TOO_DEEP = "html-too-deep"
# Extracting and cleaning
EXTRACT_TIMEOUT = "extract-timeout"
EXTRACT_FAILED = "extract-failed"
NO_ARTICLE_TEXT = "no-article-text"
# The dataset
DUPLICATE = "duplicate"
# A bug of ours on this input (logged with its traceback); the run goes on.
INTERNAL_ERROR = "internal-error"

REJECT_CODES = (
    UNREADABLE, BAD_NAME, OUTSIDE_ROOT, EMPTY, TOO_LARGE, COMPRESSION_RATIO, TRUNCATED_GZIP, BAD_GZIP,
    BAD_SIDECAR, BAD_RECORD, LONE_SURROGATE, BROKEN_WARC_RECORD, UNSAFE_NAME, HTTP_STATUS,
    UNSUPPORTED_CONTENT, UNDECODABLE, BINARY, NUL_BYTES, LINE_TOO_LONG, HTML_TOO_DEEP, EXTRACT_TIMEOUT,
    EXTRACT_FAILED, NO_ARTICLE_TEXT, DUPLICATE, INTERNAL_ERROR,
)

# --- removal reasons: why a span left a document's text -------------------------------------------
METADATA_FAMILY = "metadata"
TEMPLATE_FAMILY = "site template"
MODEL_FAMILY = "model"
# The lines after an end-of-article note; the note itself carries its rule's reason.
AFTER_END = "after end of article"
NUL_REASON = "NUL characters"


def metadata_reason(field: str) -> str:
    """The reason of a line read as a metadata field.

    >>> metadata_reason("title")
    'metadata: title'
    """
    return f"{METADATA_FAMILY}: {field}"


TITLE = metadata_reason("title")
DESCRIPTION = metadata_reason("description")  # the standfirst (the segment model may keep it)
BYLINE = metadata_reason("byline")
DATELINE = metadata_reason("dateline")
PUBLISHED = metadata_reason("published date")
SECTION = metadata_reason("section")
REPORTING_CREDIT = metadata_reason("reporting credit")
TEMPLATE = f"{TEMPLATE_FAMILY}: recurs across the site's documents"
# Above a dateline only the lead image's caption and the page header stand.
BEFORE_DATELINE_FAMILY = "before the dateline"
BEFORE_DATELINE = f"{BEFORE_DATELINE_FAMILY} (lead image caption or page header)"


def after_end(rule_reason: str) -> str:
    """The reason of a line after the end-of-article note that `rule_reason` names.

    >>> after_end("copyright notice")
    'after end of article (copyright notice)'
    """
    return f"{AFTER_END} ({rule_reason})"


def model_reason(kind: str) -> str:
    """The reason of a segment the model cut, by what kind of furniture it is."""
    return f"{MODEL_FAMILY}: {kind}"


def reason_family(reason: str) -> str:
    """What a reason is a kind of: reasons of one family share a colour in the report and a flag
    in the model's features; their labels tell them apart.

    >>> reason_family("metadata: title"), reason_family(after_end("copyright notice"))
    ('metadata', 'after end of article')
    >>> reason_family("share or follow buttons")
    'share or follow buttons'
    """
    return reason.split(":", 1)[0].split(" (", 1)[0].strip() or reason
