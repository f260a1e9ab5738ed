"""Clean: mark the page chrome in a Page as removed, each line with its reason.

Two passes driven by the rules file: line rules remove lines that are chrome wherever they stand
(share bars, calls to action, image names and credits, video stubs); end rules find the note that
closes the article (republication, copyright, reporting credits) and remove it and all after it.
"""
from __future__ import annotations

from collections.abc import Callable

from textwash.lines import Line, Page
from textwash.rules import RuleSet

# A line of at least this many words counts as prose for the end rules' "article has begun" test.
PROSE_WORDS = 10


def apply_line_rules(page: Page, rules: RuleSet) -> None:
    """Remove every kept line that a line rule matches in full."""
    for index, line in enumerate(page.lines):
        if not line.kept:
            continue
        words, text = line.words, line.text
        for rule in rules.line_rules:
            if rule.max_words is not None and words > rule.max_words:
                continue
            if rule.pattern.fullmatch(text):
                page.cut(line, rule.reason)
                if rule.with_previous and index > 0:
                    previous = page.lines[index - 1]
                    if previous.kept and previous.words <= rule.with_previous:
                        page.cut(previous, rule.reason)
                break


def is_long_line(line: Line) -> bool:
    return line.words >= PROSE_WORDS


def apply_end_rules(page: Page, rules: RuleSet, is_prose: Callable[[Line], bool] = is_long_line) -> None:
    """Cut from the first end-of-article note to the end of the page.

    A note counts only once enough prose (by `is_prose`) stands before it, so a notice at the top
    of a page or among its headline lists cannot swallow the article. Lines an earlier step
    already removed (a credit line read for its authors) still count as notes.
    """
    prose_before = 0
    for index, line in enumerate(page.lines):
        if not line.text:
            continue
        for rule in rules.end_rules:
            if prose_before >= rule.min_lines_before and rule.pattern.fullmatch(line.text):
                page.cut(line, rule.reason)
                for later in page.lines[index + 1:]:
                    page.cut(later, f"after end of article ({rule.reason})")
                return
        if line.kept and is_prose(line):
            prose_before += 1
