"""Load boilerplate rules from their data file and compile them once per process."""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


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


@dataclass(frozen=True)
class RuleSet:
    line_rules: tuple[LineRule, ...]
    end_rules: tuple[EndRule, ...]
    break_rules: tuple[BreakRule, ...] = ()


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
