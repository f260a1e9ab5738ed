"""Plan a run: which inputs under the raw root are new or changed, in which batches and commits."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from textwash.config import RunOptions
from textwash.dataset.ledger import file_sha256, inputs_to_process, load_ledger_table
from textwash.dataset.store import LEDGER_FILE, Dataset
from textwash.inputs.discover import discover_inputs, refused_link_sha256


@dataclass
class RunPlan:
    run_id: str
    raw: Path
    processed_at: dt.datetime
    inputs: int
    todo: list[str]
    hashes: dict[str, str | None] = field(repr=False)
    # What discovery did not read (inputs/discover.py): entries skipped by name, links to a file or
    # folder already read, and inputs refused as leading outside the raw root (each a reject).
    skipped_by_name: int = 0
    skipped_links: int = 0
    outside: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def outside_root(self) -> int:
        return len(self.outside)

    def input_counts(self) -> dict[str, int]:
        """Every entry under the raw root, accounted for: the inputs (each one document or reject
        record, or for a dump or archive one per item), of them those refused for containment, and
        what was skipped."""
        return {"inputs": self.inputs, "outside_root": self.outside_root, "skipped_by_name": self.skipped_by_name,
                "skipped_links": self.skipped_links}

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
             select: Callable[[Path, list[str]], list[str]] | None = None, follow_symlinks: bool = False) -> RunPlan:
    """Which inputs under `raw` this run processes: new, changed, or all with `reprocess`; only
    among those that `select` (e.g. a backfill's `Selection.apply`) picks, when given.

    An input refused as leading outside the root is hashed by where it leads, never read: it is
    planned again only when the link changes or links are followed."""
    found = discover_inputs(raw, follow_symlinks)
    sources = found.sources
    if select is not None:
        sources = select(raw, sources)
    hashes = {source: refused_link_sha256(found.outside[source]) if source in found.outside
              else file_sha256(raw / source) for source in sources}
    ledger = load_ledger_table(dataset.committed_file(LEDGER_FILE))
    processed_at = dt.datetime.now(dt.timezone.utc)
    return RunPlan(new_run_id(processed_at), raw, processed_at, len(sources),
                   inputs_to_process(hashes, ledger, options.reprocess), hashes, skipped_by_name=found.skipped_by_name,
                   skipped_links=found.skipped_links, outside=frozenset(found.outside).intersection(sources))
