"""The rule screen (cleaning/screen.py): it may let a rule through that does not match, never hold
back one that does, so the rules cut exactly what they cut without it."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from textwash.cleaning import screen
from textwash.cleaning.ruleset import load_rules, parse_rules
from textwash.cleaning.screen import RuleScreen
from textwash.document import process_batch
from textwash.model.page import Line, Page

needs_hyperscan = pytest.mark.skipif(screen.hyperscan is None, reason="Hyperscan is not installed here")

TRAINING = Path(__file__).parent.parent / "train" / "data"
RULES = load_rules()
ALL_RULES = RULES.line_rules + RULES.break_rules + RULES.end_rules


def _dump_lines() -> list[str]:
    """Every line of the html-text dumps of the training pages: three sets, some ten languages."""
    lines = []
    for path in sorted(TRAINING.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as rows:
            for row in map(json.loads, rows):
                if row["style"] == "text":
                    lines += [line.text for line in Page.from_text(row["dump"]).lines if line.text]
    return lines


@needs_hyperscan
def test_no_rule_that_matches_a_line_of_a_real_page_is_screened_out():
    lines = _dump_lines()
    matched = possible = 0
    for text in lines:
        bits = RULES._screen.possible(text)
        for index, rule in enumerate(ALL_RULES):
            if rule.pattern.fullmatch(text):
                matched += 1
                assert bits >> index & 1, (rule.name, text)
        possible += bin(bits).count("1")
    assert len(lines) > 20_000 and matched > 500
    # and it screens: most lines leave no rule to try
    assert possible < len(lines) / 4


@needs_hyperscan
@pytest.mark.parametrize("text", [
    "ſhare",  # re folds the long s to "s": the lower-casing does not
    "SHARE ON FACEBOOK",
    "Photo: Jane Doe / Agency",
    "Sign up to our daily newsletter for the latest news",
    "Reply",
    "© 2024 The Daily Paper. All rights reserved.",
    "Ｓｈａｒｅ",  # fullwidth letters: no rule matches them, and none must be assumed to
])
def test_a_rule_that_matches_passes_the_screen(text):
    bits = RULES._screen.possible(text)
    for index, rule in enumerate(ALL_RULES):
        if rule.pattern.fullmatch(text):
            assert bits >> index & 1, rule.name


@needs_hyperscan
def test_text_hyperscan_cannot_read_passes_every_rule():
    assert RULES._screen.possible("Share \ud800") == RULES._screen.every


def test_the_samples_are_cleaned_the_same_with_and_without_the_screen(monkeypatch, sample_paths):
    root = sample_paths[0].parent
    names = [path.name for path in sample_paths]
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    screened = process_batch(root, names, now).documents
    monkeypatch.setattr(RuleScreen, "possible", lambda self, text: self.every)
    unscreened = process_batch(root, names, now).documents
    assert [doc["removed"] for doc in screened] == [doc["removed"] for doc in unscreened]
    assert [doc["text"] for doc in screened] == [doc["text"] for doc in unscreened]


def test_without_hyperscan_every_rule_is_tried(monkeypatch):
    monkeypatch.setattr(screen, "hyperscan", None)
    unscreened = RuleScreen([re.compile("advertisement", re.IGNORECASE)])
    assert unscreened.possible("The council met on Tuesday.") == 1


@needs_hyperscan
def test_the_compiled_screen_is_cached_and_a_damaged_cache_is_rebuilt(monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTWASH_CACHE", str(tmp_path))
    patterns = [re.compile(r"(\d+ )?comments?", re.IGNORECASE), re.compile("tags?:.*", re.IGNORECASE)]
    first = RuleScreen(patterns)
    [cached] = tmp_path.glob("rule-screen-*.hsdb")
    assert RuleScreen(patterns).possible("12 Comments") == first.possible("12 Comments") == 1
    cached.write_bytes(b"not a database")
    assert RuleScreen(patterns).possible("Tags: politics") == 2
    assert cached.read_bytes() != b"not a database"


@needs_hyperscan
def test_a_rule_set_tries_only_what_its_screen_lets_through():
    rules = parse_rules("[[line]]\nname = 'ad'\nreason = 'ad'\npatterns = ['advertisement']\n"
                        "[[line]]\nname = 'credit'\nreason = 'credit'\npatterns = ['photo: .*']\n")
    assert [rule.name for rule in rules.possible(Line(1, "Photo: Agency"), rules.line_rules)] == ["credit"]
    assert rules.possible(Line(1, "The council met on Tuesday."), rules.line_rules) == ()


@needs_hyperscan
def test_threads_screen_at_once():
    """Batches run in threads: each needs its own scratch space (Hyperscan's scan fails on one in use)."""
    texts = ["Advertisement", "12 Comments", "The council met on Tuesday.", "Photo: Agency"] * 500
    expected = [RULES._screen.possible(text) for text in texts]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: [RULES._screen.possible(text) for text in texts], range(8)))
    assert all(result == expected for result in results)
