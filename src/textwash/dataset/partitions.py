"""Hive partitions of a dataset version: which folder a record goes to, and files of bounded size."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa

from textwash.config import PROCESSED_DATE, RunOptions
from textwash.dataset.store import KINDS, FileWriter, Version
from textwash.model.record import sha256_hex

# Hive's name for the partition of null values, which DuckDB, Spark and pyarrow read back as null.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# A folder name holds at most 255 bytes: a longer partition value keeps its start and a hash.
MAX_PARTITION_CHARS = 160


def partition_value(row: dict, column: str) -> str:
    """The hive folder value of `row` for the partition `column`: quoted whole, so that no value
    leaves its folder, and cut to MAX_PARTITION_CHARS with a hash.

    >>> partition_value({"language": "en/us"}, "language"), partition_value({"language": None}, "language")
    ('en%2Fus', '__HIVE_DEFAULT_PARTITION__')
    """
    if column == PROCESSED_DATE:
        return date_partition(row["processed_at"])
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


def date_partition(processed_at: dt.datetime) -> str:
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
