"""Repeats: a line whose words already stood in the kept text is a second copy, not new content.

Page dumps repeat things: the standfirst again as a share blurb, a truncated copy of the first
paragraph as a teaser ("Good morning! This is…"), the whole body once more as one long line from a
page's embedded data. The first kept copy stays; later lines made mostly of 4-word runs already
seen leave with the reason below. Runs on the article region, so the first copy is the article's.
"""
from __future__ import annotations

from textwash.lines import Line, Page

SHINGLE = 4
# Share of a line's 4-word runs that must already have been seen for it to count as a repeat.
REPEATED_SHARE = 0.8
REASON = "repeat of earlier text"
TITLE = "metadata: title"


def _shingles(line: Line) -> list[tuple[str, ...]]:
    tokens = line.lowered
    if len(tokens) < SHINGLE:
        return [tuple(tokens)] if tokens else []
    return list(zip(*(tokens[i:] for i in range(SHINGLE))))


def apply_repeats(page: Page) -> None:
    # The title, read as metadata, counts as seen: a page often prints it again further down.
    seen: set[tuple[str, ...]] = {
        shingle for line in page.lines if line.reason == TITLE for shingle in _shingles(line)
    }
    for line in page.kept():
        shingles = _shingles(line)
        if shingles and sum(s in seen for s in shingles) >= REPEATED_SHARE * len(shingles):
            page.cut(line, REASON)
            continue
        seen.update(shingles)
