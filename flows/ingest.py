"""The ingest flow: raw location in, Parquet dataset out, in batch tasks.

Deployment entrypoint: flows/ingest.py:ingest. All the work happens in textwash.pipeline; this
module only splits the inputs into batches, runs each batch as one task, and commits the run.
"""
from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

# Before Prefect is imported: no usage analytics from the local server or client.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.task_runners import ProcessPoolTaskRunner  # noqa: E402

from textwash.pipeline import Settings, process_batch  # noqa: E402
from textwash.read import DEFAULT_MAX_BYTES, discover  # noqa: E402
from textwash.write import RunWriter  # noqa: E402

DEFAULT_BATCH_SIZE = 500

# Called with (documents, rejects) of each finished batch, e.g. by the CLI's progress bar.
# A module-level hook because flow parameters must be serializable.
batch_listeners: list[Callable[[int, int], None]] = []


def _tell_listeners(documents: int, rejects: int) -> None:
    # Looked up by name: a flow shipped to worker processes must not carry the listeners along.
    for listener in batch_listeners:
        listener(documents, rejects)


# NO_CACHE: the inputs are document batches, and hashing them for a cache key costs more than
# the work while never hitting.
@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def process_and_stage(raw: str, out: str, run_id: str, batch_no: int, sources: list[str],
                      processed_at: dt.datetime, settings: Settings) -> tuple[int, int]:
    """Process one batch and stage its Parquet files; returns (documents, rejects)."""
    result = process_batch(Path(raw), sources, processed_at, settings)
    RunWriter(Path(out), run_id).write_batch(batch_no, result.documents, result.rejects)
    return len(result.documents), len(result.rejects)


@flow(name="textwash-ingest")
def ingest(raw: str = "raw", out: str = "processed", batch_size: int = DEFAULT_BATCH_SIZE,
           max_bytes: int = DEFAULT_MAX_BYTES, rules: str | None = None, workers: int = 1) -> dict:
    """Clean every input under `raw` into the Parquet dataset at `out` (documents/ and rejects/).

    `workers` sets how many batches run at once; run `with_workers(workers)` to give them processes.
    """
    logger = get_run_logger()
    started = time.perf_counter()
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if workers < 1:
        raise ValueError("workers must be at least 1")
    sources = discover(Path(raw))
    run_id = f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    processed_at = dt.datetime.now(dt.timezone.utc)
    settings = Settings(max_bytes=max_bytes, rules_path=rules)
    writer = RunWriter(Path(out), run_id)
    batches = [sources[i:i + batch_size] for i in range(0, len(sources), batch_size)]
    logger.info("run %s: %d inputs under %s in %d batches", run_id, len(sources), raw, len(batches))
    documents = rejects = 0
    # At most two batches per worker in flight: memory stays flat however many inputs there are.
    window = 2 * workers
    pending = iter(enumerate(batches))
    in_flight = set()
    try:
        while True:
            for batch_no, batch in pending:
                in_flight.add(process_and_stage.submit(raw, out, run_id, batch_no, batch, processed_at, settings))
                if len(in_flight) >= window:
                    break
            if not in_flight:
                break
            future = next(as_completed(in_flight))
            in_flight.remove(future)
            batch_documents, batch_rejects = future.result()
            documents += batch_documents
            rejects += batch_rejects
            _tell_listeners(batch_documents, batch_rejects)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    summary = {
        "run_id": run_id,
        "inputs": len(sources),
        "documents": documents,
        "rejects": rejects,
        "batches": len(batches),
        "seconds": round(time.perf_counter() - started, 3),
        "output": str(Path(out).resolve()),
    }
    logger.info("run %s done: %d documents, %d rejects in %.1f s", run_id, documents, rejects, summary["seconds"])
    return summary


def with_workers(workers: int):
    """The ingest flow with its batches in `workers` processes: the batches are CPU-bound Python,
    so threads would share one core (the GIL)."""
    if workers == 1:
        return ingest
    return ingest.with_options(task_runner=ProcessPoolTaskRunner(max_workers=workers))


if __name__ == "__main__":
    ingest()
