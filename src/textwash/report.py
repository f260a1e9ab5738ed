"""Report: a static HTML view of a dataset — what each document kept, what was cut, and why.

`write_report(dataset, out)` reads the documents and rejects, and writes `out/index.html` (the
overview and the document list) and one page per document under `out/documents/`. Every page
carries its own CSS and script inline and links only to its sibling pages, so the folder opens
offline from disk and can be copied anywhere. Pages read fine without JavaScript; the script
only filters the document list and hides or shows the cuts.

Reading is tolerant of the dataset's evolution: any column beyond the ones used here is shown as
document metadata, and a missing optional column (duplicate_of, url, ...) just leaves its figure out.
"""
from __future__ import annotations

import datetime as dt
import functools
import html
import os
import tempfile
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import pyarrow as pa
import pyarrow.dataset as ds

from textwash.lines import WORD

DOCUMENT_PAGES = "documents"
DEFAULT_FOLDER = "report"  # inside the dataset folder, when no other is given
NO_SITE = "(no URL)"
NO_LANGUAGE = "(unknown)"
NO_REASON = "(no reason)"
ROWS_PER_READ = 100  # rows in Python at a time while reading a dataset (a row with its cuts: ~0.1 MB)

# Ink colours for removal reasons, most frequent family first; each reaches WCAG AA contrast
# (4.5:1) as text on white and on its own tint. Families past the palette share OTHER_INK.
REASON_INKS = (
    "#b91c1c", "#1d4ed8", "#047857", "#7e22ce", "#854d0e",
    "#0e7490", "#be185d", "#3f6212", "#9a3412", "#4338ca",
)
OTHER_INK = "#475569"
TINT_STRENGTH = 0.10

# Metadata shown first on a document page, in this order; other columns follow by name.
METADATA_ORDER = (
    "source", "title", "description", "authors", "publisher", "dateline", "published", "section",
    "language", "url", "duplicate_of", "word_count", "encoding", "repaired", "source_format",
    "fetched_at", "processed_at", "pipeline_version", "doc_id", "source_sha256", "content_sha256",
)
NOT_METADATA = {"text", "removed"}


class DatasetError(ValueError):
    """The folder holds no textwash dataset."""


@dataclass(slots=True)
class DocumentSummary:
    """What the overview lists about one document, and where its page is."""

    page: str  # path of its page, relative to the report folder
    doc_id: str
    source: str
    title: str | None
    language: str
    site: str
    words_kept: int
    words_removed: int
    cuts: int
    reasons: list[str]
    duplicate_of: str | None

    @property
    def removed_share(self) -> float:
        total = self.words_kept + self.words_removed
        return self.words_removed / total if total else 0.0

    @property
    def language_code(self) -> str | None:
        """The language as an HTML lang value, so screen readers read the text in its language."""
        return None if self.language == NO_LANGUAGE else self.language


@dataclass
class Overview:
    documents: int = 0
    rejects: int = 0
    duplicates: int | None = None  # None: the dataset does not record duplicates
    words_kept: int = 0
    words_removed: int = 0
    rejects_by_reason: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    sites: Counter = field(default_factory=Counter)
    cuts_by_reason: Counter = field(default_factory=Counter)  # spans
    words_by_reason: Counter = field(default_factory=Counter)

    @property
    def removed_share(self) -> float:
        total = self.words_kept + self.words_removed
        return self.words_removed / total if total else 0.0


# --- reading ---------------------------------------------------------------------------------

def read_dataset(dataset: Path) -> tuple[list[dict], list[dict]]:
    """The document and reject rows of the dataset at `dataset` (the folder holding documents/)."""
    _check_dataset(dataset)
    return list(_rows(dataset / "documents")), _rejects(dataset)


def _check_dataset(dataset: Path) -> None:
    if not (dataset / "documents").is_dir():
        raise DatasetError(f"{dataset} holds no documents/ folder: not a textwash dataset")


def _rejects(dataset: Path) -> list[dict]:
    return list(_rows(dataset / "rejects")) if (dataset / "rejects").is_dir() else []


def _rows(folder: Path) -> Iterator[dict]:
    """All rows under `folder`, hive partitions included, a record batch at a time (a report of a
    large dataset never holds it whole); files written before a column was added read as nulls
    in it."""
    try:
        dataset = ds.dataset(folder, format="parquet", partitioning="hive")
        schemas = [fragment.physical_schema for fragment in dataset.get_fragments()]
        if not schemas:
            return
        schema = pa.unify_schemas([*schemas, dataset.schema], promote_options="permissive")
        batches = ds.dataset(folder, schema=schema, format="parquet", partitioning="hive").to_batches(
            batch_size=ROWS_PER_READ, batch_readahead=0, fragment_readahead=0,
            use_threads=False)  # one order for every pass over the rows, and no read-ahead of whole files
        for batch in batches:
            yield from batch.to_pylist()
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(f"cannot read {folder}: {exc}") from exc


# --- the figures ------------------------------------------------------------------------------

def words(text: str | None) -> int:
    return len(WORD.findall(text or ""))


def site_of(row: dict) -> str:
    """The site a document came from: its `site` column if the dataset has one, else its URL's host."""
    if row.get("site"):
        return str(row["site"])
    host = urlsplit(row.get("url") or "").hostname
    if not host:
        return NO_SITE
    return host.removeprefix("www.")


def summarize(documents: Iterable[dict], rejects: list[dict]) -> tuple[Overview, list[DocumentSummary]]:
    """The overview figures and one summary per document (in the order of `documents`)."""
    overview, summaries = _summaries(documents, rejects)
    _name_pages(summaries)
    return overview, summaries


def _summaries(documents: Iterable[dict], rejects: list[dict]) -> tuple[Overview, list[DocumentSummary]]:
    """The overview figures and the summaries of `documents`, their pages not yet named."""
    overview = Overview(rejects=len(rejects))
    overview.rejects_by_reason.update(row.get("reason") or NO_REASON for row in rejects)
    summaries = []
    for row in documents:
        cuts = row.get("removed") or []
        kept = words(row.get("text"))
        removed = 0
        for span in cuts:
            span_words = words(span.get("text"))
            removed += span_words
            overview.cuts_by_reason[span.get("reason") or NO_REASON] += 1
            overview.words_by_reason[span.get("reason") or NO_REASON] += span_words
        if "duplicate_of" in row:
            overview.duplicates = (overview.duplicates or 0) + bool(row["duplicate_of"])
        summary = DocumentSummary(
            page="",
            doc_id=row.get("doc_id") or "",
            source=row.get("source") or "",
            title=row.get("title"),
            language=row.get("language") or NO_LANGUAGE,
            site=site_of(row),
            words_kept=kept,
            words_removed=removed,
            cuts=len(cuts),
            reasons=sorted({span.get("reason") or NO_REASON for span in cuts}),
            duplicate_of=row.get("duplicate_of"),
        )
        overview.words_kept += kept
        overview.words_removed += removed
        overview.languages[summary.language] += 1
        overview.sites[summary.site] += 1
        summaries.append(summary)
    overview.documents = len(summaries)
    return overview, summaries


def _name_pages(summaries: list[DocumentSummary]) -> None:
    """A distinct page path per document, named by doc_id (ids are hex; anything else is replaced)."""
    seen: Counter = Counter()
    for number, summary in enumerate(summaries):
        stem = "".join(c for c in summary.doc_id if c.isalnum() or c in "-_") or f"doc-{number}"
        seen[stem] += 1
        if seen[stem] > 1:
            stem = f"{stem}-{seen[stem]}"
        summary.page = f"{DOCUMENT_PAGES}/{stem}.html"


# --- colours --------------------------------------------------------------------------------

def reason_family(reason: str) -> str:
    """What a reason is a kind of: "metadata: title" → "metadata", "after end of article (X)" →
    "after end of article". Reasons of one family share a colour; their labels tell them apart."""
    return reason.split(":", 1)[0].split(" (", 1)[0].strip() or reason


def reason_inks(cuts_by_reason: Counter) -> dict[str, str]:
    """An ink colour per reason, by family: the palette in order of the family's frequency, then
    the shared grey for families past the palette."""
    families: Counter = Counter()
    for reason, count in cuts_by_reason.items():
        families[reason_family(reason)] += count
    ranked = sorted(families, key=lambda family: (-families[family], family))
    family_ink = {family: REASON_INKS[i] if i < len(REASON_INKS) else OTHER_INK for i, family in enumerate(ranked)}
    return {reason: family_ink[reason_family(reason)] for reason in cuts_by_reason}


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
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
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
        loader=jinja2.PackageLoader("textwash", "report_assets"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["percent"] = lambda share: f"{share * 100:.0f}%"
    env.filters["thousands"] = lambda number: f"{number:,}"
    env.globals["tint"] = tint
    return env


def bar_chart(counts: Counter, inks: dict[str, str], label: str, unit: str) -> str:
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
        ink = inks.get(reason, OTHER_INK)
        parts.append(f'<text x="0" y="{y + 13}" class="chart-label">{html.escape(reason)}</text>')
        parts.append(f'<rect x="0" y="{y + label_height}" width="{bar}" height="{bar_height}" fill="{ink}"/>')
        parts.append(f'<text x="{bar + 6}" y="{y + label_height + 11}" class="chart-value">'
                     f'{value:,} {html.escape(unit)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def render_index(overview: Overview, summaries: list[DocumentSummary], rejects: list[dict],
                 inks: dict[str, str], dataset_label: str, generated: dt.datetime) -> Iterator[str]:
    """The overview page in pieces: it lists every document, so it is written as it renders."""
    return _environment().get_template("index.html.j2").generate(
        overview=overview,
        documents=summaries,
        rejects=sorted(rejects, key=lambda row: (row.get("reason") or "", row.get("source") or "")),
        inks=inks,
        other_ink=OTHER_INK,
        chart=bar_chart(overview.words_by_reason, inks, "Words removed, by reason", "words"),
        dataset=dataset_label,
        generated=generated.isoformat(sep=" ", timespec="seconds"),
    )


def render_document(row: dict, summary: DocumentSummary, inks: dict[str, str], pages_by_id: dict[str, str],
                    previous: DocumentSummary | None, following: DocumentSummary | None) -> str:
    blocks = document_blocks(row.get("text") or "", row.get("removed") or [])
    reasons_here = Counter(block.reason for block in blocks if block.kind == "cut")
    return _environment().get_template("document.html.j2").render(
        doc=summary,
        blocks=blocks,
        metadata=metadata_items(row),
        reasons_here=reasons_here.most_common(),
        inks=inks,
        other_ink=OTHER_INK,
        pages_by_id=pages_by_id,
        previous=previous,
        following=following,
    )


# --- writing ----------------------------------------------------------------------------------

def write_report(dataset: Path | str, out: Path | str | None = None, generated: dt.datetime | None = None) -> Path:
    """Write the report of the dataset at `dataset` into `out` (default: DATASET/report); returns
    the path of its index.html. The ingest flow calls this after its commit.

    Pages of documents no longer in the dataset are removed from out/documents/ (only there, and
    only .html files), so a report folder reused across runs shows the current run alone.
    """
    dataset = Path(dataset)
    out = Path(out) if out is not None else dataset / DEFAULT_FOLDER
    _check_dataset(dataset)
    rejects = _rejects(dataset)
    # Two passes over the rows, a batch at a time: the figures and summaries first, then the pages,
    # in the order of (source, doc_id).
    overview, summaries = _summaries(_rows(dataset / "documents"), rejects)
    summaries.sort(key=lambda summary: (summary.source, summary.doc_id))
    _name_pages(summaries)
    inks = reason_inks(overview.cuts_by_reason)
    pages_by_id = {summary.doc_id: summary.page for summary in summaries if summary.doc_id}
    positions: dict[tuple[str, str], deque[int]] = defaultdict(deque)
    for i, summary in enumerate(summaries):
        positions[(summary.source, summary.doc_id)].append(i)
    generated = generated or dt.datetime.now(dt.timezone.utc)

    (out / DOCUMENT_PAGES).mkdir(parents=True, exist_ok=True)
    for row in _rows(dataset / "documents"):
        i = positions[(row.get("source") or "", row.get("doc_id") or "")].popleft()
        summary = summaries[i]
        previous = summaries[i - 1] if i > 0 else None
        following = summaries[i + 1] if i + 1 < len(summaries) else None
        _write_text(out / summary.page, render_document(row, summary, inks, pages_by_id, previous, following))
    written = {Path(summary.page).name for summary in summaries}
    for stale in (out / DOCUMENT_PAGES).glob("*.html"):
        if stale.name not in written:
            stale.unlink()
    index = out / "index.html"
    _write_text(index, render_index(overview, summaries, rejects, inks, str(dataset), generated))
    return index


def _write_text(path: Path, text: str | Iterable[str]) -> None:
    """Write through a temporary file and a rename, so a browser never shows half a page."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines([text] if isinstance(text, str) else text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
