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
import multiprocessing
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import jinja2
import markupsafe
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from textwash import __version__
from textwash.atomic import atomic_text
from textwash.model import schema
from textwash.model.schema import LOW_CONFIDENCE, confidence_label, is_low_confidence
from textwash.report.colours import reason_ink, tint
from textwash.report.figures import (
    COLUMN_ROWS_PER_READ, DOCUMENT_PAGES, LIST_COLUMNS, NO_REASON, DatasetError, Overview, list_order,
    low_confidence_documents, open_rows, page_of, row_batches, share, summarize, words,
)
from textwash.dataset.store import write_table_atomic

DEFAULT_FOLDER = "report"  # inside the dataset folder, when no other is given
PAGES_FILE = "pages.parquet"  # which row each document page shows, and the report format's stamp
STAMP_KEY = b"textwash.report_stamp"
LIST_PAGE_SIZE = 1000  # documents per page of the list (index.html holds the first)
REJECTS_SHOWN = 1000  # rejects listed one by one on the overview; all are counted by reason
ROWS_PER_READ = 100  # rows with their text at a time while rendering pages (a row with its cuts: ~0.1 MB)
ROWS_PER_PIECE = 2000  # rows (whole row groups) a process takes at a time while rendering pages
METADATA_ORDER = (
    "source", "title", "description", "authors", "publisher", "dateline", "published", "section",
    "language", "url", "duplicate_of", "word_count", "clean_confidence", "encoding", "repaired", "source_format",
    "fetched_at", "processed_at", "pipeline_version", "doc_id", "source_sha256", "content_sha256",
)
NOT_METADATA = {"text", "removed"}


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
    """The report format: textwash's version and a hash of the report's modules, schema.py (the
    confidence threshold and label a page shows) and the templates. Pages written under another
    stamp are all written again."""
    modules = sorted(Path(__file__).parent.glob("*.py"))
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in modules) + Path(schema.__file__).read_bytes())
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

def write_report(dataset: Path | str, out: Path | str | None = None, generated: dt.datetime | None = None,
                 processes: int = 1) -> Path:
    """Write the report of the dataset at `dataset` into `out` (default: DATASET/report); returns
    the path of its index.html, its document pages written by `processes` processes. The ingest
    flow calls this after each commit.

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
    keys = pc.binary_join_element_wise(listing["page"], listing["row_version"], "\n")
    listing = listing.drop_columns(["row_version"])  # only the keys need it
    fresh = pc.and_(pc.is_in(keys, value_set=_pages_shown(out, stamp)), pc.is_in(listing["page"], value_set=on_disk))
    stale = listing.num_rows - (pc.sum(fresh).as_py() or 0)
    if stale:
        # Only the stale ids are copied, and none when every page is (a first report).
        _write_pages(dataset, out, None if stale == listing.num_rows
                     else listing["doc_id"].filter(pc.invert(fresh)).combine_chunks(), processes)
    for page in pc.filter(on_disk, pc.invert(pc.is_in(on_disk, value_set=listing["page"]))).to_pylist():
        (out / page).unlink(missing_ok=True)
    _write_pages_shown(out, keys, stamp)
    del keys  # the list pages read the listing alone

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


class PagePiece(NamedTuple):
    """A share of the page-writing work: some row groups of a file, and the ids among their rows
    whose pages are due (None: every row's)."""
    fragment: ds.ParquetFileFragment
    doc_ids: pa.Array | None


def _write_pages(dataset: Path, out: Path, doc_ids: pa.Array | None, processes: int) -> None:
    """The pages of the documents `doc_ids` (all when None), by `processes` processes. The work
    goes in pieces of a few row groups; only pieces that hold one of the ids are read whole (new
    documents are in new files), and each carries only its own ids."""
    folder = dataset / "documents"
    documents = open_rows(folder)
    if documents is None:
        return
    pieces = _page_pieces(documents, folder, doc_ids)
    write = functools.partial(_write_piece_pages, schema=documents.schema, folder=folder, out=out)
    if processes == 1:
        for piece in pieces:
            write(piece)
        return
    # spawn: the flow's process runs threads (Prefect's), which fork would copy mid-work.
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        for _ in pool.map(write, pieces):
            pass


def _page_pieces(documents: ds.Dataset, folder: Path, doc_ids: pa.Array | None) -> Iterator[PagePiece]:
    """`documents` as pieces of consecutive row groups of about ROWS_PER_PIECE rows, each with the
    ids of `doc_ids` it holds (None: all of its rows); pieces holding none are left out."""
    for fragment in documents.get_fragments():
        groups = _row_groups(fragment, folder)
        start = 0
        while start < len(groups):
            end, rows = start, 0
            while end < len(groups) and (rows == 0 or rows + groups[end].num_rows <= ROWS_PER_PIECE):
                rows += groups[end].num_rows
                end += 1
            piece = fragment.subset(row_group_ids=[group.id for group in groups[start:end]])
            start = end
            if doc_ids is None:
                yield PagePiece(piece, None)
                continue
            ids = pa.concat_arrays([pa.array([], pa.string()), *(batch.column(0) for batch in row_batches(
                piece, folder, COLUMN_ROWS_PER_READ, schema=documents.schema, columns=["doc_id"]))])
            wanted = ids.filter(pc.is_in(ids, value_set=doc_ids))
            if len(wanted):
                yield PagePiece(piece, wanted)


def _row_groups(fragment: ds.ParquetFileFragment, folder: Path) -> list:
    try:
        fragment.ensure_complete_metadata()
        return fragment.row_groups
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(f"cannot read {folder}: {exc}") from exc


def _write_piece_pages(piece: PagePiece, schema: pa.Schema, folder: Path, out: Path) -> None:
    """Write the pages of a piece's documents (those of its ids), a few rows at a time."""
    where = None if piece.doc_ids is None else pc.field("doc_id").isin(piece.doc_ids)
    for batch in row_batches(piece.fragment, folder, ROWS_PER_READ, schema=schema, filter=where):
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
