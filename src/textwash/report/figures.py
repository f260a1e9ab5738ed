"""The report's figures and document list, read from a dataset with Arrow from a few columns, a
thousand rows at a time: no Python object per document of the dataset.

Reading is tolerant of the dataset's evolution: a missing optional column (duplicate_of, url, ...)
just leaves its figure out.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from textwash.model.page import WORD
from textwash.model.record import url_site
from textwash.model.schema import LOW_CONFIDENCE

DOCUMENT_PAGES = "documents"
LOW_CONFIDENCE_SHOWN = 1000  # low-confidence documents listed on the overview; all are counted
NO_SITE = "(no URL)"
NO_LANGUAGE = "(unknown)"
NO_REASON = "(no reason)"
COLUMN_ROWS_PER_READ = 1000  # rows at a time while reading the few columns of the figures and the list
# WORD (Python's \w+, Unicode) in RE2's syntax, where \w is ASCII alone.
WORD_RE2 = r"[\pL\pN_]+"
# What tells that a document's row changed under the same doc_id: reprocessing stamps a new
# processed_at; duplicate flags change when an original's input does.
ROW_VERSION_COLUMNS = ("processed_at", "duplicate_of")
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


_ONE_ROW_GROUP_AT_A_TIME = ds.ParquetFragmentScanOptions(pre_buffer=False)


def row_batches(source: ds.Dataset | ds.Fragment | None, folder: Path, rows: int, **options) -> Iterator[pa.RecordBatch]:
    """The rows of `source` a batch of `rows` at a time, in one order for every pass, without
    read-ahead of whole files (a report of a large dataset never holds it whole). Parquet's
    pre-buffering is off too: it buffers the row groups of a file ahead of the batches (the report
    of a 500 MB dump's dataset peaked at 417 MB with it, 259 MB without)."""
    if source is None:
        return
    try:
        yield from source.to_batches(batch_size=rows, batch_readahead=0, fragment_readahead=0, use_threads=False,
                                     fragment_scan_options=_ONE_ROW_GROUP_AT_A_TIME, **options)
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
             for batch in row_batches(documents, dataset / "documents", COLUMN_ROWS_PER_READ, columns=columns)]
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
    batches = list(row_batches(rejects, folder, COLUMN_ROWS_PER_READ, columns=columns))
    table = pa.Table.from_batches(batches) if batches else pa.table({})
    table = pa.table({name: pc.cast(table[name], pa.string()) if name in table.column_names
                      else pa.nulls(table.num_rows, pa.string()) for name in names})
    table = table.set_column(1, "reason", pc.fill_null(table["reason"], NO_REASON))
    return table.sort_by([("reason", "ascending"), ("source", "ascending")])
