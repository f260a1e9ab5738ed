"""Load boilerplate rules from their data file and compile them once per process."""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TypeVar

from textwash.cleaning.screen import RuleScreen
from textwash.model.page import Line


@dataclass(frozen=True)
class Rule:
    """What every rule has: its name in the rules file, the removal reason of what it cuts, and one
    alternation of all its patterns, anchored to the line."""
    name: str
    reason: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class LineRule(Rule):
    max_words: int | None = None
    with_previous: int | None = None


@dataclass(frozen=True)
class EndRule(Rule):
    min_lines_before: int


@dataclass(frozen=True)
class BreakRule(Rule):
    max_words: int
    closes: bool = True  # the heading usually ends the article (a time stamp in a live blog does not)
    ends: bool = False  # once the article has begun, what follows the heading is never article (comments)


R = TypeVar("R", bound=Rule)


@dataclass(frozen=True)
class RuleSet:
    line_rules: tuple[LineRule, ...]
    end_rules: tuple[EndRule, ...]
    break_rules: tuple[BreakRule, ...] = ()
    # Which rules may match a line, told in one pass over it (cleaning/screen.py); where each group
    # of rules stands among the screen's bits; and for each group and set of bits, its rules left.
    _screen: RuleScreen = field(init=False, repr=False, compare=False)
    _bits_of: dict[int, tuple[int, int]] = field(init=False, repr=False, compare=False, default_factory=dict)
    _leaving: dict[tuple[int, int], tuple] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        offset = 0
        for group in (self.line_rules, self.break_rules, self.end_rules):
            self._bits_of[id(group)] = (offset, (1 << len(group)) - 1)
            offset += len(group)
        rules = self.line_rules + self.break_rules + self.end_rules
        object.__setattr__(self, "_screen", RuleScreen([rule.pattern for rule in rules]))

    def possible(self, line: Line, group: tuple[R, ...]) -> tuple[R, ...]:
        """The rules of `group` (this set's line, break or end rules, in order) that may match the
        line's text in full: the others cannot, and need not be tried."""
        told_for = line.rule_bits_for
        if told_for is None or told_for[0] is not line.text or told_for[1] is not self._screen:
            line.rule_bits, line.rule_bits_for = self._screen.possible(line.text), (line.text, self._screen)
        offset, width = self._bits_of[id(group)]
        bits = line.rule_bits >> offset & width
        if not bits:
            return ()
        leaving = self._leaving.get((offset, bits))
        if leaving is None:
            leaving = self._leaving[offset, bits] = tuple(rule for i, rule in enumerate(group) if bits >> i & 1)
        return leaving


def _compile(name: str, patterns: list[str]) -> re.Pattern[str]:
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"rule {name!r}: bad pattern: {exc}") from None


def parse_rules(text: str) -> RuleSet:
    """Build a RuleSet from the TOML text of a rules file."""
    data = tomllib.loads(text)
    line_rules = tuple(
        LineRule(
            name=r["name"],
            reason=r["reason"],
            pattern=_compile(r["name"], r["patterns"]),
            max_words=r.get("max_words"),
            with_previous=r.get("with_previous"),
        )
        for r in data.get("line", [])
    )
    end_rules = tuple(
        EndRule(r["name"], r["reason"], _compile(r["name"], r["patterns"]), r.get("min_lines_before", 3))
        for r in data.get("end", [])
    )
    break_rules = tuple(
        BreakRule(r["name"], r["reason"], _compile(r["name"], r["patterns"]), r.get("max_words", 12), r.get("closes", True),
                  r.get("ends", False))
        for r in data.get("break", [])
    )
    return RuleSet(line_rules, end_rules, break_rules)


@functools.cache
def load_rules(path: str | None = None) -> RuleSet:
    """The rules in `path`, or the packaged default rules; compiled once per process."""
    if path is None:
        text = resources.files("textwash.cleaning").joinpath("rules/boilerplate.toml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_rules(text)
