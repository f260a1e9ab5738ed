"""Write: Parquet files of a run, staged and then committed into the dataset in one step.

Each batch lands in a staging folder of the run as a temporary file renamed into place, so no
reader ever sees half a file. `commit` then swaps the run's documents/ and rejects/ in for the
previous ones; until then readers see the previous run's complete output.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pyarrow.parquet as pq

from textwash.schema import DOCUMENT_SCHEMA, REJECT_SCHEMA, to_table

KINDS = {"documents": DOCUMENT_SCHEMA, "rejects": REJECT_SCHEMA}
STAGING = ".staging"


def write_parquet_atomic(rows: list[dict], kind: str, path: Path) -> None:
    """Write `rows` of `kind` to `path` through a temporary file and a rename."""
    table = to_table(rows, KINDS[kind], kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class RunWriter:
    """The output of one run, staged under OUT/.staging/RUN_ID until `commit`."""

    def __init__(self, out: Path, run_id: str):
        self.out = out
        self.run_id = run_id
        self.staging = out / STAGING / run_id

    def write_batch(self, batch_no: int, documents: list[dict], rejects: list[dict]) -> None:
        for kind, rows in (("documents", documents), ("rejects", rejects)):
            if rows:
                write_parquet_atomic(rows, kind, self.staging / kind / f"part-{batch_no:05d}.parquet")

    def commit(self) -> None:
        """Make the staged output the dataset's, replacing the previous run's."""
        for kind in KINDS:
            staged = self.staging / kind
            if not any(staged.glob("*.parquet")):
                # An empty but readable dataset, so tools that read it see the schema.
                write_parquet_atomic([], kind, staged / "part-00000.parquet")
            target = self.out / kind
            retired = self.staging / f"{kind}.previous"
            if target.exists():
                os.replace(target, retired)
            os.replace(staged, target)
        shutil.rmtree(self.staging)
        _remove_if_empty(self.out / STAGING)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        _remove_if_empty(self.out / STAGING)


def _remove_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass
