"""The site templates a dataset has learned: saved beside it, read by every batch of a run."""
from __future__ import annotations

import functools
import logging
from pathlib import Path

from textwash.cleaning.templates import TemplateState, load_state, save_state
from textwash.dataset.store import Dataset

TEMPLATES_FILE = "site-templates.json"

log = logging.getLogger(__name__)


def load_templates(dataset: Dataset) -> TemplateState:
    """The site-template line counts that earlier runs learned into this output folder. Read once
    per process and version of the file (every batch of a run reads the same file, which only a
    commit rewrites): callers must not change the state they get."""
    path = dataset.out / TEMPLATES_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return TemplateState()
    return _load_state_once(path, (stat.st_ino, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4)
def _load_state_once(path: Path, identity: tuple[int, int, int]) -> TemplateState:
    """`identity` (inode, modification time, size) tells versions of the file apart: a save
    replaces it with a new file."""
    return load_state(path)


def save_templates(dataset: Dataset, learned: TemplateState) -> None:
    """Add what a committed run learned to the saved counts (a cache: losing it costs only recall
    of template lines, never records)."""
    known = load_state(dataset.out / TEMPLATES_FILE)  # a copy of its own: the cached one stays as read
    known.merge(learned)
    try:
        save_state(known, dataset.out / TEMPLATES_FILE)
    except OSError as exc:  # the run's records are committed; only the cache update is lost
        log.warning("site templates not saved (%s): the next run learns them again", exc)
