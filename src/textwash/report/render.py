"""Report: a static HTML view of a dataset — what each document kept, what was cut, and why.

`write_report(dataset, out)` reads the documents and rejects, and writes `out/index.html` (the
overview and the first page of the document list), `out/list-N.html` (the other pages of the
list, LIST_PAGE_SIZE documents each) and one page per document under `out/documents/`. Every page
carries its own CSS and script inline and links only to its sibling pages, so the folder opens
offline from disk and can be copied anywhere. Pages read fine without JavaScript; the script
only filters the document list and hides or shows the cuts.

The report is incremental: a document's page depends on its own row alone (its reasons' inks are
fixed per reason family, its duplicate_of link is a function of the id), so a run renders only the
pages of documents that are new or changed since the last report, and removes those of documents
gone. `out/pages.parquet` records which row each page shows, stamped with the report's format;
a new format renders every page again. The figures and the list are computed with Arrow from a few
columns, a thousand rows at a time: no Python object per document of the dataset.

Reading is tolerant of the dataset's evolution: any column beyond the ones used here is shown as
document metadata, and a missing optional column (duplicate_of, url, ...) just leaves its figure out.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import os
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
import markupsafe
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from textwash import __version__
from textwash.atomic import atomic_text
from textwash.model import schema
from textwash.model.page import WORD
from textwash.model.record import url_site
from textwash.model.schema import LOW_CONFIDENCE, confidence_label, is_low_confidence
from textwash.dataset.store import write_table_atomic
from textwash.reasons import (
    AFTER_END, BEFORE_DATELINE_FAMILY, METADATA_FAMILY, MODEL_FAMILY, NUL_REASON, TEMPLATE_FAMILY, reason_family,
)

DOCUMENT_PAGES = "documents"
DEFAULT_FOLDER = "report"  # inside the dataset folder, when no other is given
PAGES_FILE = "pages.parquet"  # which row each document page shows, and the report format's stamp
STAMP_KEY = b"textwash.report_stamp"
LIST_PAGE_SIZE = 1000  # documents per page of the list (index.html holds the first)
REJECTS_SHOWN = 1000  # rejects listed one by one on the overview; all are counted by reason
LOW_CONFIDENCE_SHOWN = 1000  # low-confidence documents listed on the overview; all are counted
NO_SITE = "(no URL)"
NO_LANGUAGE = "(unknown)"
NO_REASON = "(no reason)"
ROWS_PER_READ = 100  # rows with their text at a time while rendering pages (a row with its cuts: ~0.1 MB)
COLUMN_ROWS_PER_READ = 1000  # rows at a time while reading the few columns of the figures and the list
# WORD (Python's \w+, Unicode) in RE2's syntax, where \w is ASCII alone.
WORD_RE2 = r"[\pL\pN_]+"
# What tells that a document's row changed under the same doc_id: reprocessing stamps a new
# processed_at; duplicate flags change when an original's input does.
ROW_VERSION_COLUMNS = ("processed_at", "duplicate_of")

# Ink colours for removal reasons; each reaches WCAG AA contrast (4.5:1) as text on white and on
# its own tint. A reason's family takes a fixed ink, so a page never depends on other documents.
REASON_INKS = (
    "#b91c1c", "#1d4ed8", "#047857", "#7e22ce", "#854d0e",
    "#0e7490", "#be185d", "#3f6212", "#9a3412", "#4338ca",
)
OTHER_INK = "#475569"  # cuts without a reason
TINT_STRENGTH = 0.10
# The families the cleaning layers and the default rules emit, the most frequent first (measured
# on the benchmark corpus), so that the common ones get inks of their own; the list wraps around
# the palette. Families not listed (rules of one's own) hash into the palette.
KNOWN_FAMILIES = (
    MODEL_FAMILY, AFTER_END, TEMPLATE_FAMILY,
    "newsletter or subscription prompt", "share or follow buttons", METADATA_FAMILY,
    "call-to-action button or prompt", "image caption or credit",
    "copyright notice", "bare web address", "comment form", "related or popular stories box",
    "date or time stamp", "tag list", "republication or origin note", "reporting credit line",
    "link to a related story", "video embed stub", "previous or next post links", "image file name",
    "comment section", BEFORE_DATELINE_FAMILY, NUL_REASON,
)

# Metadata shown first on a document page, in this order; other columns follow by name.
METADATA_ORDER = (
    "source", "title", "description", "authors", "publisher", "dateline", "published", "section",
    "language", "url", "duplicate_of", "word_count", "clean_confidence", "encoding", "repaired", "source_format",
    "fetched_at", "processed_at", "pipeline_version", "doc_id", "source_sha256", "content_sha256",
)
NOT_METADATA = {"text", "removed"}
# The document list's columns, in the order of its rows (sorted by source, then doc_id).
LIST_COLUMNS = ("source", "doc_id", "page", "title", "language", "site", "words_kept", "words_removed",
                "removed_share", "cuts", "reasons", "duplicate", "confidence")


class DatasetError(ValueError):
    """The folder holds no textwash dataset."""


@dataclass
class Overview:
    documents: int = 0
    rejects: int = 0
    duplicates: int | None = None  # None: the dataset does not record duplicates
    judged: int | None = None  # documents with a confidence; None: the dataset does not record it
    low_confidence: int = 0  # documents below LOW_CONFIDENCE
    words_kept: int = 0
    words_removed: int = 0
    rejects_by_reason: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    sites: Counter = field(default_factory=Counter)
    cuts_by_reason: Counter = field(default_factory=Counter)  # spans
    words_by_reason: Counter = field(default_factory=Counter)
    reason_numbers: dict[str, int] = field(default_factory=dict)  # how the document list names reasons

    @property
    def removed_share(self) -> float:
        return share(self.words_kept, self.words_removed)


def share(kept: int, removed: int) -> float:
    """The removed share of a document's words.

    >>> share(3, 1), share(0, 0)
    (0.25, 0.0)
    """
    total = kept + removed
    return removed / total if total else 0.0


# --- reading ---------------------------------------------------------------------------------

def _check_dataset(dataset: Path) -> None:
    if not (dataset / "documents").is_dir():
        raise DatasetError(f"{dataset} holds no documents/ folder: not a textwash dataset")


def open_rows(folder: Path) -> ds.Dataset | None:
    """The rows under `folder`, hive partitions included; files written before a column was added
    read as nulls in it. None when the folder holds no files."""
    try:
        dataset = ds.dataset(folder, format="parquet", partitioning="hive")
        schemas = [fragment.physical_schema for fragment in dataset.get_fragments()]
        if not schemas:
            return None
        schema = pa.unify_schemas([*schemas, dataset.schema], promote_options="permissive")
        return ds.dataset(folder, schema=schema, format="parquet", partitioning="hive")
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(f"cannot read {folder}: {exc}") from exc


def _batches(source: ds.Dataset | ds.Fragment | None, folder: Path, rows: int, **options) -> Iterator[pa.RecordBatch]:
    """The rows of `source` a batch of `rows` at a time, in one order for every pass, without
    read-ahead of whole files (a report of a large dataset never holds it whole)."""
    if source is None:
        return
    try:
        yield from source.to_batches(batch_size=rows, batch_readahead=0, fragment_readahead=0, use_threads=False,
                                     **options)
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(f"cannot read {folder}: {exc}") from exc


# --- the figures and the list -------------------------------------------------------------------

def words(text: str | None) -> int:
    return len(WORD.findall(text or ""))


def site_of(row: dict) -> str:
    """The site a document came from: its `site` column if the dataset has one, else its URL's host."""
    if row.get("site"):
        return str(row["site"])
    return url_site(row.get("url")) or NO_SITE


def page_of(doc_id: str | None) -> str:
    """The path of a document's page, relative to the report folder: a function of its id alone,
    so any page can link any other. Ids are hex; any other id is named by its hash.

    >>> page_of("0a1b2c")
    'documents/0a1b2c.html'
    >>> page_of("../etc/passwd").startswith("documents/id-")
    True
    """
    doc_id = doc_id or ""
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,128}", doc_id):
        doc_id = "id-" + hashlib.sha256(doc_id.encode()).hexdigest()[:32]
    return f"{DOCUMENT_PAGES}/{doc_id}.html"


def _column(batch: pa.RecordBatch, name: str, kind: pa.DataType = pa.string()) -> pa.Array:
    index = batch.schema.get_field_index(name)
    return batch.column(index) if index >= 0 else pa.nulls(batch.num_rows, kind)


def _word_counts(texts: pa.Array) -> pa.Array:
    return pc.fill_null(pc.count_substring_regex(texts, WORD_RE2), 0)


def _summarize_batch(batch: pa.RecordBatch, overview: Overview) -> pa.Table:
    """The document list's columns for `batch` (plus `row_version`), its figures added to `overview`."""
    n = batch.num_rows
    removed = _column(batch, "removed", pa.list_(pa.struct([("text", pa.string()), ("reason", pa.string())])))
    spans = pc.list_flatten(removed)
    owner = pc.list_parent_indices(removed).to_numpy()
    reasons = pc.fill_null(pc.struct_field(spans, "reason"), NO_REASON)
    span_words = _word_counts(pc.struct_field(spans, "text"))
    by_reason = pa.table({"reason": reasons, "words": span_words}).group_by("reason").aggregate(
        [("words", "sum"), ("words", "count")])
    for reason, total, count in zip(*(by_reason[name].to_pylist() for name in ("reason", "words_sum", "words_count"))):
        overview.words_by_reason[reason] += total
        overview.cuts_by_reason[reason] += count
    words_removed = np.bincount(owner, weights=span_words.to_numpy(zero_copy_only=False), minlength=n).astype(np.int64)
    # A document's reasons as numbers ("3,7"): their names would be most of the list's bytes.
    reasons_of: list[list[str]] = [[] for _ in range(n)]
    distinct = pa.table({"owner": owner, "reason": reasons}).group_by(["owner", "reason"]).aggregate([])
    for i, reason in zip(distinct["owner"].to_pylist(), distinct["reason"].to_pylist()):
        reasons_of[i].append(str(overview.reason_numbers.setdefault(reason, len(overview.reason_numbers))))

    word_count = _column(batch, "word_count", pa.int32())
    words_kept = pc.if_else(pc.is_valid(word_count), pc.cast(word_count, pa.int64()),
                            _word_counts(_column(batch, "text")))
    site_rows = {name: _column(batch, name).to_pylist() for name in ("site", "url")}
    sites = [site_of({"site": site, "url": url}) for site, url in zip(site_rows["site"], site_rows["url"])]
    languages = pc.fill_null(_column(batch, "language"), NO_LANGUAGE)
    doc_ids = pc.fill_null(_column(batch, "doc_id"), "")
    duplicate_of = _column(batch, "duplicate_of")
    if "duplicate_of" in batch.schema.names:
        overview.duplicates = (overview.duplicates or 0) + pc.sum(pc.is_valid(duplicate_of)).as_py()
    confidence = _column(batch, "clean_confidence", pa.float64())
    if "clean_confidence" in batch.schema.names:
        overview.judged = (overview.judged or 0) + (pc.sum(pc.is_valid(confidence)).as_py() or 0)
        overview.low_confidence += pc.sum(pc.less(confidence, LOW_CONFIDENCE)).as_py() or 0
    overview.documents += n
    overview.words_kept += pc.sum(words_kept).as_py() or 0
    overview.words_removed += int(words_removed.sum())
    overview.languages.update(_value_counts(languages))
    overview.sites.update(sites)
    totals = words_kept.to_numpy(zero_copy_only=False) + words_removed
    return pa.table({
        "source": pc.fill_null(_column(batch, "source"), ""),
        "doc_id": doc_ids,
        "page": pa.array([page_of(doc_id) for doc_id in doc_ids.to_pylist()], pa.string()),
        "title": _column(batch, "title"),
        "language": languages,
        "site": pa.array(sites, pa.string()),
        "words_kept": words_kept,
        "words_removed": words_removed,
        "removed_share": np.divide(words_removed, totals, out=np.zeros(n), where=totals > 0),
        "cuts": pc.list_value_length(removed).fill_null(0),
        "reasons": pa.array([",".join(found) for found in reasons_of], pa.string()),
        "duplicate": pc.is_valid(duplicate_of),
        "confidence": confidence,
        "row_version": _row_versions(batch),
    })


def _value_counts(values: pa.Array | pa.ChunkedArray) -> dict:
    counts = pc.value_counts(values)
    return dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()))


def _row_versions(batch: pa.RecordBatch) -> pa.Array:
    """A string per row that changes when the row does under the same doc_id."""
    parts = [pc.fill_null(pc.cast(batch.column(name), pa.string()), "")
             for name in ROW_VERSION_COLUMNS if name in batch.schema.names]
    if not parts:
        return pa.array([""] * batch.num_rows, pa.string())
    return pc.binary_join_element_wise(*parts, "|")


def summarize(dataset: Path) -> tuple[Overview, pa.Table, pa.Table]:
    """The overview figures, the document list (LIST_COLUMNS and `row_version`, in the order of the
    files: `list_order` sorts it) and the rejects (sorted by reason and source) of the dataset at `dataset`."""
    _check_dataset(dataset)
    overview = Overview()
    documents = open_rows(dataset / "documents")
    names = set(documents.schema.names) if documents is not None else set()
    wanted = ["doc_id", "source", "title", "language", "url", "site", "word_count", "removed", "duplicate_of",
              "clean_confidence", *ROW_VERSION_COLUMNS]
    columns = [name for name in dict.fromkeys(wanted) if name in names]
    if "word_count" not in names and "text" in names:
        columns.append("text")  # older files: count the words of the text
    parts = [_summarize_batch(batch, overview)
             for batch in _batches(documents, dataset / "documents", COLUMN_ROWS_PER_READ, columns=columns)]
    listing = pa.concat_tables(parts) if parts else _summarize_batch(
        pa.RecordBatch.from_pylist([], schema=pa.schema([])), overview)
    rejects = _read_rejects(dataset)
    overview.rejects = rejects.num_rows
    overview.rejects_by_reason.update(_value_counts(rejects["reason"]))
    return overview, listing, rejects


def list_order(listing: pa.Table) -> pa.Array:
    """The order of the document list, by source and doc_id, as row indices (a sorted copy of the
    list would double its memory)."""
    return pc.sort_indices(listing, sort_keys=[("source", "ascending"), ("doc_id", "ascending")])


def low_confidence_documents(listing: pa.Table, limit: int = LOW_CONFIDENCE_SHOWN) -> list[dict]:
    """Source, page, title and confidence of the documents below LOW_CONFIDENCE in the document
    list, the least confident first (then by source), at most `limit` of them."""
    low = listing.filter(pc.less(listing["confidence"], LOW_CONFIDENCE)).select(["source", "page", "title", "confidence"])
    return low.sort_by([("confidence", "ascending"), ("source", "ascending")]).slice(0, limit).to_pylist()


def _read_rejects(dataset: Path) -> pa.Table:
    """Source, reason and detail of every reject, sorted by reason and source."""
    names = ("source", "reason", "detail")
    folder = dataset / "rejects"
    rejects = open_rows(folder) if folder.is_dir() else None
    columns = [name for name in names if rejects is not None and name in rejects.schema.names]
    batches = list(_batches(rejects, folder, COLUMN_ROWS_PER_READ, columns=columns))
    table = pa.Table.from_batches(batches) if batches else pa.table({})
    table = pa.table({name: pc.cast(table[name], pa.string()) if name in table.column_names
                      else pa.nulls(table.num_rows, pa.string()) for name in names})
    table = table.set_column(1, "reason", pc.fill_null(table["reason"], NO_REASON))
    return table.sort_by([("reason", "ascending"), ("source", "ascending")])


# --- colours --------------------------------------------------------------------------------

@functools.cache  # a few dozen reasons, asked for once per cut on every page
def reason_ink(reason: str) -> str:
    """The ink of a reason: its family's place in KNOWN_FAMILIES, else a stable hash of the family,
    into the palette; the grey for a cut without a reason."""
    if reason == NO_REASON:
        return OTHER_INK
    family = reason_family(reason)
    slot = KNOWN_FAMILIES.index(family) if family in KNOWN_FAMILIES else zlib.crc32(family.encode())
    return REASON_INKS[slot % len(REASON_INKS)]


@functools.cache  # a handful of inks, asked for once per cut on every page
def tint(ink: str, strength: float = TINT_STRENGTH) -> str:
    """`ink` mixed into white: the background behind a cut."""
    channels = [int(ink[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02x}" for c in channels)


# --- a document's text with its cuts in place ----------------------------------------------------

@dataclass
class Block:
    kind: str  # "kept" or "cut"
    text: str
    reason: str | None = None


def document_blocks(text: str, removed: list[dict]) -> list[Block]:
    """Kept paragraphs and cut spans in reading order. A cut goes before the kept paragraph its
    `paragraph` index names; an index past the last paragraph (or none) puts it at the end."""
    paragraphs = text.split("\n\n") if text else []
    cuts_before: dict[int, list[dict]] = defaultdict(list)
    for span in removed or []:
        index = span.get("paragraph")
        if index is None or not 0 <= index <= len(paragraphs):
            index = len(paragraphs)
        cuts_before[index].append(span)
    blocks = []
    for index in range(len(paragraphs) + 1):
        blocks += [Block("cut", span.get("text") or "", span.get("reason") or NO_REASON)
                   for span in cuts_before[index]]
        if index < len(paragraphs):
            blocks.append(Block("kept", paragraphs[index]))
    return blocks


def blocks_html(blocks: list[Block], language: str | None) -> markupsafe.Markup:
    """The blocks as HTML paragraphs, each cut with its reason's colours and label. Built here, not
    in a template loop: with a hundred and more cuts a page, the loop was most of a page's time."""
    lang = f' lang="{html.escape(language)}"' if language else ""
    parts = []
    for number, block in enumerate(blocks, start=1):
        text = html.escape(block.text)
        if block.kind == "kept":
            parts.append(f'<p class="kept" id="block-{number}"{lang}>{text}</p>')
            continue
        reason, style = _cut_label(block.reason or NO_REASON)
        parts.append(f'<p class="cut" id="block-{number}" title="Removed: {reason}" data-reason="{reason}" '
                     f'style="{style}"><span class="why"><span class="visually-hidden">Removed, </span>{reason}</span> '
                     f'<del{lang}>{text}</del></p>')
    return markupsafe.Markup("\n".join(parts))


@functools.cache  # a few dozen reasons, each on many cuts
def _cut_label(reason: str) -> tuple[str, str]:
    """A reason escaped for HTML, and the style that gives a cut its colours."""
    ink = reason_ink(reason)
    return html.escape(reason), f"--ink: {ink}; --tint: {tint(ink)}"


def metadata_items(row: dict) -> list[tuple[str, str]]:
    """(column, shown value) for every column of the row that has a value, known ones first."""
    extra = sorted(key for key in row if key not in METADATA_ORDER and key not in NOT_METADATA)
    items = []
    for key in (*METADATA_ORDER, *extra):
        value = row.get(key)
        if value is None or value == "" or value == []:
            continue
        items.append((key, show_value(value)))
    return items


def show_value(value) -> str:
    """A column's value as a document page shows it.

    >>> show_value([("title", "json-ld"), ("language", "langid")])  # a map column (metadata_sources)
    'title: json-ld, language: langid'
    """
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, tuple) and len(value) == 2:  # a map's entry
        return f"{show_value(value[0])}: {show_value(value[1])}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# --- rendering --------------------------------------------------------------------------------

@functools.cache  # templates compile once per process, not once per page
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("textwash.report", "assets"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["percent"] = lambda share: f"{share * 100:.0f}%"
    env.filters["thousands"] = lambda number: f"{number:,}"
    env.filters["confidence"] = confidence_label
    env.globals.update(tint=tint, ink=reason_ink, page_of=page_of, low_confidence=LOW_CONFIDENCE,
                       is_low_confidence=is_low_confidence)
    return env


@functools.cache
def report_stamp() -> str:
    """The report format: textwash's version and a hash of this module, schema.py (the confidence
    threshold and label a page shows) and the templates. Pages written under another stamp are all
    written again."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + Path(schema.__file__).read_bytes())
    assets = resources.files("textwash.report") / "assets"
    for asset in sorted(assets.iterdir(), key=lambda item: item.name):
        digest.update(asset.name.encode() + b"\0" + asset.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


def bar_chart(counts: Counter, label: str, unit: str) -> str:
    """A horizontal bar chart as inline SVG: each bar under its label, the value as text beside it."""
    rows = counts.most_common()
    width, label_height, bar_height, gap = 640, 18, 14, 10
    value_room = 110  # right of the longest bar, for its value
    row_height = label_height + bar_height + gap
    height = max(row_height * len(rows), row_height)
    top = max(counts.values(), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{html.escape(label)}</title>',
    ]
    for i, (reason, value) in enumerate(rows):
        y = i * row_height
        bar = max(2, round((width - value_room) * value / top))
        parts.append(f'<text x="0" y="{y + 13}" class="chart-label">{html.escape(reason)}</text>')
        parts.append(f'<rect x="0" y="{y + label_height}" width="{bar}" height="{bar_height}" '
                     f'fill="{reason_ink(reason)}"/>')
        parts.append(f'<text x="{bar + 6}" y="{y + label_height + 11}" class="chart-value">'
                     f'{value:,} {html.escape(unit)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def list_page_name(number: int) -> str:
    """The file of page `number` (from 1) of the document list."""
    return "index.html" if number == 1 else f"list-{number}.html"


def render_list_page(template: str, overview: Overview, listing: pa.Table, order: pa.Array, number: int,
                     pages: int, **context) -> Iterator[str]:
    """Page `number` of `pages` of the document list in `order` (the index: with the overview), in pieces."""
    start = (number - 1) * LIST_PAGE_SIZE
    documents = listing.select(LIST_COLUMNS).take(order.slice(start, LIST_PAGE_SIZE)).to_pylist()
    names = {number: reason for reason, number in overview.reason_numbers.items()}
    for document in documents:
        numbers = document["reasons"].split(",") if document["reasons"] else []
        document["reasons"] = json.dumps(sorted(names[int(number)] for number in numbers))
    return _environment().get_template(template).generate(
        overview=overview,
        documents=documents,
        first=start + 1,
        page_number=number,
        page_size=LIST_PAGE_SIZE,
        pages=[(n, list_page_name(n)) for n in range(1, pages + 1)],
        **context,
    )


def render_index(overview: Overview, listing: pa.Table, order: pa.Array, rejects: pa.Table, pages: int,
                 dataset_label: str, generated: dt.datetime) -> Iterator[str]:
    """The overview page with the first page of the document list."""
    return render_list_page(
        "index.html.j2", overview, listing, order, 1, pages,
        rejects=rejects.slice(0, REJECTS_SHOWN).to_pylist(),
        low_confidence_documents=low_confidence_documents(listing),
        chart=bar_chart(overview.words_by_reason, "Words removed, by reason", "words"),
        dataset=dataset_label,
        generated=generated.isoformat(sep=" ", timespec="seconds"),
    )


def render_document(row: dict) -> str:
    """A document's page, from its row alone."""
    blocks = document_blocks(row.get("text") or "", row.get("removed") or [])
    reasons_here = Counter(block.reason for block in blocks if block.kind == "cut")
    kept = row["word_count"] if row.get("word_count") is not None else words(row.get("text"))
    removed = sum(words(block.text) for block in blocks if block.kind == "cut")
    language = row.get("language")
    confidence = row.get("clean_confidence")
    return _environment().get_template("document.html.j2").render(
        doc={"title": row.get("title"), "source": row.get("source") or "", "words_kept": kept,
             "words_removed": removed, "removed_share": share(kept, removed), "cuts": len(row.get("removed") or []),
             "language_code": language or None, "confidence": confidence,
             "low_confidence": is_low_confidence(confidence)},
        blocks_html=blocks_html(blocks, language or None),
        has_text=bool(blocks),
        metadata=metadata_items(row),
        reasons_here=reasons_here.most_common(),
    )


# --- writing ----------------------------------------------------------------------------------

def write_report(dataset: Path | str, out: Path | str | None = None, generated: dt.datetime | None = None) -> Path:
    """Write the report of the dataset at `dataset` into `out` (default: DATASET/report); returns
    the path of its index.html. The ingest flow calls this after each commit.

    Document pages are written only for documents that are new or changed since the report in
    `out` was written (all of them when its format changed), and pages of documents no longer in
    the dataset are removed (only from out/documents/, and only .html files). The overview and
    the list pages are written anew each time.
    """
    dataset = Path(dataset)
    out = Path(out) if out is not None else dataset / DEFAULT_FOLDER
    overview, listing, rejects = summarize(dataset)
    generated = generated or dt.datetime.now(dt.timezone.utc)
    stamp = report_stamp()

    (out / DOCUMENT_PAGES).mkdir(parents=True, exist_ok=True)
    on_disk = _pages_on_disk(out)
    current = listing.select(["doc_id", "page", "row_version"])
    shown = _pages_shown(out, stamp)
    keys = pc.binary_join_element_wise(current["page"], current["row_version"], "\n")
    fresh = pc.and_(pc.is_in(keys, value_set=shown), pc.is_in(current["page"], value_set=on_disk))
    stale = current.filter(pc.invert(fresh))
    if stale.num_rows:
        _write_pages(dataset, out, None if stale.num_rows == current.num_rows else stale["doc_id"].combine_chunks())
    for page in pc.filter(on_disk, pc.invert(pc.is_in(on_disk, value_set=current["page"]))).to_pylist():
        (out / page).unlink(missing_ok=True)
    _write_pages_shown(out, keys, stamp)

    pages = max(1, -(-listing.num_rows // LIST_PAGE_SIZE))
    order = list_order(listing)
    index = out / "index.html"
    _write_text(index, render_index(overview, listing, order, rejects, pages, str(dataset), generated))
    for number in range(2, pages + 1):
        _write_text(out / list_page_name(number),
                    render_list_page("list.html.j2", overview, listing, order, number, pages))
    for extra in out.glob("list-*.html"):
        if extra.name not in {list_page_name(n) for n in range(2, pages + 1)}:
            extra.unlink()
    return index


def _write_pages(dataset: Path, out: Path, doc_ids: pa.Array | None) -> None:
    """The pages of the documents `doc_ids` (all when None), a few rows at a time. Only the files
    that hold one of them are read whole: new documents are in new files."""
    folder = dataset / "documents"
    documents = open_rows(folder)
    where = None if doc_ids is None else pc.field("doc_id").isin(doc_ids)
    for fragment in documents.get_fragments() if documents is not None else ():
        if where is not None:
            ids = pa.concat_arrays([pa.array([], pa.string()), *(batch.column(0) for batch in _batches(
                fragment, folder, COLUMN_ROWS_PER_READ, schema=documents.schema, columns=["doc_id"]))])
            if not pc.any(pc.is_in(ids, value_set=doc_ids)).as_py():
                continue
        for batch in _batches(fragment, folder, ROWS_PER_READ, schema=documents.schema, filter=where):
            for row in batch.to_pylist():
                _write_text(out / page_of(row.get("doc_id")), render_document(row))


def _pages_on_disk(out: Path) -> pa.Array:
    """The document pages in `out`, as report-relative paths (an Arrow array: one string each)."""
    chunks, names = [], []
    with os.scandir(out / DOCUMENT_PAGES) as entries:
        for entry in entries:
            if entry.name.endswith(".html") and not entry.name.startswith("."):
                names.append(f"{DOCUMENT_PAGES}/{entry.name}")
                if len(names) == COLUMN_ROWS_PER_READ:
                    chunks.append(pa.array(names, pa.string()))
                    names = []
    return pa.concat_arrays([*chunks, pa.array(names, pa.string())])


def _pages_shown(out: Path, stamp: str) -> pa.Array:
    """The pages written by an earlier report of this format, each with the row version it shows;
    none when there is no such report."""
    try:
        table = pq.read_table(out / PAGES_FILE)
    except (OSError, pa.ArrowException):
        return pa.array([], pa.string())
    if (table.schema.metadata or {}).get(STAMP_KEY) != stamp.encode() or "shown" not in table.column_names:
        return pa.array([], pa.string())
    return table["shown"]


def _write_pages_shown(out: Path, keys: pa.Array, stamp: str) -> None:
    write_table_atomic(pa.table({"shown": keys}).replace_schema_metadata({STAMP_KEY: stamp.encode()}), out / PAGES_FILE)


def _write_text(path: Path, text: str | Iterable[str]) -> None:
    """Write through a temporary file and a rename, so a browser never shows half a page."""
    with atomic_text(path) as handle:
        handle.writelines([text] if isinstance(text, str) else text)
