"""Compact: merge the small files of each partition into files of at most N rows, without
changing the records; files of an older schema version are rewritten in the current one.

Runs under the dataset lock and commits a new version like a run does, so readers switch from
the old files to the merged ones in one step. The ledger and duplicate index are carried over.
"""
from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from textwash.config import DEFAULT_MAX_ROWS_PER_FILE
from textwash.model.schema import SCHEMA_VERSION
from textwash.dataset.store import DEDUP_FILE, KINDS, LEDGER_FILE, Dataset


def compact_dataset(out: Path, max_rows_per_file: int = DEFAULT_MAX_ROWS_PER_FILE) -> dict:
    """Compact the dataset at `out`; returns files before and after per kind. Commits nothing
    when every partition is already as compact as it can be."""
    if max_rows_per_file < 1:
        raise ValueError("max_rows_per_file must be at least 1")
    summary = {"files_before": 0, "files_after": 0, "rows": 0, "partitions_rewritten": 0, "committed": False}
    with Dataset(out).locked() as dataset:
        if dataset.current is None:
            return summary
        version = dataset.next_version()
        for kind in KINDS:
            partitions: dict[Path, list[Path]] = defaultdict(list)
            for relative in dataset.files(kind):
                partitions[relative.parent].append(relative)
            for partition, files in sorted(partitions.items()):
                rows = [pq.read_metadata(dataset.current / kind / f).num_rows for f in files]
                summary["files_before"] += len(files)
                summary["rows"] += sum(rows)
                needed = max(1, math.ceil(sum(rows) / max_rows_per_file))
                oversized = any(n > max_rows_per_file for n in rows)
                if len(files) <= needed and not oversized and all(_is_current(dataset.current / kind / f) for f in files):
                    for relative in files:
                        version.keep(kind, relative)
                    summary["files_after"] += len(files)
                    continue
                table = pa.concat_tables([dataset.read_file(kind, f) for f in files])
                for number, start in enumerate(range(0, max(table.num_rows, 1), max_rows_per_file)):
                    version.write(kind, partition / f"part-compacted-v{version.folder.name}-{number:05d}.parquet",
                                  table.slice(start, max_rows_per_file))
                    summary["files_after"] += 1
                summary["partitions_rewritten"] += 1
        if summary["partitions_rewritten"]:
            version.carry_state(LEDGER_FILE)
            version.carry_state(DEDUP_FILE)
            version.commit()
            summary["committed"] = True
        else:
            dataset.recover()  # drop the unused version folder
    return summary


def _is_current(path: Path) -> bool:
    metadata = pq.read_schema(path).metadata or {}
    return metadata.get(b"textwash.schema_version") == SCHEMA_VERSION.encode()
