"""The rules layer: cut the lines that a line rule of the rules file matches in full wherever they
stand (share bars, calls to action, image names and credits, video stubs), and the headings of page
furniture (break rules: "Most read", "Tags") with the short items under them.
"""
from __future__ import annotations

from textwash.cleaning.layer import Layer, PageState
from textwash.cleaning.line_classes import is_menu_item
from textwash.cleaning.ruleset import BreakRule, RuleSet
from textwash.model.page import Line, Page


def apply_line_rules(page: Page, rules: RuleSet) -> None:
    """Remove every kept line that a line rule or a break rule (a heading of page furniture)
    matches in full."""
    for index, line in enumerate(page.lines):
        if not line.kept:
            continue
        words, text = line.words, line.text
        for rule in rules.possible(line, rules.line_rules):
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
            if (heading := matching_break(line, rules)) is not None:
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


def matching_break(line: Line, rules: RuleSet) -> BreakRule | None:
    """The break rule (a comments or "most read" heading) the line matches, if any."""
    words = line.words
    for rule in rules.possible(line, rules.break_rules):
        if words <= rule.max_words and rule.pattern.fullmatch(line.text):
            return rule
    return None


class LineRulesLayer(Layer):
    name = "rules"
    family = None  # the rules file's own reasons

    def apply(self, state: PageState) -> None:
        apply_line_rules(state.page, state.rules)
