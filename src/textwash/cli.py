"""The `textwash` command: run the ingest flow, and read what it wrote."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from textwash.read import DEFAULT_MAX_BYTES, discover

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()


@app.command()
def run(
    raw: Annotated[Path, typer.Argument(help="Folder of raw inputs.")] = Path("raw"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (documents/ and rejects/).")] = Path("processed"),
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per Prefect task.")] = 500,
    max_bytes: Annotated[int, typer.Option(min=1, help="Inputs larger than this become rejects.")] = DEFAULT_MAX_BYTES,
    rules: Annotated[Optional[Path], typer.Option(help="A boilerplate rules file instead of the packaged one.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes for the batches (1: in this process).")] = 1,
) -> None:
    """Clean every input under RAW into a Parquet dataset at --out, as a Prefect flow run."""
    if not raw.is_dir():
        raise typer.BadParameter(f"{raw} is not a folder", param_hint="RAW")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from textwash_flows import ingest as ingest_module  # Prefect loads only for this command

    total = len(discover(raw))
    with Progress(
        TextColumn("[bold]cleaning"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(), console=console,
    ) as progress:
        bar = progress.add_task("run", total=total, counts="")
        tally = {"documents": 0, "rejects": 0}

        def advance(documents: int, rejects: int) -> None:
            tally["documents"] += documents
            tally["rejects"] += rejects
            progress.update(bar, advance=documents + rejects,
                            counts=f"{tally['documents']} documents, {tally['rejects']} rejects")

        ingest_module.batch_listeners.append(advance)
        try:
            summary = ingest_module.with_workers(workers)(
                raw=str(raw), out=str(out), batch_size=batch_size, max_bytes=max_bytes,
                rules=str(rules) if rules else None, workers=workers)
        finally:
            ingest_module.batch_listeners.remove(advance)
    console.print(
        f"{summary['inputs']} inputs → {summary['documents']} documents, {summary['rejects']} rejects "
        f"in {summary['seconds']:.1f} s → {summary['output']}"
    )


@app.command()
def show(
    dataset: Annotated[Path, typer.Argument(help="The output folder, or its documents/ folder.")] = Path("processed"),
    removed: Annotated[bool, typer.Option("--removed", help="Also list every removed span with its reason.")] = False,
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
        for paragraph in paragraphs[:lines]:
            console.print(textwrap.indent(textwrap.fill(paragraph, max(40, console.width - 4)), "    "), highlight=False, markup=False)
        if len(paragraphs) > lines:
            console.print(f"    … {len(paragraphs) - lines} more paragraphs", style="dim")
        cut = row.get("removed") or []
        if removed:
            for span in cut:
                console.print(f"  [red]✗[/] [yellow]{span['reason']}[/]: ", end="")
                console.print(textwrap.shorten(span["text"], max(40, console.width - 30)), highlight=False, markup=False)
        else:
            console.print(f"    {len(cut)} spans removed (--removed lists them)", style="dim")
    console.print(f"{min(len(rows), limit)} of {len(rows)} records shown")


if __name__ == "__main__":
    app()
