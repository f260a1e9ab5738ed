"""One document, or a batch of them: read → decode → [extract HTML] → repair → clean → record.

Plain functions over plain data: the run's batches (run/stage.py) and the tests call
`process_batch`. Every input ends as exactly one document row or one reject row; an unexpected
error in one document becomes that document's reject, never the batch's failure.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from textwash import reasons
from textwash.cleaning import HTML_LAYERS_OFF, check_layers, run_layers
from textwash.cleaning.layer import PageState
from textwash.cleaning.ruleset import RuleSet, load_rules
from textwash.cleaning.segment import split_line
from textwash.cleaning.templates import TemplateState, document_digest, learn, site_of
from textwash.config import Settings
from textwash.inputs.decode import Decoded, decode
from textwash.inputs.extract import ExtractFailed, ExtractTimeout, HtmlExtractor, PageMetadata, merge_metadata, too_deep
from textwash.inputs.formats import read_items, read_range
from textwash.inputs.items import HTML, TEXT, BadItem, InputItem, Range
from textwash.inputs.repair import Repaired, repair
from textwash.model.metadata import Metadata
from textwash.model.page import WORD, Page
from textwash.model.record import build_document, build_reject, sha256_hex
from textwash.reasons import DESCRIPTION, NUL_REASON, TITLE, Rejected
from textwash.timing import StepTimes

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    documents: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    templates: TemplateState = field(default_factory=TemplateState)  # the batch's line counts per site
    times: StepTimes = field(default_factory=StepTimes)  # CPU seconds per step (bench's table)


@dataclass
class Prepared:
    """An input item decoded, extracted (HTML) and repaired: ready for cleaning."""
    item: InputItem
    decoded: Decoded
    repaired: Repaired
    page_meta: PageMetadata
    nul_stripped: int = 0  # NUL characters taken out (Settings.strip_nul)


def prepare(item: InputItem, extractor: HtmlExtractor, settings: Settings = Settings(),
            times: StepTimes | None = None) -> Prepared:
    """Decode `item`, extract the main text of an HTML page, repair; raises Rejected when the item
    cannot become text or breaks one of the settings' limits. The scraper's title stands in for a
    page title. With `times`, the CPU time of decoding, extraction and repair is added there."""
    times = times if times is not None else StepTimes()
    with times.step("decode"):
        decoded = decode(item.data)  # its DecodeError is a Rejected
    text, page_meta = decoded.text, PageMetadata(title=item.title, sources={"title": "scraper"} if item.title else {})
    nul_count = text.count("\x00")
    if nul_count and not settings.strip_nul:
        raise Rejected(reasons.NUL_BYTES, f"{nul_count} NUL characters, the first at character {text.index(chr(0))} "
                                    "(text never holds them; --strip-nul removes them instead)")
    text = text.replace("\x00", "")
    if item.kind == HTML:
        if (deep_at := too_deep(text, settings.max_html_depth)) is not None:
            raise Rejected(reasons.HTML_TOO_DEEP, f"elements nest more than {settings.max_html_depth} deep "
                                            f"(at character {deep_at}; --max-html-depth)")
        try:
            with times.step("extract"):
                extraction = extractor.extract(text, item.url)
        except ExtractTimeout as exc:
            raise Rejected(reasons.EXTRACT_TIMEOUT, str(exc)) from None
        except ExtractFailed as exc:
            raise Rejected(reasons.EXTRACT_FAILED, str(exc)) from None
        text, page_meta = extraction.text, extraction.meta
        if not page_meta.title and item.title:
            page_meta.title, page_meta.sources["title"] = item.title, "scraper"
        if not text.strip():
            raise Rejected(reasons.NO_ARTICLE_TEXT, "trafilatura found no main text on the page")
    with times.step("repair"):
        repaired = repair(text)
    # The limit holds for segments: a one-line dump is split at its sentences and seams first.
    longest = max((len(piece) for line in repaired.text.split("\n") if len(line) > settings.max_line_chars
                   for piece in split_line(line)), default=0)
    if longest > settings.max_line_chars:
        raise Rejected(reasons.LINE_TOO_LONG, f"a segment of {longest} characters, over the {settings.max_line_chars}-character "
                                        "limit (--max-line-chars)")
    return Prepared(item, decoded, repaired, page_meta, nul_count)


def page_state(prepared: Prepared, rules: RuleSet, layers_off: frozenset[str] = frozenset(),
               template_keys: frozenset[int] = frozenset()) -> PageState:
    """A prepared item ready for the cleaning layers (HTML pages skip HTML_LAYERS_OFF)."""
    html = prepared.item.kind == HTML
    if html:
        layers_off = layers_off | HTML_LAYERS_OFF
    return PageState(prepared.repaired.text, rules, template_keys, layers_off, extracted=html)


def clean_text(text: str, rules: RuleSet, layers_off: frozenset[str] = frozenset(),
               template_keys: frozenset[int] = frozenset()) -> tuple[Page, Metadata]:
    """Repaired text through every cleaning layer, as one page of a batch of one."""
    check_layers(layers_off)
    state = PageState(text, rules, template_keys, layers_off)
    run_layers([state])
    if state.failure is not None:
        raise state.failure
    return state.page, finished_metadata(state)


def finished_metadata(state: PageState) -> Metadata:
    """What the metadata layer read, with the language of the page the layers left."""
    return dataclasses.replace(state.meta, language=state.language)


def process_prepared(prepared: Prepared, processed_at: dt.datetime, rules: RuleSet,
                     layers_off: frozenset[str] = frozenset(), template_keys: frozenset[int] = frozenset()) -> dict:
    """The document row for one prepared item; raises Rejected when no article text is left."""
    check_layers(layers_off)
    state = page_state(prepared, rules, layers_off, template_keys)
    run_layers([state])
    if state.failure is not None:
        raise state.failure
    return document_row(prepared, state, processed_at)


def process_bytes(source: str, data: bytes, processed_at: dt.datetime, rules: RuleSet,
                  layers_off: frozenset[str] = frozenset(), template_keys: frozenset[int] = frozenset(),
                  settings: Settings = Settings()) -> dict:
    """The document row for text `data`; raises Rejected when the input cannot be a document."""
    prepared = prepare(InputItem(source, data, TEXT, TEXT), HtmlExtractor(None), settings)
    return process_prepared(prepared, processed_at, rules, layers_off, template_keys)


def document_row(prepared: Prepared, state: PageState, processed_at: dt.datetime) -> dict:
    """The document row for an item the cleaning layers are done with; raises Rejected when no
    article text is left.

    HTML text takes the same clean steps as a text dump (they catch the related links and calls to
    action trafilatura leaves), and the page's own metadata wins over what the text reader finds.
    """
    item, page_meta = prepared.item, prepared.page_meta
    page, meta = state.page, finished_metadata(state)
    if prepared.nul_stripped:
        page.cut_spans.append((1, "\x00" * prepared.nul_stripped, NUL_REASON))
    if item.kind == HTML:
        meta = _restore_header_guesses(page, meta, page_meta)
    meta = merge_metadata(page_meta, meta)
    text = page.text()
    if not text:
        removed = len(page.removed())
        raise Rejected(reasons.NO_ARTICLE_TEXT, f"all {removed} non-blank lines were removed as boilerplate or metadata")
    if not WORD.search(text):
        raise Rejected(reasons.NO_ARTICLE_TEXT, f"what is left holds no word: {text[:40]!r}")
    return build_document(
        source=item.source,
        source_sha256=sha256_hex(item.data),
        page=page,
        meta=meta,
        language=meta.language,
        encoding=prepared.decoded.encoding,
        repaired=prepared.repaired.changed,
        processed_at=processed_at,
        url=item.url or page_meta.url,
        fetched_at=item.fetched_at,
        source_format=item.source_format,
        tags=page_meta.tags,
    )


# Share of a line's words that must recur in the page title for the line to be that headline.
HEADLINE_OVERLAP = 0.5


def _restore_header_guesses(page: Page, meta: Metadata, page_meta: PageMetadata) -> Metadata:
    """Put back the lines the text-level reader took for title and standfirst, bar a headline.

    That reader expects a whole-page dump with a header zone; trafilatura's text starts at the
    article, where its guesses are the first paragraphs. Only a repeat of the page's own title
    (trafilatura keeps an in-article headline) stays out, as the title.
    """
    for line in page.lines:
        if line.reason == DESCRIPTION:
            line.reason, meta = None, dataclasses.replace(meta, description=None)
        elif line.reason == TITLE and not _is_headline(line.text, page_meta.title):
            line.reason, meta = None, dataclasses.replace(meta, title=None)
    return meta


def _is_headline(line: str, title: str | None) -> bool:
    words = [word.lower() for word in WORD.findall(line)]
    title_words = {word.lower() for word in WORD.findall(title or "")}
    return bool(words) and sum(word in title_words for word in words) >= HEADLINE_OVERLAP * len(words)


# Documents prepared, cleaned and handed on together: a batch's memory is bounded by one slice,
# not by its files. Site templates are learned over a slice (and what the batch's earlier slices
# and earlier runs learned); the segment model judges a slice's pages in one call.
SLICE_DOCUMENTS = 250


def process_batch(root: Path, sources: list[str | Range], processed_at: dt.datetime, settings: Settings = Settings(),
                  templates: TemplateState | None = None) -> BatchResult:
    """Process the files `sources` (paths relative to `root`, or Ranges of big JSONL and WARC
    files): each document they hold becomes a document row or a reject row, and so does each
    record that cannot be read. All of it at once: `process_slices` hands it over slice by slice.
    The batch's own site-template counts come back in `BatchResult.templates`, for the caller to
    keep."""
    result = BatchResult()
    for part in process_slices(root, sources, processed_at, settings, templates):
        result.documents += part.documents
        result.rejects += part.rejects
        result.times.merge(part.times)
        result.templates = part.templates
    return result


def process_slices(root: Path, sources: list[str | Range], processed_at: dt.datetime, settings: Settings = Settings(),
                   templates: TemplateState | None = None,
                   slice_documents: int = SLICE_DOCUMENTS) -> Iterator[BatchResult]:
    """`process_batch` a slice at a time: items are read lazily and each slice of
    `slice_documents` prepared items (with the rejects found on the way) is cleaned and handed
    over before the next is read.

    Two passes per slice: the first reads and prepares its items and learns their site templates
    (added to `templates`, what earlier runs learned, and to what the batch's earlier slices
    learned); the second cleans each item with them. Each slice's `templates` is the batch's own
    counts so far; its `times` its own.
    """
    rules = load_rules(settings.rules_path)  # a broken rules file fails the run, not each document
    check_layers(settings.layers_off)  # so does a misspelt layer name
    learned = TemplateState()  # the batch's own counts, slice after slice
    with HtmlExtractor(settings.extract_timeout) as extractor:
        result, ready = BatchResult(), []
        for source in sources:
            items = unit_items(root, source, settings)
            while True:
                with result.times.step("read"):
                    item = next(items, None)
                if item is None:
                    break
                if isinstance(item, BadItem):
                    result.rejects.append(_reject(item.source, item.reason, item.detail, item.data, processed_at))
                    continue
                try:
                    ready.append(prepare(item, extractor, settings, result.times))
                except Exception as exc:  # one bad document must never stop the run
                    result.rejects.append(_reject(item.source, *_reject_reason(item.source, exc), item.data, processed_at))
                if len(ready) >= slice_documents:
                    yield _finish_slice(result, ready, rules, settings, templates, learned, processed_at)
                    result, ready = BatchResult(), []
        yield _finish_slice(result, ready, rules, settings, templates, learned, processed_at)


def _finish_slice(result: BatchResult, ready: list[Prepared], rules: RuleSet, settings: Settings,
                  templates: TemplateState | None, learned: TemplateState, processed_at: dt.datetime) -> BatchResult:
    """Clean a slice's prepared items into `result`, with the site templates known so far (those
    of earlier runs and of the batch's earlier slices) and the slice's own; `learned` gains them."""
    sites = {site_of(p.item.source, p.item.url) for p in ready}
    known = TemplateState()
    for state in (templates, learned):
        if state is not None:
            known.merge(TemplateState({site: state.sites[site] for site in sites if site in state.sites}))
    slice_learned, keys = batch_templates(ready, known, settings.layers_off, result.times)
    learned.merge(slice_learned)
    for prepared, row in zip(ready, clean_prepared(ready, rules, settings.layers_off, keys, processed_at, result.times)):
        if isinstance(row, Exception):  # one bad document must never stop the run
            source = prepared.item.source
            result.rejects.append(_reject(source, *_reject_reason(source, row), prepared.item.data, processed_at))
        else:
            result.documents.append(row)
    result.templates = learned
    return result


def batch_templates(ready: list[Prepared], templates: TemplateState | None, layers_off: frozenset[str] = frozenset(),
                    times: StepTimes | None = None) -> tuple[TemplateState, list[frozenset[int]]]:
    """Learn the site templates of the prepared items `ready`, added to `templates` (what earlier
    runs learned): the batch's own counts, and each item's template lines (none with the
    templates layer off)."""
    times = times if times is not None else StepTimes()
    with times.step("learn templates"):
        sites = [site_of(p.item.source, p.item.url) for p in ready]
        learned = learn(
            ((site, document_digest(p.item.data), p.repaired.text.split("\n")) for site, p in zip(sites, ready)),
            known=templates,
        )
    if "templates" in layers_off:
        return learned, [frozenset()] * len(ready)
    # Only the batch's own sites: the known state covers the whole dataset, and copying it all
    # for every batch would grow with the dataset.
    known = TemplateState()
    if templates is not None:
        known.merge(TemplateState({site: templates.sites[site] for site in set(sites) if site in templates.sites}))
    known.merge(learned)
    keys_of_site: dict[str, frozenset[int]] = {}  # a site's template lines, worked out once a batch
    with times.step("learn templates"):
        for site in sites:
            if site not in keys_of_site:
                keys_of_site[site] = known.template_keys(site)
    return learned, [keys_of_site[site] for site in sites]


def clean_prepared(ready: list[Prepared], rules: RuleSet, layers_off: frozenset[str], keys: list[frozenset[int]],
                   processed_at: dt.datetime, times: StepTimes | None = None) -> list[dict | Exception]:
    """Clean the prepared items `ready` together, each with its template lines `keys`: layer after
    layer over the whole batch, so the segment model judges all its pages in one call. Each item's
    document row, or the exception (a Rejected, or a bug's) that keeps it from being a document."""
    times = times if times is not None else StepTimes()
    states = [page_state(prepared, rules, layers_off, item_keys) for prepared, item_keys in zip(ready, keys)]
    run_layers(states, times)
    rows: list[dict | Exception] = []
    for prepared, state in zip(ready, states):
        try:
            if state.failure is not None:
                raise state.failure
            with times.step("record"):
                rows.append(document_row(prepared, state, processed_at))
        except Exception as exc:
            rows.append(exc)
    return rows


def _reject_reason(source: str, exc: Exception) -> tuple[str, str]:
    if isinstance(exc, Rejected):
        return exc.reason, exc.detail
    log.error("internal error on %s", source, exc_info=exc)
    return reasons.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"


def unit_items(root: Path, unit: str | Range, settings: Settings) -> Iterator[InputItem | BadItem]:
    """The items of a whole file or of a Range of one; a file that cannot be opened, or a reader
    that fails, is one BadItem (for a range: `file#offset-START`)."""
    name = unit if isinstance(unit, str) else f"{unit.source}#offset-{unit.start}"
    try:
        if isinstance(unit, str):
            yield from read_items(root, unit, settings.max_bytes, settings.max_ratio, settings.follow_symlinks)
        else:
            yield from read_range(root, unit, settings.max_bytes, settings.max_ratio, settings.follow_symlinks)
    except OSError as exc:
        yield BadItem(name, reasons.UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
    except Exception as exc:  # a reader bug must not lose the rest of the batch
        log.exception("internal error reading %s", name)
        yield BadItem(name, reasons.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")


def _reject(source: str, reason: str, detail: str, data: bytes | None, processed_at: dt.datetime) -> dict:
    return build_reject(
        source=source,
        reason=reason,
        detail=detail,
        processed_at=processed_at,
        source_sha256=sha256_hex(data) if data is not None else None,
        size_bytes=len(data) if data is not None else None,
    )
