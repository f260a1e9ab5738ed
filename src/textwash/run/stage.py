"""Stage a batch: process its inputs and write their records into the run's staging folder."""
from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

import pyarrow.parquet as pq

from textwash.cleaning.templates import TemplateState, load_state, save_state
from textwash.config import Settings
from textwash.atomic import atomic_path
from textwash.dataset.dedup import INDEX_SCHEMA, signature_table
from textwash.dataset.store import KINDS, Dataset
from textwash.dataset.templates import load_templates
from textwash.document import process_slices
from textwash.inputs.items import Range
from textwash.run.memory import return_freed_memory
from textwash.model.schema import file_metadata, to_table

SIGNATURES = "minhash"  # staged MinHash signatures of a run's documents, by batch
TEMPLATES = "templates"  # staged site-template counts, by batch


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


class StagedBatch(NamedTuple):
    """What staging a batch gives back: its number and its counts of documents and rejects. The
    site-template counts it learned are staged beside its records (`staged_templates`): a task's
    result stays in the Prefect flow run's memory until the run ends, and a batch's counts (up to
    0.3 MB a site) made the flow grow with every batch."""
    batch_no: int
    documents: int
    rejects: int


def _batch_name(batch_no: int) -> str:
    return f"batch-{batch_no:05d}"


def staged_file(batch_no: int) -> str:
    """The name of batch `batch_no`'s staged Parquet file in each kind's staging folder."""
    return f"{_batch_name(batch_no)}.parquet"


def staged_batch_numbers(staging: Path, kinds: Iterable[str]) -> list[int]:
    """The numbers of the batches staged in `staging`'s folders of `kinds`, in order.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> for kind, batch_no in (("documents", 3), ("rejects", 0), ("documents", 0)):
    ...     (folder / kind).mkdir(exist_ok=True); (folder / kind / staged_file(batch_no)).touch()
    >>> staged_batch_numbers(folder, ("documents", "rejects"))
    [0, 3]
    """
    return sorted({int(path.name.removeprefix("batch-").removesuffix(".parquet"))
                   for kind in kinds for path in (staging / kind).glob("batch-*.parquet")})


def _templates_path(staging: Path, batch_no: int) -> Path:
    return staging / TEMPLATES / f"{_batch_name(batch_no)}.json"


def staged_templates(dataset: Dataset, run_id: str, batch_no: int) -> TemplateState:
    """The site-template counts that batch `batch_no` of run `run_id` learned."""
    return load_state(_templates_path(dataset.staging(run_id), batch_no))


def stage_batch(dataset: Dataset, run_id: str, raw: Path, processed_at: dt.datetime, batch_no: int,
                sources: list[str | Range], settings: Settings = Settings()) -> StagedBatch:
    """Process one batch of a run (whole files and ranges of big ones) into its staging folder,
    with the site templates earlier runs saved in the dataset; returns its counts, and stages its
    own site-template counts (`staged_templates`).

    Streams: the batch's slices (document.process_slices) are appended to its staged Parquet files
    as they are done, so its memory is bounded by a slice, whatever its files hold. The files
    appear whole, each by one rename, once the batch is done.

    The batch reads those templates itself rather than taking them as an argument: they grow with
    the dataset (a digest per document seen), and a task argument is walked by Prefect and, with
    worker processes, pickled for every batch (2.3 CPU s per batch at 100,000 documents).

    A worker that cannot see the raw root or the output folder (a share not mounted on its machine)
    fails the batch with `LocationUnreachable`, rather than turning every input into a reject.
    """
    return_freed_memory()
    check_visible(raw, dataset.out)
    staging = dataset.staging(run_id)
    name = staged_file(batch_no)
    schemas = {kind: KINDS[kind].with_metadata(file_metadata(kind)) for kind in ("documents", "rejects")}
    schemas[SIGNATURES] = INDEX_SCHEMA
    counts = {"documents": 0, "rejects": 0}
    templates = TemplateState()
    with ExitStack() as files:
        paths = {kind: files.enter_context(atomic_path(staging / kind / name)) for kind in schemas}
        writers = {kind: files.enter_context(pq.ParquetWriter(paths[kind], schema, compression="zstd"))
                   for kind, schema in schemas.items()}
        for part in process_slices(raw, sources, processed_at, settings, load_templates(dataset)):
            for kind, rows in (("documents", part.documents), ("rejects", part.rejects)):
                if rows:
                    writers[kind].write_table(to_table(rows, schemas[kind], kind))
                    counts[kind] += len(rows)
            if part.documents:
                writers[SIGNATURES].write_table(signature_table(part.documents))
            templates = part.templates
    # (A kind without rows is a file of its schema alone.)
    save_state(templates, _templates_path(staging, batch_no))
    return StagedBatch(batch_no, counts["documents"], counts["rejects"])
