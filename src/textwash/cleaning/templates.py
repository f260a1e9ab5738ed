"""Site templates: a line that recurs across many documents of one site is the site's template.

Menus, footers, newsletter boxes and legal lines repeat on every page of a site, whatever the
wording; counting how many of a site's documents carry each line finds them without a rule. A
site is the url's host when the url is known, else the folder the input came from.

Learning is a pure function over a batch of pages plus a small state (per site: how many
documents were seen, and in how many of them each line stood, lines kept as short hashes). The
state is plain JSON, so a run can keep it in its output folder and the next run over the same
sites starts from what was learned.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from textwash.atomic import atomic_text
from textwash.model.page import Page
from textwash.model.record import url_site
from textwash.cleaning.layer import Layer, PageState
from textwash.reasons import TEMPLATE, TEMPLATE_FAMILY

# A line is template once it stood in at least this many documents of its site...
MIN_DOCUMENTS = 3
# ...and in at least this share of the site's documents (a folder of many sites shares little).
MIN_SHARE = 0.3
# Lines longer than this are prose: a site repeating a paragraph is rare, and costly to cut.
MAX_WORDS = 40
# Per site, at most this many line counts are kept; the rarest lines are dropped first.
MAX_LINES_PER_SITE = 20_000
STATE_VERSION = 1

_DIGITS = re.compile(r"\d+")


def site_of(source: str, url: str | None = None) -> str:
    """The site a document belongs to: the url's host, else the folder of its source path.

    >>> site_of("blog/2024/post.txt"), site_of("blog/post.txt", "https://www.example.org/p")
    ('blog/2024', 'example.org')
    """
    return url_site(url) or str(PurePosixPath(source.replace("\\", "/")).parent)


def line_key(text: str) -> int | None:
    """A short, stable key for a line (64 bits of its hash): case, spacing and numbers (dates,
    counts) do not matter; a line of more than MAX_WORDS words has none.

    >>> line_key("Posted  3 May 2024") == line_key("posted 14 may 2025")
    True
    >>> line_key("")
    """
    words = text.split()
    if not text or len(words) > MAX_WORDS:
        return None
    normal = _DIGITS.sub("0", " ".join(words).lower())
    return int.from_bytes(hashlib.blake2b(normal.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass(eq=False)  # arrays have no single truth value: compare to_json() instead
class SiteCounts:
    """What a site's documents hold: how many were counted, and per line key in how many of them
    the line stood. Keys and counts are arrays (sorted by key), not a dict: a site keeps up to
    MAX_LINES_PER_SITE of them, and at 100,000 documents over 100 sites a dict of hex strings took
    74 MB where arrays take 12 bytes a key."""
    documents: int = 0
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    counts: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    # Short digests of the documents counted, so a rerun over the same inputs counts nothing twice.
    seen: set[str] = field(default_factory=set)
    # Each added document's keys, until they are counted in (one pass per batch, not per document).
    pending: list[np.ndarray] = field(default_factory=list, repr=False)

    def add(self, keys: np.ndarray, counts: np.ndarray) -> None:
        """Add `counts` for `keys` (distinct) to the site's counts; the rarest lines past
        MAX_LINES_PER_SITE are dropped."""
        self.settle()
        merged, position = np.unique(np.concatenate([self.keys, keys]), return_inverse=True)
        totals = np.zeros(len(merged), np.int64)
        np.add.at(totals, position, np.concatenate([self.counts, counts]))
        self.keys, self.counts = merged, totals
        if len(self.keys) > MAX_LINES_PER_SITE:
            kept = np.sort(np.argsort(-self.counts, kind="stable")[:MAX_LINES_PER_SITE])
            self.keys, self.counts = self.keys[kept], self.counts[kept]

    def to_json(self) -> dict:
        self.settle()
        order = np.argsort(-self.counts, kind="stable")  # the most frequent first, as always saved
        return {"documents": self.documents,
                "lines": {f"{key:016x}": count for key, count in zip(self.keys[order].tolist(),
                                                                    self.counts[order].tolist())},
                "seen": sorted(self.seen)}

    def settle(self) -> None:
        """Count the pending documents' keys in."""
        if self.pending:
            keys, counts = np.unique(np.concatenate(self.pending), return_counts=True)
            self.pending = []
            self.add(keys, counts.astype(np.int64))


@dataclass
class TemplateState:
    sites: dict[str, SiteCounts] = field(default_factory=dict)

    def add_document(self, site: str, digest: str, texts: Iterable[str]) -> None:
        counts = self.sites.setdefault(site, SiteCounts())
        if digest in counts.seen:
            return
        counts.seen.add(digest)
        counts.documents += 1
        keys = {key for text in texts if (key := line_key(text)) is not None}
        counts.pending.append(np.fromiter(keys, np.uint64, count=len(keys)))

    def merge(self, other: TemplateState) -> None:
        """Add `other`'s counts; `other` must count other documents (see `learn`'s `known`)."""
        for site, theirs in other.sites.items():
            theirs.settle()
            ours = self.sites.setdefault(site, SiteCounts())
            ours.documents += theirs.documents
            ours.seen |= theirs.seen
            ours.add(theirs.keys, theirs.counts)

    def template_keys(self, site: str) -> frozenset[int]:
        counts = self.sites.get(site)
        if counts is None:
            return frozenset()
        counts.settle()
        needed = max(MIN_DOCUMENTS, MIN_SHARE * counts.documents)
        return frozenset(counts.keys[counts.counts >= needed].tolist())

    def to_json(self) -> dict:
        return {"version": STATE_VERSION, "sites": {site: counts.to_json() for site, counts in self.sites.items()}}

    @classmethod
    def from_json(cls, data: dict) -> TemplateState:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"template state version {data.get('version')!r}, expected {STATE_VERSION}")
        state = cls()
        for site, saved in data["sites"].items():
            counts = state.sites[site] = SiteCounts(saved["documents"], seen=set(saved["seen"]))
            lines = saved["lines"]
            counts.add(np.fromiter((int(key, 16) for key in lines), np.uint64, count=len(lines)),
                       np.fromiter(lines.values(), np.int64, count=len(lines)))
        return state


def document_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def learn(pages: Iterable[tuple[str, str, list[str]]], known: TemplateState | None = None) -> TemplateState:
    """Count the lines of `pages` ((site, document digest, lines)) into a new state, skipping the
    documents `known` has already counted."""
    state = TemplateState()
    for site, digest, texts in pages:
        if known is not None and digest in known.sites.get(site, SiteCounts()).seen:
            continue
        state.add_document(site, digest, texts)
    return state


def apply_site_templates(page: Page, template_keys: frozenset[int]) -> None:
    """Remove every kept line whose key is one of the site's template lines."""
    if not template_keys:
        return
    for line in page.kept():
        if line_key(line.text) in template_keys:
            page.cut(line, TEMPLATE)


def load_state(path: Path) -> TemplateState:
    """The state saved at `path`; an empty state when there is none yet."""
    if not path.exists():
        return TemplateState()
    return TemplateState.from_json(json.loads(path.read_text(encoding="utf-8")))


def save_state(state: TemplateState, path: Path) -> None:
    """Write the state through a temporary file and a rename, so a reader never sees half of it."""
    with atomic_text(path) as out:
        # A site at a time: the whole state as one JSON value would take ten times its size.
        out.write(f'{{"version":{STATE_VERSION},"sites":{{')
        for number, (site, counts) in enumerate(state.sites.items()):
            out.write(("," if number else "") + json.dumps(site) + ":")
            json.dump(counts.to_json(), out, separators=(",", ":"))
        out.write("}}")


class TemplatesLayer(Layer):
    name = "templates"
    family = TEMPLATE_FAMILY

    def apply(self, state: PageState) -> None:
        apply_site_templates(state.page, state.template_keys)
