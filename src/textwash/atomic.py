"""Atomic writes: a file appears whole, by one rename, with the mode the process umask gives.

Every file a run writes whole (a Parquet file, a report page, the site-template cache) goes
through `atomic_path` or `atomic_text`. The temporary file is created like any other file, so it
gets the mode `open` gives (0666 less the umask: 0644 under 022); `tempfile.mkstemp` would make it
0600, and the rename would keep that on the output.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def temporary_name(path: Path) -> Path:
    """A hidden name beside `path` that no other writer picks: `.NAME.HEX.tmp`."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")


@contextmanager
def atomic_path(path: Path, fsync: bool = True) -> Iterator[Path]:
    """A temporary path beside `path` to write (by a library that takes a path); on leaving the
    block it is synced and renamed to `path`, on an error removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_text(path: Path, fsync: bool = False) -> Iterator[IO[str]]:
    """`path` opened for UTF-8 text through a temporary file that replaces it on leaving the block.
    The temporary file is created exclusively (O_EXCL): never a file someone else opened."""
    with atomic_path(path, fsync) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
