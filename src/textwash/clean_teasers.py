"""Teasers by topic: the blocks at the end of the article region that are about something else.

Related-story lists carry prose (a headline and a summary), so line classes keep them, and they
often stand right after the article. What gives them away is their vocabulary: the article's
opening lines set its topic, every later line that shares enough content words with what has been
read joins the topic, and from the end of the region backwards, lines whose content words are
mostly new to the topic are teasers, until a line on topic is met. Only the tail is trimmed, so a
paragraph that turns to a new subject inside the article stays.

Content words are the words outside the page language's stoplist; for a language without a
stoplist the layer does nothing rather than guess.
"""
from __future__ import annotations

from collections import Counter

from textwash.lines import Line, Page

# The article's opening needs this many content words before any tail after it is judged.
MIN_HEAD_WORDS = 100
# A tail needs this many content words before its topic can be judged.
MIN_TAIL_WORDS = 20
# A line with fewer distinct content words says too little to judge; it goes with its block.
INFORMATIVE_WORDS = 4
# A tail echoing the text before it less than this share of the article's own echo is off topic.
OFF_TOPIC_RATIO = 0.3
REASON = "teaser: off the article's topic"


def content_words(line: Line, stopwords: frozenset[str]) -> list[str]:
    return [word for word in line.lowered if len(word) > 2 and word not in stopwords and not word.isdigit()]


class EchoMeter:
    """The share of the content words (counted with repeats) of a later part of the text that an
    earlier part also uses, kept up to date as lines join the later part or move from it to the
    earlier one, so trying every cut point costs one pass over the words, not one per cut point."""

    def __init__(self) -> None:
        self.earlier: set[str] = set()
        self.later: Counter[str] = Counter()
        self.later_total = 0
        self.echoed = 0  # tokens of the later part whose word the earlier part uses

    def add_later(self, words: list[str]) -> None:
        self.later.update(words)
        self.later_total += len(words)
        self.echoed += sum(map(self.earlier.__contains__, words))

    def move_to_earlier(self, words: list[str]) -> None:
        counts = Counter(words)
        for word, count in counts.items():
            self.later[word] -= count
        self.later_total -= len(words)
        self.echoed -= sum(map(self.earlier.__contains__, words))
        for word in counts.keys() - self.earlier:
            self.earlier.add(word)
            self.echoed += self.later[word]

    @property
    def share(self) -> float:
        return self.echoed / self.later_total if self.later_total else 1.0


def teaser_tail_start(lines: list[Line], stopwords: frozenset[str]) -> int | None:
    """The index where an off-topic tail begins, or None.

    Cut points after the first MIN_HEAD_WORDS content words are tried, the longest tail first.
    How much the article echoes itself (the second half of the text before the cut point against
    its first half) sets the bar: a tail that echoes what stands before it less than
    OFF_TOPIC_RATIO of that is about something else.
    """
    words = [content_words(line, stopwords) for line in lines]
    tail = EchoMeter()  # earlier: the lines before the cut point; later: the tail
    for line_words in words:
        tail.add_later(line_words)
    head = EchoMeter()  # earlier: first half of the lines before the cut point; later: second half
    half = 0
    head_words = 0
    for start in range(1, len(lines)):
        tail.move_to_earlier(words[start - 1])
        head.add_later(words[start - 1])
        while half < start // 2:
            head.move_to_earlier(words[half])
            half += 1
        head_words += len(words[start - 1])
        if head_words < MIN_HEAD_WORDS:
            continue
        if tail.later_total < MIN_TAIL_WORDS:
            return None
        if len(words[start]) < INFORMATIVE_WORDS:
            continue
        if tail.share < OFF_TOPIC_RATIO * head.share:
            return start
    return None


def apply_topic_teasers(page: Page, stopwords: frozenset[str] | None) -> None:
    """Cut the off-topic tail of the kept text, if it has one."""
    if stopwords is None:
        return
    kept = page.kept()
    start = teaser_tail_start(kept, stopwords)
    if start is not None:
        for line in kept[start:]:
            page.cut(line, REASON)
