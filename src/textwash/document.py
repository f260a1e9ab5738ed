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

import numpy as np

from textwash.clean.line_rules import apply_end_rules, apply_line_rules
from textwash.clean.line_classes import LineClass, classify
from textwash.clean.model import Segments, apply_model, page_segments, predict_pages, segment_model
from textwash.clean.templates import TemplateState, apply_site_templates, document_digest, learn, site_of
from textwash.inputs.decode import Decoded, decode
from textwash.reasons import Rejected
from textwash.inputs.extract import (  # noqa: F401  (the default limits are re-exported for the shells)
    DEFAULT_MAX_HTML_DEPTH,
    DEFAULT_TIMEOUT_SECONDS,
    ExtractFailed,
    ExtractTimeout,
    HtmlExtractor,
    PageMetadata,
    merge_metadata,
    too_deep,
)
from textwash.inputs.formats import DEFAULT_MAX_RATIO, HTML, TEXT, BadItem, InputItem, read_items
from textwash.inputs.language import page_language
from textwash.model.page import WORD, Page
from textwash.clean.metadata import DESCRIPTION, Metadata, extract_metadata
from textwash.inputs.discover import DEFAULT_MAX_BYTES
from textwash.model.record import build_document, build_reject, sha256_hex
from textwash.inputs.repair import Repaired, repair
from textwash.clean.ruleset import RuleSet, load_rules
from textwash.clean.segment import MIN_CHARS as MIN_SPLIT_CHARS, split_line
from textwash.clean.unwrap import unwrap

log = logging.getLogger(__name__)


# A line longer than a long article: no prose paragraph is this long, a dump of data may be.
DEFAULT_MAX_LINE_CHARS = 100_000
NUL_REASON = "NUL characters"


@dataclass(frozen=True)
class Settings:
    max_bytes: int = DEFAULT_MAX_BYTES  # per document, after decompression
    rules_path: str | None = None  # None: the packaged rules
    # Wall-time cap on extracting one HTML page; None or 0 runs extraction in process, uncapped.
    extract_timeout: float | None = DEFAULT_TIMEOUT_SECONDS
    layers_off: frozenset[str] = frozenset()  # cleaning layers to skip (see LAYERS)
    # Limits on hostile input (README, "Limits and safety"); each breach is a reject naming it.
    max_ratio: float = DEFAULT_MAX_RATIO  # decompressed bytes per compressed byte (gzip bombs)
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS  # one line of text (after extraction and repair)
    max_html_depth: int = DEFAULT_MAX_HTML_DEPTH  # element nesting of an HTML page
    strip_nul: bool = False  # NUL characters: reject the document, or strip them (a recorded cut)


@dataclass
class BatchResult:
    documents: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    templates: TemplateState = field(default_factory=TemplateState)  # the batch's line counts per site


# The cleaning layers, in the order they run; any of them can be turned off for an ablation.
LAYERS = ("unwrap", "segment", "rules", "metadata", "templates", "end-rules", "model")


# trafilatura has already cut the page down to its article: the layers that look for the article
# inside a whole-page dump only cost recall there.
HTML_LAYERS_OFF = frozenset({"model"})


def check_layers(layers_off: frozenset[str]) -> None:
    unknown = layers_off - set(LAYERS)
    if unknown:
        raise ValueError(f"unknown cleaning layers: {sorted(unknown)}; known: {LAYERS}")


@dataclass
class Draft:
    """A page after the layers that need no model, with its segments' features for the model
    (None when the model layer is off)."""
    page: Page
    meta: Metadata
    segments: Segments | None


def draft_clean(text: str, rules: RuleSet, layers_off: frozenset[str] = frozenset(),
                template_keys: frozenset[int] = frozenset()) -> Draft:
    """The layers before the model: unwrap, segment, line rules, metadata, the site's template
    lines, end-of-article rules; then the features of every segment. The page's language (in the
    metadata) picks the stopwords."""
    check_layers(layers_off)
    if "unwrap" not in layers_off:
        text = unwrap(text)
    page = Page.from_text(text, None if "segment" in layers_off else split_line, MIN_SPLIT_CHARS)
    if "rules" not in layers_off:
        apply_line_rules(page, rules)
    meta = extract_metadata(page) if "metadata" not in layers_off else Metadata()
    if "templates" not in layers_off:
        apply_site_templates(page, template_keys)
    language = page_language(page.lines)
    meta = dataclasses.replace(meta, language=language)
    classes = classify(page, language)
    if "end-rules" not in layers_off:
        apply_end_rules(page, rules, is_prose=lambda line: classes.get(line.number) is LineClass.GOOD)
    segments = page_segments(page, language, classes, rules.break_rules) if "model" not in layers_off else None
    return Draft(page, meta, segments)


def finish_clean(draft: Draft, probabilities: np.ndarray | None) -> tuple[Page, Metadata]:
    """The model's cuts, from its `probabilities` for the draft's segments."""
    if draft.segments is not None and probabilities is not None:
        apply_model(draft.page, draft.segments, probabilities, segment_model().switch_cost)
    return draft.page, draft.meta


def predict_drafts(drafts: list[Draft]) -> list[np.ndarray | None]:
    """The model's probabilities for every draft's segments, judged together for the batch."""
    judged = [draft.segments.features for draft in drafts if draft.segments is not None]
    probabilities = iter(predict_pages(judged) if judged else [])
    return [next(probabilities) if draft.segments is not None else None for draft in drafts]


def clean_text(text: str, rules: RuleSet, layers_off: frozenset[str] = frozenset(),
               template_keys: frozenset[int] = frozenset()) -> tuple[Page, Metadata]:
    """Clean repaired text: every layer, for one document (batches predict once for all)."""
    draft = draft_clean(text, rules, layers_off, template_keys)
    return finish_clean(draft, predict_drafts([draft])[0])


@dataclass
class Prepared:
    """An input item decoded, extracted (HTML) and repaired: ready for cleaning."""
    item: InputItem
    decoded: Decoded
    repaired: Repaired
    page_meta: PageMetadata
    nul_stripped: int = 0  # NUL characters taken out (Settings.strip_nul)


def prepare(item: InputItem, extractor: HtmlExtractor, settings: Settings = Settings()) -> Prepared:
    """Decode `item`, extract the main text of an HTML page, repair; raises Rejected when the item
    cannot become text or breaks one of the settings' limits. The scraper's title stands in for a
    page title."""
    decoded = decode(item.data)  # its DecodeError is a Rejected
    text, page_meta = decoded.text, PageMetadata(title=item.title, sources={"title": "scraper"} if item.title else {})
    nul_count = text.count("\x00")
    if nul_count and not settings.strip_nul:
        raise Rejected("nul-bytes", f"{nul_count} NUL characters, the first at character {text.index(chr(0))} "
                                    "(text never holds them; --strip-nul removes them instead)")
    text = text.replace("\x00", "")
    if item.kind == HTML:
        if (deep_at := too_deep(text, settings.max_html_depth)) is not None:
            raise Rejected("html-too-deep", f"elements nest more than {settings.max_html_depth} deep "
                                            f"(at character {deep_at}; --max-html-depth)")
        try:
            extraction = extractor.extract(text, item.url)
        except ExtractTimeout as exc:
            raise Rejected("extract-timeout", str(exc)) from None
        except ExtractFailed as exc:
            raise Rejected("extract-failed", str(exc)) from None
        text, page_meta = extraction.text, extraction.meta
        if not page_meta.title and item.title:
            page_meta.title, page_meta.sources["title"] = item.title, "scraper"
        if not text.strip():
            raise Rejected("no-article-text", "trafilatura found no main text on the page")
    repaired = repair(text)
    # The limit holds for segments: a one-line dump is split at its sentences and seams first.
    longest = max((len(piece) for line in repaired.text.split("\n") if len(line) > settings.max_line_chars
                   for piece in split_line(line)), default=0)
    if longest > settings.max_line_chars:
        raise Rejected("line-too-long", f"a segment of {longest} characters, over the {settings.max_line_chars}-character "
                                        "limit (--max-line-chars)")
    return Prepared(item, decoded, repaired, page_meta, nul_count)


def draft_prepared(prepared: Prepared, rules: RuleSet, layers_off: frozenset[str] = frozenset(),
                   template_keys: frozenset[int] = frozenset()) -> Draft:
    """A prepared item through the layers before the model (HTML pages skip HTML_LAYERS_OFF)."""
    if prepared.item.kind == HTML:
        layers_off = layers_off | HTML_LAYERS_OFF
    return draft_clean(prepared.repaired.text, rules, layers_off, template_keys)


def process_prepared(prepared: Prepared, processed_at: dt.datetime, rules: RuleSet,
                     layers_off: frozenset[str] = frozenset(), template_keys: frozenset[int] = frozenset()) -> dict:
    """The document row for one prepared item; raises Rejected when no article text is left."""
    draft = draft_prepared(prepared, rules, layers_off, template_keys)
    return document_row(prepared, draft, predict_drafts([draft])[0], processed_at)


def document_row(prepared: Prepared, draft: Draft, probabilities: np.ndarray | None, processed_at: dt.datetime) -> dict:
    """The document row for a drafted item, given the model's probabilities for its segments;
    raises Rejected when no article text is left.

    HTML text takes the same clean steps as a text dump (they catch the related links and calls to
    action trafilatura leaves), and the page's own metadata wins over what the text reader finds.
    """
    item, page_meta = prepared.item, prepared.page_meta
    page, meta = finish_clean(draft, probabilities)
    if prepared.nul_stripped:
        page.cut_spans.append((1, "\x00" * prepared.nul_stripped, NUL_REASON))
    if item.kind == HTML:
        meta = _restore_header_guesses(page, meta, page_meta)
    meta = merge_metadata(page_meta, meta)
    text = page.text()
    if not text:
        removed = len(page.removed())
        raise Rejected("no-article-text", f"all {removed} non-blank lines were removed as boilerplate or metadata")
    if not WORD.search(text):
        raise Rejected("no-article-text", f"what is left holds no word: {text[:40]!r}")
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


def process_bytes(source: str, data: bytes, processed_at: dt.datetime, rules: RuleSet,
                  layers_off: frozenset[str] = frozenset(), template_keys: frozenset[int] = frozenset(),
                  settings: Settings = Settings()) -> dict:
    """The document row for text `data`; raises Rejected when the input cannot be a document."""
    prepared = prepare(InputItem(source, data, TEXT, TEXT), HtmlExtractor(None), settings)
    return process_prepared(prepared, processed_at, rules, layers_off, template_keys)


# Share of a line's words that must recur in the page title for the line to be that headline.
HEADLINE_OVERLAP = 0.5
_TEXT_TITLE = "metadata: title"


def _restore_header_guesses(page: Page, meta: Metadata, page_meta: PageMetadata) -> Metadata:
    """Put back the lines the text-level reader took for title and standfirst, bar a headline.

    That reader expects a whole-page dump with a header zone; trafilatura's text starts at the
    article, where its guesses are the first paragraphs. Only a repeat of the page's own title
    (trafilatura keeps an in-article headline) stays out, as the title.
    """
    for line in page.lines:
        if line.reason == DESCRIPTION:
            line.reason, meta = None, dataclasses.replace(meta, description=None)
        elif line.reason == _TEXT_TITLE and not _is_headline(line.text, page_meta.title):
            line.reason, meta = None, dataclasses.replace(meta, title=None)
    return meta


def _is_headline(line: str, title: str | None) -> bool:
    words = [word.lower() for word in WORD.findall(line)]
    title_words = {word.lower() for word in WORD.findall(title or "")}
    return bool(words) and sum(word in title_words for word in words) >= HEADLINE_OVERLAP * len(words)


def process_batch(root: Path, sources: list[str], processed_at: dt.datetime, settings: Settings = Settings(),
                  templates: TemplateState | None = None) -> BatchResult:
    """Process the files `sources` (paths relative to `root`): each document they hold becomes a
    document row or a reject row, and so does each record that cannot be read.

    Two passes: the first reads and prepares every item and learns the batch's site templates
    (added to `templates`, what earlier runs learned); the second cleans each item with them. The
    batch's own counts come back in `BatchResult.templates`, for the caller to keep.
    """
    rules = load_rules(settings.rules_path)  # a broken rules file fails the run, not each document
    check_layers(settings.layers_off)  # so does a misspelt layer name
    result = BatchResult()
    ready: list[Prepared] = []
    with HtmlExtractor(settings.extract_timeout) as extractor:
        for source in sources:
            for item in _items(root, source, settings):
                if isinstance(item, BadItem):
                    result.rejects.append(_reject(item.source, item.reason, item.detail, item.data, processed_at))
                    continue
                try:
                    ready.append(prepare(item, extractor, settings))
                except Exception as exc:  # one bad document must never stop the run
                    result.rejects.append(_reject(item.source, *_reject_reason(item.source, exc), item.data, processed_at))
    sites = [site_of(p.item.source, p.item.url) for p in ready]
    result.templates = learn(
        ((site, document_digest(p.item.data), p.repaired.text.split("\n")) for site, p in zip(sites, ready)),
        known=templates,
    )
    # Only the batch's own sites: the known state covers the whole dataset, and copying it all
    # for every batch would grow with the dataset.
    known = TemplateState()
    if templates is not None:
        known.merge(TemplateState({site: templates.sites[site] for site in set(sites) if site in templates.sites}))
    known.merge(result.templates)
    use_templates = "templates" not in settings.layers_off
    keys_of_site: dict[str, frozenset[int]] = {}  # a site's template lines, worked out once a batch
    drafted: list[tuple[Prepared, Draft]] = []
    for site, prepared in zip(sites, ready):
        try:
            keys = frozenset()
            if use_templates:
                if site not in keys_of_site:
                    keys_of_site[site] = known.template_keys(site)
                keys = keys_of_site[site]
            drafted.append((prepared, draft_prepared(prepared, rules, settings.layers_off, keys)))
        except Exception as exc:  # one bad document must never stop the run
            source = prepared.item.source
            result.rejects.append(_reject(source, *_reject_reason(source, exc), prepared.item.data, processed_at))
    # The model judges the whole batch's segments in one call.
    probabilities = predict_drafts([draft for _, draft in drafted])
    for (prepared, draft), page_probabilities in zip(drafted, probabilities):
        try:
            result.documents.append(document_row(prepared, draft, page_probabilities, processed_at))
        except Exception as exc:  # one bad document must never stop the run
            source = prepared.item.source
            result.rejects.append(_reject(source, *_reject_reason(source, exc), prepared.item.data, processed_at))
    return result


def _reject_reason(source: str, exc: Exception) -> tuple[str, str]:
    if isinstance(exc, Rejected):
        return exc.reason, exc.detail
    log.error("internal error on %s", source, exc_info=exc)
    return "internal-error", f"{type(exc).__name__}: {exc}"


def _items(root: Path, source: str, settings: Settings) -> Iterator[InputItem | BadItem]:
    """The items of one file; a file that cannot be opened, or a reader that fails, is one BadItem."""
    try:
        yield from read_items(root, source, settings.max_bytes, settings.max_ratio)
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
