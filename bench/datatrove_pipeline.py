"""Run datatrove's text pipeline on a JSONL folder and print its CPU time as JSON (last line).

    datatrove-venv/bin/python bench/datatrove_pipeline.py WARMUP_DIR INPUT_DIR OUT_DIR LOGS_DIR BATCH_SIZE

Run by run_bench.py in its own virtual environment (datatrove==0.10.1 and the filters' needs), not
textwash's. JsonlReader → FTFYFormatter → C4QualityFilter → GopherQualityFilter → ParquetWriter, one
task on one worker (one process, one core), the filters with their defaults: English words and
sentences come from spaCy's blank tokenizer and sentencizer, no model or download.

CPU time is net of start-up: the pipeline runs once on WARMUP_DIR (one document) so that imports,
including the lazy ones inside the steps (spaCy, orjson, pyarrow, ftfy), are paid, then once on
INPUT_DIR, and only that second `executor.run()` is timed: this process's CPU time plus that of
the children it reaped (the executor's multiprocess manager).
"""
from __future__ import annotations

import importlib.metadata
import json
import resource
import shutil
import sys
from pathlib import Path

import pyarrow.parquet as pq
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter
from datatrove.pipeline.formatters import FTFYFormatter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import ParquetWriter


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def executor(data: Path, out: Path, logs: Path, batch_size: int) -> LocalPipelineExecutor:
    # Fresh folders: the executor skips tasks its logging folder marks as done.
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(logs, ignore_errors=True)
    return LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(data)),
            FTFYFormatter(),
            C4QualityFilter(),
            GopherQualityFilter(),
            # zstd like textwash's output and the floor; the writer's batch like textwash's batches.
            ParquetWriter(str(out), compression="zstd", batch_size=batch_size),
        ],
        tasks=1,
        workers=1,
        logging_dir=str(logs),
    )


def main() -> int:
    warmup, data, out, logs = map(Path, sys.argv[1:5])
    batch_size = int(sys.argv[5])
    executor(warmup, out, logs, batch_size).run()
    run = executor(data, out, logs, batch_size)
    started = cpu()
    run.run()
    seconds = cpu() - started
    kept = sum(pq.ParquetFile(p).metadata.num_rows for p in out.rglob("*.parquet"))
    print(json.dumps({"cpu": seconds, "kept": kept, "version": importlib.metadata.version("datatrove")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
