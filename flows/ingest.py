"""The ingest flow: raw location in, Parquet dataset out, in batch tasks.

Deployment entrypoint: flows/ingest.py:ingest. All the work happens in textwash.run.commit; this
module only plans the run, runs each batch of new or changed inputs as one task, and commits.
"""
from __future__ import annotations

import datetime as dt
import os
import time
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

from textwash.dataset import remote as storage  # noqa: E402

from textwash.clean.templates import TemplateState  # noqa: E402
from textwash.dataset.dedup import DEFAULT_THRESHOLD  # noqa: E402
from textwash.inputs.extract import DEFAULT_TIMEOUT_SECONDS  # noqa: E402
from textwash.document import DEFAULT_MAX_HTML_DEPTH, DEFAULT_MAX_LINE_CHARS, DEFAULT_MAX_RATIO, Settings  # noqa: E402
from textwash.inputs.discover import DEFAULT_MAX_BYTES  # noqa: E402
from textwash.report.render import write_report  # noqa: E402
from textwash.run.commit import (  # noqa: E402
    DEFAULT_BATCH_SIZE, DEFAULT_MAX_ROWS_PER_FILE, PROCESSED_DATE, RunOptions, RunPlan, commit_run,
    plan_run, save_templates, stage_batch,
)
from textwash.inputs.selection import Selection  # noqa: E402
from textwash.stats import run_stats  # noqa: E402
from textwash.dataset.store import Dataset  # noqa: E402

# Seconds before the first retry of a batch after an I/O error; doubled for each next one.
RETRY_BACKOFF_SECONDS = 2

# Called with (documents, rejects) of each finished batch, e.g. by the CLI's progress bar.
# A module-level hook because flow parameters must be serializable.
batch_listeners: list[Callable[[int, int], None]] = []
# Called with the number of inputs the run will process, once it is planned.
plan_listeners: list[Callable[[int], None]] = []


# Listeners are called through these module-level functions, looked up by name: the flow's own
# function is pickled by value for worker processes and must not carry the listeners along.
def _tell_planned(todo: int) -> None:
    for listener in plan_listeners:
        listener(todo)


def _tell_listeners(documents: int, rejects: int) -> None:
    for listener in batch_listeners:
        listener(documents, rejects)


def _io_error(task, task_run, state) -> bool:
    """Retry a batch only for I/O errors (a flaky share or object store); anything else is a
    bug that another try would only repeat."""
    return isinstance(state.result(raise_on_failure=False), OSError)


# NO_CACHE: the inputs are document batches, and hashing them for a cache key costs more than
# the work while never hitting.
@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=RETRY_BACKOFF_SECONDS),
      retry_jitter_factor=0.5, retry_condition_fn=_io_error)
def process_and_stage(out: str, run_id: str, raw: str, processed_at: dt.datetime, batch_no: int,
                      sources: list[str], settings: Settings) -> tuple[int, int, TemplateState]:
    """Process one batch and stage its Parquet files; returns (documents, rejects, the batch's
    site-template counts). The batch reads the dataset's saved site templates itself (see
    `stage_batch`): arguments stay small whatever the dataset holds."""
    return stage_batch(Dataset(Path(out)), run_id, Path(raw), processed_at, batch_no, sources, settings)


@flow(name="textwash-ingest")
def ingest(raw: str = "raw", out: str = "processed", batch_size: int = DEFAULT_BATCH_SIZE,
           max_bytes: int = DEFAULT_MAX_BYTES, rules: str | None = None, reprocess: bool = False,
           drop_duplicates: bool = False, near_duplicate_threshold: float = DEFAULT_THRESHOLD,
           partition_by: str = PROCESSED_DATE, max_rows_per_file: int = DEFAULT_MAX_ROWS_PER_FILE,
           extract_timeout: float | None = DEFAULT_TIMEOUT_SECONDS, workers: int = 1,
           max_ratio: float = DEFAULT_MAX_RATIO, max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
           max_html_depth: int = DEFAULT_MAX_HTML_DEPTH, strip_nul: bool = False,
           selection: Selection | None = None, commit_every: int | None = None) -> dict:
    """Clean the new and changed inputs under `raw` into the Parquet dataset at `out` (folders,
    or URLs such as s3://bucket/prefix: see textwash.dataset.remote).

    `workers` sets how many batches run at once; run `with_workers(workers)` to give them processes.
    A backfill passes `selection` (which inputs) and `commit_every` (inputs per committed version).
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    logger = get_run_logger()
    started = time.perf_counter()
    settings = Settings(max_bytes=max_bytes, rules_path=rules, extract_timeout=extract_timeout, max_ratio=max_ratio,
                        max_line_chars=max_line_chars, max_html_depth=max_html_depth, strip_nul=strip_nul)
    options = RunOptions(reprocess=reprocess, drop_duplicates=drop_duplicates,
                         near_duplicate_threshold=near_duplicate_threshold, partition_by=partition_by,
                         max_rows_per_file=max_rows_per_file)
    with storage.open_locations(raw, out) as (raw_dir, dataset):
        plan = plan_run(raw_dir, dataset, options, selection.apply if selection else None)
        parts = plan.parts(commit_every)
        batch_count = sum(len(part.batches(batch_size)) for part in parts)
        logger.info("run %s: %d inputs under %s, %d new or changed, in %d batches and %d commits",
                    plan.run_id, plan.inputs, raw, len(plan.todo), batch_count, len(parts))
        _tell_planned(len(plan.todo))
        progress = create_progress_artifact(0.0 if batch_count else 100.0, key="textwash-progress",
                                            description=f"Batches done of {batch_count} ({raw} → {out})")
        summary = {"run_id": plan.run_id, "inputs": plan.inputs, "processed": len(plan.todo),
                   "unchanged": plan.inputs - len(plan.todo), "documents": 0, "rejects": 0, "duplicates": 0,
                   "replaced": 0, "reflagged": 0, "files_written": 0, "committed": False, "commits": 0}
        done = 0
        committed_runs = set()
        for part in parts:
            learned = TemplateState()
            for batch_templates in _run_batches(part, part.batches(batch_size), str(dataset.out), str(raw_dir),
                                                settings, workers):
                learned.merge(batch_templates)
                done += 1
                update_progress_artifact(progress, 100.0 * done / batch_count)
            part_summary = commit_run(dataset, part, options)
            if part_summary["committed"]:
                save_templates(dataset, learned)
                committed_runs.add(part.run_id)
                summary["committed"] = True
                summary["commits"] += 1
                for key in ("documents", "rejects", "duplicates", "replaced", "reflagged", "files_written"):
                    summary[key] += part_summary[key]
                if storage.is_remote(out):
                    storage.publish(dataset, out)
        if summary["committed"]:
            _publish_report(dataset.out, logger)
        figures = run_stats(dataset, committed_runs, raw_dir, plan.todo)
    summary["batches"] = batch_count
    summary["seconds"] = round(time.perf_counter() - started, 3)
    summary["output"] = out if storage.is_remote(out) else str(Path(out).resolve())
    _publish_counts(summary, figures)
    logger.info("run %s done: %d processed, %d documents (%d duplicates), %d rejects in %.1f s", plan.run_id,
                summary["processed"], summary["documents"], summary["duplicates"], summary["rejects"],
                summary["seconds"])
    return summary


def _run_batches(plan: RunPlan, batches: list[list[str]], out: str, raw: str, settings: Settings,
                 workers: int) -> Iterator[TemplateState]:
    """Run `batches` of `plan` as tasks, at most two per worker in flight (memory stays flat
    however many inputs there are); yields each finished batch's site-template counts."""
    window = 2 * workers
    pending = iter(enumerate(batches))
    in_flight = set()
    while True:
        for batch_no, batch in pending:
            in_flight.add(process_and_stage.submit(out, plan.run_id, raw, plan.processed_at, batch_no, batch,
                                                   settings))
            if len(in_flight) >= window:
                break
        if not in_flight:
            return
        future = next(as_completed(in_flight))
        in_flight.remove(future)
        batch_documents, batch_rejects, batch_templates = future.result()
        _tell_listeners(batch_documents, batch_rejects)
        yield batch_templates


def _publish_counts(summary: dict, figures: dict) -> None:
    """The run's figures as artifacts of its flow run: a table of counts, then the top removal
    reasons and where the output is."""
    create_table_artifact(key="textwash-counts", description="What this run did", table=[
        {"inputs": summary["inputs"], "processed": summary["processed"], "documents": summary["documents"],
         "rejects": summary["rejects"], "duplicates": summary["duplicates"], "bytes_in": figures["bytes_in"],
         "bytes_out": figures["bytes_out"], "seconds": summary["seconds"]}])
    reasons = "\n".join(f"| {reason} | {count} |" for reason, count in figures["removal_reasons"]) or "| (none) | 0 |"
    create_markdown_artifact(key="textwash-summary", description="Top removal reasons and the output", markdown=(
        f"## textwash run {summary['run_id']}\n\n"
        f"Output: `{summary['output']}` (versions committed: {summary['commits']})\n\n"
        f"| removal reason | spans |\n| --- | --- |\n{reasons}\n"))


def _publish_report(out: Path, logger) -> None:
    """Write the HTML run report beside the dataset and link it from the flow run's artifacts."""
    try:
        report = write_report(out).resolve()
        create_link_artifact(link=report.as_uri(), link_text="Run report (HTML)", key="textwash-report",
                             description=f"Overview and every document's cuts: open {report}")
    except Exception:
        logger.exception("run report not written; the run's data is committed all the same")


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
