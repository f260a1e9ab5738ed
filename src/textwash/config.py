"""Every setting and its default: the one option spec that the CLI, the flow and the tests share.

Two frozen dataclasses hold them: `Settings`, how each document is read and cleaned (it travels
with every batch), and `RunOptions`, what a run does with the dataset. Each field is declared
with `option(...)`: its default, its help text and its bounds. The `run` and `backfill` commands
build one command-line option per field from this spec (cli.py), and the flow takes the two
objects as parameters, so a new limit is one field here and the code that reads it.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from textwash.model.schema import DOCUMENT_SCHEMA

# The size cap on one document, after decompression.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Decompressed bytes per compressed byte read, at most: text and HTML deflate 3 to 20 times, a
# gzip bomb about a thousand times (Apache POI's zip bomb guard uses the same 100).
DEFAULT_MAX_RATIO = 100.0
# A line longer than a long article: no prose paragraph is this long, a dump of data may be.
DEFAULT_MAX_LINE_CHARS = 100_000
# lxml's HTML parser (libxml2) gives up on elements nested about 256 deep and hands trafilatura
# a page without text; a pre-scan turns such a page into a reject that says why.
DEFAULT_MAX_HTML_DEPTH = 256
DEFAULT_TIMEOUT_SECONDS = 30.0
# Estimated Jaccard similarity of word shingles from which a document is a near-duplicate.
DEFAULT_THRESHOLD = 0.7
# The partition key that is not a document column: the UTC date of processed_at.
PROCESSED_DATE = "processed_date"
DEFAULT_MAX_ROWS_PER_FILE = 50_000
# Measured (2 shared cores): a batch costs about 95 CPU ms of its own through the flow (Prefect's task
# run and its server's work about 85, staging its three files about 11), 150 ms on a dataset whose
# saved site templates hold 100,000 documents; a document costs 8 to 16 CPU ms. At 500 that is 1 to 4% of a
# batch's time; 250 would reach 5 to 7%. 1,000 would halve it again, but a 10,000-document run would
# then report progress in tenths, and with 2 workers its last batch leaves one core idle for longer.
DEFAULT_BATCH_SIZE = 500
# A JSONL or WARC file larger than this is read in ranges of about batch_size documents (each a
# batch of its own, committed and resumed on its own); a smaller one is one batch unit, as a
# text file is. 8 MiB holds some 500 to 2,000 scraped pages.
DEFAULT_SPLIT_BYTES = 8 * 1024 * 1024


# This machine's cache of what is slow to rebuild: mirrors of remote locations, an unpacked copy
# of the language model. Anything in it can be deleted.
CACHE_ENV = "TEXTWASH_CACHE"


def cache_root() -> Path:
    """$TEXTWASH_CACHE, else ~/.cache/textwash, as an absolute path."""
    return Path(os.path.abspath(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "textwash"))


@dataclass(frozen=True)
class OptionSpec:
    """How a field shows on the command line. `flag` replaces the default `--field-name`;
    `none_as_zero` shows an optional number as 0 for "none"; a frozenset field is a repeatable
    option."""
    help: str
    min: float | None = None
    max: float | None = None
    flag: str | None = None
    none_as_zero: bool = False


def option(default, help: str, **cli) -> dataclasses.Field:
    """A settings field with its default and its command-line form (see OptionSpec)."""
    return dataclasses.field(default=default, metadata={"spec": OptionSpec(help, **cli)})


def spec_of(field: dataclasses.Field) -> OptionSpec:
    return field.metadata["spec"]


@dataclass(frozen=True)
class Settings:
    """How each document is read, limited and cleaned."""
    max_bytes: int = option(DEFAULT_MAX_BYTES, "Documents larger than this (after decompression) become rejects.",
                            min=1)
    rules_path: str | None = option(None, "A boilerplate rules file instead of the packaged one.", flag="--rules")
    extract_timeout: float | None = option(
        DEFAULT_TIMEOUT_SECONDS, "Seconds one HTML page may take to extract before it becomes a reject (0: no cap; "
        "the page is then extracted in process).", min=0, none_as_zero=True)
    layers_off: frozenset[str] = option(
        frozenset(), "A cleaning layer to skip, for an ablation (repeat for several; names: see README, "
        "'Cleaning layers').", flag="--layer-off")
    # Limits on hostile input (README, "Limits and safety"); each breach is a reject naming it.
    max_ratio: float = option(DEFAULT_MAX_RATIO, "Decompressed bytes per compressed byte at most; past it a gzip "
                                                 "file is a 'compression-ratio' reject.", min=1)
    max_line_chars: int = option(DEFAULT_MAX_LINE_CHARS, "A document with a longer segment is a 'line-too-long' "
                                                         "reject.", min=1)
    max_html_depth: int = option(DEFAULT_MAX_HTML_DEPTH, "An HTML page nesting elements deeper is an "
                                                         "'html-too-deep' reject.", min=1)
    strip_nul: bool = option(False, "Strip NUL characters (a recorded cut) instead of rejecting the document "
                                    "('nul-bytes').")
    follow_symlinks: bool = option(False, "Read symlinked files and folders wherever they point (each real file "
                                          "once, named by its path under the raw root); by default a link that "
                                          "leads outside the raw root is an 'outside-root' reject.")

    def __post_init__(self) -> None:
        # A list from the command line or a deployment's JSON parameters.
        object.__setattr__(self, "layers_off", frozenset(self.layers_off))


@dataclass(frozen=True)
class RunOptions:
    """What one run does with the dataset."""
    reprocess: bool = option(False, "Process every input, not only new or changed ones.")
    drop_duplicates: bool = option(False, "Keep duplicates out of documents (they become rejects with reason "
                                          "'duplicate').")
    near_duplicate_threshold: float = option(DEFAULT_THRESHOLD, "Estimated Jaccard similarity of word shingles "
                                                                "from which a document is a near-duplicate.",
                                             min=0.01, max=1.0)
    partition_by: str = option(PROCESSED_DATE, f"Hive partition key: {PROCESSED_DATE} or a document column.")
    max_rows_per_file: int = option(DEFAULT_MAX_ROWS_PER_FILE, "Rows per Parquet file at most.", min=1)
    batch_size: int = option(DEFAULT_BATCH_SIZE, "Documents per Prefect task.", min=1)
    commit_every: int | None = option(None, "Commit a dataset version after every this many inputs (a range of a "
                                            "big file counts as one), so that an interrupted run keeps what it "
                                            "committed (default: one commit).", min=1)
    split_bytes: int = option(DEFAULT_SPLIT_BYTES, "Read a JSONL or WARC file larger than this in ranges of about "
                                                   "--batch-size documents: batches that run in parallel and are "
                                                   "committed and resumed on their own.", min=1)

    def __post_init__(self) -> None:
        for name in ("max_rows_per_file", "batch_size", "commit_every", "split_bytes"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.partition_by != PROCESSED_DATE and self.partition_by not in DOCUMENT_SCHEMA.names:
            raise ValueError(f"cannot partition by {self.partition_by!r}: not {PROCESSED_DATE} or a document column")
