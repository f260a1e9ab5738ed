"""Clean: mark the page chrome in a Page as removed, each line with its reason.

Two passes driven by the rules file: line rules remove lines that are chrome wherever they stand
(share bars, calls to action, image names and credits, video stubs); end rules find the note that
closes the article (republication, copyright, reporting credits) and remove it and all after it.
"""
from __future__ import annotations

from collections.abc import Callable

from textwash.clean.line_classes import is_menu_item
from textwash.model.page import Line, Page
from textwash.clean.ruleset import BreakRule, RuleSet

# A line of at least this many words counts as prose for the end rules' "article has begun" test.
PROSE_WORDS = 10
# The reason of the lines after an end-of-article note (the model layer may take them back).
AFTER_END = "after end of article"


def apply_line_rules(page: Page, rules: RuleSet) -> None:
    """Remove every kept line that a line rule or a break rule (a heading of page furniture)
    matches in full."""
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
        else:
            if (heading := matching_break(line, rules.break_rules)) is not None:
                page.cut(line, heading.reason)
                if heading.closes:
                    _cut_items_under(page, index, heading.reason)


def _cut_items_under(page: Page, index: int, reason: str) -> None:
    """Cut the run of menu-like lines right under a heading of page furniture (the
    headlines of a "Most read" box, the tags under "Tags"), with the heading's reason."""
    for line in page.lines[index + 1:]:
        if not line.kept:
            continue  # an item a line rule already took
        if not is_menu_item(line):
            return
        page.cut(line, reason)


def matching_break(line: Line, break_rules: tuple[BreakRule, ...]) -> BreakRule | None:
    """The break rule (a comments or "most read" heading) the line matches, if any."""
    for rule in break_rules:
        if line.words <= rule.max_words and rule.pattern.fullmatch(line.text):
            return rule
    return None


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
                    page.cut(later, f"{AFTER_END} ({rule.reason})")
                return
        if line.kept and is_prose(line):
            prose_before += 1
