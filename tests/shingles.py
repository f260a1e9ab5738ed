"""The article-extraction benchmark's measure, written out for the tests: both texts become
multisets of 4-token runs; per document the matched, extra and missed runs are scaled to sum to 1,
and precision, recall and F1 are taken over the sums of all documents."""
from __future__ import annotations

import re
from collections import Counter

_TOKEN = re.compile(r"\w+")


def four_word_runs(text: str) -> Counter:
    tokens = _TOKEN.findall(text)
    if len(tokens) < 4:
        return Counter([tuple(tokens)] if tokens else [])
    return Counter(tuple(tokens[i:i + 4]) for i in range(len(tokens) - 3))


def scaled_counts(predicted: str, true: str) -> tuple[float, float, float]:
    """(matched, extra, missed) runs of one document, scaled to sum to 1."""
    guess, truth = four_word_runs(predicted), four_word_runs(true)
    matched = sum((guess & truth).values())
    extra = sum(guess.values()) - matched
    missed = sum(truth.values()) - matched
    total = matched + extra + missed
    return (matched / total, extra / total, missed / total) if total else (1.0, 0.0, 0.0)


def precision_recall_f1(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """Over (predicted, true) text pairs."""
    matched = extra = missed = 0.0
    for predicted, true in pairs:
        m, e, s = scaled_counts(predicted, true)
        matched, extra, missed = matched + m, extra + e, missed + s
    precision = matched / (matched + extra) if matched + extra else 0.0
    recall = matched / (matched + missed) if matched + missed else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
