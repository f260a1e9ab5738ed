"""The end-rules layer: find the note that closes the article (republication, copyright,
reporting credits) and cut it and all after it.
"""
from __future__ import annotations

from collections.abc import Callable

from textwash.cleaning.layer import Layer, PageState
from textwash.cleaning.line_classes import LineClass
from textwash.cleaning.ruleset import RuleSet
from textwash.model.page import Line, Page
from textwash.reasons import AFTER_END, after_end

# A line of at least this many words counts as prose for the end rules' "article has begun" test.
PROSE_WORDS = 10


def is_long_line(line: Line) -> bool:
    return line.words >= PROSE_WORDS


def apply_end_rules(page: Page, rules: RuleSet, is_prose: Callable[[Line], bool] = is_long_line,
                    extracted: bool = False) -> None:
    """Cut from the first end-of-article note to the end of the page.

    A note counts only once enough prose (by `is_prose`) stands before it, so a notice at the top
    of a page or among its headline lists cannot swallow the article. Lines an earlier step
    already removed (a credit line read for its authors) still count as notes.

    On an `extracted` page (an HTML page's main text: the extractor already left the page's footer
    out) a note also needs less prose after it than before it: a notice early in a long document
    (a standard's copyright section, a post's licence line above the next post) is not its end.
    """
    prose_before = 0
    for index, line in enumerate(page.lines):
        if not line.text:
            continue
        for rule in rules.possible(line, rules.end_rules):
            if prose_before >= rule.min_lines_before and rule.pattern.fullmatch(line.text):
                if extracted and sum(later.kept and is_prose(later) for later in page.lines[index + 1:]) >= prose_before:
                    continue
                page.cut(line, rule.reason)
                for later in page.lines[index + 1:]:
                    page.cut(later, after_end(rule.reason))
                return
        if line.kept and is_prose(line):
            prose_before += 1


class EndRulesLayer(Layer):
    name = "end-rules"
    family = AFTER_END  # and the closing note's own rule reason

    def apply(self, state: PageState) -> None:
        classes = state.classes
        apply_end_rules(state.page, state.rules, is_prose=lambda line: classes.get(line.number) is LineClass.GOOD,
                        extracted=state.extracted)
