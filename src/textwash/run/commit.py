"""Commit a run: turn its staged batches into the dataset's next version.

Flags duplicates, replaces the records of changed inputs, writes partitioned files of bounded
size (batch by batch, while later batches still run), and commits them with the new ledger and
duplicate index as one dataset version (dataset/store.py). Runs while the caller holds the
dataset's lock (`Dataset.locked`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from textwash import __version__, reasons
from textwash.config import RunOptions
from textwash.dataset.dedup import INDEX_SCHEMA, DedupIndex, flag_duplicates, signatures_by_doc_id
from textwash.dataset.ledger import LedgerEntry, collapse_ranges, ledger_table, load_ledger_table, updated_ledger
from textwash.dataset.partitions import PartitionedWriter, date_partition
from textwash.dataset.store import DEDUP_FILE, INPUTS_FILE, KINDS, LEDGER_FILE, Dataset, Version, conform
from textwash.model.record import build_reject
from textwash.inputs.items import Range, input_file
from textwash.run.plan import RunPlan
from textwash.run.stage import SIGNATURES, staged_batch_numbers, staged_file


def commit_run(dataset: Dataset, plan: RunPlan, options: RunOptions) -> dict:
    """Turn the batches staged for `plan` into the dataset's next version and commit it (see
    PartCommit); nothing is written when the run processed nothing."""
    commit = PartCommit(dataset, plan, options)
    for batch_no in staged_batch_numbers(dataset.staging(plan.run_id), KINDS):
        commit.add(batch_no)
    return commit.finish()


class PartCommit:
    """The commit of one part of a run, built while its batches still run: each staged batch is
    flagged and appended to the next version's files as soon as it and every batch before it have
    landed (`add`, in batch order), so a run's workers need not wait for a commit that starts when
    the last batch ends. `finish` writes the ledger and duplicate index and commits the version.

    Streams: one staged batch at a time is read, flagged and appended, so memory stays flat
    however many documents the run holds. Documents are flagged in the order of their raw files
    (sorted paths, which is batch order), a container's items by source within their file.

    The committed records of the files `plan.replacing` are replaced; a big file's ranges that an
    earlier part or run committed stay, and the ledger gains an entry per range this part holds.
    Until `finish`, nothing is visible: a run that stops before it leaves only the version's
    folder, which the next attempt clears.
    """

    def __init__(self, dataset: Dataset, plan: RunPlan, options: RunOptions) -> None:
        self.dataset, self.plan, self.options = dataset, plan, options
        self.summary = {"run_id": plan.run_id, "inputs": plan.inputs, "processed": len(plan.todo),
                        "unchanged": plan.inputs - len(plan.todo), "documents": 0, "rejects": 0,
                        "duplicates": 0, "replaced": 0, "reflagged": 0, "files_written": 0, "committed": False}
        self.staging = dataset.staging(plan.run_id)
        self._staged_inputs: set[str] = set()
        self._entries: dict[str, LedgerEntry] = {}
        self.version: Version | None = None

    def _begin(self) -> None:
        """Start the next version: carry the committed files over, load the duplicate index. Done
        when the first batch lands, so a run stopped before that leaves no version folder."""
        dataset, plan, options = self.dataset, self.plan, self.options
        self.version = dataset.next_version()
        self._replacing = set(plan.replacing)
        replaced_doc_ids = _doc_ids_of(dataset, self._replacing) if self._replacing else set()
        orphans: list[pa.Table] = []  # duplicates of replaced originals: flagged again below
        for kind in KINDS:
            replaced, reflag = _carry_over(dataset, self.version, kind, self._replacing, replaced_doc_ids)
            self.summary["replaced"] += replaced
            orphans += reflag
        self.index = _load_index(dataset, options.near_duplicate_threshold, self.staging).without(replaced_doc_ids)
        self.writers = {kind: PartitionedWriter(self.version, kind, plan.run_id, options) for kind in KINDS}
        if orphans:  # seen before this run's documents, so they come first
            reflagged = _flag(pa.concat_tables(orphans), self.index, {})
            self.writers["documents"].write(reflagged)
            self.summary["reflagged"] = reflagged.num_rows

    def add(self, batch_no: int) -> None:
        """Flag staged batch `batch_no` and append its records (every batch before it added first)."""
        if self.version is None:
            self._begin()
        plan, name, summary = self.plan, staged_file(batch_no), self.summary
        documents = _staged(self.staging / "documents" / name, "documents", plan)
        signature_file = self.staging / SIGNATURES / name
        documents = _flag(documents, self.index,
                          signatures_by_doc_id(pq.read_table(signature_file)) if signature_file.exists() else {})
        duplicate = pc.is_valid(documents["duplicate_of"])
        summary["duplicates"] += pc.sum(duplicate).as_py() or 0
        rejects = _staged(self.staging / "rejects" / name, "rejects", plan)
        for table in (documents, rejects):
            self._staged_inputs.update(input_file(source, plan.hashes) for source in table["source"].to_pylist())
        if self.options.drop_duplicates:
            rejects = _in_run_order(pa.concat_tables([rejects, _duplicate_rejects(documents.filter(duplicate))]), plan)
            documents = documents.filter(pc.invert(duplicate))
        self.writers["documents"].write(documents)
        self.writers["rejects"].write(rejects)
        summary["documents"] += documents.num_rows
        summary["rejects"] += rejects.num_rows
        _ledger_entries(self._entries, documents, rejects, plan)

    def finish(self) -> dict:
        """Check that every planned input has a staged record, then commit the version; returns
        the part's summary."""
        plan, dataset, summary = self.plan, self.dataset, self.summary
        if not plan.todo:
            return summary
        if self.version is None:
            self._begin()
        missing = set(plan.todo) - plan.ranged - self._staged_inputs  # a range may hold no document
        if missing:
            raise RuntimeError(f"{len(missing)} planned inputs have no staged record, e.g. {sorted(missing)[0]}")
        for kind, writer in self.writers.items():
            # One empty file when a kind has none, so that tools globbing the folder find the schema.
            summary["files_written"] += writer.close(
                empty_partition=None if self.version.has_files(kind) else date_partition(plan.processed_at))
        ledger = updated_ledger(load_ledger_table(dataset.committed_file(LEDGER_FILE)),
                                _range_entries(self._entries, plan), continued=frozenset(plan.ranged - self._replacing))
        self.version.write_state(LEDGER_FILE, collapse_ranges(ledger, plan.sizes))
        self.version.write_state(DEDUP_FILE, pa.RecordBatchReader.from_batches(INDEX_SCHEMA, self.index.to_batches()))
        self.version.write_json(INPUTS_FILE, plan.input_counts())
        self.version.commit()
        summary["committed"] = True
        return summary


def _staged(path: Path, kind: str, plan: RunPlan) -> pa.Table:
    """One staged batch of `kind` in the current schema and in run order (empty if not staged)."""
    return _in_run_order(conform(pq.read_table(path), KINDS[kind]), plan) if path.exists() else KINDS[kind].empty_table()


def _in_run_order(table: pa.Table, plan: RunPlan) -> pa.Table:
    """Rows by raw file, then by source within a file (a container's items)."""
    sources = table["source"].to_pylist()
    order = sorted(range(len(sources)), key=lambda i: (input_file(sources[i], plan.hashes), sources[i]))
    return table.take(pa.array(order, pa.int64()))


def _flag(documents: pa.Table, index: DedupIndex, signatures: dict[str, np.ndarray]) -> pa.Table:
    """`documents` with duplicate_of set against `index`, in row order (see `flag_duplicates`)."""
    rows = flag_duplicates(documents.select(["doc_id", "content_sha256", "text"]).to_pylist(), index, signatures)
    column = KINDS["documents"].get_field_index("duplicate_of")
    return documents.set_column(column, KINDS["documents"].field(column),
                                pa.array([row["duplicate_of"] for row in rows], pa.string()))


def _ledger_entries(entries: dict[str, LedgerEntry], documents: pa.Table, rejects: pa.Table, plan: RunPlan) -> None:
    """Add a batch's records to `entries`, one per raw file: a container's items share their
    file's entry, which records a reject when any of its items is one."""
    for kind, table in (("documents", documents), ("rejects", rejects)):
        doc_ids = table["doc_id"].to_pylist() if kind == "documents" else [None] * table.num_rows
        for source, doc_id in zip(table["source"].to_pylist(), doc_ids):
            file = input_file(source, plan.hashes)
            if kind == "documents" and file in entries and entries[file].kind == "rejects":
                continue  # a file's entry keeps its reject
            entries[file] = LedgerEntry(source=file, source_sha256=plan.hashes.get(file), pipeline_version=__version__,
                                        kind=kind, doc_id=doc_id, run_id=plan.run_id, processed_at=plan.processed_at)


def _range_entries(entries: dict[str, LedgerEntry], plan: RunPlan) -> pa.Table:
    """The ledger entries of the part: a whole file's own, and for a big file one per range the
    part holds (with the file's kind and last doc_id in the part; a range without records reads
    as documents)."""
    rows = [entry for file, entry in entries.items() if file not in plan.ranged]
    for piece in plan.pieces:
        if isinstance(piece.unit, Range):
            file = piece.unit.source
            entry = entries.get(file) or LedgerEntry(file, plan.hashes.get(file), __version__, "documents", None,
                                                     plan.run_id, plan.processed_at)
            rows.append(LedgerEntry(file, entry.source_sha256, entry.pipeline_version, entry.kind, entry.doc_id,
                                    entry.run_id, entry.processed_at, piece.unit.start, piece.unit.end))
    return ledger_table(rows)


def _doc_ids_of(dataset: Dataset, sources: set[str]) -> set[str]:
    """The doc_ids of the committed documents of `sources`."""
    doc_ids: set[str] = set()
    for relative in dataset.files("documents"):
        keys = dataset.read_file("documents", relative, ["source", "doc_id"])
        doc_ids |= set(keys["doc_id"].filter(_from_inputs(keys["source"], sources)).to_pylist())
    return doc_ids


def _from_inputs(record_sources: pa.ChunkedArray, inputs: set[str]) -> pa.Array:
    """Which records came from one of the raw files `inputs` (a container's items included)."""
    return pa.array([input_file(source, inputs) in inputs for source in record_sources.to_pylist()], pa.bool_())


def _carry_over(dataset: Dataset, version: Version, kind: str, replaced_sources: set[str],
                replaced_doc_ids: set[str]) -> tuple[int, list[pa.Table]]:
    """Link the committed files of `kind` into `version`, rewriting those that hold records of
    inputs this run replaces or duplicates of replaced documents. Returns how many records are
    replaced, and the duplicates of replaced documents, taken out to be flagged again."""
    replaced = 0
    orphans: list[pa.Table] = []
    originals = pa.array(sorted(replaced_doc_ids), pa.string())
    for relative in dataset.files(kind):
        keys = dataset.read_file(kind, relative, ["source", "duplicate_of"] if kind == "documents" else ["source"])
        replacing = _from_inputs(keys["source"], replaced_sources)
        orphaned = (pc.and_(pc.is_in(keys["duplicate_of"], value_set=originals), pc.invert(replacing))
                    if kind == "documents" else pa.array([False] * keys.num_rows, pa.bool_()))
        leaving = pc.or_(replacing, orphaned)
        if not pc.any(leaving).as_py():
            version.keep(kind, relative)
            continue
        replaced += pc.sum(replacing).as_py() or 0
        table = dataset.read_file(kind, relative)
        if pc.any(orphaned).as_py():
            orphans.append(table.filter(orphaned))
        remaining = table.filter(pc.invert(leaving))
        if remaining.num_rows:
            version.write(kind, relative, remaining)
    return replaced, orphans


def _load_index(dataset: Dataset, threshold: float, spill_dir: Path) -> DedupIndex:
    """The committed duplicate index; its signatures wait in a temporary file in `spill_dir` (the
    run's staging folder, on the dataset's disk, which a run whose ranges held nothing never made)."""
    spill_dir.mkdir(parents=True, exist_ok=True)
    path = dataset.committed_file(DEDUP_FILE)
    return DedupIndex.read(path, threshold, spill_dir) if path else DedupIndex(threshold, spill_dir=spill_dir)


def _duplicate_rejects(duplicates: pa.Table) -> pa.Table:
    """`duplicate` rejects for documents dropped as duplicates."""
    rows = duplicates.select(["source", "duplicate_of", "processed_at", "source_sha256"]).to_pylist()
    return pa.Table.from_pylist(
        [build_reject(source=row["source"], reason=reasons.DUPLICATE, detail=f"duplicate of {row['duplicate_of']}",
                      processed_at=row["processed_at"], source_sha256=row["source_sha256"], size_bytes=None)
         for row in rows], schema=KINDS["rejects"])

