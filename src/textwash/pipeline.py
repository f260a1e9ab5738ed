"""The per-document path (decode → [extract HTML] → repair → clean → metadata → record) and its
batch form.

Plain functions over plain data: the Prefect flow and the CLI only call `process_batch`. Every
input ends as exactly one document row or one reject row; an unexpected error in one document
becomes that document's reject, never the batch's failure.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from textwash.clean import apply_end_rules, apply_line_rules
from textwash.decode import DecodeError, decode
from textwash.language import detect_language
from textwash.lines import WORD, Page
from textwash.metadata import Metadata, extract_metadata
from textwash.extract import (
    DEFAULT_TIMEOUT_SECONDS,
    ExtractFailed,
    ExtractTimeout,
    HtmlExtractor,
    PageMetadata,
    merge_metadata,
)
from textwash.formats import HTML, TEXT, BadItem, InputItem, read_items
from textwash.read import DEFAULT_MAX_BYTES
from textwash.record import build_document, build_reject, sha256_hex
from textwash.repair import repair
from textwash.rules import RuleSet, load_rules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    max_bytes: int = DEFAULT_MAX_BYTES  # per document, after decompression
    rules_path: str | None = None  # None: the packaged rules
    # Wall-time cap on extracting one HTML page; None or 0 runs extraction in process, uncapped.
    extract_timeout: float | None = DEFAULT_TIMEOUT_SECONDS


@dataclass
class BatchResult:
    documents: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)


class Rejected(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def clean_text(text: str, rules: RuleSet) -> tuple[Page, Metadata]:
    """Clean repaired text: line rules, then metadata, then end-of-article rules."""
    page = Page.from_text(text)
    apply_line_rules(page, rules)
    meta = extract_metadata(page)
    apply_end_rules(page, rules)
    return page, meta


def process_bytes(source: str, data: bytes, processed_at: dt.datetime, rules: RuleSet) -> dict:
    """The document row for text `data`; raises Rejected when the input cannot be a document."""
    return process_item(InputItem(source, data, TEXT, TEXT), processed_at, rules, HtmlExtractor(None))


def process_item(item: InputItem, processed_at: dt.datetime, rules: RuleSet, extractor: HtmlExtractor) -> dict:
    """The document row for `item`; raises Rejected when it cannot be a document.

    HTML goes through trafilatura first; its text then takes the same repair and clean steps as
    a text dump (they catch the related links and calls to action trafilatura leaves), and the
    page's own metadata wins over what the text-level reader finds.
    """
    try:
        decoded = decode(item.data)
    except DecodeError as exc:
        raise Rejected(exc.reason, exc.detail) from None
    # The scraper's title stands in for a page title, above what the text-level reader finds.
    text, page_meta = decoded.text, PageMetadata(title=item.title)
    if item.kind == HTML:
        try:
            extraction = extractor.extract(text, item.url)
        except ExtractTimeout as exc:
            raise Rejected("extract-timeout", str(exc)) from None
        except ExtractFailed as exc:
            raise Rejected("extract-failed", str(exc)) from None
        text, page_meta = extraction.text, extraction.meta
        page_meta.title = page_meta.title or item.title
        if not text.strip():
            raise Rejected("no-article-text", "trafilatura found no main text on the page")
    repaired = repair(text)
    page, meta = clean_text(repaired.text, rules)
    if item.kind == HTML:
        meta = _restore_header_guesses(page, meta, page_meta)
    meta = merge_metadata(page_meta, meta)
    text = page.text()
    if not text:
        removed = len(page.removed())
        raise Rejected("no-article-text", f"all {removed} non-blank lines were removed as boilerplate or metadata")
    return build_document(
        source=item.source,
        source_sha256=sha256_hex(item.data),
        page=page,
        meta=meta,
        language=page_meta.language or detect_language(text),
        encoding=decoded.encoding,
        repaired=repaired.changed,
        processed_at=processed_at,
        url=item.url or page_meta.url,
        fetched_at=item.fetched_at,
        source_format=item.source_format,
        tags=page_meta.tags,
    )


# Share of a line's words that must recur in the page title for the line to be that headline.
HEADLINE_OVERLAP = 0.5
_TEXT_TITLE, _TEXT_DESCRIPTION = "metadata: title", "metadata: description"


def _restore_header_guesses(page: Page, meta: Metadata, page_meta: PageMetadata) -> Metadata:
    """Put back the lines the text-level reader took for title and standfirst, bar a headline.

    That reader expects a whole-page dump with a header zone; trafilatura's text starts at the
    article, where its guesses are the first paragraphs. Only a repeat of the page's own title
    (trafilatura keeps an in-article headline) stays out, as the title.
    """
    for line in page.lines:
        if line.reason == _TEXT_DESCRIPTION:
            line.reason, meta = None, dataclasses.replace(meta, description=None)
        elif line.reason == _TEXT_TITLE and not _is_headline(line.text, page_meta.title):
            line.reason, meta = None, dataclasses.replace(meta, title=None)
    return meta


def _is_headline(line: str, title: str | None) -> bool:
    words = [word.lower() for word in WORD.findall(line)]
    title_words = {word.lower() for word in WORD.findall(title or "")}
    return bool(words) and sum(word in title_words for word in words) >= HEADLINE_OVERLAP * len(words)


def process_batch(root: Path, sources: list[str], processed_at: dt.datetime, settings: Settings = Settings()) -> BatchResult:
    """Process the files `sources` (paths relative to `root`): each document they hold becomes a
    document row or a reject row, and so does each record that cannot be read."""
    rules = load_rules(settings.rules_path)  # a broken rules file fails the run, not each document
    result = BatchResult()
    with HtmlExtractor(settings.extract_timeout) as extractor:
        for source in sources:
            for item in _items(root, source, settings.max_bytes):
                if isinstance(item, BadItem):
                    result.rejects.append(_reject(item.source, item.reason, item.detail, item.data, processed_at))
                    continue
                try:
                    result.documents.append(process_item(item, processed_at, rules, extractor))
                    continue
                except Rejected as exc:
                    reason, detail = exc.reason, exc.detail
                except Exception as exc:  # one bad document must never stop the run
                    log.exception("internal error on %s", item.source)
                    reason, detail = "internal-error", f"{type(exc).__name__}: {exc}"
                result.rejects.append(_reject(item.source, reason, detail, item.data, processed_at))
    return result


def _items(root: Path, source: str, max_bytes: int) -> Iterator[InputItem | BadItem]:
    """The items of one file; a file that cannot be opened, or a reader that fails, is one BadItem."""
    try:
        yield from read_items(root, source, max_bytes)
    except OSError as exc:
        yield BadItem(source, "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
    except Exception as exc:  # a reader bug must not lose the rest of the batch
        log.exception("internal error reading %s", source)
        yield BadItem(source, "internal-error", f"{type(exc).__name__}: {exc}")


def _reject(source: str, reason: str, detail: str, data: bytes | None, processed_at: dt.datetime) -> dict:
    return build_reject(
        source=source,
        reason=reason,
        detail=detail,
        processed_at=processed_at,
        source_sha256=sha256_hex(data) if data is not None else None,
        size_bytes=len(data) if data is not None else None,
    )
