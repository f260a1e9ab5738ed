"""Store: the output folder as versioned snapshots that change in one atomic step.

Layout of an output folder OUT:

    OUT/documents -> _current/documents      (fixed symlinks: the paths readers use)
    OUT/rejects   -> _current/rejects
    OUT/_current  -> _versions/00000007      (swapped by one rename: the commit)
    OUT/_versions/00000007/documents/processed_date=2026-11-22/part-….parquet
    OUT/_versions/00000007/rejects/…
    OUT/_versions/00000007/ledger.parquet     (what has been processed: see ledger.py)
    OUT/_versions/00000007/dedup.parquet      (the near-duplicate index: see dedup.py)
    OUT/_versions/00000007/inputs.json        (what the last run found under the raw root)
    OUT/_staging/RUN_ID/                      (batch output of a run in progress)

A run builds the next version beside the current one: files it keeps are hard links (no copy),
files it writes are new. Renaming a fresh `_current` symlink over the old one makes the run's
data files, ledger and index visible together; before that rename readers (and the next run)
see the previous version whole, after it the new one whole. A crash leaves only debris in
_staging and an unreferenced version folder, which `recover` removes under the run lock.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from textwash.atomic import atomic_path
from textwash.model.schema import DOCUMENT_SCHEMA, REJECT_SCHEMA, file_metadata, to_table

log = logging.getLogger(__name__)

KINDS = {"documents": DOCUMENT_SCHEMA, "rejects": REJECT_SCHEMA}
CURRENT = "_current"
VERSIONS = "_versions"
STAGING = "_staging"
LOCK = ".lock"
LEDGER_FILE = "ledger.parquet"
DEDUP_FILE = "dedup.parquet"
# Rows to a row group of a state file (a dedup index's 16,384 signatures: 8 MB).
STATE_ROW_GROUP = 16_384
# What the version's last run found under the raw root: inputs, those refused for containment,
# entries skipped by name and links to files already read (run/plan.py's `input_counts`).
INPUTS_FILE = "inputs.json"


def _columns(kind: str, columns: list[str] | None) -> pa.Schema:
    schema = KINDS[kind]
    return schema if columns is None else pa.schema([schema.field(c) for c in columns])


class LayoutError(RuntimeError):
    """OUT holds something that is not a textwash dataset of this layout."""


def write_parquet_atomic(rows: list[dict], kind: str, path: Path) -> None:
    """Write `rows` of `kind` to `path` through a temporary file and a rename."""
    write_table_atomic(to_table(rows, KINDS[kind], kind), path)


def write_table_atomic(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def with_metadata(table: pa.Table, kind: str) -> pa.Table:
    return table.replace_schema_metadata(file_metadata(kind))


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` in `schema`: columns that an older schema version lacked become nulls."""
    columns = [table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
               for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


class Dataset:
    """An output folder: its committed version, its lock, and the way to the next version."""

    def __init__(self, out: Path):
        self.out = Path(out)

    @contextmanager
    def locked(self) -> Iterator[Dataset]:
        """Hold the folder's run lock (one writer at a time; another run waits, and says so); the
        OS drops it if we are killed. A run that fails (a full disk, an unwritable folder) leaves
        the committed version as it was and takes its staged batches and unfinished version away."""
        self.out.mkdir(parents=True, exist_ok=True)
        with open(self.out / LOCK, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("%s is in use by another run: waiting for it to finish", self.out)
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._ensure_layout()
                self.recover()
                yield self
            except BaseException:
                try:
                    self.recover()
                except OSError:  # what is left is removed by the next run
                    pass
                raise
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _ensure_layout(self) -> None:
        plain = [kind for kind in KINDS if (self.out / kind).is_dir() and not (self.out / kind).is_symlink()]
        if plain and self.current is None:
            self._adopt_plain_folders(plain)
        for kind in KINDS:
            link = self.out / kind
            if link.is_symlink():
                continue
            if link.exists():
                self._retire_adopted_folder(kind)
            link.symlink_to(Path(CURRENT) / kind, target_is_directory=True)

    def _adopt_plain_folders(self, kinds: list[str]) -> None:
        """Commit the files of the layout before versions (plain documents/ and rejects/ folders
        of Parquet files) as the first version, without a ledger: the next run then processes
        every input and replaces the adopted records by source."""
        for kind in kinds:
            strays = [p.name for p in (self.out / kind).iterdir() if p.suffix != ".parquet" or not p.is_file()]
            if strays:
                raise LayoutError(f"{self.out / kind} is a plain folder holding more than textwash files "
                                  f"({strays[0]}); move it aside or write to a new --out")
        shutil.rmtree(self.out / ".staging", ignore_errors=True)  # that layout's staging folder
        version = self.next_version()
        for kind in kinds:
            for path in sorted((self.out / kind).glob("*.parquet")):
                processed_at = pq.read_table(path, columns=["processed_at"])["processed_at"]
                day = (processed_at[0].as_py().date().isoformat() if len(processed_at)
                       else dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).date().isoformat())
                target = version.folder / kind / f"processed_date={day}" / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, target)
        version.commit()

    def _retire_adopted_folder(self, kind: str) -> None:
        """Remove a plain folder whose files all are in the committed version (an adoption that
        stopped before its folders were replaced by links); anything else is refused."""
        plain = self.out / kind
        committed = {p.stat().st_ino for p in (self.current / kind).rglob("*.parquet")} if self.current else set()
        if any(p.stat().st_ino not in committed for p in plain.iterdir()):
            raise LayoutError(f"{plain} is a plain folder beside a versioned dataset; move it aside "
                              f"so the link to the committed version can take its place")
        retired = self.out / f".{kind}.retired.tmp"
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(plain, retired)
        shutil.rmtree(retired)

    @property
    def current(self) -> Path | None:
        """The committed version folder, or None before the first commit."""
        link = self.out / CURRENT
        return (self.out / VERSIONS / os.readlink(link).split("/")[-1]) if link.is_symlink() else None

    def recover(self) -> None:
        """Remove what crashed or finished runs left behind: staged batches, versions that were
        never committed, temporary links, and versions older than the one before the current
        (kept a run longer for readers that listed its files just before a commit)."""
        shutil.rmtree(self.out / STAGING, ignore_errors=True)
        for leftover in self.out.glob(f".{CURRENT}.*.tmp"):
            leftover.unlink(missing_ok=True)
        for leftover in self.out.glob(".*.retired.tmp"):
            shutil.rmtree(leftover)
        versions = sorted(p for p in (self.out / VERSIONS).glob("*") if p.is_dir())
        current = self.current
        keep = set()
        if current is not None:
            older = [v for v in versions if v.name < current.name]
            keep = {current.name} | ({older[-1].name} if older else set())
        for version in versions:
            if version.name not in keep:
                shutil.rmtree(version, ignore_errors=True)

    def files(self, kind: str, version: Path | None = None) -> list[Path]:
        """The data files of `kind` in `version` (default: the committed one), relative to
        their kind folder."""
        version = version or self.current
        if version is None:
            return []
        root = version / kind
        return sorted(p.relative_to(root) for p in root.rglob("*.parquet") if not p.name.startswith("."))

    def read_file(self, kind: str, relative: Path, columns: list[str] | None = None,
                  version: Path | None = None) -> pa.Table:
        """One file of `kind` in the current schema (see `conform`)."""
        schema = _columns(kind, columns)
        path = (version or self.current) / kind / relative
        present = [c for c in schema.names if c in pq.read_schema(path).names]
        return conform(pq.read_table(path, columns=present), schema)

    def read(self, kind: str, columns: list[str] | None = None) -> pa.Table:
        """All committed records of `kind`, of one version even if a run commits meanwhile."""
        version = self.current
        tables = [self.read_file(kind, relative, columns, version) for relative in self.files(kind, version)]
        return pa.concat_tables(tables) if tables else _columns(kind, columns).empty_table()

    def committed_file(self, name: str) -> Path | None:
        """A file of the committed version (LEDGER_FILE, DEDUP_FILE), or None if absent."""
        path = self.current / name if self.current is not None else None
        return path if path is not None and path.exists() else None

    def staging(self, run_id: str) -> Path:
        return self.out / STAGING / run_id

    def next_version(self) -> Version:
        current = self.current
        number = int(current.name) + 1 if current is not None else 1
        return Version(self, self.out / VERSIONS / f"{number:08d}")


class Version:
    """The next version of a dataset, built in its own folder until `commit`."""

    def __init__(self, dataset: Dataset, folder: Path):
        self.dataset = dataset
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)  # debris of a crashed attempt at this number
        for kind in KINDS:
            (folder / kind).mkdir(parents=True)

    def keep(self, kind: str, relative: Path) -> None:
        """Carry a committed file into this version unchanged (a hard link, not a copy)."""
        source = self.dataset.current / kind / relative
        target = self.folder / kind / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:  # file systems without hard links
            shutil.copy2(source, target)

    def has_files(self, kind: str) -> bool:
        return any((self.folder / kind).rglob("*.parquet"))

    def write(self, kind: str, relative: Path, table: pa.Table) -> None:
        file = self.new_file(kind, relative)
        try:
            file.write(table)
        finally:
            file.close()

    def new_file(self, kind: str, relative: Path) -> FileWriter:
        """A data file of `kind` in this version, written a table (row group) at a time, so a file
        can grow from many batches without holding them all; the caller closes it."""
        return FileWriter(self.folder / kind / relative, kind)

    def write_state(self, name: str, data: pa.Table | pa.RecordBatchReader) -> None:
        """Write a state file (ledger, dedup index) of this version, in row groups small enough to
        read a few at a time; a reader's batches are written as they come, never held together.
        Fixed-size binary columns (signatures) neither repeat nor sort: no dictionary, no
        statistics, which would hold a whole column chunk in memory."""
        plain = [field.name for field in data.schema if not pa.types.is_fixed_size_binary(field.type)]
        options = dict(compression="zstd", use_dictionary=plain, write_statistics=plain)
        if isinstance(data, pa.Table):
            pq.write_table(data, self.folder / name, row_group_size=STATE_ROW_GROUP, **options)
        else:
            with pq.ParquetWriter(self.folder / name, data.schema, **options) as writer:
                for batch in data:
                    writer.write_batch(batch, row_group_size=STATE_ROW_GROUP)
        _fsync_file(self.folder / name)

    def write_json(self, name: str, value) -> None:
        """Write a small JSON state file of this version."""
        with open(self.folder / name, "w", encoding="utf-8") as handle:
            json.dump(value, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())

    def carry_state(self, name: str) -> None:
        committed = self.dataset.committed_file(name)
        if committed is not None:
            os.link(committed, self.folder / name)

    def commit(self) -> None:
        """Make this version the dataset's, in one rename."""
        out = self.dataset.out
        for directory in [self.folder, *(p for p in self.folder.rglob("*") if p.is_dir())]:
            _fsync_dir(directory)
        link = out / f".{CURRENT}.{uuid.uuid4().hex}.tmp"
        link.symlink_to(Path(VERSIONS) / self.folder.name, target_is_directory=True)
        os.replace(link, out / CURRENT)
        _fsync_dir(out)
        self.dataset.recover()


class FileWriter:
    """One Parquet file of `kind` with textwash's metadata, appended to a table at a time."""

    def __init__(self, path: Path, kind: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.rows = 0
        self._writer = pq.ParquetWriter(path, with_metadata(KINDS[kind].empty_table(), kind).schema,
                                        compression="zstd")

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()
        _fsync_file(self.path)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
