"""The `textwash` command: run the ingest flow, and read, compact and count what it wrote."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from textwash.dedup import DEFAULT_THRESHOLD
from textwash.extract import DEFAULT_TIMEOUT_SECONDS
from textwash.pipeline import DEFAULT_MAX_HTML_DEPTH, DEFAULT_MAX_LINE_CHARS, DEFAULT_MAX_RATIO
from textwash.read import DEFAULT_MAX_BYTES
from textwash.runner import DEFAULT_MAX_ROWS_PER_FILE, PROCESSED_DATE

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()


@app.command()
def run(
    raw: Annotated[Path, typer.Argument(help="Folder of raw inputs.")] = Path("raw"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (documents/ and rejects/).")] = Path("processed"),
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per Prefect task.")] = 500,
    max_bytes: Annotated[int, typer.Option(min=1, help="Documents larger than this (after decompression) become rejects.")] = DEFAULT_MAX_BYTES,
    extract_timeout: Annotated[float, typer.Option(min=0, help="Seconds one HTML page may take to extract before it becomes a reject (0: no cap).")] = DEFAULT_TIMEOUT_SECONDS,
    rules: Annotated[Optional[Path], typer.Option(help="A boilerplate rules file instead of the packaged one.")] = None,
    reprocess: Annotated[bool, typer.Option("--reprocess", help="Process every input, not only new or changed ones.")] = False,
    drop_duplicates: Annotated[bool, typer.Option("--drop-duplicates", help="Keep duplicates out of documents (they become rejects with reason 'duplicate').")] = False,
    near_duplicate_threshold: Annotated[float, typer.Option(min=0.01, max=1.0, help="Estimated Jaccard similarity of word shingles from which a document is a near-duplicate.")] = DEFAULT_THRESHOLD,
    partition_by: Annotated[str, typer.Option(help=f"Hive partition key: {PROCESSED_DATE} or a document column.")] = PROCESSED_DATE,
    max_rows_per_file: Annotated[int, typer.Option(min=1, help="Rows per Parquet file at most.")] = DEFAULT_MAX_ROWS_PER_FILE,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes for the batches (1: in this process).")] = 1,
    max_ratio: Annotated[float, typer.Option(min=1, help="Decompressed bytes per compressed byte at most; past it a gzip file is a 'compression-ratio' reject.")] = DEFAULT_MAX_RATIO,
    max_line_chars: Annotated[int, typer.Option(min=1, help="A document with a longer line is a 'line-too-long' reject.")] = DEFAULT_MAX_LINE_CHARS,
    max_html_depth: Annotated[int, typer.Option(min=1, help="An HTML page nesting elements deeper is an 'html-too-deep' reject.")] = DEFAULT_MAX_HTML_DEPTH,
    strip_nul: Annotated[bool, typer.Option("--strip-nul", help="Strip NUL characters (a recorded cut) instead of rejecting the document ('nul-bytes').")] = False,
) -> None:
    """Clean the new and changed inputs under RAW into the Parquet dataset at --out, as a Prefect flow run."""
    if not raw.is_dir():
        raise typer.BadParameter(f"{raw} is not a folder", param_hint="RAW")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from textwash_flows import ingest as ingest_module  # Prefect loads only for this command

    with Progress(
        TextColumn("[bold]cleaning"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(), console=console,
    ) as progress:
        bar = progress.add_task("run", total=None, counts="")
        tally = {"documents": 0, "rejects": 0}

        def planned(todo: int) -> None:
            progress.update(bar, total=todo)

        def advance(documents: int, rejects: int) -> None:
            tally["documents"] += documents
            tally["rejects"] += rejects
            progress.update(bar, advance=documents + rejects,
                            counts=f"{tally['documents']} documents, {tally['rejects']} rejects")

        ingest_module.plan_listeners.append(planned)
        ingest_module.batch_listeners.append(advance)
        try:
            summary = ingest_module.with_workers(workers)(
                raw=str(raw), out=str(out), batch_size=batch_size, max_bytes=max_bytes,
                rules=str(rules) if rules else None, reprocess=reprocess, drop_duplicates=drop_duplicates,
                near_duplicate_threshold=near_duplicate_threshold, partition_by=partition_by,
                max_rows_per_file=max_rows_per_file, extract_timeout=extract_timeout or None, workers=workers,
                max_ratio=max_ratio, max_line_chars=max_line_chars, max_html_depth=max_html_depth, strip_nul=strip_nul)
        except OSError as exc:  # a full disk, an unwritable folder: the commit never happened
            console.print(f"[red]run failed:[/] {exc}. {out} is as it was before this run; rerun to complete it.")
            raise typer.Exit(1) from None
        finally:
            ingest_module.plan_listeners.remove(planned)
            ingest_module.batch_listeners.remove(advance)
    console.print(
        f"{summary['inputs']} inputs: {summary['processed']} new or changed, {summary['unchanged']} unchanged → "
        f"{summary['documents']} documents ({summary['duplicates']} duplicates), {summary['rejects']} rejects"
    )
    console.print(
        f"{summary['replaced']} older records replaced in {summary['seconds']:.1f} s → {summary['output']}"
        if summary["committed"] else f"nothing new: {summary['output']} unchanged"
    )


@app.command()
def compact(
    dataset: Annotated[Path, typer.Argument(help="The output folder of `textwash run`.")] = Path("processed"),
    max_rows_per_file: Annotated[int, typer.Option(min=1, help="Rows per Parquet file at most.")] = DEFAULT_MAX_ROWS_PER_FILE,
) -> None:
    """Merge small files per partition (records unchanged) and bring old files to the current schema."""
    from textwash.compact import compact_dataset

    _require_dataset(dataset)
    summary = compact_dataset(dataset, max_rows_per_file)
    console.print(f"{summary['rows']} records: {summary['files_before']} files → {summary['files_after']} "
                  f"({summary['partitions_rewritten']} partitions rewritten)")


@app.command()
def stats(
    dataset: Annotated[Path, typer.Argument(help="The output folder of `textwash run`.")] = Path("processed"),
    top: Annotated[int, typer.Option(min=1, help="Rows per ranking.")] = 10,
) -> None:
    """Counts of a dataset: documents, languages, sites, removal reasons, duplicates, rejects."""
    from rich.table import Table

    from textwash.stats import dataset_stats

    _require_dataset(dataset)
    figures = dataset_stats(dataset, top)
    console.print(
        f"[bold]{dataset}[/] version {figures['version']}: {figures['inputs']} inputs from {figures['runs']} runs → "
        f"{figures['documents']} documents ({figures['words']} words), {figures['rejects']} rejects; files: "
        f"{figures['files']['documents']} documents, {figures['files']['rejects']} rejects"
    )
    duplicates = figures["duplicates"]
    console.print(f"duplicates: {duplicates['exact']} exact, {duplicates['near']} near")
    for title, key in (("language", "languages"), ("site", "sites"), ("removal reason", "removal_reasons"),
                       ("reject reason", "rejects_by_reason")):
        table = Table(title_justify="left")
        table.add_column(title)
        table.add_column("count", justify="right")
        for value, count in figures[key]:
            table.add_row(str(value), str(count))
        console.print(table)


def _require_dataset(dataset: Path) -> None:
    if not (dataset / "documents").is_symlink():
        raise typer.BadParameter(f"{dataset} is not a textwash dataset (no documents link)", param_hint="DATASET")


@app.command()
def show(
    dataset: Annotated[Path, typer.Argument(help="The output folder, or its documents/ folder.")] = Path("processed"),
    removed: Annotated[bool, typer.Option("--removed", help="Print the whole document with every removed span marked with its reason.")] = False,
    source: Annotated[Optional[str], typer.Option(help="Only records whose source contains this.")] = None,
    lines: Annotated[int, typer.Option(help="Paragraphs of text to print per record.")] = 3,
    limit: Annotated[int, typer.Option(help="At most this many records.")] = 20,
) -> None:
    """Print records readably: source, metadata, the first paragraphs, and what was removed."""
    import pyarrow.dataset as ds

    folder = dataset / "documents" if (dataset / "documents").is_dir() else dataset
    if not folder.is_dir():
        raise typer.BadParameter(f"{folder} is not a dataset folder", param_hint="DATASET")
    rows = ds.dataset(folder, format="parquet", partitioning="hive").to_table().to_pylist()
    rows = sorted((r for r in rows if source is None or source in r["source"]), key=lambda r: r["source"])
    for row in rows[:limit]:
        console.rule(f"[bold]{row['source']}")
        for key in ("title", "description", "authors", "publisher", "dateline", "published", "section",
                    "language", "url", "word_count", "encoding", "repaired"):
            value = row.get(key)
            if value not in (None, [], ""):
                console.print(f"[cyan]{key:>12}[/] {value}", highlight=False, markup=True)
        paragraphs = row["text"].split("\n\n")
        cut = row.get("removed") or []
        width = max(40, console.width - 4)
        if removed:
            # The whole document in order: each removed span where it stood, marked with its reason.
            cuts_before: dict[int, list[dict]] = {}
            for span in cut:
                cuts_before.setdefault(span["paragraph"], []).append(span)
            for index in range(len(paragraphs) + 1):
                for span in cuts_before.get(index, []):
                    console.print(f"  [red]✗[/] [yellow]{span['reason']}[/]: ", end="")
                    console.print(textwrap.shorten(span["text"], max(40, console.width - 30)), highlight=False, markup=False)
                if index < len(paragraphs):
                    console.print(textwrap.indent(textwrap.fill(paragraphs[index], width), "    "), highlight=False, markup=False)
            continue
        for paragraph in paragraphs[:lines]:
            console.print(textwrap.indent(textwrap.fill(paragraph, width), "    "), highlight=False, markup=False)
        if len(paragraphs) > lines:
            console.print(f"    … {len(paragraphs) - lines} more paragraphs", style="dim")
        console.print(f"    {len(cut)} spans removed (--removed shows the whole document with them)", style="dim")
    console.print(f"{min(len(rows), limit)} of {len(rows)} records shown")


@app.command()
def report(
    dataset: Annotated[Path, typer.Argument(help="The output folder (holding documents/ and rejects/).")] = Path("processed"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report's HTML pages.")] = Path("report"),
) -> None:
    """Write a static HTML report of DATASET: overview, removal reasons, and every document with its cuts."""
    from textwash.report import DatasetError, write_report

    try:
        index = write_report(dataset, out)
    except DatasetError as exc:
        raise typer.BadParameter(str(exc), param_hint="DATASET") from None
    console.print(f"report written: {index.resolve().as_uri()}", highlight=False)


if __name__ == "__main__":
    app()
