"""The ingest flow: raw location in, Parquet dataset out, in batch tasks.

Deployment entrypoint: flows/ingest.py:ingest. The run is textwash.run.driver's `run_dataset`,
the same plan → stage → commit that the CLI's tests run; this module only runs each batch as a
task and turns the run's progress and figures into Prefect artifacts.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

# Before Prefect is imported: no usage analytics from the local server or client.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.artifacts import (  # noqa: E402
    create_link_artifact, create_markdown_artifact, create_progress_artifact, create_table_artifact,
    update_progress_artifact,
)
from prefect.futures import as_completed  # noqa: E402
from prefect.task_runners import ProcessPoolTaskRunner  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from textwash.config import RunOptions, Settings  # noqa: E402
from textwash.dataset.store import Dataset  # noqa: E402
from textwash.inputs.selection import Selection  # noqa: E402
from textwash.run.driver import RunHooks, run_dataset  # noqa: E402
from textwash.run.plan import RunPlan  # noqa: E402
from textwash.run.stage import StagedBatch, stage_batch  # noqa: E402
from textwash.inputs.items import Range  # noqa: E402

# Seconds before the first retry of a batch after an I/O error; doubled for each next one.
RETRY_BACKOFF_SECONDS = 2

# Called with (documents, rejects, planned documents, planned bytes) of each finished batch, e.g.
# by the CLI's progress bar. A module-level hook because flow parameters must be serializable.
batch_listeners: list[Callable[[int, int, int, int], None]] = []
# Called with the documents and bytes the run plans to read, once it is planned.
plan_listeners: list[Callable[[int, int], None]] = []


# Listeners are called through these module-level functions, looked up by name: the flow's own
# function is pickled by value for worker processes and must not carry the listeners along.
def _tell_planned(documents: int, size: int) -> None:
    for listener in plan_listeners:
        listener(documents, size)


def _tell_listeners(documents: int, rejects: int, planned: int, size: int) -> None:
    for listener in batch_listeners:
        listener(documents, rejects, planned, size)


def _io_error(task, task_run, state) -> bool:
    """Retry a batch only for I/O errors (a flaky share or object store); anything else is a
    bug that another try would only repeat."""
    return isinstance(state.result(raise_on_failure=False), OSError)


# NO_CACHE: the inputs are document batches, and hashing them for a cache key costs more than
# the work while never hitting.
@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=RETRY_BACKOFF_SECONDS),
      retry_jitter_factor=0.5, retry_condition_fn=_io_error)
def process_and_stage(out: str, run_id: str, raw: str, processed_at: dt.datetime, batch_no: int,
                      sources: list[str | Range], settings: Settings) -> StagedBatch:
    """Process one batch (whole files and ranges of big ones) and stage its Parquet files and its
    site-template counts; returns its StagedBatch (number, documents, rejects). The batch reads the
    dataset's saved site templates itself (see `stage_batch`): arguments and results stay small
    whatever the dataset holds."""
    return stage_batch(Dataset(Path(out)), run_id, Path(raw), processed_at, batch_no, sources, settings)


@flow(name="textwash-ingest")
def ingest(raw: str = "raw", out: str = "processed", settings: Settings = Settings(),
           options: RunOptions = RunOptions(), workers: int = 1, selection: Selection | None = None) -> dict:
    """Clean the new and changed inputs under `raw` into the Parquet dataset at `out` (folders,
    or URLs such as s3://bucket/prefix: see textwash.dataset.remote).

    `settings` and `options` are textwash.config's (a deployment sets their fields as objects:
    `settings: {max_bytes: 1000000}`). `workers` sets how many batches run at once; run
    `with_workers(workers)` to give them processes. A backfill passes `selection` (which inputs).
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    logger = get_run_logger()
    progress = {"total": 0, "done": 0}

    def planned(plan: RunPlan, batch_count: int) -> None:
        _tell_planned(plan.documents, plan.bytes)
        progress["total"] = plan.documents
        progress["id"] = create_progress_artifact(
            0.0 if plan.documents else 100.0, key="textwash-progress",
            description=f"Documents done of about {plan.documents} ({plan.bytes / 1e6:.1f} MB in {batch_count} "
                        f"batches; {raw} → {out})")

    def batch_done(documents: int, rejects: int, planned_documents: int, size: int) -> None:
        _tell_listeners(documents, rejects, planned_documents, size)
        progress["done"] += planned_documents
        update_progress_artifact(progress["id"], min(100.0, 100.0 * progress["done"] / max(progress["total"], 1)))

    def report_written(index: Path) -> None:
        create_link_artifact(link=index.as_uri(), link_text="Run report (HTML)", key="textwash-report",
                             description=f"Overview and every document's cuts: open {index}")

    # One worker runs its batches in this process; more leave it idle while they run. The report
    # runs after the last batch, so it takes as many processes as the batches had.
    summary = run_dataset(raw, out, settings, options, selection, run_batches=_batches_as_tasks(workers),
                          hooks=RunHooks(planned, batch_done, report_written), commit_as_batches_land=workers > 1,
                          report_processes=min(workers, os.cpu_count() or 1))
    _publish_counts(summary)
    logger.info("run %s done: %d processed, %d documents (%d duplicates), %d rejects in %.1f s", summary["run_id"],
                summary["processed"], summary["documents"], summary["duplicates"], summary["rejects"],
                summary["seconds"])
    return summary


def _batches_as_tasks(workers: int):
    """A batch runner (textwash.run.driver.BatchRunner) that runs each batch as a task, at most
    two per worker in flight (memory stays flat however many inputs there are)."""
    def run_batches(plan: RunPlan, batches: list[list[str | Range]], dataset: Dataset, raw: Path,
                    settings: Settings) -> Iterator[StagedBatch]:
        window = 2 * workers
        pending = iter(enumerate(batches))
        in_flight = set()
        while True:
            for batch_no, batch in pending:
                in_flight.add(process_and_stage.submit(str(dataset.out), plan.run_id, str(raw), plan.processed_at,
                                                       batch_no, batch, settings))
                if len(in_flight) >= window:
                    break
            if not in_flight:
                return
            future = next(as_completed(in_flight))
            in_flight.remove(future)
            yield future.result()
    return run_batches


def _publish_counts(summary: dict) -> None:
    """The run's figures as artifacts of its flow run: a table of counts, then the top removal
    reasons and where the output is."""
    figures = summary["figures"]
    create_table_artifact(key="textwash-counts", description="What this run did", table=[
        {"inputs": summary["inputs"], "processed": summary["processed"], "documents": summary["documents"],
         "rejects": summary["rejects"], "duplicates": summary["duplicates"],
         "outside_root": summary["outside_root"], "skipped_by_name": summary["skipped_by_name"],
         "skipped_links": summary["skipped_links"], "bytes_in": figures["bytes_in"],
         "bytes_out": figures["bytes_out"], "seconds": summary["seconds"]}])
    reasons = "\n".join(f"| {reason} | {count} |" for reason, count in figures["removal_reasons"]) or "| (none) | 0 |"
    create_markdown_artifact(key="textwash-summary", description="Top removal reasons and the output", markdown=(
        f"## textwash run {summary['run_id']}\n\n"
        f"Output: `{summary['output']}` (versions committed: {summary['commits']})\n\n"
        f"| removal reason | spans |\n| --- | --- |\n{reasons}\n"))


# The --dask-address that starts a Dask cluster on this machine for the run instead of joining one.
LOCAL_DASK = "local"


def with_workers(workers: int, dask_address: str | None = None):
    """The ingest flow with its batches on the Dask cluster at `dask_address` (LOCAL_DASK: a
    cluster of `workers` processes started for the run), else in `workers` processes: the
    batches are CPU-bound Python, so threads would share one core (the GIL)."""
    if dask_address == LOCAL_DASK:
        from prefect_dask import DaskTaskRunner

        return ingest.with_options(task_runner=DaskTaskRunner(cluster_kwargs={
            "n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None}))
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return ingest.with_options(task_runner=DaskTaskRunner(address=dask_address))
    if workers == 1:
        return ingest
    return ingest.with_options(task_runner=ProcessPoolTaskRunner(max_workers=workers))


if __name__ == "__main__":
    ingest()
