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
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from textwash.lines import Page

# A line is template once it stood in at least this many documents of its site...
MIN_DOCUMENTS = 3
# ...and in at least this share of the site's documents (a folder of many sites shares little).
MIN_SHARE = 0.3
# Lines longer than this are prose: a site repeating a paragraph is rare, and costly to cut.
MAX_WORDS = 40
# Per site, at most this many line counts are kept; the rarest lines are dropped first.
MAX_LINES_PER_SITE = 20_000
STATE_VERSION = 1
REASON = "site template: recurs across the site's documents"

_DIGITS = re.compile(r"\d+")


def site_of(source: str, url: str | None = None) -> str:
    """The site a document belongs to: the url's host, else the folder of its source path."""
    if url:
        host = urlsplit(url).hostname
        if host:
            return host.removeprefix("www.")
    return str(PurePosixPath(source.replace("\\", "/")).parent)


def line_key(text: str) -> str | None:
    """A short, stable key for a line: case, spacing and numbers (dates, counts) do not matter."""
    words = text.split()
    if not text or len(words) > MAX_WORDS:
        return None
    normal = _DIGITS.sub("0", " ".join(words).lower())
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class SiteCounts:
    documents: int = 0
    lines: dict[str, int] = field(default_factory=dict)
    # Short digests of the documents counted, so a rerun over the same inputs counts nothing twice.
    seen: set[str] = field(default_factory=set)


@dataclass
class TemplateState:
    sites: dict[str, SiteCounts] = field(default_factory=dict)

    def add_document(self, site: str, digest: str, texts: Iterable[str]) -> None:
        counts = self.sites.setdefault(site, SiteCounts())
        if digest in counts.seen:
            return
        counts.seen.add(digest)
        counts.documents += 1
        for key in {key for text in texts if (key := line_key(text))}:
            counts.lines[key] = counts.lines.get(key, 0) + 1

    def merge(self, other: TemplateState) -> None:
        """Add `other`'s counts; `other` must count other documents (see `learn`'s `known`)."""
        for site, theirs in other.sites.items():
            ours = self.sites.setdefault(site, SiteCounts())
            ours.documents += theirs.documents
            ours.seen |= theirs.seen
            for key, count in theirs.lines.items():
                ours.lines[key] = ours.lines.get(key, 0) + count
            if len(ours.lines) > MAX_LINES_PER_SITE:  # a run's counts stay as bounded as the saved ones
                ours.lines = _most_frequent(ours.lines)

    def template_keys(self, site: str) -> frozenset[str]:
        counts = self.sites.get(site)
        if counts is None:
            return frozenset()
        needed = max(MIN_DOCUMENTS, MIN_SHARE * counts.documents)
        return frozenset(key for key, count in counts.lines.items() if count >= needed)

    def to_json(self) -> dict:
        sites = {}
        for site, counts in self.sites.items():
            sites[site] = {"documents": counts.documents, "lines": _most_frequent(counts.lines),
                           "seen": sorted(counts.seen)}
        return {"version": STATE_VERSION, "sites": sites}

    @classmethod
    def from_json(cls, data: dict) -> TemplateState:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"template state version {data.get('version')!r}, expected {STATE_VERSION}")
        return cls({
            site: SiteCounts(v["documents"], dict(v["lines"]), set(v["seen"])) for site, v in data["sites"].items()
        })


def _most_frequent(lines: dict[str, int]) -> dict[str, int]:
    """The MAX_LINES_PER_SITE most frequent of a site's line counts."""
    return dict(sorted(lines.items(), key=lambda item: -item[1])[:MAX_LINES_PER_SITE])


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


def apply_site_templates(page: Page, template_keys: frozenset[str]) -> None:
    """Remove every kept line whose key is one of the site's template lines."""
    if not template_keys:
        return
    for line in page.kept():
        if line_key(line.text) in template_keys:
            page.cut(line, REASON)


def load_state(path: Path) -> TemplateState:
    """The state saved at `path`; an empty state when there is none yet."""
    if not path.exists():
        return TemplateState()
    return TemplateState.from_json(json.loads(path.read_text(encoding="utf-8")))


def save_state(state: TemplateState, path: Path) -> None:
    """Write the state through a temporary file and a rename, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(state.to_json(), out, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
