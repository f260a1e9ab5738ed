"""Segments: the units a long line is cut into, so that an article's first and last sentences fall
on a unit's boundary even where the dump put the whole page on one line.

A line dump (a line per block) already has its seams at line breaks, and its lines stay whole. A
long line holds several blocks: inscriptis puts inline blocks side by side, and a one-line dump
(`get_text(" ")`) holds the menus, the article, the comments and the footer together. Such a line
is cut at the seams that need no word lists, in any language:

- sentence ends (`.`, `!`, `?`, `…`, the other scripts' SENTENCE_MARKS and the ideographic `。！？`,
  closed by quotes or brackets) before the next sentence's start, in lines long enough to hold
  more than a paragraph;
- in those lines too, white space between two characters of a script written without spaces
  (Chinese, Japanese, Thai): its sentences hold none, so there one block of the page ends and the
  next begins (held out, three seeds: the multilingual dev set's one-line dumps 0.820 → 0.856, the
  other rows within the seeds' noise);
- the edges of menu runs: several capitalised words in a row ("Home News Sport Share Tweet"), where
  the prose before or after them has no punctuation to cut at.

Scripts without letter case have no menu runs to find; their sentence ends and spaces still cut
them. No cut leaves a piece of fewer than MIN_WORDS words (WORD matches): a lone "Share" or
"Thanks." joins the next piece, and so do the sentences of unspaced scripts until they hold
MIN_WORDS matches between their commas. A Chinese sentence is often a single match: cut one by one,
most of them were too short for an oracle that knows the article to recognise (the six such dev
pages fell from 0.97 to 0.31-0.79 F1).

The thresholds were set on the whole-page dumps of two dev sets (html-text, inscriptis and
one-line), scored by which segments an oracle that knows the article would keep: one-line dumps
0.82 and 0.50 F1 kept whole, 0.971 and 0.976 cut; line dumps as good as kept whole.
"""
from __future__ import annotations

import re

from textwash.model.page import CLOSERS, IDEOGRAPHIC_MARKS, SENTENCE_MARKS, UNSPACED, WORD, char_class
from textwash.cleaning.layer import Layer, PageState

# A line shorter than this (in characters) is one segment: nothing else runs on it.
MIN_CHARS = 400
# A line at least this long is cut at its sentence ends (a paragraph of a line dump is shorter:
# 1,000 cuts as well on one-line dumps, with more segments in line dumps).
SENTENCE_CHARS = 2000
# A character of a script without spaces counts as this many towards SENTENCE_CHARS.
UNSPACED_WEIGHT = 3
# Capitalised words in a row that make a menu run (3: a little better on one-line dumps, with 7%
# more segments; 5 and up miss short menus).
RUN_WORDS = 4
# No cut leaves a piece with fewer words than this (3 and fewer: pieces too short to judge).
MIN_WORDS = 4
# A piece longer than this (no sentence end or menu run in it at all) is cut at white space into
# pieces of at most this size.
MAX_PIECE = 100_000


_LOWER = char_class(str.islower)
_UPPER = char_class(lambda char: char.isupper() or char.istitle())
_CLOSE = re.escape(CLOSERS + "」』）】〉》")
# A sentence end and the white space after it, before anything but a lower-case letter ("e.g.
# the"), and not after a lone letter ("J. K. Rowling", "U.S. Army"); the ideographic enders need no
# space after them. A run of punctuation is matched from its first character only, and possessive
# quantifiers never give back: a line of a million dots costs a step per character.
_SENTENCE_BREAK = re.compile(
    rf"(?<![{SENTENCE_MARKS}])(?<!(?<!\w)\w)[{SENTENCE_MARKS}]++[{_CLOSE}]*+\s++(?=[^\s{_LOWER}])"
    rf"|(?<![{IDEOGRAPHIC_MARKS}])[{IDEOGRAPHIC_MARKS}]++[{_CLOSE}]*+\s*+(?=\S)")

# White space between two characters of a script written without spaces (a seam: see above), as
# between a header's date line and the first paragraph.
_UNSPACED_SEAM = re.compile(rf"(?<={UNSPACED.pattern})\s++(?={UNSPACED.pattern})")


def _menu_run(words: int) -> re.Pattern:
    """`words` or more words in a row that start with a capital, with only tokens that start with a
    digit or a symbol between them ("|", "&", "2024")."""
    return re.compile(rf"(?<!\S)(?:[{_UPPER}]\S*+(?:\s++|\Z)(?:[^\w\s]\S*+(?:\s++|\Z)|\d\S*+(?:\s++|\Z))*+){{{words},}}")


_RUN = _menu_run(RUN_WORDS)
_LOWER_NEXT = re.compile(rf"\s*[{_LOWER}]")
_LAST_WORD = re.compile(r"(?<!\S)\S++\s*+\Z")
_SPACE = re.compile(r"\s+")


def split_line(text: str) -> list[str]:
    """Cut `text` into consecutive pieces at sentence ends and the edges of menu runs; the pieces
    join back to `text` exactly, the white space after a cut staying with the piece before it. A
    line under MIN_CHARS characters is returned whole at once.

    >>> menu = "Home News Sport Weather Business Share Tweet Email "
    >>> story = "The council voted on Monday to close the old bridge for repairs. Work starts in spring. "
    >>> pieces = split_line(menu + story * 30 + "Comments Sign In John Smith 2 hours ago about time")
    >>> [piece.strip() for piece in pieces[:3]], pieces[-1]
    (['Home News Sport Weather Business Share Tweet Email', 'The council voted on Monday to close \
the old bridge for repairs.', 'Work starts in spring.'], '2 hours ago about time')
    >>> split_line("A short paragraph. It stays whole.")
    ['A short paragraph. It stays whole.']
    """
    if len(text) < MIN_CHARS:
        return [text]
    cuts = set()
    if len(text) >= SENTENCE_CHARS or (
            len(text) * UNSPACED_WEIGHT >= SENTENCE_CHARS
            and len(text) + (UNSPACED_WEIGHT - 1) * len(UNSPACED.findall(text)) >= SENTENCE_CHARS):
        cuts.update(match.end() for match in _SENTENCE_BREAK.finditer(text))
        cuts.update(match.end() for match in _UNSPACED_SEAM.finditer(text))
    for match in _RUN.finditer(text):
        start, end = match.span()
        cuts.add(start)
        if _LOWER_NEXT.match(text, end):
            # Prose goes on after the run: the run's last word is the prose's first.
            end = _LAST_WORD.search(text, start, end).start()
        cuts.add(end)
    # Words are counted between consecutive cuts (a cut never falls inside a word): each character
    # is read once, however many cuts are dropped in a row.
    bounds, words, last = [0], 0, 0
    for cut in sorted(cuts - {0, len(text)}):
        words += len(WORD.findall(text, last, cut))
        last = cut
        if words >= MIN_WORDS:
            bounds.append(cut)
            words = 0
    if len(bounds) > 1 and words + len(WORD.findall(text, last)) < MIN_WORDS:
        bounds.pop()
    bounds.append(len(text))
    pieces = [text[start:end] for start, end in zip(bounds, bounds[1:])]
    if any(len(piece) > MAX_PIECE for piece in pieces):
        pieces = [part for piece in pieces for part in _bounded(piece)]
    return pieces


def _bounded(piece: str) -> list[str]:
    """`piece` cut into parts of at most MAX_PIECE characters, each at the last white space in its
    second half (or at MAX_PIECE itself, where that half has no white space at all)."""
    parts = []
    while len(piece) > MAX_PIECE:
        cut = MAX_PIECE
        for match in _SPACE.finditer(piece, MAX_PIECE // 2, MAX_PIECE):
            cut = match.end()
        parts.append(piece[:cut])
        piece = piece[cut:]
    return [*parts, piece]


class SegmentLayer(Layer):
    """Lines of MIN_CHARS or more become their segments when a layer first reads the page."""
    name = "segment"

    def apply(self, state: PageState) -> None:
        state.split, state.min_split = split_line, MIN_CHARS
