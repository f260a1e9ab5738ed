"""Ledger: which inputs the dataset already holds, keyed on source, source_sha256 and pipeline
version, so a run processes only what is new or changed.

One Parquet table per dataset version (written with the version's data files, so the two never
disagree). `inputs_to_process` compares it with the inputs as they are now.

A file done whole has one entry (range_start and range_end null). A big file read in ranges
(inputs/ranges.py) has one entry per committed range, keyed on the file's sha256 too, until its
ranges cover it: then `collapse_ranges` makes them its one entry. A run resumes a file whose
ranges are partly committed (`committed_ranges`) after them; a changed file is redone whole.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from textwash import __version__

LEDGER_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        # Null when the input could not be read; it is retried once it can be.
        pa.field("source_sha256", pa.string()),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),  # "documents" or "rejects"
        pa.field("doc_id", pa.string()),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("processed_at", pa.timestamp("us", tz="UTC"), nullable=False),
        # The bytes [start, end) of a big file that this entry covers; null: the whole file.
        pa.field("range_start", pa.int64()),
        pa.field("range_end", pa.int64()),
    ]
)


@dataclass(frozen=True)
class LedgerEntry:
    source: str
    source_sha256: str | None
    pipeline_version: str
    kind: str
    doc_id: str | None
    run_id: str
    processed_at: dt.datetime
    range_start: int | None = None
    range_end: int | None = None


def load_ledger(path: Path | None) -> dict[str, LedgerEntry]:
    """The ledger at `path` by source (a file in progress: one of its range entries); empty when
    there is none yet."""
    return {row["source"]: LedgerEntry(**row) for row in load_ledger_table(path).to_pylist()}


def load_ledger_table(path: Path | None) -> pa.Table:
    """The ledger at `path` as a table (a run keeps it so: no Python object per input). A ledger
    written before ranges existed reads with null ranges."""
    if path is None:
        return LEDGER_SCHEMA.empty_table()
    table = pq.read_table(path)
    return pa.Table.from_arrays([table[f.name].cast(f.type) if f.name in table.column_names
                                 else pa.nulls(table.num_rows, f.type) for f in LEDGER_SCHEMA], schema=LEDGER_SCHEMA)


def ledger_table(entries: list[LedgerEntry]) -> pa.Table:
    return pa.Table.from_pylist([vars(entry) for entry in entries], schema=LEDGER_SCHEMA)


def updated_ledger(ledger: pa.Table, entries: pa.Table, continued: frozenset[str] = frozenset()) -> pa.Table:
    """`ledger` with `entries` replacing the entries of their sources, by source; for a source in
    `continued` (a big file whose earlier ranges stay) they are added to its entries instead."""
    replaced = pc.is_in(ledger["source"], value_set=entries["source"])
    if continued:
        replaced = pc.and_(replaced, pc.invert(pc.is_in(ledger["source"], value_set=pa.array(sorted(continued),
                                                                                            pa.string()))))
    kept = ledger.filter(pc.invert(replaced))
    return pa.concat_tables([kept, entries]).sort_by([("source", "ascending"), ("range_start", "ascending")])


def collapse_ranges(ledger: pa.Table, sizes: dict[str, int]) -> pa.Table:
    """`ledger` with the range entries of each file of `sizes` (source → its size in the bytes its
    ranges count) that now cover the whole file turned into one whole-file entry: a reject entry
    when any range's is, the last range's doc_id and run."""
    ranged = pc.and_(pc.is_in(ledger["source"], value_set=pa.array(sorted(sizes), pa.string())),
                     pc.is_valid(ledger["range_start"]))
    if not pc.any(ranged).as_py():
        return ledger
    rows = ledger.filter(ranged).to_pylist()
    whole, by_source = [], {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row)
    done = set()
    for source, entries in by_source.items():
        entries.sort(key=lambda row: row["range_start"])
        covered = 0
        for row in entries:
            if row["range_start"] > covered:
                break
            covered = max(covered, row["range_end"])
        if covered >= sizes[source] and len({row["source_sha256"] for row in entries}) == 1:
            last = entries[-1]
            kind = "rejects" if any(row["kind"] == "rejects" for row in entries) else "documents"
            doc_id = next((row["doc_id"] for row in reversed(entries) if row["doc_id"]), None)
            whole.append(LedgerEntry(source, last["source_sha256"], last["pipeline_version"], kind, doc_id,
                                     last["run_id"], last["processed_at"]))
            done.add(source)
    if not done:
        return ledger
    leaving = pc.and_(ranged, pc.is_in(ledger["source"], value_set=pa.array(sorted(done), pa.string())))
    return pa.concat_tables([ledger.filter(pc.invert(leaving)), ledger_table(whole)]).sort_by(
        [("source", "ascending"), ("range_start", "ascending")])


def committed_ranges(ledger: pa.Table, hashes: dict[str, str | None]) -> dict[str, list[tuple[int, int]]]:
    """The committed ranges (start, end) of the files of `hashes` that are partly done by this
    pipeline version with their current bytes, by file."""
    partial = ledger.filter(pc.and_(pc.is_valid(ledger["range_start"]),
                                    pc.equal(ledger["pipeline_version"], __version__)))
    ranges: dict[str, list[tuple[int, int]]] = {}
    for row in partial.select(["source", "source_sha256", "range_start", "range_end"]).to_pylist():
        if row["source"] in hashes and hashes[row["source"]] is not None and row["source_sha256"] == hashes[row["source"]]:
            ranges.setdefault(row["source"], []).append((row["range_start"], row["range_end"]))
    return {source: sorted(spans) for source, spans in ranges.items()}


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes, streamed (inputs over the size cap included); None when
    it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def inputs_to_process(hashes: dict[str, str | None], ledger: pa.Table, reprocess: bool = False) -> list[str]:
    """The sources (of `hashes`: source → current sha256) that are new, changed, or were
    processed by another pipeline version; all of them with `reprocess`."""
    sources = sorted(hashes)
    if reprocess:
        return sources
    current = ledger.filter(pc.and_(pc.equal(ledger["pipeline_version"], __version__),
                                    pc.is_null(ledger["range_start"])))  # a file in progress is not done
    done = pc.is_in(_keys(pa.array(sources, pa.string()), pa.array([hashes[s] for s in sources], pa.string())),
                    value_set=_keys(current["source"], current["source_sha256"]))
    return [source for source, is_done in zip(sources, done.to_pylist()) if not is_done]


def _keys(sources, hashes) -> pa.Array:
    """source and sha256 as one string; an unreadable input (null sha256) matches its own entry."""
    return pc.binary_join_element_wise(sources, hashes, "\n", null_handling="replace", null_replacement="")
