"""Ledger: which inputs the dataset already holds, keyed on source, source_sha256 and pipeline
version, so a run processes only what is new or changed.

One Parquet table per dataset version (written with the version's data files, so the two never
disagree). `inputs_to_process` compares it with the inputs as they are now.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
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


def load_ledger(path: Path | None) -> dict[str, LedgerEntry]:
    """The ledger at `path` by source; empty when there is none yet."""
    if path is None:
        return {}
    return {row["source"]: LedgerEntry(**row) for row in pq.read_table(path, schema=LEDGER_SCHEMA).to_pylist()}


def ledger_table(entries: dict[str, LedgerEntry]) -> pa.Table:
    rows = [vars(entries[source]) for source in sorted(entries)]
    return pa.Table.from_pylist(rows, schema=LEDGER_SCHEMA)


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes, streamed (inputs over the size cap included); None when
    it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def inputs_to_process(hashes: dict[str, str | None], ledger: dict[str, LedgerEntry],
                      reprocess: bool = False) -> list[str]:
    """The sources (of `hashes`: source → current sha256) that are new, changed, or were
    processed by another pipeline version; all of them with `reprocess`."""
    def done(source: str) -> bool:
        entry = ledger.get(source)
        return (entry is not None and entry.source_sha256 == hashes[source]
                and entry.pipeline_version == __version__)

    return sorted(source for source in hashes if reprocess or not done(source))
