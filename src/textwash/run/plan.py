"""Plan a run: which inputs under the raw root are new or changed, in which batches and commits.

The plan's unit of work is a piece: a whole file, or a range of a big JSONL or WARC file (more
than `RunOptions.split_bytes`), cut by inputs/ranges.py at line or record starts every
`batch_size` documents. Batches group pieces up to about `batch_size` documents; commits group
`commit_every` pieces. A big file whose ranges are partly committed (the ledger keeps them, keyed
on its sha256) continues after them; a new or changed one is planned whole, and the first part
that holds one of its pieces replaces its older records.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from textwash.config import DEFAULT_MAX_RATIO, RunOptions
from textwash.dataset.ledger import committed_ranges, file_sha256, inputs_to_process, load_ledger_table
from textwash.dataset.store import LEDGER_FILE, Dataset
from textwash.inputs.discover import discover_inputs, refused_link_sha256
from textwash.inputs.items import Range, unit_file
from textwash.inputs.ranges import Span, scan, splittable


@dataclass(frozen=True)
class Piece:
    """A unit of a batch: a whole file (its source) or a Range of a big one, with the documents
    and bytes planned for it (for batching and progress: JSONL lines, WARC responses, 1 for any
    other file)."""
    unit: str | Range
    documents: int
    size: int

    @property
    def file(self) -> str:
        return unit_file(self.unit)


@dataclass
class RunPlan:
    run_id: str
    raw: Path
    processed_at: dt.datetime
    inputs: int
    todo: list[str]
    hashes: dict[str, str | None] = field(repr=False)
    # What discovery did not read (inputs/discover.py): entries skipped by name, links to a file or
    # folder already read, and inputs refused as leading outside the raw root (each a reject).
    skipped_by_name: int = 0
    skipped_links: int = 0
    outside: frozenset[str] = field(default=frozenset(), repr=False)
    # The work, in order: every todo file whole, or the ranges of it still to do (see Piece).
    pieces: list[Piece] | None = field(default=None, repr=False)
    # The files whose committed records this plan replaces (new, changed, reprocessed); not a big
    # file it continues, nor one an earlier part of the run began.
    replacing: frozenset[str] | None = field(default=None, repr=False)
    # A file read in ranges → the size its ranges cover (decompressed for a gzipped JSONL file).
    sizes: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.pieces is None:
            self.pieces = [Piece(source, 1, 0) for source in self.todo]
        if self.replacing is None:
            self.replacing = frozenset(self.todo)

    @property
    def documents(self) -> int:
        """Documents planned (an estimate: a JSONL line or a WARC response record counts one)."""
        return sum(piece.documents for piece in self.pieces)

    @property
    def bytes(self) -> int:
        return sum(piece.size for piece in self.pieces)

    @property
    def ranged(self) -> frozenset[str]:
        """The files this plan reads in ranges."""
        return frozenset(piece.file for piece in self.pieces if isinstance(piece.unit, Range))

    @property
    def outside_root(self) -> int:
        return len(self.outside)

    def input_counts(self) -> dict[str, int]:
        """Every entry under the raw root, accounted for: the inputs (each one document or reject
        record, or for a dump or archive one per item), of them those refused for containment, and
        what was skipped."""
        return {"inputs": self.inputs, "outside_root": self.outside_root, "skipped_by_name": self.skipped_by_name,
                "skipped_links": self.skipped_links}

    def batch_pieces(self, batch_size: int) -> list[list[Piece]]:
        """The pieces in batches, in order: a batch closes once it holds `batch_size` planned
        documents, so many small files share a batch and a range (cut at `batch_size`) has one."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        batches: list[list[Piece]] = []
        weight = batch_size
        for piece in self.pieces:
            if weight >= batch_size:
                batches.append([])
                weight = 0
            batches[-1].append(piece)
            weight += max(piece.documents, 1 if isinstance(piece.unit, str) else 0)
        return batches

    def batches(self, batch_size: int) -> list[list[str | Range]]:
        """What each batch reads: whole files (sources) and ranges of big ones."""
        return [[piece.unit for piece in batch] for batch in self.batch_pieces(batch_size)]

    def parts(self, inputs_per_commit: int | None) -> list[RunPlan]:
        """This plan as consecutive plans of at most `inputs_per_commit` pieces (a whole file or a
        range of a big one), each committed as its own version under its own run id: an interrupted
        backfill keeps the parts it committed, and the ledger leaves only the rest to the next run.
        One part when None."""
        if inputs_per_commit is not None and inputs_per_commit < 1:
            raise ValueError("inputs_per_commit must be at least 1")
        if inputs_per_commit is None or len(self.pieces) <= inputs_per_commit:
            return [self]
        parts, begun = [], set()
        for i in range(0, len(self.pieces), inputs_per_commit):
            pieces = self.pieces[i:i + inputs_per_commit]
            todo = list(dict.fromkeys(piece.file for piece in pieces))
            parts.append(replace(self, run_id=new_run_id(self.processed_at), todo=todo, pieces=pieces,
                                 replacing=frozenset(f for f in todo if f in self.replacing and f not in begun),
                                 sizes={f: self.sizes[f] for f in todo if f in self.sizes}))
            begun.update(todo)
        return parts


def new_run_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def plan_run(raw: Path, dataset: Dataset, options: RunOptions,
             select: Callable[[Path, list[str]], list[str]] | None = None, follow_symlinks: bool = False,
             max_ratio: float = DEFAULT_MAX_RATIO) -> RunPlan:
    """Which inputs under `raw` this run processes: new, changed, or all with `reprocess`; only
    among those that `select` (e.g. a backfill's `Selection.apply`) picks, when given; and in
    which pieces (see the module's doc).

    An input refused as leading outside the root is hashed by where it leads, never read: it is
    planned again only when the link changes or links are followed."""
    found = discover_inputs(raw, follow_symlinks)
    sources = found.sources
    if select is not None:
        sources = select(raw, sources)
    hashes = {source: refused_link_sha256(found.outside[source]) if source in found.outside
              else file_sha256(raw / source) for source in sources}
    ledger = load_ledger_table(dataset.committed_file(LEDGER_FILE))
    processed_at = dt.datetime.now(dt.timezone.utc)
    todo = inputs_to_process(hashes, ledger, options.reprocess)
    done = {} if options.reprocess else committed_ranges(ledger, {source: hashes[source] for source in todo})
    pieces, replacing, sizes = [], set(), {}
    for source in todo:
        readable = source not in found.outside and hashes[source] is not None
        spans, continued = _spans(raw / source, options, max_ratio, done.get(source, [])) if readable else (None, [])
        if spans is None:
            size = _size(raw / source) if readable else 0
            pieces.append(Piece(source, 1, size))
            replacing.add(source)
            continue
        if len(spans) == 1 and not continued:
            pieces.append(Piece(source, max(spans[0].items, 1), spans[0].end))
            replacing.add(source)
            continue
        if not continued:
            replacing.add(source)
        sizes[source] = spans[-1].end
        pieces += [Piece(Range(source, span.start, span.end, span.first_line), span.items, span.end - span.start)
                   for span in spans if not _covered(span, continued)]
    return RunPlan(new_run_id(processed_at), raw, processed_at, len(sources), todo, hashes,
                   skipped_by_name=found.skipped_by_name, skipped_links=found.skipped_links,
                   outside=frozenset(found.outside).intersection(sources), pieces=pieces,
                   replacing=frozenset(replacing), sizes=sizes)


def _spans(path: Path, options: RunOptions, max_ratio: float,
           committed: list[tuple[int, int]]) -> tuple[list[Span] | None, list[tuple[int, int]]]:
    """The ranges of a JSONL or WARC file (None: read it whole), and those of `committed` (its
    ranges earlier runs committed) that the plan continues after; none when they do not fall on
    the boundaries the scan finds (the file is then redone whole)."""
    if not splittable(path.name) or (not committed and _size(path) <= options.split_bytes):
        # A small dump: one piece, scanned only to count its documents.
        spans = scan(path, 1 << 62, max_ratio) if splittable(path.name) else None
        return (spans[:1] if spans else None), []
    spans = scan(path, options.batch_size, max_ratio, [edge for span in committed for edge in span])
    if spans and committed:
        edges = {0} | {span.end for span in spans}
        left = [span for span in spans if not _covered(span, committed)]
        if left and all(start in edges and end in edges for start, end in committed):
            return spans, committed
        spans = scan(path, options.batch_size, max_ratio)
    return spans, []


def _covered(span: Span, ranges: list[tuple[int, int]]) -> bool:
    """Whether one of `ranges` (start, end) holds the whole of `span`.

    >>> _covered(Span(10, 20, 1, 3), [(0, 20)]), _covered(Span(10, 30, 1, 3), [(0, 20)])
    (True, False)
    """
    return any(start <= span.start and span.end <= end for start, end in ranges)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
