"""Stage a batch: process its inputs and write their records into the run's staging folder."""
from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

from textwash.cleaning.templates import TemplateState
from textwash.config import Settings
from textwash.dataset.dedup import signature_table
from textwash.dataset.store import Dataset, write_parquet_atomic, write_table_atomic
from textwash.dataset.templates import load_templates
from textwash.document import process_batch

SIGNATURES = "minhash"  # staged MinHash signatures of a run's documents, by batch


class LocationUnreachable(RuntimeError):
    """A batch's worker cannot see the run's raw root or output folder: the run fails (no retry,
    no rejects) with a message naming the path and the worker."""


def check_visible(raw: Path, out: Path) -> None:
    """Raise LocationUnreachable unless this process sees both folders of the run."""
    for what, folder in (("raw root", raw), ("output folder", out)):
        if not folder.is_dir():
            try:
                cwd = os.getcwd()
            except OSError:
                cwd = "gone"
            problem = "is a relative path that is not a folder" if not folder.is_absolute() else "is not a folder"
            raise LocationUnreachable(
                f"the {what} {folder} {problem} on worker {socket.gethostname()} (pid {os.getpid()}, working "
                f"folder {cwd}); every worker must see the run's raw and output folders at the same paths")


def stage_batch(dataset: Dataset, run_id: str, raw: Path, processed_at: dt.datetime, batch_no: int,
                sources: list[str], settings: Settings = Settings()) -> tuple[int, int, TemplateState]:
    """Process one batch of a run into its staging folder, with the site templates earlier runs
    saved in the dataset; returns (documents, rejects, the batch's own site-template counts).

    The batch reads those templates itself rather than taking them as an argument: they grow with
    the dataset (a digest per document seen), and a task argument is walked by Prefect and, with
    worker processes, pickled for every batch (2.3 CPU s per batch at 100,000 documents).

    A worker that cannot see the raw root or the output folder (a share not mounted on its machine)
    fails the batch with `LocationUnreachable`, rather than turning every input into a reject.
    """
    check_visible(raw, dataset.out)
    result = process_batch(raw, sources, processed_at, settings, load_templates(dataset))
    staging = dataset.staging(run_id)
    for kind, rows in (("documents", result.documents), ("rejects", result.rejects)):
        write_parquet_atomic(rows, kind, staging / kind / f"batch-{batch_no:05d}.parquet")
    write_table_atomic(signature_table(result.documents), staging / SIGNATURES / f"batch-{batch_no:05d}.parquet")
    return len(result.documents), len(result.rejects), result.templates
