"""One incremental run over a dataset: plan, stage batches, commit.

`plan_run` hashes the inputs and asks the ledger which are new or changed; `stage_batch`
processes a batch into the run's staging folder; `commit_run` flags duplicates, replaces the
records of changed inputs, writes partitioned files of bounded size, and commits them with the
new ledger and duplicate index as one dataset version (write.py). The Prefect flow runs batches
as tasks; `run_pipeline` runs the same steps in order, in one process.

All three steps run while the caller holds the dataset's lock (`Dataset.locked`).
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from textwash import __version__
from textwash.clean.templates import TemplateState, load_state, save_state
from textwash.dataset.dedup import DEFAULT_THRESHOLD, DedupIndex, flag_duplicates, signature_table, signatures_by_doc_id
from textwash.dataset.ledger import (
    LedgerEntry, file_sha256, inputs_to_process, ledger_table, load_ledger_table, updated_ledger,
)
from textwash.inputs.formats import input_file
from textwash.document import Settings, process_batch
from textwash.inputs.discover import discover
from textwash.model.record import build_reject, sha256_hex
from textwash.dataset.store import (
    DEDUP_FILE, KINDS, LEDGER_FILE, Dataset, FileWriter, Version, conform, write_parquet_atomic, write_table_atomic,
)

PROCESSED_DATE = "processed_date"
SIGNATURES = "minhash"  # staged MinHash signatures of a run's documents, by batch
DEFAULT_MAX_ROWS_PER_FILE = 50_000
# Measured (2 shared cores): a batch costs about 95 CPU ms of its own through the flow (Prefect's task
# run and its server's work about 85, staging its three files about 11), 150 ms on a dataset whose
# saved site templates hold 100,000 documents; a document costs 8 to 16 CPU ms. At 500 that is 1 to 4% of a
# batch's time; 250 would reach 5 to 7%. 1,000 would halve it again, but a 10,000-document run would
# then report progress in tenths, and with 2 workers its last batch leaves one core idle for longer.
DEFAULT_BATCH_SIZE = 500
TEMPLATES_FILE = "site-templates.json"
# Hive's name for the partition of null values, which DuckDB, Spark and pyarrow read back as null.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# A folder name holds at most 255 bytes: a longer partition value keeps its start and a hash.
MAX_PARTITION_CHARS = 160

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    reprocess: bool = False
    drop_duplicates: bool = False
    near_duplicate_threshold: float = DEFAULT_THRESHOLD
    # processed_date (the UTC date of processed_at), or a column of the record to partition by.
    partition_by: str = PROCESSED_DATE
    max_rows_per_file: int = DEFAULT_MAX_ROWS_PER_FILE

    def __post_init__(self) -> None:
        if self.max_rows_per_file < 1:
            raise ValueError("max_rows_per_file must be at least 1")
        if self.partition_by != PROCESSED_DATE and self.partition_by not in KINDS["documents"].names:
            raise ValueError(f"cannot partition by {self.partition_by!r}: not {PROCESSED_DATE} or a document column")


@dataclass
class RunPlan:
    run_id: str
    raw: Path
    processed_at: dt.datetime
    inputs: int
    todo: list[str]
    hashes: dict[str, str | None] = field(repr=False)

    def batches(self, batch_size: int) -> list[list[str]]:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        return [self.todo[i:i + batch_size] for i in range(0, len(self.todo), batch_size)]

    def parts(self, inputs_per_commit: int | None) -> list[RunPlan]:
        """This plan as consecutive plans of at most `inputs_per_commit` inputs, each committed
        as its own version under its own run id: an interrupted backfill keeps the parts it
        committed, and the ledger leaves only the rest to the next run. One part when None."""
        if inputs_per_commit is not None and inputs_per_commit < 1:
            raise ValueError("inputs_per_commit must be at least 1")
        if inputs_per_commit is None or len(self.todo) <= inputs_per_commit:
            return [self]
        return [replace(self, run_id=new_run_id(self.processed_at), todo=self.todo[i:i + inputs_per_commit])
                for i in range(0, len(self.todo), inputs_per_commit)]


def new_run_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def plan_run(raw: Path, dataset: Dataset, options: RunOptions,
             select: Callable[[Path, list[str]], list[str]] | None = None) -> RunPlan:
    """Which inputs under `raw` this run processes: new, changed, or all with `reprocess`; only
    among those that `select` (e.g. a backfill's `Selection.apply`) picks, when given."""
    sources = discover(raw)
    if select is not None:
        sources = select(raw, sources)
    hashes = {source: file_sha256(raw / source) for source in sources}
    ledger = load_ledger_table(dataset.committed_file(LEDGER_FILE))
    processed_at = dt.datetime.now(dt.timezone.utc)
    return RunPlan(new_run_id(processed_at), raw, processed_at, len(sources),
                   inputs_to_process(hashes, ledger, options.reprocess), hashes)


def stage_batch(dataset: Dataset, run_id: str, raw: Path, processed_at: dt.datetime, batch_no: int,
                sources: list[str], settings: Settings = Settings()) -> tuple[int, int, TemplateState]:
    """Process one batch of a run into its staging folder, with the site templates earlier runs
    saved in the dataset; returns (documents, rejects, the batch's own site-template counts).

    The batch reads those templates itself rather than taking them as an argument: they grow with
    the dataset (a digest per document seen), and a task argument is walked by Prefect and, with
    worker processes, pickled for every batch (2.3 CPU s per batch at 100,000 documents).
    """
    result = process_batch(raw, sources, processed_at, settings, load_templates(dataset))
    staging = dataset.staging(run_id)
    for kind, rows in (("documents", result.documents), ("rejects", result.rejects)):
        write_parquet_atomic(rows, kind, staging / kind / f"batch-{batch_no:05d}.parquet")
    write_table_atomic(signature_table(result.documents), staging / SIGNATURES / f"batch-{batch_no:05d}.parquet")
    return len(result.documents), len(result.rejects), result.templates


def commit_run(dataset: Dataset, plan: RunPlan, options: RunOptions) -> dict:
    """Turn the staged batches into the dataset's next version and commit it. Nothing is written
    when the run processed nothing.

    Streams: one staged batch at a time is read, flagged and appended to the version's files, so
    memory stays flat however many documents the run holds. Documents are flagged in the order of
    their raw files (sorted paths), a container's items by source within their file.
    """
    summary = {"run_id": plan.run_id, "inputs": plan.inputs, "processed": len(plan.todo),
               "unchanged": plan.inputs - len(plan.todo), "documents": 0, "rejects": 0,
               "duplicates": 0, "replaced": 0, "reflagged": 0, "files_written": 0, "committed": False}
    if not plan.todo:
        return summary
    staging = dataset.staging(plan.run_id)
    batches = sorted({path.name for kind in KINDS for path in (staging / kind).glob("batch-*.parquet")})
    _check_staged(staging, batches, plan)

    version = dataset.next_version()
    todo = set(plan.todo)
    replaced_doc_ids = _doc_ids_of(dataset, todo)
    orphans: list[pa.Table] = []  # duplicates of replaced originals: flagged again below
    for kind in KINDS:
        replaced, reflag = _carry_over(dataset, version, kind, todo, replaced_doc_ids)
        summary["replaced"] += replaced
        orphans += reflag

    index = _load_index(dataset, options.near_duplicate_threshold).without(replaced_doc_ids)
    writers = {kind: PartitionedWriter(version, kind, plan.run_id, options) for kind in KINDS}
    if orphans:  # seen before this run's documents, so they come first
        reflagged = _flag(pa.concat_tables(orphans), index, {})
        writers["documents"].write(reflagged)
        summary["reflagged"] = reflagged.num_rows
    entries = []
    for name in batches:
        documents = _staged(staging / "documents" / name, "documents", plan)
        signature_file = staging / SIGNATURES / name
        documents = _flag(documents, index,
                          signatures_by_doc_id(pq.read_table(signature_file)) if signature_file.exists() else {})
        duplicate = pc.is_valid(documents["duplicate_of"])
        summary["duplicates"] += pc.sum(duplicate).as_py() or 0
        rejects = _staged(staging / "rejects" / name, "rejects", plan)
        if options.drop_duplicates:
            rejects = _in_run_order(pa.concat_tables([rejects, _duplicate_rejects(documents.filter(duplicate))]), plan)
            documents = documents.filter(pc.invert(duplicate))
        writers["documents"].write(documents)
        writers["rejects"].write(rejects)
        summary["documents"] += documents.num_rows
        summary["rejects"] += rejects.num_rows
        entries.append(_ledger_entries(documents, rejects, plan))
    for kind, writer in writers.items():
        # One empty file when a kind has none, so that tools globbing the folder find the schema.
        summary["files_written"] += writer.close(
            empty_partition=None if version.has_files(kind) else _partition(plan.processed_at))

    ledger = load_ledger_table(dataset.committed_file(LEDGER_FILE))
    version.write_state(LEDGER_FILE, updated_ledger(ledger, pa.concat_tables(entries) if entries else ledger_table([])))
    version.write_state(DEDUP_FILE, index.to_table())
    version.commit()
    summary["committed"] = True
    return summary


def run_pipeline(raw: Path, out: Path, settings: Settings = Settings(), options: RunOptions = RunOptions(),
                 batch_size: int = DEFAULT_BATCH_SIZE) -> dict:
    """A whole run in this process, batch after batch: the same steps the flow runs as tasks."""
    with Dataset(out).locked() as dataset:
        plan = plan_run(Path(raw), dataset, options)
        learned = TemplateState()
        for batch_no, batch in enumerate(plan.batches(batch_size)):
            learned.merge(stage_batch(dataset, plan.run_id, plan.raw, plan.processed_at, batch_no, batch, settings)[2])
        summary = commit_run(dataset, plan, options)
        if summary["committed"]:
            save_templates(dataset, learned)
        return summary


def load_templates(dataset: Dataset) -> TemplateState:
    """The site-template line counts that earlier runs learned into this output folder. Read once
    per process and version of the file (every batch of a run reads the same file, which only a
    commit rewrites): callers must not change the state they get."""
    path = dataset.out / TEMPLATES_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return TemplateState()
    return _load_state_once(path, (stat.st_ino, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4)
def _load_state_once(path: Path, identity: tuple[int, int, int]) -> TemplateState:
    """`identity` (inode, modification time, size) tells versions of the file apart: a save
    replaces it with a new file."""
    return load_state(path)


def save_templates(dataset: Dataset, learned: TemplateState) -> None:
    """Add what a committed run learned to the saved counts (a cache: losing it costs only recall
    of template lines, never records)."""
    known = load_state(dataset.out / TEMPLATES_FILE)  # a copy of its own: the cached one stays as read
    known.merge(learned)
    try:
        save_state(known, dataset.out / TEMPLATES_FILE)
    except OSError as exc:  # the run's records are committed; only the cache update is lost
        log.warning("site templates not saved (%s): the next run learns them again", exc)


def partition_value(row: dict, column: str) -> str:
    if column == PROCESSED_DATE:
        return _partition(row["processed_at"])
    value = row.get(column)
    if value is None:
        return NULL_PARTITION
    # Quoted whole ('/' too), after "column=": a document's value never leaves its kind folder.
    quoted = quote(str(value), safe="")
    if len(quoted) > MAX_PARTITION_CHARS:
        head = quoted[:MAX_PARTITION_CHARS - 17]
        head = head[:head.rfind("%")] if "%" in head[-2:] else head  # not half an escape
        quoted = f"{head}~{sha256_hex(str(value).encode())[:16]}"
    return quoted


def _partition(processed_at: dt.datetime) -> str:
    return processed_at.astimezone(dt.timezone.utc).date().isoformat()


class PartitionedWriter:
    """Appends tables of one kind to hive partitions of `version`: per partition one open file,
    closed and followed by the next at max_rows_per_file rows."""

    def __init__(self, version: Version, kind: str, run_id: str, options: RunOptions):
        self.version, self.kind, self.run_id = version, kind, run_id
        self.max_rows = options.max_rows_per_file
        self.column = options.partition_by if options.partition_by in KINDS[kind].names else PROCESSED_DATE
        self.open: dict[str, FileWriter] = {}
        self.files = 0

    def write(self, table: pa.Table) -> None:
        groups: dict[str, list[int]] = defaultdict(list)
        keys = table.select(["processed_at"] + ([self.column] if self.column != PROCESSED_DATE else []))
        for position, row in enumerate(keys.to_pylist()):
            groups[partition_value(row, self.column)].append(position)
        for value, positions in groups.items():
            part = table.take(pa.array(positions, pa.int64()))
            while part.num_rows:
                file = self._file(value)
                room = self.max_rows - file.rows
                file.write(part.slice(0, room))
                part = part.slice(room)

    def _file(self, value: str) -> FileWriter:
        file = self.open.get(value)
        if file is not None and file.rows < self.max_rows:
            return file
        if file is not None:
            file.close()
        name = f"part-{self.run_id}-{self.files:05d}.parquet"
        self.open[value] = file = self.version.new_file(self.kind, Path(f"{self.column}={value}") / name)
        self.files += 1
        return file

    def close(self, empty_partition: str | None = None) -> int:
        """Close the open files; with `empty_partition`, write one empty file there if this writer
        wrote none. Returns the number of files written."""
        if empty_partition is not None and not self.files:
            self._file(empty_partition if self.column == PROCESSED_DATE else NULL_PARTITION)
        for file in self.open.values():
            file.close()
        self.open.clear()
        return self.files


def _check_staged(staging: Path, batches: list[str], plan: RunPlan) -> None:
    staged = {input_file(source, plan.hashes) for kind in KINDS for name in batches
              if (staging / kind / name).exists()
              for source in pq.read_table(staging / kind / name, columns=["source"])["source"].to_pylist()}
    missing = set(plan.todo) - staged
    if missing:
        raise RuntimeError(f"{len(missing)} planned inputs have no staged record, e.g. {sorted(missing)[0]}")


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


def _ledger_entries(documents: pa.Table, rejects: pa.Table, plan: RunPlan) -> pa.Table:
    """One ledger entry per raw file of a batch: a container's items share their file's entry,
    which records a reject when any of its items is one."""
    entries: dict[str, LedgerEntry] = {}
    for kind, table in (("documents", documents), ("rejects", rejects)):
        doc_ids = table["doc_id"].to_pylist() if kind == "documents" else [None] * table.num_rows
        for source, doc_id in zip(table["source"].to_pylist(), doc_ids):
            file = input_file(source, plan.hashes)
            entries[file] = LedgerEntry(source=file, source_sha256=plan.hashes.get(file), pipeline_version=__version__,
                                        kind=kind, doc_id=doc_id, run_id=plan.run_id, processed_at=plan.processed_at)
    return ledger_table(list(entries.values()))


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


def _load_index(dataset: Dataset, threshold: float) -> DedupIndex:
    path = dataset.committed_file(DEDUP_FILE)
    return DedupIndex.from_table(pq.read_table(path), threshold) if path else DedupIndex(threshold)


def _duplicate_rejects(duplicates: pa.Table) -> pa.Table:
    """`duplicate` rejects for documents dropped as duplicates."""
    rows = duplicates.select(["source", "duplicate_of", "processed_at", "source_sha256"]).to_pylist()
    return pa.Table.from_pylist(
        [build_reject(source=row["source"], reason="duplicate", detail=f"duplicate of {row['duplicate_of']}",
                      processed_at=row["processed_at"], source_sha256=row["source_sha256"], size_bytes=None)
         for row in rows], schema=KINDS["rejects"])
