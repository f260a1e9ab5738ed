"""The `textwash` command: run the ingest flow, and read, compact and count what it wrote."""
from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import textwrap
import typing
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from textwash.cleaning import check_layers
from textwash.config import DEFAULT_MAX_ROWS_PER_FILE, RunOptions, Settings, spec_of
from textwash.inputs.selection import FETCHED_AT
from textwash.model.schema import LOW_CONFIDENCE, confidence_label, is_low_confidence

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()

Raw = Annotated[str, typer.Argument(help="Folder of raw inputs, or a URL such as s3://bucket/raw.")]
Out = Annotated[str, typer.Option("--out", "-o", help="Output folder (documents/ and rejects/), or a URL such as s3://bucket/prefix.")]
Workers = Annotated[int, typer.Option(min=1, help="Worker processes for the batches (1: in this process); with --dask-address, the cluster's workers (two batches each in flight).")]
DaskAddress = Annotated[Optional[str], typer.Option(help="Run the batches on the Dask cluster at this scheduler address (tcp://host:8786); 'local' starts a cluster of --workers processes on this machine for the run.")]


def _cli_parameter(field: dataclasses.Field, hint, default) -> inspect.Parameter:
    """The command-line option of a config field (see textwash.config.OptionSpec)."""
    spec = spec_of(field)
    flag = spec.flag or "--" + field.name.replace("_", "-")
    optional = type(None) in typing.get_args(hint)  # X | None
    base = next(arg for arg in typing.get_args(hint) if arg is not type(None)) if optional else hint
    if typing.get_origin(base) is frozenset:
        kind, default = Optional[list[str]], None
    elif spec.none_as_zero:
        kind, default = base, default or 0
    elif optional:
        kind = Optional[base]
    else:
        kind = hint
    bounds = {key: value for key, value in (("min", spec.min), ("max", spec.max)) if value is not None}
    option = typer.Option(flag, help=spec.help, **bounds)
    return inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[kind, option],
                             default=default)


def _from_cli(field: dataclasses.Field, value):
    if spec_of(field).none_as_zero:
        return value or None
    if isinstance(field.default, frozenset):
        return frozenset(value or ())
    return value


# The parameter a command receives each config class as.
_CONFIG_PARAMETERS = {Settings: "settings", RunOptions: "options"}


def with_config_options(classes=(Settings, RunOptions), **defaults):
    """Give a command one option per field of Settings and RunOptions (textwash.config, the one
    spec), or of those of `classes`, with `defaults` in place of the spec's; the command receives
    them as `settings` and `options`."""
    def decorate(command):
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values()
               if p.name not in _CONFIG_PARAMETERS.values()]
        fields = {cls: dataclasses.fields(cls) for cls in classes}
        added = [_cli_parameter(field, typing.get_type_hints(cls)[field.name], defaults.get(field.name, field.default))
                 for cls, cls_fields in fields.items() for field in cls_fields]

        @functools.wraps(command)
        def wrapper(**values):
            try:
                config = {_CONFIG_PARAMETERS[cls]: cls(**{field.name: _from_cli(field, values.pop(field.name))
                                                          for field in cls_fields})
                          for cls, cls_fields in fields.items()}
                if "settings" in config:
                    check_layers(config["settings"].layers_off)
            except ValueError as exc:
                raise typer.BadParameter(str(exc)) from None
            return command(**values, **config)

        wrapper.__signature__ = inspect.Signature(own + added)
        wrapper.__annotations__ = {p.name: p.annotation for p in own + added}
        return wrapper
    return decorate


@app.command()
@with_config_options()
def run(raw: Raw = "raw", out: Out = "processed", workers: Workers = 1, dask_address: DaskAddress = None, *,
        settings: Settings, options: RunOptions) -> None:
    """Clean the new and changed inputs under RAW into the Parquet dataset at --out, as a Prefect flow run."""
    _run_flow(raw, out, workers, dask_address, settings, options)


# A backfill is long: a version committed every this many inputs keeps what an interruption would lose.
BACKFILL_COMMIT_EVERY = 5000


@app.command()
@with_config_options(commit_every=BACKFILL_COMMIT_EVERY)
def backfill(
    raw: Raw = "raw",
    out: Out = "processed",
    since: Annotated[Optional[str], typer.Option(help="Only inputs dated at or after this (YYYY-MM-DD or ISO 8601; UTC unless a zone is given).")] = None,
    until: Annotated[Optional[str], typer.Option(help="Only inputs dated before this.")] = None,
    by: Annotated[str, typer.Option(help="The date --since/--until compare: fetched_at (of any document in the file) or mtime (the file's).")] = FETCHED_AT,
    glob: Annotated[Optional[str], typer.Option(help="Only inputs whose path under RAW matches this pattern ('*' crosses folders).")] = None,
    list_file: Annotated[Optional[Path], typer.Option("--list", help="Only the inputs named in this file, one path under RAW a line.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the inputs that would run and how, and run nothing.")] = False,
    workers: Workers = 1,
    dask_address: DaskAddress = None,
    *,
    settings: Settings,
    options: RunOptions,
) -> None:
    """Run the ingest flow over a chosen part of RAW: a date range, a glob, a list of inputs."""
    from textwash.inputs.items import parse_timestamp
    from textwash.inputs.selection import DATE_FIELDS, Selection, read_list_file

    try:
        selection = Selection(since=parse_timestamp(since) if since else None,
                              until=parse_timestamp(until) if until else None, by=by, glob=glob,
                              names=read_list_file(list_file) if list_file else None, max_bytes=settings.max_bytes,
                              follow_symlinks=settings.follow_symlinks)
    except (ValueError, OSError) as exc:
        raise typer.BadParameter(f"{exc} (dates: YYYY-MM-DD or ISO 8601; --by: {' or '.join(DATE_FIELDS)})") from None
    if dry_run:
        _print_backfill_plan(raw, out, selection, options)
        return
    _run_flow(raw, out, workers, dask_address, settings, options, selection)


def _print_backfill_plan(raw: str, out: str, selection, options: RunOptions) -> None:
    """What a backfill would run: each input it would process, one a line, then the counts."""
    from textwash.dataset import remote
    from textwash.run.plan import plan_run

    _require_raw(raw)
    with remote.open_locations(raw, out, read_only=True) as (raw_dir, dataset):
        try:
            plan = plan_run(raw_dir, dataset, options, selection.apply, selection.follow_symlinks)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--list") from None
    for source in plan.todo:
        print(source)
    parts = plan.parts(options.commit_every)
    console.print(f"dry run: {plan.inputs} inputs selected under {raw}: {len(plan.todo)} would run, "
                  f"{plan.inputs - len(plan.todo)} unchanged; "
                  f"{sum(len(part.batches(options.batch_size)) for part in parts)} batches, "
                  f"{len(parts) if plan.todo else 0} commits into {out}", highlight=False)


def _raw_counts_line(counts: dict) -> str:
    """What discovery did not read, as the run and `stats` print it."""
    return (f"{counts['outside_root']} inputs rejected for containment (outside the raw root), "
            f"{counts['skipped_by_name']} skipped by name (hidden or editor files), "
            f"{counts['skipped_links']} links to files already read")


def _require_raw(raw: str) -> None:
    from textwash.dataset.remote import is_remote

    if not is_remote(raw) and not Path(raw).is_dir():
        raise typer.BadParameter(f"{raw} is not a folder", param_hint="RAW")


def _run_flow(raw: str, out: str, workers: int, dask_address: str | None, settings: Settings, options: RunOptions,
              selection=None) -> None:
    """Run the ingest flow with a progress bar, and print what it did."""
    _require_raw(raw)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from textwash.run.memory import return_freed_memory
    from textwash.run.stage import LocationUnreachable

    return_freed_memory()  # before Prefect starts its threads, which the one-arena limit must precede
    from textwash_flows import ingest as ingest_module  # Prefect loads only for the commands that run it

    with Progress(
        TextColumn("[bold]cleaning"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(), console=console,
    ) as progress:
        bar = progress.add_task("run", total=None, counts="")
        tally = {"documents": 0, "rejects": 0, "bytes": 0, "total_bytes": 0}

        def planned(documents: int, size: int) -> None:
            tally["total_bytes"] = size
            progress.update(bar, total=documents)

        def advance(documents: int, rejects: int, planned_documents: int, size: int) -> None:
            # The bar counts the documents planned (JSONL lines, WARC responses, files), done batch by batch.
            tally["documents"] += documents
            tally["rejects"] += rejects
            tally["bytes"] += size
            progress.update(bar, advance=planned_documents,
                            counts=f"{tally['documents']} documents, {tally['rejects']} rejects, "
                                   f"{tally['bytes'] / 1e6:.1f}/{tally['total_bytes'] / 1e6:.1f} MB")

        ingest_module.plan_listeners.append(planned)
        ingest_module.batch_listeners.append(advance)
        try:
            summary = ingest_module.with_workers(workers, dask_address)(raw=raw, out=out, settings=settings, options=options,
                                                                        workers=workers, selection=selection)
        except (OSError, LocationUnreachable) as exc:  # a full disk, an unwritable folder, a worker without
            # the share: the commit never happened
            console.print(f"[red]run failed:[/] {exc}. {out} is as it was before this run; rerun to complete it.",
                          highlight=False)
            raise typer.Exit(1) from None
        finally:
            ingest_module.plan_listeners.remove(planned)
            ingest_module.batch_listeners.remove(advance)
    console.print(
        f"{summary['inputs']} inputs: {summary['processed']} new or changed, {summary['unchanged']} unchanged → "
        f"{summary['documents']} documents ({summary['duplicates']} duplicates), {summary['rejects']} rejects"
    )
    console.print(_raw_counts_line(summary), highlight=False)
    console.print(
        f"{summary['replaced']} older records replaced in {summary['seconds']:.1f} s, "
        f"{summary['commits']} {'version' if summary['commits'] == 1 else 'versions'} committed → {summary['output']}"
        if summary["committed"] else f"nothing new: {summary['output']} unchanged"
    )


@app.command("clean")
@with_config_options(classes=(Settings,))
def clean_command(
    file: Annotated[str, typer.Argument(metavar="FILE", help="A .txt or .html file (its .json sidecar, gzip, JSONL dumps and WARC archives read as `run` reads them), or - for standard input.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the record as JSON, one line per document (dates in ISO 8601).")] = False,
    removed: Annotated[bool, typer.Option("--removed", help="Print the whole document with every removed span marked with its reason, as `show --removed` does.")] = False,
    html: Annotated[bool, typer.Option("--html", help="Read the input as HTML, whatever its name or first bytes say.")] = False,
    templates: Annotated[Optional[Path], typer.Option(help="Site templates that runs learned: an output folder of `textwash run`, or its site-templates.json.")] = None,
    *,
    settings: Settings,
) -> None:
    """Clean one document in this process, no flow and no dataset, and print its text (or its record)."""
    import json
    import sys

    from textwash.api import Cleaner
    from textwash.reasons import Rejected

    if json_output and removed:
        raise typer.BadParameter("--json and --removed print different things: choose one")
    if file != "-" and not Path(file).is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")
    kind = "html" if html else None
    try:
        cleaner = Cleaner(settings, templates=templates)
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--templates") from None
    with cleaner:
        if file == "-":
            try:
                results = [cleaner.clean(sys.stdin.buffer.read(settings.max_bytes + 1), kind=kind, source=STDIN_SOURCE)]
            except Rejected as exc:
                results = [exc]
        else:
            results = cleaner.clean_file(file, kind=kind)
    several = len(results) > 1
    for result in results:
        if isinstance(result, Rejected):
            notes = "".join(f" ({note})" for note in getattr(result, "__notes__", ()))
            typer.echo(f"{file}: rejected, {result.reason}: {result.detail}{notes}", err=True)
        elif json_output:
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, default=_iso))
        elif removed:
            print_record(result.to_dict(), removed=True)
        else:
            if several:
                typer.echo(f"==> {result.source} <==")
            typer.echo(result.text)
    if any(isinstance(result, Rejected) for result in results):
        raise typer.Exit(1)


# The source a document read from standard input is recorded under.
STDIN_SOURCE = "<stdin>"


def _iso(value):
    """JSON for the record's dates and timestamps: ISO 8601."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@app.command()
def serve(
    config: Annotated[Path, typer.Option(help="The prefect.yaml whose deployments to serve.")] = Path("prefect.yaml"),
    raw: Annotated[Optional[str], typer.Option(help="Raw location instead of the one in the config.")] = None,
    out: Annotated[Optional[str], typer.Option("--out", "-o", help="Output location instead of the one in the config.")] = None,
) -> None:
    """Serve the ingest deployment (prefect.yaml: parameters, cron schedule) from this process until stopped.

    Needs a Prefect server (PREFECT_API_URL), e.g. `prefect server start` on this machine."""
    if not config.is_file():
        raise typer.BadParameter(f"{config} is not a file", param_hint="--config")
    from textwash_flows.serve import serve_config  # Prefect loads only for the commands that run it

    serve_config(config, {key: value for key, value in (("raw", raw), ("out", out)) if value is not None})


@app.command()
def compact(
    dataset: Annotated[Path, typer.Argument(help="The output folder of `textwash run`.")] = Path("processed"),
    max_rows_per_file: Annotated[int, typer.Option(min=1, help="Rows per Parquet file at most.")] = DEFAULT_MAX_ROWS_PER_FILE,
) -> None:
    """Merge small files per partition (records unchanged) and bring old files to the current schema."""
    from textwash.dataset.compact import compact_dataset

    _require_dataset(dataset)
    summary = compact_dataset(dataset, max_rows_per_file)
    console.print(f"{summary['rows']} records: {summary['files_before']} files → {summary['files_after']} "
                  f"({summary['partitions_rewritten']} partitions rewritten)")


@app.command()
def stats(
    dataset: Annotated[Path, typer.Argument(help="The output folder of `textwash run`.")] = Path("processed"),
    top: Annotated[int, typer.Option(min=1, help="Rows per ranking.")] = 10,
) -> None:
    """Counts of a dataset: documents, languages, sites, removal reasons, duplicates, confidence, rejects."""
    from rich.table import Table

    from textwash.stats import dataset_stats

    _require_dataset(dataset)
    figures = dataset_stats(dataset, top)
    console.print(
        f"[bold]{dataset}[/] version {figures['version']}: {figures['inputs']} inputs from {figures['runs']} runs → "
        f"{figures['documents']} documents ({figures['words']} words), {figures['rejects']} rejects; files: "
        f"{figures['files']['documents']} documents, {figures['files']['rejects']} rejects"
    )
    if figures["raw"] is not None:
        console.print(f"last run's raw root: {_raw_counts_line(figures['raw'])}", highlight=False)
    duplicates = figures["duplicates"]
    console.print(f"duplicates: {duplicates['exact']} exact, {duplicates['near']} near")
    confidence = figures["confidence"]
    console.print(f"confidence: {confidence['low']} of {confidence['judged']} judged documents below "
                  f"{LOW_CONFIDENCE} (low)", highlight=False)
    for title, value_title, rows in (
        ("language", "count", figures["languages"]), ("site", "count", figures["sites"]),
        ("removal reason", "count", figures["removal_reasons"]),
        ("confidence", "documents", confidence["distribution"]),
        ("low-confidence source", "confidence", confidence["lowest"]),
        ("reject reason", "count", figures["rejects_by_reason"]),
    ):
        table = Table(title_justify="left")
        table.add_column(title)
        table.add_column(value_title, justify="right")
        for value, count in rows:
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
    """Print records readably: source, metadata, confidence, the first paragraphs, and what was removed."""
    import heapq

    import pyarrow.dataset as ds

    from textwash.report import DatasetError, open_rows, row_batches

    folder = dataset / "documents" if (dataset / "documents").is_dir() else dataset
    if not folder.is_dir():
        raise typer.BadParameter(f"{folder} is not a dataset folder", param_hint="DATASET")
    try:
        documents = open_rows(folder)  # files of an older schema read as nulls in the newer columns
        # The sources first, then only the rows shown: a dataset of a big dump never in memory whole.
        sources = [value for batch in row_batches(documents, folder, 10_000, columns=["source"])
                   for value in batch.column(0).to_pylist() if source is None or source in value]
        shown = heapq.nsmallest(limit, sources)
        rows = [row for batch in row_batches(documents, folder, 100, filter=ds.field("source").isin(shown))
                for row in batch.to_pylist()] if shown else []
    except DatasetError as exc:
        raise typer.BadParameter(str(exc), param_hint="DATASET") from None
    for row in sorted(rows, key=lambda r: r["source"])[:limit]:
        print_record(row, removed=removed, lines=lines)
    console.print(f"{min(len(sources), limit)} of {len(sources)} records shown")


def print_record(row: dict, *, removed: bool = False, lines: int = 3) -> None:
    """A record readably: source, metadata, confidence, then its first `lines` paragraphs, or with
    `removed` the whole document with every removed span marked where it stood, with its reason."""
    console.rule(f"[bold]{row['source']}")
    for key in ("title", "description", "authors", "publisher", "dateline", "published", "section",
                "language", "url", "word_count", "encoding", "repaired"):
        value = row.get(key)
        if value not in (None, [], ""):
            console.print(f"[cyan]{key:>12}[/] {value}", highlight=False, markup=True)
    confidence = row.get("clean_confidence")
    label = confidence_label(confidence)
    shown = f"[yellow]{label}[/]" if is_low_confidence(confidence) else label
    console.print(f"[cyan]{'confidence':>12}[/] {shown}", highlight=False)
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
        return
    for paragraph in paragraphs[:lines]:
        console.print(textwrap.indent(textwrap.fill(paragraph, width), "    "), highlight=False, markup=False)
    if len(paragraphs) > lines:
        console.print(f"    … {len(paragraphs) - lines} more paragraphs", style="dim")
    console.print(f"    {len(cut)} spans removed (--removed shows the whole document with them)", style="dim")


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
