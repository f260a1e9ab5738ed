"""The one driver of a run: plan → stage batches → commit, part after part, then the report. A
part's commit can take each batch as soon as it and every batch before it have landed.

The Prefect flow, the CLI and the tests all run `run_dataset`; they differ only in how the
batches of a part are run (`BatchRunner`: in this process, or as Prefect tasks on processes or a
Dask cluster) and in what they do with progress (`RunHooks`). So the tests that prove every
input is committed exactly once run the flow's own code path.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from textwash.cleaning.templates import TemplateState
from textwash.config import RunOptions, Settings
from textwash.dataset import remote
from textwash.dataset.store import Dataset
from textwash.dataset.templates import save_templates
from textwash.inputs.selection import Selection
from textwash.report import write_report
from textwash.run.commit import PartCommit
from textwash.run.memory import return_freed_memory
from textwash.run.plan import RunPlan, plan_run
from textwash.run.stage import StagedBatch, stage_batch, staged_templates
from textwash.inputs.items import Range
from textwash.stats import run_stats

log = logging.getLogger(__name__)

# Runs the batches of a planned part and yields, per finished batch, its StagedBatch (number,
# documents, rejects; its site-template counts are staged beside its records), in any order.
# Arguments: the part, its batches (whole files and ranges of big ones), the dataset, the local raw
# folder, the settings.
BatchRunner = Callable[[RunPlan, list[list[str | Range]], Dataset, Path, Settings], Iterable[StagedBatch]]


def run_in_process(plan: RunPlan, batches: list[list[str | Range]], dataset: Dataset, raw: Path,
                   settings: Settings) -> Iterator[StagedBatch]:
    """The batches one after another in this process."""
    for batch_no, batch in enumerate(batches):
        yield stage_batch(dataset, plan.run_id, raw, plan.processed_at, batch_no, batch, settings)


def _ignore(*args) -> None:
    pass


@dataclass
class RunHooks:
    """What a shell wants to hear during a run: the plan (inputs to process, batches; its
    `documents` and `bytes` are the planned totals), each finished batch (documents, rejects, and
    the documents and bytes it was planned to read: progress counts those), and the report written
    (its index page)."""
    planned: Callable[[RunPlan, int], None] = _ignore
    batch_done: Callable[[int, int, int, int], None] = _ignore
    report_written: Callable[[Path], None] = _ignore


def run_dataset(raw: str | Path, out: str | Path, settings: Settings = Settings(), options: RunOptions = RunOptions(),
                selection: Selection | None = None, run_batches: BatchRunner = run_in_process,
                hooks: RunHooks = RunHooks(), report: bool = True, commit_as_batches_land: bool = False,
                report_processes: int = 1) -> dict:
    """Clean the new and changed inputs under `raw` into the dataset at `out` (folders, or URLs
    such as s3://bucket/prefix: see dataset/remote.py); returns the run's summary.

    A part of `options.commit_every` inputs is committed as its own version before the next part
    starts, so an interrupted run keeps what it committed. With `commit_as_batches_land` (for
    runners whose batches run in other processes, which leave this one idle), the part's commit
    takes each batch as soon as it and those before it have landed; otherwise it takes them all
    after the last, so that its buffers never add to a batch's working set in this process. With
    `report`, the HTML report is written beside the dataset, its document pages by `report_processes`
    processes (a failure there is logged: the data is committed all the same).

    Both locations are made absolute here, before any batch is sent: a worker process or a Dask
    worker on another machine runs in a working folder of its own.
    """
    return_freed_memory()
    raw, out = remote.absolute_location(raw), remote.absolute_location(out)
    started = time.perf_counter()
    with remote.open_locations(raw, out) as (raw_dir, dataset):
        plan = plan_run(raw_dir, dataset, options, selection.apply if selection else None, settings.follow_symlinks,
                        settings.max_ratio)
        parts = plan.parts(options.commit_every)
        batch_count = sum(len(part.batches(options.batch_size)) for part in parts)
        log.info("run %s: %d inputs under %s, %d new or changed (%d pieces, about %d documents, %d bytes), in %d "
                 "batches and %d commits", plan.run_id, plan.inputs, raw, len(plan.todo), len(plan.pieces),
                 plan.documents, plan.bytes, batch_count, len(parts))
        hooks.planned(plan, batch_count)
        summary = {"run_id": plan.run_id, **plan.input_counts(), "processed": len(plan.todo),
                   "unchanged": plan.inputs - len(plan.todo), "documents": 0, "rejects": 0, "duplicates": 0,
                   "replaced": 0, "reflagged": 0, "files_written": 0, "committed": False, "commits": 0,
                   "batches": batch_count}
        committed_runs = set()
        for part in parts:
            learned = TemplateState()
            planned = [(sum(p.documents for p in batch), sum(p.size for p in batch))
                       for batch in part.batch_pieces(options.batch_size)]
            commit = PartCommit(dataset, part, options)
            landed: set[int] = set()  # finished batches the commit has not taken yet
            next_batch = 0
            for staged in run_batches(part, part.batches(options.batch_size), dataset, raw_dir, settings):
                learned.merge(staged_templates(dataset, part.run_id, staged.batch_no))
                hooks.batch_done(staged.documents, staged.rejects, *planned[staged.batch_no])
                landed.add(staged.batch_no)
                while commit_as_batches_land and next_batch in landed:
                    landed.remove(next_batch)
                    commit.add(next_batch)
                    next_batch += 1
            for batch_no in sorted(landed):
                commit.add(batch_no)
            part_summary = commit.finish()
            if part_summary["committed"]:
                save_templates(dataset, learned)
                committed_runs.add(part.run_id)
                summary["committed"] = True
                summary["commits"] += 1
                for key in ("documents", "rejects", "duplicates", "replaced", "reflagged", "files_written"):
                    summary[key] += part_summary[key]
                if remote.is_remote(out):
                    remote.publish(dataset, out)
        if summary["committed"] and report:
            try:
                hooks.report_written(write_report(dataset.out, processes=report_processes).resolve())
            except Exception:
                log.exception("run report not written; the run's data is committed all the same")
        summary["figures"] = run_stats(dataset, committed_runs, raw_dir,
                                       [source for source in plan.todo if source not in plan.outside])
    summary["seconds"] = round(time.perf_counter() - started, 3)
    summary["output"] = out if remote.is_remote(out) else str(Path(out).resolve())
    log.info("run %s done: %d processed, %d documents (%d duplicates), %d rejects in %.1f s", plan.run_id,
             summary["processed"], summary["documents"], summary["duplicates"], summary["rejects"], summary["seconds"])
    return summary
