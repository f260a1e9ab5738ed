"""Benchmark textwash end to end and write the results as a markdown table.

    make bench                                   # 1000, 10000 and 100000 documents grown from raw/
    make bench N=10000 PAGES=PATH/TO/pages       # up to N documents, with more seed pages
    .venv/bin/python bench/run_bench.py --help

It builds a synthetic corpus (bench/corpus.py) from raw/ and any --pages folders, runs the real
`textwash run` (a Prefect flow run) on it at each size with a fresh output folder, and measures in
the same run, on the same documents:
  * end to end: wall time, docs/s, MB/s, peak RSS of the textwash process and its whole tree;
  * the floor: read every input and write as many texts to Parquet (zstd), no cleaning;
  * a naive pipeline: ftfy.fix_text on every document and the same write;
  * datatrove 0.10.1 (FTFY, the C4 and Gopher quality filters, Parquet) in a virtual environment of
    its own (bench/datatrove_pipeline.py), on the first --datatrove-docs documents of the mid size;
  * time by step, by timing each core step that textwash.document calls while it processes the
    documents in-process (no Prefect), plus the Parquet write;
  * Prefect's share: start-up (a run over one document) and per-batch cost (the same corpus with
    smaller batches), and what is left of the flow time after the steps;
  * 2 workers against 1, when `textwash run` has a --workers option;
  * HTML: textwash against trafilatura.extract alone, when the pages include HTML.

    make bench-big BIG=50,500                    # one big JSONL dump and one big WARC per size (MB)

`--big-files` measures big dumps instead (bench/RESULTS-big.md): for each size in MB one JSONL dump
and one WARC (HTML pages) grown from the seeds, each run alone in its raw folder: wall time, peak
RSS (a range is a batch and a batch streams in slices, so memory should stay flat as the file
grows), and 1 against 2 workers on the first and the largest JSONL size (its ranges run in parallel).
Only the CLI, textwash.document's functions and the schema are used, so it survives refactors.
"""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MB = 1e6
# Documents for the per-batch cost: that many batches of one against one batch of them.
BATCH_COST_DOCS = 200
_FLOW_SECONDS = re.compile(r" in ([0-9.]+) s\b")


# ---------------------------------------------------------------- measuring processes

def _children(pid: int) -> list[int]:
    """The child processes of `pid`; none once it has exited (its /proc folder may go while read)."""
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            found += [int(c) for c in task.read_text().split()]
    except OSError:
        pass
    return found


def _command_line(pid: int) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssWatch:
    """Polls /proc while a process runs: peak RSS of the process itself (VmHWM), of its largest
    descendant, and of the whole tree (sum of current RSS)."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval = pid, interval
        self.main_kb = self.largest_child_kb = self.tree_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.main_kb = max(self.main_kb, _status_kb(self.pid, "VmHWM:"))
            tree, stack = [], [(child, self.pid) for child in _children(self.pid)]
            while stack:
                child, parent = stack.pop()
                # A child that has not yet run its own program (a fork or vfork on its way to
                # exec, as subprocess starts the extraction workers) shows its parent's pages as
                # its own: counted, it doubled the parent in the tree and stood as a "child" of
                # the parent's size.
                if _command_line(child) != _command_line(parent):
                    tree.append(child)
                stack += [(grandchild, child) for grandchild in _children(child)]
            self.largest_child_kb = max([self.largest_child_kb] + [_status_kb(c, "VmHWM:") for c in tree])
            self.tree_kb = max(self.tree_kb, sum(_status_kb(p, "VmRSS:") for p in [self.pid, *tree]))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_has_option(option: str) -> bool:
    help_text = subprocess.run([str(BIN / "textwash"), "run", "--help"], capture_output=True, text=True,
                               env={**os.environ, "COLUMNS": "200"}).stdout
    return option in help_text


def cli_env(work: Path) -> dict:
    """The environment of a measured `textwash run`: Prefect's home in the (created) work folder,
    no analytics, warnings only."""
    work.resolve().mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PREFECT_HOME": str(work.resolve() / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING", "COLUMNS": "200",
            # The temporary server starts slowly on a loaded machine; the default wait is 20 s.
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}


def run_cli(folder: Path, out: Path, batch_size: int, env: dict, extra: list[str] = ()) -> dict:
    """One `textwash run` into a fresh output folder: wall time, flow time, peak RSS, rows."""
    shutil.rmtree(out, ignore_errors=True)
    command = [str(BIN / "textwash"), "run", str(folder), "--out", str(out), "--batch-size", str(batch_size), *extra]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    watch = RssWatch(process.pid)
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    watch.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{output[-3000:]}")
    flow = _FLOW_SECONDS.search(output.splitlines()[-1] if output.strip() else "")
    rows = {kind: sum(pq.ParquetFile(p).metadata.num_rows for p in (out / kind).rglob("*.parquet"))
            for kind in ("documents", "rejects")}
    shutil.rmtree(out, ignore_errors=True)
    return {"wall": wall, "cpu": cpu, "load": os.getloadavg()[0], "flow": float(flow.group(1)) if flow else None, "main_mb": watch.main_kb / 1024,
            "largest_child_mb": watch.largest_child_kb / 1024, "tree_mb": watch.tree_kb / 1024, **rows}


# ---------------------------------------------------------------- in-process baselines
# In CPU seconds of this process: the machine may be shared, and these compare per-core costs.
cpu_clock = time.process_time

def input_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


TEXT_SCHEMA = pa.schema([("source", pa.string()), ("text", pa.string())])


def _write_texts(rows: list[dict], path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(rows, schema=TEXT_SCHEMA), path, compression="zstd")


def baseline(files: list[Path], out: Path, batch_size: int, transform=None) -> float:
    """Seconds to read `files`, decode them as UTF-8, apply `transform` and write the texts to
    Parquet in batches: the floor when `transform` is None."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = cpu_clock()
    for batch_no, start in enumerate(range(0, len(files), batch_size)):
        rows = []
        for path in files[start:start + batch_size]:
            text = path.read_bytes().decode("utf-8", errors="replace")
            rows.append({"source": path.name, "text": transform(text) if transform else text})
        _write_texts(rows, out / f"part-{batch_no:05d}.parquet")
    seconds = cpu_clock() - started
    shutil.rmtree(out, ignore_errors=True)
    return seconds


# datatrove and what its steps import that it does not pull in itself (spaCy: its English word and
# sentence splitter; orjson: JsonlReader; pyarrow: ParquetWriter; ftfy: FTFYFormatter; regex: the
# tokenizers), pinned; ftfy and pyarrow at textwash's versions, so the naive baseline's ftfy is the same.
DATATROVE_PINS = ("datatrove==0.10.1", "ftfy==6.3.1", "pyarrow==26.0.1", "orjson==3.13.0", "regex==2026.11.15",
                  "spacy==3.8.18")


def _datatrove_python(work: Path) -> Path:
    """The Python of a virtual environment with DATATROVE_PINS in `work`, built once: datatrove's
    dependencies must not meet textwash's. Raises RuntimeError with a short reason when it can't."""
    venv = work / "datatrove-venv"
    python, stamp = venv / "bin" / "python", venv / ".pins"
    if stamp.exists() and stamp.read_text() == "\n".join(DATATROVE_PINS) and python.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)  # a half-built one from an interrupted install
    # This interpreter's Python (textwash's), so the two run on the same Python version.
    for command, what in (([sys.executable, "-m", "venv", str(venv)], "venv"),
                          ([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            *DATATROVE_PINS], "pip install")):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RuntimeError(f"{what} failed: {type(error).__name__}") from error
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"{what} failed: {last[:160]}")
    stamp.write_text("\n".join(DATATROVE_PINS))
    return python


def datatrove_baseline(files: list[Path], work: Path, batch_size: int) -> dict:
    """datatrove's pipeline (bench/datatrove_pipeline.py: FTFY, C4 and Gopher quality filters, Parquet)
    on `files` in its own virtual environment, one process: its CPU seconds past start-up, input
    bytes, documents read and kept; {"not_measured": REASON} when it could not run."""
    try:
        python = _datatrove_python(work)
    except RuntimeError as error:
        return {"not_measured": str(error)}
    folder = work / "datatrove"
    shutil.rmtree(folder, ignore_errors=True)
    # Input as JSONL, datatrove's usual input, decoded as the floor decodes; not timed.
    for name, chosen in (("warmup", files[:1]), ("input", files)):
        (folder / name).mkdir(parents=True)
        with (folder / name / "docs.jsonl").open("w", encoding="utf-8") as out:
            for path in chosen:
                text = path.read_bytes().decode("utf-8", errors="replace")
                out.write(json.dumps({"text": text, "id": path.name}, ensure_ascii=False) + "\n")
    command = [str(python), str(Path(__file__).with_name("datatrove_pipeline.py")), str(folder / "warmup"),
               str(folder / "input"), str(folder / "out"), str(folder / "logs"), str(batch_size)]
    # Offline: nothing in this pipeline needs the Hub, and a run must not wait on it.
    done = subprocess.run(command, capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONNOUSERSITE": "1"})
    shutil.rmtree(folder, ignore_errors=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"not_measured": f"the pipeline failed ({done.returncode}): {last[:160]}"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {**result, "docs": len(files), "bytes": sum(p.stat().st_size for p in files)}


def trafilatura_alone(files: list[Path]) -> float:
    import trafilatura

    started = cpu_clock()
    for path in files:
        trafilatura.extract(path.read_bytes().decode("utf-8", errors="replace"))
    return cpu_clock() - started


# The batch's own steps outside the cleaning layers (textwash.document); the layers show as "clean: NAME".
STEP_NAMES = ("read", "decode", "extract", "repair", "learn templates", "record")


def time_steps(root: Path, files: list[Path], batch_size: int, work: Path) -> dict[str, float]:
    """CPU seconds per step for processing `files` in-process through textwash.document.process_batch
    (HTML extracted in this process, so its time is counted; the steps and cleaning layers as the
    batch times them), MinHash signatures and duplicate flagging, writing the rows with the record
    schemas, and the HTML report of what was written."""
    from textwash import document as pipeline
    from textwash.config import Settings
    from textwash.dataset import dedup
    from textwash.report.render import write_report
    from textwash.model.schema import DOCUMENT_SCHEMA, REJECT_SCHEMA

    sources = [p.relative_to(root).as_posix() for p in files]
    processed_at = dt.datetime.now(dt.timezone.utc)
    settings = Settings(extract_timeout=None)
    # Once-per-process costs (rules, the language model) belong to start-up, not to the steps.
    pipeline.process_batch(root, sources[:20], processed_at, settings)
    out = work / "steps-out"
    shutil.rmtree(out, ignore_errors=True)
    index = dedup.DedupIndex()
    seconds = defaultdict(float)
    total_started = cpu_clock()
    for batch_no, start in enumerate(range(0, len(sources), batch_size)):
        result = pipeline.process_batch(root, sources[start:start + batch_size], processed_at, settings)
        for step, spent in result.times.seconds.items():
            seconds[step if step in STEP_NAMES else f"clean: {step}"] += spent
        started = cpu_clock()
        signatures = dedup.signatures_by_doc_id(dedup.signature_table(result.documents))
        dedup.flag_duplicates(result.documents, index, signatures)
        seconds["dedup"] += cpu_clock() - started
        started = cpu_clock()
        for rows, schema, kind in ((result.documents, DOCUMENT_SCHEMA, "documents"),
                                   (result.rejects, REJECT_SCHEMA, "rejects")):
            (out / kind).mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), out / kind / f"part-{batch_no:05d}.parquet",
                           compression="zstd")
        seconds["write"] += cpu_clock() - started
    started = cpu_clock()
    write_report(out, work / "steps-report")
    seconds["report"] = cpu_clock() - started
    total = cpu_clock() - total_started
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / "steps-report", ignore_errors=True)
    seconds["other (batch loop, glue)"] = total - sum(seconds.values())
    return dict(seconds)


def batch_cost(files: list[Path], root: Path, work: Path, env: dict) -> dict:
    """CPU ms that one batch costs beyond its documents: `files` in batches of one against one batch,
    in this process (stage_batch: textwash's own per-batch work, its staged files) and through
    `textwash run` (that and Prefect's task run with its server's work). Many small batches over the
    same few documents: the difference is all per-batch cost, not the noise of two long runs."""
    from textwash.config import Settings
    from textwash.document import process_batch
    from textwash.run.plan import new_run_id
    from textwash.run.stage import stage_batch
    from textwash.dataset.store import Dataset

    sources = [p.relative_to(root).as_posix() for p in files]
    processed_at = dt.datetime.now(dt.timezone.utc)
    process_batch(root, sources[:1], processed_at)  # once-per-process costs: rules, the language model
    out = work / "batch-cost-out"

    def staged(batch_size: int) -> float:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)  # a batch stages only into a dataset folder that exists (as a run makes it)
        run_id, started = new_run_id(processed_at), cpu_clock()
        for batch_no, start in enumerate(range(0, len(sources), batch_size)):
            stage_batch(Dataset(out), run_id, root, processed_at, batch_no, sources[start:start + batch_size], Settings())
        return cpu_clock() - started

    extra = len(sources) - 1
    in_process = (staged(1) - staged(len(sources))) / extra
    folder = work / "corpus-batch-cost"
    shutil.rmtree(folder, ignore_errors=True)
    for path, source in zip(files, sources):
        (folder / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / source)
    flow = (run_cli(folder, out, 1, env)["cpu"] - run_cli(folder, out, len(sources), env)["cpu"]) / extra
    shutil.rmtree(folder, ignore_errors=True)
    return {"docs": len(sources), "in_process_ms": in_process * 1000, "flow_ms": flow * 1000}


# ---------------------------------------------------------------- report

def _short_path(arg: str) -> str:
    """A folder argument as its last two parts: where the user keeps pages is theirs."""
    path = Path(arg)
    return f".../{path.parent.name}/{path.name}" if path.is_absolute() and path.is_dir() else arg


# ---------------------------------------------------------------- big files

def build_big_file(path: Path, seeds: list, megabytes: int, kind: str) -> int:
    """A JSONL dump or a WARC of HTML pages of about `megabytes` MB grown from `seeds` (text);
    returns its documents. Reused when already built at that size from the same seeds: the sizes
    compared must hold the same kind of pages (a 1 GB WARC grown from 100 pages has documents half
    as long again as a 50 MB one grown from 5, and a larger working set per batch)."""
    import io
    import random

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    marker = path.with_name(f".{path.name}.docs")
    seeds_digest = hashlib.sha256("\0".join(seed.text for seed in seeds).encode()).hexdigest()[:16]
    built = marker.read_text().split() if path.exists() and marker.exists() else []
    if built[1:] == [seeds_digest]:
        return int(built[0])
    rng = random.Random(megabytes)
    vocabulary = sorted({w for seed in seeds for w in corpus._WORD.findall(seed.text)})
    target, written, docs = megabytes * MB, 0, 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=False) if kind == "warc" else None
        while written < target:
            seed = seeds[docs % len(seeds)]
            text = corpus.vary(seed.text, "txt", vocabulary, rng)
            url = f"https://example.org/{docs % 50}/{docs}"
            if writer is None:
                out.write(json.dumps({"url": url, "text": text}).encode() + b"\n")
            else:
                paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n") if line.strip())
                body = f"<html><head><title>Story {docs}</title></head><body><article>{paragraphs}</article></body></html>"
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body.encode()),
                                                              http_headers=headers))
            written = out.tell()
            docs += 1
    marker.write_text(f"{docs} {seeds_digest}")
    return docs


def _largest_process_mb(row: dict) -> float:
    return max(row["main_mb"], row["largest_child_mb"])


def measure_big_files(args, env: dict, log) -> None:
    """Peak RSS and time for one big JSONL dump and one big WARC per size, and 1 against 2
    workers on the first and the largest JSONL size; into RESULTS-big.md/.json."""
    sizes = [int(s) for s in args.big_files.split(",")]
    seeds = [s for s in corpus.load_seeds([REPO / "raw", *args.pages]) if s.kind == "txt"]
    work = args.work.resolve()
    rows = []
    results = args.results.with_name("RESULTS-big.json")
    for kind, suffix in (("jsonl", "dump.jsonl"), ("warc", "crawl.warc")):
        for size in sizes:
            folder = work / f"big-{kind}-{size}"
            folder.mkdir(parents=True, exist_ok=True)
            docs = build_big_file(folder / suffix, seeds, size, kind)
            result = run_cli(folder, work / "out-big", args.batch_size, env)
            row = {"kind": kind, "mb": size, "docs": docs, "bytes": (folder / suffix).stat().st_size, **result}
            log(f"big {kind} {size} MB: {row}")
            rows.append(row)
            results.write_text(json.dumps({"rows": rows, "batch_size": args.batch_size}, indent=1))
    first = work / f"big-jsonl-{sizes[0]}"
    workers = {count: run_cli(first, work / "out-big", args.batch_size, env, ["--workers", str(count)])
               for count in (1, 2)}
    log(f"workers on {sizes[0]} MB JSONL: {workers}")
    # On the largest dump, start-up and the commit weigh least: 2 workers against its 1-worker row.
    largest = rows[len(sizes) - 1]
    workers_largest = None
    if len(sizes) > 1:
        workers_largest = run_cli(work / f"big-jsonl-{sizes[-1]}", work / "out-big", args.batch_size, env,
                                  ["--workers", "2"])
        log(f"2 workers on {sizes[-1]} MB JSONL: {workers_largest}")
    results.write_text(json.dumps({"rows": rows, "workers": workers, "workers_largest": workers_largest,
                                   "batch_size": args.batch_size}, indent=1))
    lines = ["# Big files", "", f"One file alone in its raw folder, batch size {args.batch_size}, {platform.node()} "
             f"({os.cpu_count()} cores), {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.", "",
             "| file | MB | documents | wall s | docs/s | peak RSS, tree MB | peak RSS, largest process MB | "
             "ratio to smallest: tree | largest process |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        smallest = next(r for r in rows if r["kind"] == row["kind"])
        lines.append(f"| {row['kind']} | {row['bytes'] / MB:,.0f} | {row['docs']:,} | {row['wall']:,.1f} | "
                     f"{row['docs'] / row['wall']:,.1f} | {row['tree_mb']:,.0f} | {_largest_process_mb(row):,.0f} | "
                     f"{row['tree_mb'] / smallest['tree_mb']:.2f} | {_largest_process_mb(row) / _largest_process_mb(smallest):.2f} |")
    speedup = workers[1]["wall"] / workers[2]["wall"]
    lines += ["", f"Workers on the {sizes[0]} MB JSONL dump: 1 worker {workers[1]['wall']:,.1f} s, 2 workers "
              f"{workers[2]['wall']:,.1f} s: {speedup:.2f}x (load average {workers[2]['load']:.1f} during the run).", ""]
    if workers_largest:
        lines += [f"Workers on the {sizes[-1]} MB JSONL dump: 1 worker {largest['wall']:,.1f} s (the row above), "
                  f"2 workers {workers_largest['wall']:,.1f} s: {largest['wall'] / workers_largest['wall']:.2f}x "
                  f"(load average {workers_largest['load']:.1f} during the run; 2 workers' largest process "
                  f"{_largest_process_mb(workers_largest):,.0f} MB).", ""]
    args.results.with_name("RESULTS-big.md").write_text("\n".join(lines))


def fmt(value, digits=1):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000,
                        help="largest corpus size; the bench also runs 1000 and 10000 below it")
    parser.add_argument("--sizes", help="corpus sizes instead, comma-separated (each divides the next)")
    parser.add_argument("--pages", type=Path, action="append", default=[],
                        help="more seed pages: a folder of .txt and/or .html(.gz) files (repeatable)")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "textwash-bench",
                        help="scratch folder for corpora, outputs and Prefect's home")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "RESULTS.md")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--small-batch", type=int, default=100, help="batch size for the per-batch overhead run")
    parser.add_argument("--step-docs", type=int, default=1000, help="documents for the step timing")
    parser.add_argument("--naive-docs", type=int, default=1000, help="documents for the naive ftfy pipeline")
    parser.add_argument("--datatrove-docs", type=int, default=3000,
                        help="documents of the mid-size corpus for the datatrove pipeline (0: not measured)")
    parser.add_argument("--html-docs", type=int, default=500, help="HTML documents, when HTML pages are given")
    parser.add_argument("--mojibake", type=float, default=0.1, help="share of documents turned to mojibake")
    parser.add_argument("--render", action="store_true", help="rewrite the results table from its .json, no runs")
    parser.add_argument("--note", help="with --render: a note on the results (e.g. a run that did not finish), kept "
                        "in the .json")
    parser.add_argument("--add-size", type=int, help="measure only this corpus size (one of --docs/--sizes) "
                        "and add its row to the results already in the .json")
    parser.add_argument("--big-files", help="measure big files instead: sizes in MB, comma-separated (e.g. 50,500)")
    args = parser.parse_args()
    if args.big_files:
        measure_big_files(args, cli_env(args.work), functools.partial(print, file=sys.stderr, flush=True))
        return 0
    if args.render:
        measured = json.loads(args.results.with_suffix(".json").read_text())
        if args.note:
            measured.setdefault("notes", []).append(args.note)
            args.results.with_suffix(".json").write_text(json.dumps(measured, indent=1))
        render(args, measured)
        return 0
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    else:
        sizes = [s for s in (1000, 10_000) if s < args.docs] + [args.docs]
    sizes = corpus.check_sizes(sizes)
    work = args.work.resolve()
    env = cli_env(work)
    log = functools.partial(print, file=sys.stderr, flush=True)

    started = dt.datetime.now(dt.timezone.utc)
    seeds = corpus.load_seeds([REPO / "raw", *args.pages])
    text_seeds = [s for s in seeds if s.kind == "txt"]
    html_seeds = [s for s in seeds if s.kind == "html"]
    log(f"seeds: {len(text_seeds)} text, {len(html_seeds)} HTML; building corpus of {sizes[-1]} documents")
    text_root = work / "corpus-txt"
    info = corpus.build(text_root, text_seeds, sizes, mojibake_share=args.mojibake, html_share=0.0)

    def measure_size(size: int) -> dict:
        folder = corpus.subset_folder(text_root, size, sizes)
        files = input_files(folder)
        floor = baseline(files, work / "out-floor", args.batch_size)
        log(f"{size}: floor {floor:.1f} CPU s; running textwash")
        result = run_cli(folder, work / "out", args.batch_size, env)
        log(f"{size}: {result}")
        return {"size": size, "bytes": sum(p.stat().st_size for p in files), "floor": floor, **result}

    if args.add_size:
        # One more size into the results of an earlier run (the same corpus sizes): the long run on its
        # own, when the rest of the table is already measured.
        added = {**measure_size(args.add_size), "date": f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M}"}
        measured = json.loads(args.results.with_suffix(".json").read_text())
        if any(row["size"] == args.add_size for row in measured["rows"]):
            # A size measured before: the new figures go beside the old, whose ratios stay as measured.
            measured.setdefault("remeasured", []).append(added)
        else:
            measured["rows"] = sorted(measured["rows"] + [added], key=lambda row: row["size"])
        args.results.with_suffix(".json").write_text(json.dumps(measured, indent=1))
        render(args, measured)
        return 0


    # Start-up: one document, after a warm-up run that creates Prefect's database.
    tiny = work / "corpus-one"
    shutil.rmtree(tiny, ignore_errors=True)
    tiny.mkdir()
    shutil.copy(input_files(corpus.subset_folder(text_root, sizes[0], sizes))[0], tiny / "one.txt")
    run_cli(tiny, work / "out", args.batch_size, env)
    startup = run_cli(tiny, work / "out", args.batch_size, env)
    log(f"start-up: {startup['wall']:.1f} s wall, flow {startup['flow']} s")

    steps_files = input_files(corpus.subset_folder(text_root, sizes[0], sizes))[:args.step_docs]
    step_bytes = sum(p.stat().st_size for p in steps_files)
    steps = time_steps(text_root, steps_files, args.batch_size, work)
    step_seconds = sum(steps.values())
    log(f"steps on {len(steps_files)} documents: {step_seconds:.1f} s")

    naive_files = steps_files[:args.naive_docs]
    naive_bytes = sum(p.stat().st_size for p in naive_files)
    import ftfy
    naive_mbs = naive_bytes / MB / baseline(naive_files, work / "out-naive", args.batch_size, ftfy.fix_text)

    # datatrove on the mid-size corpus (its first documents are the naive ones), capped: it runs at
    # about 0.3 MB per CPU-s, and a few thousand documents are minutes of CPU yet dwarf its start-up.
    mid_size = sizes[1] if len(sizes) > 1 else sizes[0]
    datatrove = {"not_measured": "--datatrove-docs 0"}
    if args.datatrove_docs > 0:
        datatrove_files = input_files(corpus.subset_folder(text_root, mid_size, sizes))[:args.datatrove_docs]
        datatrove = {**datatrove_baseline(datatrove_files, work, args.batch_size), "corpus": mid_size}
    log(f"datatrove: {datatrove}")

    # The largest size runs last, after the results of the others are written: it is the long one.
    rows = [measure_size(size) for size in sizes[:2 if len(sizes) > 2 else len(sizes)]]
    mid = rows[1] if len(rows) > 1 else rows[0]
    mid_folder = corpus.subset_folder(text_root, mid["size"], sizes)
    small = run_cli(mid_folder, work / "out", args.small_batch, env)
    log(f"{mid['size']} in batches of {args.small_batch}: {small}")
    cost = batch_cost(steps_files[:BATCH_COST_DOCS], text_root, work, env)
    log(f"per batch: {cost}")

    workers = {}
    if cli_has_option("--workers"):
        for count in (1, 2):
            workers[count] = run_cli(mid_folder, work / "out", args.batch_size, env, ["--workers", str(count)])
            log(f"{mid['size']} with {count} worker(s): {workers[count]}")

    html = None
    if html_seeds:
        html_root = work / "corpus-html"
        corpus.build(html_root, html_seeds, [args.html_docs], mojibake_share=0.0, html_share=1.0)
        html_files = input_files(html_root)
        html_bytes = sum(p.stat().st_size for p in html_files)
        html = {"bytes": html_bytes, "docs": len(html_files), "trafilatura": trafilatura_alone(html_files),
                "floor": baseline(html_files, work / "out-floor", args.batch_size),
                "steps": time_steps(html_root, html_files, args.batch_size, work),
                **run_cli(html_root, work / "out", args.batch_size, env)}
        log(f"HTML: {html}")

    measured = dict(info=asdict(info), sizes=sizes, startup=startup, steps=steps, step_bytes=step_bytes,
                    step_docs=len(steps_files), naive_mbs=naive_mbs, naive_bytes=naive_bytes,
                    naive_docs=len(naive_files), datatrove=datatrove, small=small, batch_cost=cost,
                    workers=workers, html=html,
                    text_seeds=len(text_seeds), command=" ".join(map(_short_path, sys.argv[1:])),
                    batch_size=args.batch_size, small_batch=args.small_batch,
                    date=f"{started:%Y-%m-%d %H:%M}")

    def report(rows: list[dict]) -> None:
        # The raw figures beside the table: --render rewrites the table from them without measuring.
        args.results.with_suffix(".json").write_text(json.dumps({**measured, "rows": rows}, indent=1))
        render(args, {**measured, "rows": rows})

    report(rows)
    log(f"results so far: {args.results}")
    for size in sizes[2:]:
        rows.append(measure_size(size))
        report(rows)
    if workers and len(rows) > 2:
        # Worker start-up (a Python process, Prefect, the language model) weighs less on a long run.
        largest_folder = corpus.subset_folder(text_root, rows[-1]["size"], sizes)
        measured["workers_largest"] = run_cli(largest_folder, work / "out", args.batch_size, env, ["--workers", "2"])
        log(f"{rows[-1]['size']} with 2 workers: {measured['workers_largest']}")
        report(rows)
    shutil.rmtree(work / "prefect-home", ignore_errors=True)
    log(f"results: {args.results}")
    return 0


def _largest_steps(steps: dict[str, float], count: int = 4) -> str:
    total = sum(steps.values())
    return ", ".join(f"{name} {seconds / total:.0%}" for name, seconds in
                     sorted(steps.items(), key=lambda kv: -kv[1])[:count])


def _datatrove_mbs(datatrove: dict | None) -> float | None:
    """datatrove's MB per CPU-s, None when it was not measured."""
    return datatrove["bytes"] / MB / datatrove["cpu"] if datatrove and "cpu" in datatrove else None


def _datatrove_why(datatrove: dict | None) -> str:
    # A pipe in an error message would split the cell of the Targets table.
    return datatrove["not_measured"].replace("|", "/") if datatrove else "not in these results (measured before it was added)"


def targets(rows, startup, naive_mbs, small, workers, html, args, steps, step_bytes, step_docs,
            workers_largest=None, batch_cost=None, datatrove=None) -> list[tuple[str, str, bool | None, str]]:
    """The issue's targets against this run's figures (per core: MB over CPU seconds past start-up),
    each with what limits it, from the same figures."""
    largest = rows[-1]
    mid = rows[1] if len(rows) > 1 else rows[0]
    per_core = largest["bytes"] / MB / (largest["cpu"] - startup["cpu"])
    in_steps = step_bytes / MB / sum(steps.values())
    per_document_ms = sum(steps.values()) / step_docs * 1000
    # The steps' CPU scaled to the largest run's bytes: what is left of its CPU is outside the steps
    # (Prefect's task runs and server, the plan, the commit, the figures).
    outside = 1 - largest["bytes"] / MB / in_steps / (largest["cpu"] - startup["cpu"])
    found = [
        ("plain text ≥ 5 MB per CPU-s end to end", f"{per_core:.2f} MB per CPU-s at {largest['size']:,} documents",
         per_core >= 5,
         f"the steps alone reach {in_steps:.2f} MB per CPU-s ({per_document_ms:.1f} CPU ms per document): "
         f"{_largest_steps(steps)}; pure-Python work per segment in every layer"),
        ("in-process steps ≥ 10 MB per CPU-s", f"{in_steps:.2f} MB per CPU-s on {step_docs:,} documents",
         in_steps >= 10, f"{_largest_steps(steps)}"),
        ("≥ 3.5× the naive pipeline", f"{per_core / naive_mbs:.2f}×", per_core / naive_mbs >= 3.5,
         f"naive (ftfy on every document) is {naive_mbs:.2f} MB per CPU-s; repair, gated, is "
         f"{steps.get('repair', 0) / sum(steps.values()):.0%} of the steps, but cleaning costs more than ftfy does"),
        (f"outside the steps ≤ 10% of CPU at {largest['size']:,} documents", f"{outside:.0%}", outside <= 0.10,
         "task runs and Prefect's server, the plan, the commit and the run's figures"),
        ("start-up ≤ 5 CPU s", f"{startup['cpu']:.1f} CPU s (a run over one document)", startup["cpu"] <= 5,
         "imports and Prefect's temporary server"),
    ]
    datatrove_mbs = _datatrove_mbs(datatrove)
    if datatrove_mbs:
        found.append(("plain text ≥ 15× datatrove", f"{per_core / datatrove_mbs:.2f}×", per_core / datatrove_mbs >= 15,
                      f"datatrove {datatrove['version']} (FTFY, C4 and Gopher quality filters) is "
                      f"{datatrove_mbs:.2f} MB per CPU-s on {datatrove['docs']:,} documents"))
    else:
        found.append(("plain text ≥ 15× datatrove", f"not measured: {_datatrove_why(datatrove)}", None, ""))
    batches = -(-mid["size"] // args.batch_size)
    against = f"against {args.batch_size * per_document_ms / 1000:.1f} CPU s of steps in a batch of {args.batch_size}"
    if batch_cost:  # measured apart: Prefect's part is what the flow adds to textwash's own per-batch work
        per_batch_cpu = (batch_cost["flow_ms"] - batch_cost["in_process_ms"]) / 1000
        note = (f"{per_batch_cpu * 1000:,.0f} CPU ms per batch (task run, its API calls and the temporary server's "
                f"work) beside {batch_cost['in_process_ms']:,.0f} of textwash's own (staging the batch's files); "
                f"{against}")
    else:  # older results: the difference of two runs, textwash's own per-batch work included
        per_batch_cpu = (small["cpu"] - mid["cpu"]) / (-(-mid["size"] // args.small_batch) - batches)
        note = f"{per_batch_cpu * 1000:,.0f} CPU ms per batch (textwash's own per-batch work included); {against}"
    per_batch = per_batch_cpu * batches / mid["cpu"]
    found.append((f"per-batch Prefect overhead < 5% of run time at {mid['size']:,} documents",
                  f"{per_batch:.1%} of CPU time", per_batch < 0.05, note))
    if len(rows) > 1:
        growth = largest["main_mb"] / rows[-2]["main_mb"]
        found.append((f"peak RSS at {largest['size']:,} ≤ 1.2× at {rows[-2]['size']:,} documents", f"{growth:.2f}×",
                      growth <= 1.2, f"{rows[-2]['main_mb']:,.0f} MB → {largest['main_mb']:,.0f} MB (textwash process)"))
    if workers:
        one, two, size = workers[1], workers[2], mid["size"]
        if workers_largest:
            one, two, size = largest, workers_largest, largest["size"]
        speedup = one["flow"] / two["flow"]
        found.append(("2 workers ≥ 1.7× one", f"{speedup:.2f}× in the flow at {size:,} documents", speedup >= 1.7,
                      f"load {two['load']:.1f} on {os.cpu_count()} cores during the run: two workers get two "
                      f"cores only on an otherwise idle machine; the commit and the report run after the batches, "
                      f"in one process"))
    else:
        found.append(("2 workers ≥ 1.7× one", "no --workers option", None, ""))
    if html:
        ratio = html["bytes"] / (html["cpu"] - startup["cpu"]) / (html["bytes"] / html["trafilatura"])
        note = ""
        if html.get("steps"):
            extract = html["steps"].get("extract", 0.0)
            note = (f"textwash's own extraction (precision mode, metadata, original date, recall retry on short "
                    f"texts) takes {extract:.1f} CPU s on these pages against {html['trafilatura']:.1f} for "
                    f"trafilatura.extract with its defaults; steps: {_largest_steps(html['steps'])}")
        found.append(("HTML ≥ 1.0× trafilatura.extract alone", f"{ratio:.2f}×", ratio >= 1.0, note))
    return found


def render(args, measured: dict) -> None:
    # The batch sizes the figures were measured with, whatever this invocation's defaults are.
    args.batch_size = measured.get("batch_size", args.batch_size)
    args.small_batch = measured.get("small_batch", args.small_batch)
    workers = {int(count): run for count, run in measured["workers"].items()}
    info = corpus.CorpusInfo(**measured["info"])
    write_results(args, info, measured["rows"], startup=measured["startup"], steps=measured["steps"],
                  step_bytes=measured["step_bytes"], step_docs=measured["step_docs"], naive_mbs=measured["naive_mbs"],
                  naive_bytes=measured["naive_bytes"], naive_docs=measured["naive_docs"],
                  datatrove=measured.get("datatrove"), small=measured["small"],
                  workers=workers, html=measured["html"], text_seeds=measured["text_seeds"], command=measured["command"],
                  date=measured["date"], workers_largest=measured.get("workers_largest"),
                  batch_cost=measured.get("batch_cost"),
                  remeasured=measured.get("remeasured", []), notes=measured.get("notes", []))


def write_results(args, info, rows, *, startup, steps, step_bytes, step_docs, naive_mbs, naive_bytes,
                  naive_docs, small, workers, html, text_seeds, command, date, workers_largest=None,
                  remeasured=(), notes=(), batch_cost=None, datatrove=None) -> None:
    step_rate = sum(steps.values()) / step_bytes  # CPU seconds per input byte inside the steps
    out = []
    add = out.append
    add("# textwash benchmark\n")
    add(f"Run {date} UTC on {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; `bench/run_bench.py {command}`.\n")
    add(f"Corpus: {info.documents:,} plain-text documents ({info.bytes / MB:,.0f} MB) grown from "
        f"{text_seeds} seed pages, {info.mojibake / info.documents:.1%} mojibake; every document distinct. Each `textwash run` writes "
        f"to a fresh output folder with batches of {args.batch_size}.\n")
    add("## Targets\n")
    add("| target | measured | met | what limits it |")
    add("|---|---|---|---|")
    for target, measured, met, note in targets(rows, startup, naive_mbs, small, workers, html, args, steps,
                                               step_bytes, step_docs, workers_largest, batch_cost, datatrove):
        add(f"| {target} | {measured} | {'yes' if met else '**no**' if met is not None else 'n/a'} | {note} |")
    add("")
    add("## End to end (`textwash run`, plain text)\n")
    add("| docs | MB | wall s | flow s | CPU s | docs/s | MB/s | MB/s in flow | MB per CPU-s | floor MB per CPU-s "
        "| × floor | × naive | × datatrove | documents / rejects | peak RSS textwash MB | peak RSS tree MB | load |")
    add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    datatrove_mbs = _datatrove_mbs(datatrove)
    for r in rows:
        mb = r["bytes"] / MB
        per_cpu = mb / (r["cpu"] - startup["cpu"])
        floor = mb / r["floor"]
        add(f"| {r['size']:,} | {mb:,.1f} | {fmt(r['wall'])} | {fmt(r['flow'])} | {fmt(r['cpu'])} "
            f"| {fmt(r['size'] / r['wall'], 0)} | {fmt(mb / r['wall'], 2)} | {fmt(mb / r['flow'] if r['flow'] else None, 2)} "
            f"| {fmt(per_cpu, 2)} | {fmt(floor, 0)} | {per_cpu / floor:.3f} | {per_cpu / naive_mbs:.2f} "
            f"| {fmt(per_cpu / datatrove_mbs if datatrove_mbs else None, 2)} "
            f"| {r['documents']:,} / {r['rejects']:,} | {fmt(r['main_mb'], 0)} | {fmt(r['tree_mb'], 0)} | {r['load']:.1f} |")
    add(f"\nWall: the whole command, Prefect start-up included; flow: the flow's own time as the CLI reports it. "
        f"MB per CPU-s: input MB over the CPU time of the `textwash` process tree less that of a one-document run "
        f"({startup['cpu']:.1f} s: imports, Prefect's temporary server), the per-core rate whatever else the machine "
        f"runs (load: 1-minute load average after the run, {os.cpu_count()} cores). Floor: read every input, decode "
        f"UTF-8 and write the texts to Parquet (zstd) in batches of {args.batch_size}, no cleaning, on the same "
        f"documents in this run. Naive: the floor plus `ftfy.fix_text` on every document, "
        f"{naive_mbs:.2f} MB per CPU-s on {naive_docs:,} documents ({naive_bytes / MB:.1f} MB). Peak RSS: the "
        f"`textwash` process (VmHWM) and the sum over its process tree, Prefect's temporary server included.\n")
    if datatrove_mbs:
        add(f"datatrove: `JsonlReader → FTFYFormatter → C4QualityFilter → GopherQualityFilter → ParquetWriter` "
            f"(datatrove {datatrove['version']}, filters at their defaults, zstd, one task on one worker) in a "
            f"virtual environment of its own, **{datatrove_mbs:.2f} MB per CPU-s** on the first "
            f"{datatrove['docs']:,} documents of the {datatrove['corpus']:,}-document corpus "
            f"({datatrove['bytes'] / MB:.1f} MB, given as JSONL; {datatrove['kept']:,} kept): the CPU time of "
            f"`executor.run()` alone, after a run over one document that pays the imports.\n")
    else:
        add(f"datatrove not measured: {_datatrove_why(datatrove)}.\n")
    if len(rows) > 1:
        growth = rows[-1]["main_mb"] / rows[-2]["main_mb"] if rows[-2]["main_mb"] else None
        add(f"Peak RSS at {rows[-1]['size']:,} / at {rows[-2]['size']:,} documents: **{fmt(growth, 2)}×** "
            f"(textwash process).\n")

    if remeasured:
        add("Measured again later (`--add-size`), by the code as it then was; the ratios above stay those of the "
            "first run:\n")
        add("| docs | measured | CPU s | MB per CPU-s | peak RSS textwash MB | peak RSS tree MB | load |")
        add("|---:|---|---:|---:|---:|---:|---:|")
        for r in remeasured:
            add(f"| {r['size']:,} | {r['date']} UTC | {fmt(r['cpu'])} | {fmt(r['bytes'] / MB / (r['cpu'] - startup['cpu']), 2)} "
                f"| {fmt(r['main_mb'], 0)} | {fmt(r['tree_mb'], 0)} | {r['load']:.1f} |")
        add("")
    add(f"## Time by step (in-process, no Prefect, CPU time)\n")
    formats = [("text", steps, step_bytes, step_docs)]
    if html and html.get("steps"):
        formats.append(("HTML", html["steps"], html["bytes"], html["docs"]))
    add("| step | " + " | ".join(f"{name} CPU s | share | MB per CPU-s" for name, *_ in formats) + " |")
    add("|---|" + "---:|---:|---:|" * len(formats))
    names = sorted({name for _, timing, *_ in formats for name in timing}, key=lambda name: -steps.get(name, 0))
    for name in names:
        cells = []
        for _, timing, size, _ in formats:
            seconds = timing.get(name, 0.0)
            cells.append(f"{seconds:.2f} | {seconds / sum(timing.values()):.1%} "
                         f"| {fmt(size / MB / seconds if seconds >= 0.01 else None, 1)}")
        add(f"| {name} | " + " | ".join(cells) + " |")
    add("| **all steps** | " + " | ".join(f"{sum(timing.values()):.2f} | 100% | {size / MB / sum(timing.values()):.2f}"
                                           for _, timing, size, _ in formats) + " |\n")
    add("Documents: " + "; ".join(f"{name} {docs:,} ({size / MB:.1f} MB)" for name, _, size, docs in formats)
        + ". Every function `textwash.document` calls is timed (its own time, nested calls apart), "
        "HTML extracted in process; dedup: MinHash signatures and flagging against the index; write: "
        "the rows to Parquet; report: the HTML report over what was written.\n")

    add("## Prefect's share\n")
    add("| docs | batches | wall s | flow s | CPU s | start-up CPU s | steps CPU s (estimated) | CPU s outside the steps "
        "| start-up and outside, share of CPU |")
    add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    mid = rows[1] if len(rows) > 1 else rows[0]
    for r in rows + [{**small, "size": mid["size"], "bytes": mid["bytes"], "batch": args.small_batch}]:
        batch = r.get("batch", args.batch_size)
        inside = r["bytes"] * step_rate
        prefect = r["cpu"] - startup["cpu"] - inside
        add(f"| {r['size']:,} | {-(-r['size'] // batch)} × {batch} | {fmt(r['wall'])} | {fmt(r['flow'])} | {fmt(r['cpu'])} "
            f"| {fmt(startup['cpu'])} | {fmt(inside)} | {fmt(prefect)} | {(startup['cpu'] + prefect) / r['cpu']:.1%} |")
    extra_batches = -(-mid["size"] // args.small_batch) - -(-mid["size"] // args.batch_size)
    batches = -(-mid["size"] // args.batch_size)
    per_batch_cpu = (small["cpu"] - mid["cpu"]) / extra_batches
    per_batch_wall = (small["flow"] - mid["flow"]) / extra_batches if small["flow"] and mid["flow"] else None
    add(f"\nStart-up, a run over one document: {fmt(startup['wall'])} s wall ({fmt(startup['flow'], 2)} s of it in the "
        f"flow), {startup['cpu']:.1f} CPU s. Per batch, from {mid['size']:,} documents in batches of {args.small_batch} "
        f"against {args.batch_size} ({extra_batches} more batches): **{per_batch_cpu * 1000:,.0f} CPU ms** "
        f"({fmt(per_batch_wall * 1000 if per_batch_wall is not None else None, 0)} ms of flow time) per batch, so "
        f"**{per_batch_cpu * batches / mid['cpu']:.1%}** of the CPU time of the {mid['size']:,}-document run with "
        f"{batches} batches ({fmt(per_batch_wall * batches / mid['wall'] * 100 if per_batch_wall is not None else None)}% "
        f"of its wall time). Steps: the in-process step timing below, scaled by input bytes; outside them: Prefect's "
        f"task runs and server, the commit (reading the staged batches, writing the version's files), the run's "
        f"figures and artifacts.\n")
    if batch_cost:
        add(f"Per batch, measured apart on {batch_cost['docs']} documents in batches of one against one batch: "
            f"**{batch_cost['flow_ms']:,.0f} CPU ms** through the flow, of which {batch_cost['in_process_ms']:,.0f} are "
            f"textwash's own (the batch's staged files, in process) and the rest Prefect's task run and its server's "
            f"work. The figure from the two long runs above differs from it by their noise on a shared machine.\n")

    add("## Workers\n")
    if workers:
        one, two = workers[1], workers[2]
        add("| workers | wall s | flow s | CPU s | docs/s in flow | peak RSS largest process MB | load |")
        add("|---:|---:|---:|---:|---:|---:|---:|")
        for count, r in workers.items():
            add(f"| {count} | {fmt(r['wall'])} | {fmt(r['flow'])} | {fmt(r['cpu'])} "
                f"| {fmt(mid['size'] / r['flow'] if r['flow'] else None, 0)} "
                f"| {fmt(max(r['main_mb'], r['largest_child_mb']), 0)} | {r['load']:.1f} |")
        speedup = one["flow"] / two["flow"] if one["flow"] and two["flow"] else None
        add(f"\nSpeedup, 2 worker processes against 1, {mid['size']:,} documents: **{fmt(speedup, 2)}×** in the flow, "
            f"{one['wall'] / two['wall']:.2f}× wall. Only meaningful when the load stays under the core count.\n")
        if workers_largest:
            largest, two = rows[-1], workers_largest
            add(f"{largest['size']:,} documents: 1 worker (the run above) {fmt(largest['flow'])} s in the flow, "
                f"{fmt(largest['wall'])} s wall; 2 workers {fmt(two['flow'])} s in the flow, {fmt(two['wall'])} s wall, "
                f"{fmt(two['cpu'])} CPU s, load {two['load']:.1f}: speedup **{largest['flow'] / two['flow']:.2f}×** in the "
                f"flow, {largest['wall'] / two['wall']:.2f}× wall; peak RSS of the largest process "
                f"{fmt(max(two['main_mb'], two['largest_child_mb']), 0)} MB.\n")
    else:
        add("`textwash run` has no --workers option on this branch: not measured.\n")

    add("## HTML\n")
    if html:
        mb = html["bytes"] / MB
        per_cpu = mb / (html["cpu"] - startup["cpu"])
        alone = mb / html["trafilatura"]
        floor = mb / html["floor"] if html.get("floor") else None
        add("| docs | MB | wall s | docs/s | MB/s | MB per CPU-s | floor MB per CPU-s | trafilatura.extract alone, "
            "MB per CPU-s | ratio to it | documents / rejects | peak RSS textwash MB |")
        add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        add(f"| {html['docs']:,} | {mb:.1f} | {fmt(html['wall'])} | {fmt(html['docs'] / html['wall'], 0)} "
            f"| {mb / html['wall']:.2f} | {per_cpu:.2f} | {fmt(floor, 0)} | {alone:.2f} "
            f"| {per_cpu / alone:.2f} | {html['documents']:,} / {html['rejects']:,} | {fmt(html['main_mb'], 0)} |\n")
        add("`textwash run` on HTML pages against `trafilatura.extract(html)` with its defaults on the same pages in "
            "this process: textwash extracts with metadata and the original publication date, retries short "
            "extractions in recall mode, then repairs and cleans the text (see the HTML step timing above).\n")
        import importlib.util
        if importlib.util.find_spec("textwash.inputs.extract") is None:
            add("This textwash has no HTML extraction (no textwash.inputs.extract): it cleaned the pages as text, so the "
                "ratio is not yet the one the HTML target is about.\n")
    else:
        add("No HTML seed pages (pass --pages with .html files): not measured.\n")
    if notes:
        add("## Notes\n")
        out.extend(f"- {note}" for note in notes)
    args.results.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    sys.exit(main())
