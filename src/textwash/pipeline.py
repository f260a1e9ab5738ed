"""The per-document path (decode → repair → clean → metadata → record) and its batch form.

Plain functions over plain data: the Prefect flow and the CLI only call `process_batch`. Every
input ends as exactly one document row or one reject row; an unexpected error in one document
becomes that document's reject, never the batch's failure.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from textwash.clean import apply_end_rules, apply_line_rules
from textwash.clean_lines import LineClass, apply_menu_runs, classify, stoplist
from textwash.clean_region import apply_article_region
from textwash.clean_repeats import apply_repeats
from textwash.clean_teasers import apply_topic_teasers
from textwash.clean_templates import TemplateState, apply_site_templates, document_digest, learn, site_of
from textwash.decode import Decoded, DecodeError, decode
from textwash.language import detect_language
from textwash.lines import Page
from textwash.metadata import Metadata, extract_metadata
from textwash.read import DEFAULT_MAX_BYTES, InputTooLarge, read_input
from textwash.record import build_document, build_reject, sha256_hex
from textwash.repair import Repaired, repair
from textwash.unwrap import unwrap
from textwash.rules import RuleSet, load_rules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    max_bytes: int = DEFAULT_MAX_BYTES
    rules_path: str | None = None  # None: the packaged rules
    layers_off: frozenset[str] = frozenset()  # cleaning layers to skip (see LAYERS)


@dataclass
class BatchResult:
    documents: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    templates: TemplateState = field(default_factory=TemplateState)  # the batch's line counts per site


class Rejected(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# How many of the longest lines decide the language whose stopwords the line layers use.
LANGUAGE_LINES = 30

# The cleaning layers, in the order they run; any of them can be turned off for an ablation.
LAYERS = ("unwrap", "rules", "metadata", "templates", "end-rules", "line-classes", "region", "teasers", "repeats")


def check_layers(layers_off: frozenset[str]) -> None:
    unknown = layers_off - set(LAYERS)
    if unknown:
        raise ValueError(f"unknown cleaning layers: {sorted(unknown)}; known: {LAYERS}")


def clean_text(text: str, rules: RuleSet, layers_off: frozenset[str] = frozenset(),
               template_keys: frozenset[str] = frozenset()) -> tuple[Page, Metadata]:
    """Clean repaired text: line rules, metadata, the site's template lines, end-of-article rules,
    then the structural layers (line classes, article region, topic teasers, repeats), which judge
    what the earlier ones left."""
    check_layers(layers_off)
    if "unwrap" not in layers_off:
        text = unwrap(text)
    page = Page.from_text(text)
    if "rules" not in layers_off:
        apply_line_rules(page, rules)
    meta = extract_metadata(page) if "metadata" not in layers_off else Metadata()
    if "templates" not in layers_off:
        apply_site_templates(page, template_keys)
    # The page's longest lines are its prose: they tell its language better than the menus on top.
    language = detect_language("\n".join(sorted((line.text for line in page.lines), key=len, reverse=True)[:LANGUAGE_LINES]))
    classes = classify(page, language)
    if "end-rules" not in layers_off:
        apply_end_rules(page, rules, is_prose=lambda line: classes.get(line.number) is LineClass.GOOD)
    if "line-classes" not in layers_off:
        apply_menu_runs(page, classes)
    if "region" not in layers_off:
        apply_article_region(page, classes, rules.break_rules)
    if "teasers" not in layers_off:
        apply_topic_teasers(page, stoplist(language))
    if "repeats" not in layers_off:
        apply_repeats(page)
    return page, meta


def prepare(data: bytes) -> tuple[Decoded, Repaired]:
    """Decode and repair `data`; raises Rejected when it cannot be read as text."""
    try:
        decoded = decode(data)
    except DecodeError as exc:
        raise Rejected(exc.reason, exc.detail) from None
    return decoded, repair(decoded.text)


def process_prepared(source: str, data: bytes, decoded: Decoded, repaired: Repaired, processed_at: dt.datetime,
                     rules: RuleSet, layers_off: frozenset[str] = frozenset(),
                     template_keys: frozenset[str] = frozenset()) -> dict:
    """The document row for a prepared input; raises Rejected when no article text is left."""
    page, meta = clean_text(repaired.text, rules, layers_off, template_keys)
    text = page.text()
    if not text:
        removed = len(page.removed())
        raise Rejected("no-article-text", f"all {removed} non-blank lines were removed as boilerplate or metadata")
    return build_document(
        source=source,
        source_sha256=sha256_hex(data),
        page=page,
        meta=meta,
        language=detect_language(text),
        encoding=decoded.encoding,
        repaired=repaired.changed,
        processed_at=processed_at,
    )


def process_bytes(source: str, data: bytes, processed_at: dt.datetime, rules: RuleSet,
                  layers_off: frozenset[str] = frozenset(), template_keys: frozenset[str] = frozenset()) -> dict:
    """The document row for `data`; raises Rejected when the input cannot be a document."""
    decoded, repaired = prepare(data)
    return process_prepared(source, data, decoded, repaired, processed_at, rules, layers_off, template_keys)


def _reject_reason(source: str, exc: Exception) -> tuple[str, str]:
    if isinstance(exc, Rejected):
        return exc.reason, exc.detail
    if isinstance(exc, InputTooLarge):
        return "too-large", str(exc)
    if isinstance(exc, OSError):
        return "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}"
    log.error("internal error on %s", source, exc_info=exc)
    return "internal-error", f"{type(exc).__name__}: {exc}"


def process_batch(root: Path, sources: list[str], processed_at: dt.datetime, settings: Settings = Settings(),
                  templates: TemplateState | None = None) -> BatchResult:
    """Process `sources` (paths relative to `root`), each to a document or a reject.

    Two passes: the first reads every input and learns the batch's site templates (added to
    `templates`, what earlier runs learned); the second cleans each input with them. The batch's
    own counts come back in `BatchResult.templates`, for the caller to keep.
    """
    rules = load_rules(settings.rules_path)  # a broken rules file fails the run, not each document
    check_layers(settings.layers_off)  # so does a misspelt layer name
    result = BatchResult()
    prepared: dict[str, tuple[bytes, Decoded, Repaired]] = {}
    failed: dict[str, tuple[bytes | None, Exception]] = {}
    for source in sources:
        data = None
        try:
            data = read_input(root, source, settings.max_bytes).data
            prepared[source] = (data, *prepare(data))
        except Exception as exc:  # one bad document must never stop the run
            failed[source] = (data, exc)
    result.templates = learn(
        ((site_of(source), document_digest(data), repaired.text.split("\n")) for source, (data, _, repaired) in prepared.items()),
        known=templates,
    )
    known = TemplateState()
    known.merge(templates or TemplateState())
    known.merge(result.templates)
    use_templates = "templates" not in settings.layers_off
    for source in sources:
        if source in prepared:
            data = prepared[source][0]
            try:
                keys = known.template_keys(site_of(source)) if use_templates else frozenset()
                result.documents.append(process_prepared(source, *prepared[source], processed_at, rules,
                                                         settings.layers_off, keys))
                continue
            except Exception as exc:  # one bad document must never stop the run
                reason, detail = _reject_reason(source, exc)
        else:
            data, exc = failed[source]
            reason, detail = _reject_reason(source, exc)
        result.rejects.append(
            build_reject(
                source=source,
                reason=reason,
                detail=detail,
                processed_at=processed_at,
                source_sha256=sha256_hex(data) if data is not None else None,
                size_bytes=len(data) if data is not None else None,
            )
        )
    return result
