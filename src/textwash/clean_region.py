"""Article region: the one stretch of the page where the article's prose stands.

Each kept line scores for or against being article: a prose line (class good) by its size, a
chrome line (class bad) against by its size, at least BAD_FLOOR. The stretch of lines with the
highest total (a maximum-sum run) is the article; what stands before it is page header and
navigation, what stands after it is footer, related links and comments. A page whose prose is
interrupted by a menu or a teaser block keeps both halves whenever the prose on the far side
outweighs the interruption. Headings that open page furniture (tags, comments, "most read") are
break lines from the rules file, with a high cost of their own.
"""
from __future__ import annotations

from textwash.clean_lines import LineClass, is_menu_item
from textwash.lines import Line, Page
from textwash.rules import BreakRule

# Every chrome line costs at least this much, so a long run of one-word links is a real gap.
BAD_FLOOR = 12.0

# A line the rules removed (a "Read more" link, a caption) is a small gap in the prose.
CUT_LINE_COST = 2.0

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


def is_chrome_cut(reason: str | None) -> bool:
    """A removal for being page chrome, as opposed to being read as metadata."""
    return reason is not None and not reason.startswith("metadata")


def matching_break(line: Line, break_rules: tuple[BreakRule, ...]) -> BreakRule | None:
    for rule in break_rules:
        if line.words <= rule.max_words and rule.pattern.fullmatch(line.text):
            return rule
    return None


def first_closing_break(scores: list[float], breaks: list[BreakRule | None], start: int, end: int) -> int:
    """Where the article ends: at the first break line inside [start, end) with at least as much
    prose before it as after it (a comments or "more stories" heading closes the article even when
    the teasers after it are long); `end` when there is none."""
    for i in range(start, end):
        if breaks[i] is not None and breaks[i].closes:
            before = sum(score for score in scores[start:i] if score > 0)
            after = sum(score for score in scores[i + 1:end] if score > 0)
            if before >= after:
                return i
    return end


def apply_article_region(page: Page, classes: dict[int, LineClass], break_rules: tuple[BreakRule, ...] = ()) -> None:
    """Remove every kept line outside the article region; leave the page alone if no prose is found.

    A line a break rule matches (a "Most read" or comments heading) costs its rule's penalty, so the
    region reaches across it only for a great deal of prose; it never stays itself.
    """
    # Lines the rules already removed as chrome still stand between the lines around them.
    lines = [line for line in page.lines if line.kept or (line.text and is_chrome_cut(line.reason))]
    breaks = [matching_break(line, break_rules) if line.kept else None for line in lines]
    scores = [
        -rule.penalty if rule
        else line_score(line.size, classes.get(line.number, LineClass.BAD)) if line.kept
        else -CUT_LINE_COST
        for line, rule in zip(lines, breaks)
    ]
    span = article_span(scores)
    if span is None:
        return
    start, end = span
    end = first_closing_break(scores, breaks, start, end)
    # Break lines inside the article, and the one that closes it, leave with their own reason,
    # together with the list of short items under them (the box's headlines).
    heading: BreakRule | None = None
    for line, rule in zip(lines[start:end + 1], breaks[start:end + 1]):
        if rule:
            heading = rule
        elif heading and (not line.kept or is_menu_item(line)):
            pass  # still under the heading: page.cut leaves lines already removed as they are
        else:
            heading = None
        if heading:
            page.cut(line, heading.reason)
    for line in lines[:start]:
        page.cut(line, BEFORE)
    for line in lines[end:]:
        page.cut(line, AFTER)
