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
    return {row["source"]: LedgerEntry(**row) for row in load_ledger_table(path).to_pylist()}


def load_ledger_table(path: Path | None) -> pa.Table:
    """The ledger at `path` as a table (a run keeps it so: no Python object per input)."""
    return pq.read_table(path, schema=LEDGER_SCHEMA) if path is not None else LEDGER_SCHEMA.empty_table()


def ledger_table(entries: list[LedgerEntry]) -> pa.Table:
    return pa.Table.from_pylist([vars(entry) for entry in entries], schema=LEDGER_SCHEMA)


def updated_ledger(ledger: pa.Table, entries: pa.Table) -> pa.Table:
    """`ledger` with `entries` (one per source) replacing the entries of their sources, by source."""
    kept = ledger.filter(pc.invert(pc.is_in(ledger["source"], value_set=entries["source"])))
    return pa.concat_tables([kept, entries]).sort_by("source")


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
    current = ledger.filter(pc.equal(ledger["pipeline_version"], __version__))
    done = pc.is_in(_keys(pa.array(sources, pa.string()), pa.array([hashes[s] for s in sources], pa.string())),
                    value_set=_keys(current["source"], current["source_sha256"]))
    return [source for source, is_done in zip(sources, done.to_pylist()) if not is_done]


def _keys(sources, hashes) -> pa.Array:
    """source and sha256 as one string; an unreadable input (null sha256) matches its own entry."""
    return pc.binary_join_element_wise(sources, hashes, "\n", null_handling="replace", null_replacement="")
