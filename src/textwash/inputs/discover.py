"""Discover: find the input files under a raw root, and account for every entry it will not read.

What each file holds (one document, or many in a JSONL dump or WARC archive) is formats.py's
business; metadata sidecars (name.json next to name.txt) are read with their document, so
discovery leaves them out.

Symlinks: a link (to a file or a folder) that resolves outside the root is listed as an input all
the same, and the reader turns it into an `outside-root` reject naming both paths, unless
`follow_symlinks` is on: then linked files and folders are read wherever they point. Links inside
the root are always followed. Either way each real file is read once, named by a path under the
root (its own when it has one there, else the first link path in sorted order); the other links
to it, and links to a folder already walked (loops), are counted, not read.
"""
from __future__ import annotations

import heapq
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from textwash import reasons
from textwash.inputs.single import is_sidecar

# File names that are never articles: hidden files, editor leftovers (~$lock files, backup~), our
# own sidecar state.
_SKIPPED_PREFIXES = (".", "~")
_SKIPPED_SUFFIXES = ("~",)


def skipped_by_name(name: str) -> bool:
    """Whether a file or folder is left out for its name alone.

    >>> [skipped_by_name(n) for n in (".git", "~$draft.docx", "story.txt~", "story.txt")]
    [True, True, True, False]
    """
    return name.startswith(_SKIPPED_PREFIXES) or name.endswith(_SKIPPED_SUFFIXES)


@dataclass
class Discovery:
    """What discovery found under a raw root. `sources` are the inputs, sorted root-relative paths,
    each of which becomes records: the files to read and the links it refuses (`outside`: source →
    the real path it leads to, each an `outside-root` reject when read). Counted, not listed:
    entries skipped by name (a hidden folder counts once) and links to a file or folder already
    read."""
    sources: list[str]
    outside: dict[str, str] = field(default_factory=dict)
    skipped_by_name: int = 0
    skipped_links: int = 0


def discover(root: Path, follow_symlinks: bool = False) -> list[str]:
    """Every input under `root` (see `discover_inputs`), as sorted root-relative paths."""
    return discover_inputs(root, follow_symlinks).sources


def discover_inputs(root: Path, follow_symlinks: bool = False) -> Discovery:
    """The inputs under `root`, the links it refuses, and what it skips (see the module's doc)."""
    root = root.resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"raw location {root} is not a directory")
    base = str(root)
    walked = {base}  # real paths of the folders walked: a link to one of them adds nothing
    found: dict[str, list[str]] = {}  # a real file → the root-relative paths it was found under
    unreadable: list[str] = []  # links that lead nowhere (or round in a loop): a reject each
    outside: dict[str, str] = {}
    links: list[tuple[str, str]] = []  # (root-relative path, path to open), taken in sorted order
    skipped = {"name": 0, "links": 0}

    def walk(folder: str, real: str, relative: str) -> None:
        stack = [(folder, real, relative)]
        while stack:
            folder, real, relative = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue  # a folder that vanished or cannot be listed: nothing to account for in it
            for entry in entries:
                name = f"{relative}/{entry.name}" if relative else entry.name
                if skipped_by_name(entry.name):
                    skipped["name"] += 1
                elif entry.is_symlink():
                    heapq.heappush(links, (name, entry.path))
                elif entry.is_dir(follow_symlinks=False):
                    real_folder = os.path.join(real, entry.name)
                    if real_folder not in walked:  # else reached before, through a link: read there
                        walked.add(real_folder)
                        stack.append((entry.path, real_folder, name))
                elif entry.is_file(follow_symlinks=False) and not is_sidecar(Path(entry.path)):
                    found.setdefault(os.path.join(real, entry.name), []).append(name)

    walk(base, base, "")
    # Links after every real folder under the root is walked, so that a file found both ways keeps
    # its own name.
    while links:
        name, path = heapq.heappop(links)
        if is_sidecar(Path(path)):
            continue  # read with its document, which refuses it if it leads out ('bad-sidecar')
        target = os.path.realpath(path)
        if not follow_symlinks and not _inside(target, base):
            outside[name] = target
            continue
        try:
            mode = os.stat(path).st_mode
        except OSError:  # broken, or a loop of links: the reader says which
            unreadable.append(name)
            continue
        if stat.S_ISDIR(mode):
            if target in walked:
                skipped["links"] += 1
            else:
                walked.add(target)
                walk(path, target, name)
        elif stat.S_ISREG(mode):
            found.setdefault(target, []).append(name)
    sources = [*unreadable, *outside]
    for real, names in found.items():
        own = os.path.relpath(real, base) if _inside(real, base) else None
        sources.append(own if own in names else min(names))
        skipped["links"] += len(names) - 1
    return Discovery(sorted(source_name(source) for source in sources),
                     {source_name(source): target for source, target in outside.items()},
                     skipped["name"], skipped["links"])


def _inside(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip("/") + "/")


def refused_link_sha256(target: str) -> str:
    """What the ledger keeps for an input refused as leading outside the root: a digest of where it
    leads (its content is not read), so that a rerun skips it until the link changes, and a run
    that follows links reads it."""
    return hashlib.sha256(f"{reasons.OUTSIDE_ROOT}\n{target}".encode("utf-8", "surrogateescape")).hexdigest()


def source_name(relative: str) -> str:
    """A root-relative path as a record's source. A name that is not UTF-8 (its bytes come back
    from the OS as lone surrogates, which no Parquet string holds) shows those bytes as \\xNN;
    no file has that name, so reading it gives a 'bad-name' reject."""
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
