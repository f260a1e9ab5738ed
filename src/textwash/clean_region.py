"""Article region: the one stretch of the page where the article's prose stands.

Each kept line scores for or against being article: a prose line (class good) by its size, a
chrome line (class bad) against by its size, at least BAD_FLOOR. The stretch of lines with the
highest total (a maximum-sum run) is the article; what stands before it is page header and
navigation, what stands after it is footer, related links and comments. A page whose prose is
interrupted by a menu or a teaser block keeps both halves whenever the prose on the far side
outweighs the interruption.
"""
from __future__ import annotations

from textwash.clean_lines import LineClass, line_size
from textwash.lines import Page

# Every chrome line costs at least this much, so a long run of one-word links is a real gap.
BAD_FLOOR = 12.0

BEFORE = "article region: before the article (page header, navigation)"
AFTER = "article region: after the article (footer, related links, comments)"


def line_score(size: float, cls: LineClass) -> float:
    return size if cls is LineClass.GOOD else -max(BAD_FLOOR, size)


def article_span(scores: list[float]) -> tuple[int, int] | None:
    """The half-open range [start, end) of `scores` with the largest sum, or None if none is positive."""
    best, best_span = 0.0, None
    total, start = 0.0, 0
    for i, score in enumerate(scores):
        if total <= 0:
            total, start = 0.0, i
        total += score
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


def apply_article_region(page: Page, classes: dict[int, LineClass]) -> None:
    """Remove every kept line outside the article region; leave the page alone if no prose is found."""
    kept = page.kept()
    scores = [line_score(line_size(line.text), classes.get(line.number, LineClass.BAD)) for line in kept]
    span = article_span(scores)
    if span is None:
        return
    start, end = span
    for line in kept[:start]:
        page.cut(line, BEFORE)
    for line in kept[end:]:
        page.cut(line, AFTER)
