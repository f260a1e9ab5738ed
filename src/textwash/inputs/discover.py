"""Read: find the input files under a raw root.

What each file holds (one document, or many in a JSONL dump or WARC archive) is formats.py's
business; metadata sidecars (name.json next to name.txt) are read with their document, so
discovery leaves them out.
"""
from __future__ import annotations

from pathlib import Path

from textwash.inputs.formats import is_sidecar

# File names that are never articles: hidden files, editor leftovers, our own sidecar state.
_SKIPPED_PREFIXES = (".", "~")


def discover(root: Path) -> list[str]:
    """Every input file under `root` except metadata sidecars, as sorted root-relative paths;
    symlinks are not followed out of the root."""
    root = root.resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"raw location {root} is not a directory")
    sources = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(_SKIPPED_PREFIXES) for part in relative.parts):
            continue
        if path.is_file() and path.resolve().is_relative_to(root) and not is_sidecar(path):
            sources.append(source_name(relative.as_posix()))
    return sorted(sources)


def source_name(relative: str) -> str:
    """A root-relative path as a record's source. A name that is not UTF-8 (its bytes come back
    from the OS as lone surrogates, which no Parquet string holds) shows those bytes as \\xNN;
    no file has that name, so reading it gives a 'bad-name' reject."""
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
