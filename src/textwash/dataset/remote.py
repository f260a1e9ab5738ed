"""Remote locations: raw and output locations on object storage (s3://, or any filesystem fsspec knows).

The dataset engine (write.py) needs a POSIX folder: symlinks, hard links, flock. So a remote
location is worked on through a local copy in a cache folder:

- raw inputs are mirrored: each run downloads the files that are new or changed since the last
  mirror (by ETag, else size and modification time) and drops those gone remotely;
- an output location holds `_versions/N/` (a version's files, as the local layout has them) and
  `_current`, a small object naming N. A run pulls the current version into its working copy,
  commits locally, then `publish` uploads the new version under `_versions/N/` and writes
  `_current` last: until that write, readers and other machines see the previous version whole.

One writer at a time per output location: object storage has no lock that spans machines here,
so scheduling must not start two runs on one output at once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import fsspec

from textwash.config import cache_root
from textwash.dataset.templates import TEMPLATES_FILE
from textwash.dataset.store import CURRENT, VERSIONS, Dataset, Version

MIRROR_MANIFEST = "mirror.json"


def is_remote(location: str) -> bool:
    """Whether `location` is a URL (s3://, file://, ...) rather than a folder path: it is then
    worked on through a local copy, as object storage must be."""
    return len(urlsplit(str(location)).scheme) > 1  # one letter: a Windows drive


def absolute_location(location: str | os.PathLike) -> str:
    """`location` as every process of a run must see it, whatever its working folder: a folder
    path made absolute (~ expanded; symlinks kept), a URL with its scheme in lower case and no
    trailing '/' (a file:// URL's path made absolute). A run does this once, before any batch is
    sent to a worker.

    >>> absolute_location("S3://bucket/raw/")
    's3://bucket/raw'
    >>> absolute_location("/data/raw/")
    '/data/raw'
    """
    location = os.fspath(location)
    if not is_remote(location):
        return os.path.abspath(os.path.expanduser(location))
    parts = urlsplit(location)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return "file://" + os.path.abspath(os.path.expanduser(parts.netloc + parts.path))
    rest = location[len(parts.scheme):]
    return scheme + (rest.rstrip("/") if rest.rstrip("/") != "://" else rest)


def cache_folder(location: str) -> Path:
    """This machine's working folder for a remote location ($TEXTWASH_CACHE, else ~/.cache/textwash),
    as an absolute path."""
    return cache_root() / hashlib.sha256(location.rstrip("/").encode()).hexdigest()[:16]


def local_inputs(raw: str) -> Path:
    """A local folder holding the inputs at `raw`: the folder itself, or a fresh mirror of a URL."""
    return mirror_inputs(raw, cache_folder(raw)) if is_remote(raw) else Path(raw)


def working_folder(out: str) -> Path:
    """The local folder the dataset engine works in for the output location `out`."""
    return cache_folder(out) / "dataset" if is_remote(out) else Path(out)


@contextmanager
def open_locations(raw: str, out: str, read_only: bool = False) -> Iterator[tuple[Path, Dataset]]:
    """The local folder of the inputs at `raw` and the dataset for `out`, its committed version
    pulled when `out` is remote; under the run lock unless `read_only` (a local dataset is then
    read as it is: a committed version never changes)."""
    raw_dir = local_inputs(raw)
    if read_only and not is_remote(out):
        yield raw_dir, Dataset(Path(out))
        return
    with Dataset(working_folder(out)).locked() as dataset:
        if is_remote(out):
            pull(out, dataset)
        yield raw_dir, dataset


def mirror_inputs(url: str, cache: Path) -> Path:
    """Download what changed under `url` since the last mirror into `cache/raw`; return that folder."""
    fs, root = _filesystem(url)
    local = cache / "raw"
    manifest_path = cache / MIRROR_MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    listing = {path[len(root) + 1:]: info for path, info in fs.find(root, detail=True).items()
               if info.get("type") == "file"}
    for relative, info in sorted(listing.items()):
        tag = _tag(info)
        target = local / relative
        if manifest.get(relative) == tag and target.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.part")
        fs.get_file(f"{root}/{relative}", str(partial))
        modified = _modified(info)
        if modified is not None:  # so that a backfill --by mtime sees the remote file's time
            os.utime(partial, (modified, modified))
        os.replace(partial, target)
        manifest[relative] = tag
    for relative in set(manifest) - set(listing):
        (local / relative).unlink(missing_ok=True)
        del manifest[relative]
    local.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, sort_keys=True))
    return local


def _filesystem(url: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem of `url` and the path in it, with no listing cached from an earlier call
    (another machine may have written since)."""
    fs, root = fsspec.core.url_to_fs(url)
    fs.invalidate_cache()
    return fs, root.rstrip("/")


def _modified(info: dict) -> float | None:
    """A remote file's modification time in Unix seconds, when its filesystem tells."""
    moment = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
    if isinstance(moment, dt.datetime):
        return moment.timestamp()
    return float(moment) if isinstance(moment, (int, float)) else None


def _tag(info: dict) -> str:
    """What tells one remote file's content from another's without reading it."""
    etag = info.get("ETag") or info.get("etag")
    return str(etag) if etag else f"{info.get('size')}:{_modified(info)}"


def remote_version(url: str) -> str | None:
    """The committed version's name at the output location `url`, or None before the first."""
    fs, root = _filesystem(url)
    pointer = f"{root}/{CURRENT}"
    return fs.cat_file(pointer).decode().strip() if fs.exists(pointer) else None


def pull(url: str, dataset: Dataset) -> None:
    """Make the local working copy `dataset` hold the committed version at `url` (nothing to do
    when it already does). A local version that never reached `url` is dropped: the location is
    the truth, and the ledger there says what the next run still has to do. Call under the lock."""
    wanted = remote_version(url)
    if (dataset.current.name if dataset.current else None) == wanted:
        return
    for leftover in (dataset.out / CURRENT, dataset.out / TEMPLATES_FILE):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(dataset.out / VERSIONS, ignore_errors=True)
    if wanted is None:
        return
    fs, root = _filesystem(url)
    version = Version(dataset, dataset.out / VERSIONS / wanted)
    fs.get(f"{root}/{VERSIONS}/{wanted}/", str(version.folder), recursive=True)
    if fs.exists(f"{root}/{TEMPLATES_FILE}"):
        fs.get_file(f"{root}/{TEMPLATES_FILE}", str(dataset.out / TEMPLATES_FILE))
    version.commit()


def publish(dataset: Dataset, url: str) -> bool:
    """Upload the working copy's committed version to `url` and make it current there; False
    when `url` already has it. Files the version kept unchanged from the one at `url` (hard links
    locally) are copied within the store instead of uploaded. Call under the lock."""
    current = dataset.current
    published = remote_version(url)
    if current is None or current.name == published:
        return False
    fs, root = _filesystem(url)
    target = f"{root}/{VERSIONS}/{current.name}"
    if fs.exists(target):
        fs.rm(target, recursive=True)  # an upload cut short before its `_current` write
    previous = dataset.out / VERSIONS / published if published else None
    for path in sorted(p for p in current.rglob("*") if p.is_file()):
        relative = path.relative_to(current).as_posix()
        kept = previous / relative if previous else None
        if kept is not None and kept.exists() and os.path.samefile(kept, path):
            fs.copy(f"{root}/{VERSIONS}/{published}/{relative}", f"{target}/{relative}")
        else:
            fs.put_file(str(path), f"{target}/{relative}")
    if (dataset.out / TEMPLATES_FILE).exists():
        fs.put_file(str(dataset.out / TEMPLATES_FILE), f"{root}/{TEMPLATES_FILE}")
    _point_at(fs, root, current.name)
    _drop_old_versions(fs, root, current.name, published)
    return True


def _point_at(fs, root: str, version: str) -> None:
    """Write `_current`: the commit at the output location, after every file of `version`."""
    fs.pipe_file(f"{root}/{CURRENT}", version.encode())


def _drop_old_versions(fs, root: str, current: str, previous: str | None) -> None:
    """Remove remote versions other than the current one and the one before it (kept a run
    longer for readers that listed its files just before the commit)."""
    keep = {current, previous}
    for path in fs.ls(f"{root}/{VERSIONS}", detail=False):
        if path.rstrip("/").rsplit("/", 1)[-1] not in keep:
            fs.rm(path, recursive=True)
