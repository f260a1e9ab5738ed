"""Selection: which raw files a backfill covers — a date range, a glob, a list file, or all.

A selection picks whole raw files, because the ledger keeps one entry per file: a JSONL dump or
WARC archive is in a backfill when any of its items falls in the date range.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path

from textwash.inputs.formats import read_items
from textwash.config import DEFAULT_MAX_BYTES

FETCHED_AT = "fetched_at"
MTIME = "mtime"
DATE_FIELDS = (FETCHED_AT, MTIME)


@dataclass(frozen=True)
class Selection:
    """Files whose date (`by`: fetched_at of their documents, or the file's modification time)
    lies in [since, until) — either end open when None — and whose root-relative path matches
    `glob` and is named in `names` (a list file's lines), when those are given."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    by: str = FETCHED_AT
    glob: str | None = None
    names: frozenset[str] | None = None
    max_bytes: int = DEFAULT_MAX_BYTES  # read cap per document when reading fetched_at
    follow_symlinks: bool = False  # read linked files wherever they point (Settings.follow_symlinks)

    def __post_init__(self) -> None:
        if self.by not in DATE_FIELDS:
            raise ValueError(f"date field must be one of {', '.join(DATE_FIELDS)}, not {self.by!r}")
        for bound in (self.since, self.until):
            if bound is not None and bound.tzinfo is None:
                raise ValueError("date bounds must carry a time zone")
        if self.since and self.until and self.since >= self.until:
            raise ValueError(f"empty date range: {self.since.isoformat()} is not before {self.until.isoformat()}")

    @property
    def dated(self) -> bool:
        return self.since is not None or self.until is not None

    def apply(self, raw: Path, sources: list[str]) -> list[str]:
        """The selected ones of `sources` (root-relative paths under `raw`), in their order.
        Names in the list that are not inputs under `raw` are an error: a backfill never does
        less than asked without saying so."""
        if self.names is not None:
            missing = self.names - set(sources)
            if missing:
                raise ValueError(f"{len(missing)} listed inputs are not under {raw}, e.g. {sorted(missing)[0]!r}")
        return [source for source in sources
                if (self.names is None or source in self.names)
                and (self.glob is None or fnmatch.fnmatchcase(source, self.glob))
                and (not self.dated or self._in_range(raw, source))]

    def _in_range(self, raw: Path, source: str) -> bool:
        if self.by == MTIME:
            try:
                return self._contains(dt.datetime.fromtimestamp((raw / source).stat().st_mtime, dt.timezone.utc))
            except OSError:
                return False
        # A file without a readable date is outside every range: pick it by glob, list or mtime.
        try:
            return any(self._contains(getattr(item, FETCHED_AT, None))
                       for item in read_items(raw, source, self.max_bytes,
                                              follow_symlinks=self.follow_symlinks))
        except OSError:
            return False

    def _contains(self, moment: dt.datetime | None) -> bool:
        if moment is None:
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return (self.since is None or moment >= self.since) and (self.until is None or moment < self.until)


def read_list_file(path: Path) -> frozenset[str]:
    """Root-relative input paths from a list file: one a line; blank lines and # comments skipped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))

