"""The learned layer: a small trained model scores every segment of the page, a sequence step keeps
the article contiguous, and a page the model is unsure of keeps its best stretch, never nothing.

Features are worked out per segment in one pass and then in whole-page array operations (the
neighbours' features, those of the nearest segments no rule cut, the prose before and after, the
segment's share of the page). They read structure, not words: size, sentence ends, stopword density
in the page's language (NaN for a language without a list, so nothing is judged for not being
English), capitals, digits, symbols, link-like tokens, what earlier layers cut and why, how much of
the page's vocabulary a segment echoes, the jusText-style line classes with the best-scoring prose
region as one more opinion, how much of a segment's topic words that region and the title share, how
far it stands from the region and from the nearest prose (an inline box or teaser between two parts
of the article), and runs of table rows. The model (gradient-boosted trees, `make train`) gives each
segment the probability that it is article; a two-state Viterbi pass then pays a price for every
switch between article and chrome, so a lone short line inside the article stays and a lone prose
paragraph among the comments goes.
"""
from __future__ import annotations

import functools
import gzip
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textwash.cleaning.end_rules import PROSE_WORDS
from textwash.cleaning.layer import Layer, PageState, guarded
from textwash.cleaning.line_rules import matching_break
from textwash.cleaning.line_classes import LineClass, is_menu_item, own_class, stoplist
from textwash.model.page import CLOSERS, IDEOGRAPHIC_MARKS, SENTENCE_MARKS, WORD_CHARS, Line, Page, ends_as_sentence
from textwash.cleaning.ruleset import RuleSet
from textwash.cleaning.trees import Booster, feature_names
from textwash.model.schema import LOW_CONFIDENCE
from textwash.reasons import AFTER_END, DESCRIPTION, METADATA_FAMILY, MODEL_FAMILY, TEMPLATE, TITLE, model_reason, reason_family

# The model's trees and the switch cost `make train` chose, as gzipped JSON.
MODEL_PATH = Path(__file__).parent / "models" / "segments.json.gz"

_LINK = re.compile(r"https?://|www\.|\S@\S|(?:^|\s)[@#]\w|\.(?:com|org|net|html?|php)\b", re.IGNORECASE)
# What every match of _LINK holds (lower-cased): most lines hold none, and are not searched.
_LINK_MARKS = re.compile(r"://|www\.|@|#|\.com|\.org|\.net|\.htm|\.php")
_NOT_DIGITS = re.compile(r"\D+")
_SYMBOLS = re.compile(r"[^\w\s]+")
_INNER_SENTENCE_END = re.compile(rf"[{WORD_CHARS}][{SENTENCE_MARKS}{IDEOGRAPHIC_MARKS}][{re.escape(CLOSERS)}]*\s+\S")
_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}", re.IGNORECASE)
# A note in brackets closing a paragraph: a reference ("[12]", "[source]"), a citation "(2003)".
_CLOSING_NOTE = re.compile(r"\s*(?:\[[^\[\]]{0,40}\]|\([^()]{0,40}\))\s*$")

# Neighbours on each side whose own features join a segment's.
NEIGHBOURS = 3
# Segments on each side summed for the local amount of prose.
WINDOW = 5
# Every chrome line counts at least this much against the best stretch of prose.
CHROME_FLOOR = 12.0

_OWN = ("log_chars", "log_words", "sentence", "starts_lower", "starts_punctuation", "stopwords", "capitals", "digits",
        "symbols", "mean_word", "links", "copyright", "menu_item", "cut_rule", "cut_metadata", "cut_template",
        "cut_end", "own_class", "context_class", "break_heading", "echo", "repeat", "same_text", "piece_of",
        "log_line_chars", "sentence_before_note", "inner_sentences")
_NEIGHBOUR_OWN = ("log_words", "sentence", "starts_lower", "stopwords", "menu_item", "context_class", "cut_any")
# The same features of the nearest segments no rule cut, on each side: the paragraphs around an
# "Advertisement" line or a photo credit are the article's next ones, whatever stands between.
KEPT_NEIGHBOURS = 2
_KEPT_NEIGHBOUR_OWN = _NEIGHBOUR_OWN[:-1]  # all but cut_any (the last), which is 0 for them all
_KEPT_OFFSETS = (*range(-KEPT_NEIGHBOURS, 0), *range(1, KEPT_NEIGHBOURS + 1))
FEATURES = (
    _OWN
    + tuple(f"{name}@{offset:+d}" for offset in (*range(-NEIGHBOURS, 0), *range(1, NEIGHBOURS + 1))
            for name in _NEIGHBOUR_OWN)
    + tuple(f"{name}@kept{offset:+d}" for offset in _KEPT_OFFSETS for name in _KEPT_NEIGHBOUR_OWN)
    + ("position", "chars_before", "prose_before", "prose_after", "local_prose", "local_recurring", "menu_run",
       "breaks_after_prose", "in_region", "share_of_page", "words_vs_longest", "page_prose_share", "page_has_stoplist",
       "region_echo", "title_echo", "words_after_region", "words_before_region", "chrome_since_prose",
       "chrome_to_prose", "table_run")
)

_COLUMN = {name: index for index, name in enumerate(FEATURES)}
_CLASS_CODE = {LineClass.BAD: 0, LineClass.SHORT: 1, LineClass.NEAR: 2, LineClass.GOOD: 3}


@dataclass
class Segments:
    """The page's segments the model judges (every line with text, kept or already cut), their
    feature matrix (one row each, columns as FEATURES), which of them are headings that end the
    article (break rules with `ends`) and which a closing heading's rule cut (the heading of a
    comment thread, a tag list or a box of stories, and the items under it)."""
    lines: list[Line]
    features: np.ndarray
    ends_article: np.ndarray
    closing_cut: np.ndarray


def _reason_flags(reason: str | None) -> tuple[int, int, int, int]:
    """(rule, metadata, template, end) flags of an earlier layer's cut."""
    if reason is None:
        return 0, 0, 0, 0
    family = reason_family(reason)
    if family == METADATA_FAMILY:
        return 0, 1, 0, 0
    if reason == TEMPLATE:
        return 0, 0, 1, 0
    if family == AFTER_END:
        return 0, 0, 0, 1
    return 1, 0, 0, 0


def page_segments(page: Page, language: str | None, classes: dict[int, LineClass],
                  rules: RuleSet | None = None) -> Segments:
    """Every line of `page` that holds text, with its features (see FEATURES); `classes` are the
    kept lines' line classes (line_classes.classify); `rules`' break rules mark the headings."""
    lines = [line for line in page.lines if line.text]
    break_rules = rules.break_rules if rules is not None else ()
    stopwords = stoplist(language)
    rows: list[tuple] = []
    distinct_words = [set(line.lowered) for line in lines]
    vocabulary: Counter[str] = Counter()
    for distinct in distinct_words:
        vocabulary.update(distinct)
    shared = {word for word, count in vocabulary.items() if count > 1}  # words of more than one segment
    seen_runs: set[tuple[str, ...]] = set()  # the 4-word runs of the segments before
    numbers: list[int] = []  # per segment, its tokens that start with a digit
    sizes: list[float] = []
    lowered_texts = [line.text.lower() for line in lines]
    same_text = Counter(lowered_texts)
    heading_words = max((rule.max_words for rule in break_rules), default=0)
    headings = [matching_break(line, rules) if rules is not None and line.words <= heading_words else None
                for line in lines]
    for i, (line, distinct, heading, lowered) in enumerate(zip(lines, distinct_words, headings, lowered_texts)):
        text, tokens, size = line.text, line.tokens, line.size
        sizes.append(size)
        chars = len(text)
        words = max(len(tokens), 1)
        word_chars = sum(map(len, tokens))
        initials = [token[0] for token in tokens if token[0].isalpha()]
        digits = len(_NOT_DIGITS.sub("", text))  # one pass: most segments hold no digit
        numbers.append(sum([token[0].isdigit() for token in tokens]) if digits else 0)
        cls = classes.get(line.number)
        sentence = line.ends_sentence
        runs = _word_runs(line.lowered)
        repeated = sum(map(seen_runs.__contains__, runs)) / len(runs) if runs else 0.0
        seen_runs.update(runs)
        rows.append((
            math.log1p(chars),
            math.log1p(size),
            sentence,
            # A piece of a sentence an inline link broke off (html-text dumps) starts in lower case
            # or with punctuation; a menu item starts with a capital.
            text[0].islower(),
            _SYMBOLS.match(text) is not None,
            (sum(map(stopwords.__contains__, line.lowered)) / words) if stopwords is not None and tokens else math.nan,
            sum(map(str.isupper, initials)) / len(initials) if initials else 0.0,
            digits / chars,
            # Neither word nor space characters ([^\w\s]): tokens are the \w runs, split() cuts at \s.
            (sum(map(len, text.split())) - word_chars) / chars,
            word_chars / words,
            len(_LINK.findall(text)) if _LINK_MARKS.search(lowered) else 0,
            _COPYRIGHT.search(text) is not None,
            is_menu_item(line),
            *_reason_flags(line.reason),
            _CLASS_CODE[own_class(line, stopwords)],
            _CLASS_CODE[cls] if cls is not None else -1,
            getattr(heading, "closes", False),
            # The share of the segment's words that other segments use too (teasers echo little).
            len(distinct & shared) / len(distinct) if distinct else 0.0,
            repeated,  # the share of its 4-word runs an earlier segment already has
            same_text[lowered],  # a thread's "Reply", a list's "Read more": the same line again and again
            line.pieces,
            math.log1p(line.line_chars),
            # A paragraph that ends a sentence and then a reference note in brackets.
            text[-1] in ")]" and (note := _CLOSING_NOTE.search(text)) is not None and note.start() > 0
            and ends_as_sentence(text[:note.start()]),
            len(_INNER_SENTENCE_END.findall(text)) / words,  # sentences per word inside the segment
        ))
    own = np.array(rows, dtype=np.float64) if rows else np.zeros((0, len(_OWN)))
    ends_article = np.array([getattr(heading, "ends", False) for heading in headings], dtype=bool)
    closing_reasons = {rule.reason for rule in break_rules if rule.closes}
    closing_cut = np.array([line.reason in closing_reasons for line in lines], dtype=bool)
    # The words that carry a segment's topic: not the language's stopwords, not one or two letters.
    not_topic = {word for word in vocabulary if len(word) <= 2} | (stopwords or frozenset())
    content = [distinct - not_topic for distinct in distinct_words]
    title = set().union(*(words for line, words in zip(lines, content) if line.reason == TITLE))
    features = _with_context(own, np.array(sizes, dtype=np.float64), page_has_stoplist=stopwords is not None,
                             content=content, title=title, numbers=np.array(numbers, dtype=np.int64))
    return Segments(lines, features, ends_article, closing_cut)


def _word_runs(words: list[str]) -> list[tuple[str, ...]]:
    """The runs of four words (the whole line when shorter).

    >>> _word_runs(["a", "b", "c", "d", "e"])
    [('a', 'b', 'c', 'd'), ('b', 'c', 'd', 'e')]
    """
    if len(words) < 4:
        return [tuple(words)] if words else []
    return list(zip(words, words[1:], words[2:], words[3:]))


def _with_context(own: np.ndarray, sizes: np.ndarray, page_has_stoplist: bool, content: list[set[str]], title: set[str],
                  numbers: np.ndarray) -> np.ndarray:
    n = len(sizes)
    col = {name: own[:, j] for j, name in enumerate(_OWN)}
    cut_any = (col["cut_rule"] + col["cut_metadata"] + col["cut_template"] + col["cut_end"]) > 0
    neighbour_cols = {**col, "cut_any": cut_any.astype(np.float64)}
    words = np.expm1(col["log_words"])
    prose = np.where(((col["sentence"] > 0) | (col["sentence_before_note"] > 0)) & (words >= PROSE_WORDS) & ~cut_any,
                     words, 0.0)
    total_prose = prose.sum()
    cumulative = np.cumsum(prose)
    chars = np.expm1(col["log_chars"])
    # Runs of menu-like segments: each segment gets the length of the run it stands in.
    menu = col["menu_item"] > 0
    run_id = np.cumsum(np.concatenate(([1], menu[1:] != menu[:-1]))) if n else np.zeros(0, dtype=int)
    run_length = np.bincount(run_id)[run_id] * menu if n else np.zeros(0)
    # The best-scoring stretch of prose by the line classes: prose counts for, chrome against.
    # A kept line weighs its size if prose, else against it by at least CHROME_FLOOR (a long run of
    # one-word links is a real gap); a line already cut weighs nothing.
    context_class = col["context_class"]
    scores = np.where(context_class == _CLASS_CODE[LineClass.GOOD], sizes,
                      np.where(context_class < 0, 0.0, -np.maximum(CHROME_FLOOR, sizes))).tolist()
    in_region = np.zeros(n)
    if (span := best_stretch(scores)) is not None:
        in_region[span[0]:span[1]] = 1.0
    longest = words.max() if n else 1.0
    # How much of a segment's topic the best stretch of prose (the rest of it, for a segment in
    # it) and the title share: the article's next paragraph after an inline box echoes it, a
    # teaser for another story less. NaN: a segment without topic words, a page without title.
    region_words: Counter[str] = Counter()
    if span is not None:
        for words_of in content[span[0]:span[1]]:
            region_words.update(words_of)
    in_region_words = set(region_words)  # of a segment outside it: any segment of it has them
    in_other_segments = {word for word, count in region_words.items() if count > 1}  # inside: another has them
    region_echo = np.full(n, math.nan)
    title_echo = np.full(n, math.nan)
    for i, (words_of, inside) in enumerate(zip(content, (in_region > 0).tolist())):
        if words_of:
            region_echo[i] = len(words_of & (in_other_segments if inside else in_region_words)) / len(words_of)
            if title:
                title_echo[i] = len(words_of & title) / len(words_of)
    # Words between a segment and the best stretch (after it, before it), and the words of
    # non-prose segments since the last prose segment and up to the next one.
    region_start, region_end = span if span is not None else (n, n)
    words_before = np.concatenate(([0.0], np.cumsum(words)))  # words of the segments before i
    after_region = np.where(np.arange(n) >= region_end, words_before[:n] - words_before[min(region_end, n)], 0.0)
    before_region = np.where(np.arange(n) < region_start, words_before[min(region_start, n)] - words_before[1:n + 1], 0.0)
    is_prose = prose > 0
    # Rows of a table: a run of segments with the same number (two or more) of numbers in them.
    shape = np.where(numbers >= 2, numbers, -np.arange(1, n + 1))  # a segment without numbers stands alone
    table_id = np.cumsum(np.concatenate(([1], shape[1:] != shape[:-1]))) if n else np.zeros(0, dtype=int)
    table_run = np.where(numbers >= 2, np.bincount(table_id)[table_id], 0) if n else np.zeros(0)
    chrome_words = np.where(is_prose, 0.0, words)
    since, to = np.zeros(n), np.zeros(n)
    flags, gaps = is_prose.tolist(), chrome_words.tolist()
    for order, distance in ((range(n), since), (range(n - 1, -1, -1), to)):
        run = 0.0
        for i in order:
            distance[i] = run
            run = 0.0 if flags[i] else run + gaps[i]

    def around(values: np.ndarray) -> np.ndarray:
        """The sum of `values` over the WINDOW segments on each side and the segment itself."""
        padded = np.concatenate(([0.0], np.cumsum(values)))
        return padded[np.minimum(np.arange(n) + WINDOW + 1, n)] - padded[np.maximum(np.arange(n) - WINDOW, 0)]

    window = around(prose)
    # Headings that close an article ("Comments", "Related"), each weighed by the share of the
    # page's prose before it: one in the page's header, before any prose, is a teaser box's.
    headings_weighed = col["break_heading"] * (cumulative - prose) / max(total_prose, 1.0)
    # The neighbours' features: one padded copy, sliced once per offset (-1 past the page's edges).
    padded_own = np.full((n + 2 * NEIGHBOURS, len(_NEIGHBOUR_OWN)), -1.0)
    padded_own[NEIGHBOURS:NEIGHBOURS + n] = np.column_stack([neighbour_cols[name] for name in _NEIGHBOUR_OWN])
    columns = [own, *(padded_own[NEIGHBOURS + offset:NEIGHBOURS + offset + n]
                      for offset in (*range(-NEIGHBOURS, 0), *range(1, NEIGHBOURS + 1)))]
    columns += _kept_neighbours(padded_own[NEIGHBOURS - 1:NEIGHBOURS + n, :len(_KEPT_NEIGHBOUR_OWN)], ~cut_any)
    page_words = words.sum()
    columns.append(np.column_stack((
        np.arange(n) / max(n, 1),
        (np.cumsum(chars) - chars) / max(chars.sum(), 1.0),
        (cumulative - prose) / max(total_prose, 1.0),
        (total_prose - cumulative) / max(total_prose, 1.0),
        window / max(total_prose, 1.0),
        around(col["same_text"] >= 3),
        run_length,
        np.cumsum(headings_weighed) - headings_weighed,
        in_region,
        words / max(page_words, 1.0),
        words / max(longest, 1.0),
        np.full(n, total_prose / max(page_words, 1.0)),
        np.full(n, float(page_has_stoplist)),
        region_echo,
        title_echo,
        np.log1p(after_region),
        np.log1p(before_region),
        np.log1p(since),
        np.log1p(to),
        np.log1p(table_run),
    )))
    return np.hstack(columns) if n else np.zeros((0, len(FEATURES)))


def _kept_neighbours(rows: np.ndarray, uncut: np.ndarray) -> list[np.ndarray]:
    """For each offset of _KEPT_OFFSETS, the rows (rows[1:], one per segment; rows[0] is the page's
    edge) of the segment that many uncut segments away.

    >>> rows = np.array([[-1.0], [10.0], [11.0], [12.0], [13.0]])
    >>> [column[:, 0].tolist() for column in _kept_neighbours(rows, np.array([True, False, True, True]))]
    [[-1.0, -1.0, -1.0, 10.0], [-1.0, 10.0, 10.0, 12.0], [12.0, 12.0, 13.0, -1.0], [13.0, 13.0, -1.0, -1.0]]
    """
    n = len(uncut)
    kept = np.flatnonzero(uncut)
    before = np.searchsorted(kept, np.arange(n), "left")  # uncut segments before each one
    after = np.searchsorted(kept, np.arange(n), "right")  # ... up to and including it
    columns = []
    for offset in _KEPT_OFFSETS:
        position = before + offset if offset < 0 else after + offset - 1
        inside = (position >= 0) & (position < len(kept))
        neighbour = kept[np.clip(position, 0, len(kept) - 1)] + 1 if len(kept) else np.zeros(n, dtype=np.int64)
        columns.append(rows[np.where(inside, neighbour, 0)])
    return columns


def best_stretch(scores: list[float]) -> tuple[int, int] | None:
    """The half-open range of `scores` with the largest sum, or None if none is positive.

    >>> best_stretch([-1.0, 2.0, -0.5, 3.0, -9.0, 1.0])
    (1, 4)
    >>> best_stretch([-4.0, -5.0]) is None
    True
    """
    best, best_span, total, start = 0.0, None, 0.0, 0
    for i, score in enumerate(scores):
        if total <= 0:
            total, start = 0.0, i
        total += score
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


# Why the model cut a segment, by where it stands and what it looks like.
MENU = model_reason("menu or link list")
HEADER = model_reason("page header before the article")
INSIDE = model_reason("inside the article (ad, caption, embed)")
TEASER = model_reason("teaser or related story after the article")
COMMENT = model_reason("comment or long text after the article")
FOOTER = model_reason("footer after the article")
LEGAL = model_reason("legal or copyright notice")

# The price of a switch between article and chrome in the sequence step, in log-odds, when no
# model says otherwise (`make train` picks it on held-out folds and writes it beside the model).
SWITCH_COST = 2.0
# Kept prose lines (PROSE_WORDS words, a sentence) that show the article has begun, so that a
# heading with `ends` (comments) closes it; fewer, and the heading is a link in the page's header.
MIN_ARTICLE_LINES = 3
# The fewest rows in a run, each with the same count of numbers, that make a table of figures
# rather than a list of links.
TABLE_ROWS = 3
# The least probability of being article the sequence step gives a segment an earlier layer cut.
# A line rule's cut (an "Advertisement" line, a photo credit, a share bar) stands inside articles as
# often as around them: at even odds it never argues for the article ending there (at 0.2, such a
# line and a credit before an article's last paragraph cost more than cutting that paragraph too).
# A closing heading's cut (a comment thread's heading and the lines under it) does argue for it.
# Replayed on three seeds' held-out probabilities: all dumps 0.911 either way, readability-dev's
# line dumps 0.923 and 0.920 with one floor of 0.2, 0.926 and 0.922 with these two.
CUT_FLOOR = 0.5
CLOSING_CUT_FLOOR = 0.2
# Probabilities are kept off 0 and 1 so a log-odds stays finite.
_EPSILON = 1e-4
# Sizes (in words) that tell a comment (a long sentence) from a teaser (a headline, a blurb) and
# a footer link, for the reason of a cut after the article.
_COMMENT_WORDS = 30
_TEASER_WORDS = 8


def article_states(probabilities: np.ndarray, switch_cost: float = SWITCH_COST) -> np.ndarray:
    """The most likely article (True) / chrome (False) sequence for segments with these
    probabilities of being article, when each switch between the two costs `switch_cost`: a
    two-state Viterbi pass.

    >>> article_states(np.array([0.1, 0.9, 0.4, 0.9, 0.1]), switch_cost=1.0).tolist()
    [False, True, True, True, False]
    >>> article_states(np.array([0.1, 0.9, 0.01, 0.9, 0.1]), switch_cost=1.0).tolist()
    [False, True, False, True, False]
    """
    n = len(probabilities)
    if n == 0:
        return np.zeros(0, dtype=bool)
    p = np.clip(probabilities, _EPSILON, 1 - _EPSILON)
    # Two states: plain floats beat array operations on pairs (one step per segment).
    chrome_emit, article_emit = np.log1p(-p).tolist(), np.log(p).tolist()
    chrome, article = chrome_emit[0], article_emit[0]
    chrome_from_article = [False] * n  # the best way into chrome at i came from article
    article_from_chrome = [False] * n
    for i in range(1, n):
        to_chrome, to_article = article - switch_cost, chrome - switch_cost
        chrome_from_article[i] = to_chrome > chrome
        article_from_chrome[i] = to_article > article
        chrome, article = max(chrome, to_chrome) + chrome_emit[i], max(article, to_article) + article_emit[i]
    states = np.zeros(n, dtype=bool)
    state = article > chrome
    for i in range(n - 1, -1, -1):
        states[i] = state
        state = (not article_from_chrome[i]) if state else chrome_from_article[i]
    return states


def _cut_kind(size: float, legal: bool, menu_item: bool, sentence: bool, where: str) -> str:
    if legal:
        return LEGAL
    if menu_item:
        return MENU
    if where == "before":
        return HEADER
    if where == "inside":
        return INSIDE
    if sentence and size >= _COMMENT_WORDS:
        return COMMENT
    return TEASER if size >= _TEASER_WORDS else FOOTER


def reads_as_prose(size: np.ndarray, sentence: np.ndarray, inner_sentences: np.ndarray) -> np.ndarray:
    """Which segments (by size, and their `sentence` and `inner_sentences` features) have
    PROSE_WORDS words or more and end a sentence, or hold one end (a piece of a one-line dump ends
    where the next block begins, not always at a full stop).

    >>> size, sentence = np.array([12.0, 12.0, 12.0, 4.0]), np.array([1.0, 0.0, 0.0, 1.0])
    >>> reads_as_prose(size, sentence, inner_sentences=np.array([0.0, 0.1, 0.0, 0.0])).tolist()
    [True, True, False, False]
    """
    return (size >= PROSE_WORDS) & ((sentence > 0) | (inner_sentences > 0))


def page_confidence(kept_probability: float, kept_words: float, kept_prose_words: float, cut_prose_words: float) -> float:
    """How sure the cleaner is that the kept text is the article: the model's mean probability over
    the kept words, scaled down when the kept text is mostly not prose (a page of links, say) and
    when more prose was cut than kept (a short article among long comments, or the other way round).

    >>> page_confidence(0.9, 500, 450, 100)
    0.9
    >>> page_confidence(0.9, 60, 50, 500)
    0.164
    >>> page_confidence(0.7, 40, 0, 0)
    0.0
    """
    kept_prose_share = kept_prose_words / kept_words if kept_words else 0.0
    cut_share = kept_prose_words / (kept_prose_words + cut_prose_words) if kept_prose_words + cut_prose_words else 0.0
    return round(kept_probability * min(1.0, 2 * kept_prose_share) * min(1.0, 2 * cut_share), 3)


def apply_model(page: Page, segments: Segments, probabilities: np.ndarray, switch_cost: float = SWITCH_COST,
                sequence: bool = True) -> None:
    """Cut the kept segments the model (after the sequence step) puts outside the article, each
    with the kind of chrome it is; set the page's confidence. A page where nothing would stay keeps
    its best stretch, and says so with a low confidence."""
    lines = segments.lines
    if not lines:
        page.confidence = 0.0
        return
    # The model judges what is still kept, the tail an end-of-article note cut (the note may stand
    # inside the article: a copyright line under a photo) and the line read as the standfirst (a
    # one-paragraph article's lead).
    candidate = np.array([line.reason is None or line.reason == DESCRIPTION or reason_family(line.reason) == AFTER_END
                          for line in lines])
    # What an earlier layer cut stays cut whatever the sequence says, so the model's doubt of it
    # weighs only so much on where the article runs (CUT_FLOOR): a box of links a rule cut between
    # two paragraphs does not end the article.
    floor = np.where(segments.closing_cut, CLOSING_CUT_FLOOR, CUT_FLOOR)
    emitted = np.where(candidate, probabilities, np.maximum(probabilities, floor))
    article = article_states(emitted, switch_cost) if sequence else probabilities >= 0.5
    size = np.array([line.size for line in lines])
    # A stretch of article opens and closes with prose, not with the links of the menu or footer
    # next to it (the model leans to keep a short line beside prose: most are sub-headings).
    # Rows of a table of figures (a league table, a price list) are short and end no sentence as
    # menu links do, but they are content where the model keeps them.
    table_row = segments.features[:, _COLUMN["table_run"]] >= math.log1p(TABLE_ROWS)
    item = (segments.features[:, _COLUMN["menu_item"]] > 0) & ~table_row
    kept = _trimmed(article & candidate, item)
    fallback = not kept.any()
    if fallback and candidate.any():
        # Nothing left: the stretch of candidates the model likes most relative to the page.
        weight = np.where(candidate, size * (probabilities - probabilities[candidate].mean()), -1.0)
        span = best_stretch(weight.tolist()) or (int(np.argmax(np.where(candidate, probabilities, -1))),) * 2
        kept = np.zeros(len(lines), dtype=bool)
        kept[span[0]:max(span[1], span[0] + 1)] = True
        kept &= candidate
        if (solid := np.flatnonzero(kept & ~item)).size:
            kept[solid[-1] + 1:] = False  # the links that close it go, as a kept stretch's do
    features = segments.features
    prose = reads_as_prose(size, features[:, _COLUMN["sentence"]], features[:, _COLUMN["inner_sentences"]])
    kept_prose = np.where(kept & prose, size, 0)
    begun = np.cumsum(kept_prose > 0) >= MIN_ARTICLE_LINES
    # A heading that ends the article needs the article before it: where the model keeps more
    # prose after it than before, it stands above the story (a comment count by the headline).
    prose_so_far = kept_prose.cumsum()
    closes = prose_so_far >= kept_prose.sum() - prose_so_far
    judged = candidate.copy()  # what the model may have got wrong: all but a comment thread
    if (closing := np.flatnonzero(segments.ends_article & begun & closes)).size:
        kept[closing[0]:] = judged[closing[0]:] = False  # nothing after its heading is the article
    indices = np.flatnonzero(kept)
    first, last = (indices[0], indices[-1]) if len(indices) else (len(lines), -1)
    cut_prose = size[judged & ~kept & prose].sum()
    flags = [(features[:, _COLUMN[name]] > 0).tolist() for name in ("copyright", "menu_item", "sentence")]
    kinds = zip(size.tolist(), *flags)
    for i, (line, is_kept, is_candidate, kind) in enumerate(zip(lines, kept.tolist(), candidate.tolist(), kinds)):
        if is_kept:
            line.reason = None
        elif is_candidate and line.reason is None:
            where = "before" if i < first else "after" if i > last else "inside"
            page.cut(line, COMMENT if closing.size and i > closing[0] else _cut_kind(*kind, where))
    kept_probability = float(np.average(probabilities[kept], weights=size[kept] + 1)) if kept.any() else 0.0
    confidence = page_confidence(kept_probability, size[kept].sum(), size[kept & prose].sum(), cut_prose)
    page.confidence = min(confidence, LOW_CONFIDENCE - 0.01) if fallback else confidence


def _trimmed(kept: np.ndarray, item: np.ndarray) -> np.ndarray:
    """`kept` without the menu-like items that open or close a kept stretch before or after any
    prose of it.

    >>> _trimmed(np.array([1, 1, 1, 1, 0, 1, 1], bool), np.array([1, 0, 1, 1, 0, 1, 1], bool)).tolist()
    [False, True, False, False, False, False, False]
    """
    flags, items = kept.tolist(), item.tolist()
    _drop_leading(flags, items)
    flags.reverse(), items.reverse()
    _drop_leading(flags, items)
    flags.reverse()
    return np.array(flags, dtype=bool)


def _drop_leading(kept: list[bool], item: list[bool]) -> None:
    opening = True
    for i, (is_kept, is_item) in enumerate(zip(kept, item)):
        if not is_kept:
            opening = True
        elif opening and is_item:
            kept[i] = False
        else:
            opening = False


class SegmentModel:
    """The trained segment scorer (LightGBM trees) and the sequence step's switch cost, in one
    file, loaded once per process."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        saved = json.loads(gzip.decompress(path.read_bytes()))
        if feature_names(saved["trees"]) != FEATURES:
            raise ValueError(f"{path} was trained on other features than this version computes: retrain (make train)")
        self.booster = Booster(saved["trees"])
        self.switch_cost = float(saved["switch_cost"])

    def predict(self, pages: list[np.ndarray]) -> list[np.ndarray]:
        """For each page's feature matrix, the probability that each segment is article text: one
        call for all the pages of a batch."""
        if not pages:
            return []
        probabilities = self.booster.predict(np.vstack(pages))
        return np.split(probabilities, np.cumsum([len(page) for page in pages])[:-1])


@functools.cache
def segment_model() -> SegmentModel:
    return SegmentModel()


def predict_pages(pages: list[np.ndarray]) -> list[np.ndarray]:
    """The packaged model's probabilities for each page's segments (see SegmentModel.predict)."""
    return segment_model().predict(pages)


class SegmentModelLayer(Layer):
    """Scores every segment of the batch's pages in one call, then keeps each page's most likely
    article stretch (see `apply_model`)."""
    name = "model"
    family = MODEL_FAMILY
    on_html = False

    @staticmethod
    def segments(state: PageState) -> Segments:
        """The features of the page's segments, as the model reads them."""
        return page_segments(state.page, state.language, state.classes, state.rules)

    def apply_batch(self, states: list[PageState]) -> None:
        judged: list[tuple[PageState, Segments]] = []
        for state in states:
            guarded(state, lambda state: judged.append((state, self.segments(state))))
        if not judged:
            return
        model = segment_model()
        probabilities = model.predict([segments.features for _, segments in judged])
        for (state, segments), page_probabilities in zip(judged, probabilities):
            guarded(state, lambda state: apply_model(state.page, segments, page_probabilities, model.switch_cost))
