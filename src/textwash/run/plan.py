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
from textwash.inputs.discover import discover


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
