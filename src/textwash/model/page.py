"""The working form of a document between repair and record: numbered lines with verdicts.

Cleaning and metadata steps never delete anything: they mark a line with the reason it leaves
the text, or move a span out of a line into `cut_spans`. The record is assembled from what is
left, and every cut is reported, so nothing vanishes without a reason.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field


def char_class(test: Callable[[str], bool]) -> str:
    """A regex character class body: the Basic Multilingual Plane's characters that pass `test`.

    >>> char_class(lambda char: char in "abcx")
    'a-cx'
    """
    ranges: list[list[int]] = []
    for code in range(0x10000):
        if test(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)


# A word keeps its combining marks (Unicode category M): the vowel signs of Devanagari, Thai or
# Burmese are not `\w`, and `\w+` alone reads "हिन्दी" as three words, so word counts, stoplists
# and word runs would all see fragments.
WORD_CHARS = rf"\w{char_class(lambda char: unicodedata.category(char)[0] == 'M')}"
WORD = re.compile(f"[{WORD_CHARS}]+")
# Scripts written without spaces between words: a character there carries about half a word.
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f]")
# Sentence punctuation, possibly closed by quotes or brackets, or a closing emoji or emoticon.
CLOSERS = "\"'”’»)]"
# Full stops, question and exclamation marks of scripts that need a space after them: Latin, Arabic
# (؟, and Urdu's ۔), Devanagari and Bengali (the danda ।, ॥), Burmese (။), Ethiopic (።) and Khmer (។).
SENTENCE_MARKS = ".!?…؟۔।॥။።។"
# The ideographic full stop, exclamation and question marks: no space need follow them.
IDEOGRAPHIC_MARKS = "。！？"
# A list item's bullet opening a line (inscriptis writes "* Reply", "+ " a level down; trafilatura
# "- "): kept in the text, but outside what rules and features read, so an item reads as the same
# line without its bullet whatever wrote the dump.
_BULLET = re.compile(r"[*•·◦▪‣+-]\s+(?=\S)")
_SENTENCE_END = re.compile(rf"(?:[{SENTENCE_MARKS}{IDEOGRAPHIC_MARKS}:;][{re.escape(CLOSERS)}]*|[\U0001F300-\U0001FAFF\u2600-\u27BF]|[:;]-?[)D(])\s*$")


def ends_as_sentence(text: str) -> bool:
    """Whether `text` ends like a sentence. Only its end is searched: a match starts at most three
    characters before the closing quotes and brackets (":-D"), and searching a long line from its
    start costs a step per character.

    >>> ends_as_sentence('He said "no."'), ends_as_sentence("Read more"), ends_as_sentence("見た。")
    (True, False, True)
    >>> ends_as_sentence("भारत की राजधानी नई दिल्ली है।")
    True
    """
    start = len(text.rstrip().rstrip(CLOSERS)) - 3
    return _SENTENCE_END.search(text, max(start, 0)) is not None


def bullet_of(text: str) -> str:
    """The list bullet, with the spaces after it, that opens `text`; "" when none does.

    >>> bullet_of("* Reply"), bullet_of("• Share on Facebook"), bullet_of("+1 2"), bullet_of("- "), bullet_of("-5 °C")
    ('* ', '• ', '', '', '')
    """
    match = _BULLET.match(text)
    return match.group() if match else ""


@dataclass
class Line:
    number: int  # 1-based position among the page's segments
    text: str  # stripped of surrounding white space
    reason: str | None = None  # why the line left the text; None while it is kept
    # A segment split from a longer line of the text (segment.py): how many pieces that line gave,
    # how long it was, and whether this piece continues the line's paragraph after the first.
    pieces: int = 1
    line_chars: int = 0
    continues: bool = False
    bullet: str = ""  # the list bullet that opened the line in the dump, outside `text`
    # Every layer reads a line's words: split once per text the line holds (a span cut changes it).
    _split: str | None = field(default=None, init=False, repr=False, compare=False)
    _tokens: list[str] = field(default_factory=list, init=False, repr=False, compare=False)
    _lowered: list[str] | None = field(default=None, init=False, repr=False, compare=False)
    _size: float | None = field(default=None, init=False, repr=False, compare=False)
    _sentence_of: str | None = field(default=None, init=False, repr=False, compare=False)
    _sentence: bool = field(default=False, init=False, repr=False, compare=False)
    # Which rules of a rule set may match the text (RuleSet.possible), with the text and the set's
    # screen they were told for.
    rule_bits: int = field(default=0, init=False, repr=False, compare=False)
    rule_bits_for: tuple[str, object] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def kept(self) -> bool:
        return self.reason is None and bool(self.text)

    @property
    def tokens(self) -> list[str]:
        """The line's words (WORD matches), as written."""
        if self._split is not self.text:
            self._tokens, self._lowered, self._size, self._split = WORD.findall(self.text), None, None, self.text
        return self._tokens

    @property
    def lowered(self) -> list[str]:
        """The line's words in lower case."""
        tokens = self.tokens
        if self._lowered is None:
            self._lowered = [token.lower() for token in tokens]
        return self._lowered

    @property
    def ends_sentence(self) -> bool:
        """Whether the line ends like a sentence (`ends_as_sentence`), worked out once per text.

        >>> line = Line(1, "Read more")
        >>> line.ends_sentence, setattr(line, "text", "It rained."), line.ends_sentence
        (False, None, True)
        """
        if self._sentence_of is not self.text:
            self._sentence, self._sentence_of = ends_as_sentence(self.text), self.text
        return self._sentence

    @property
    def words(self) -> int:
        return len(self.tokens)

    @property
    def size(self) -> float:
        """The line's size in words, where unspaced scripts count one word per two characters."""
        tokens = self.tokens
        if self._size is None:
            if UNSPACED.search(self.text):
                self._size = len(WORD.findall(UNSPACED.sub(" ", self.text))) + len(UNSPACED.findall(self.text)) / 2
            else:
                self._size = float(len(tokens))
        return self._size


@dataclass
class Page:
    lines: list[Line]
    # Spans cut out of lines that otherwise stay: (line number, text, reason).
    cut_spans: list[tuple[int, str, str]] = field(default_factory=list)
    # How sure the cleaner is that the kept text is the article (0-1); None when no layer judged it.
    confidence: float | None = None

    @classmethod
    def from_text(cls, text: str, split: Callable[[str], list[str]] | None = None, min_split: int = 0) -> Page:
        """A page of the text's lines; `split` cuts a line of `min_split` characters or more into
        segments (pieces whose concatenation is the line), each its own Line."""
        lines: list[Line] = []
        for raw in text.split("\n"):
            pieces = split(raw) if split is not None and len(raw) >= min_split else (raw,)
            for index, piece in enumerate(pieces):
                text = piece.strip()
                bullet = bullet_of(text)
                lines.append(Line(len(lines) + 1, text[len(bullet):], pieces=len(pieces), line_chars=len(raw),
                                  continues=index > 0, bullet=bullet))
        return cls(lines)

    def kept(self) -> list[Line]:
        return [line for line in self.lines if line.reason is None and line.text]  # Line.kept, inlined: hot

    def cut(self, line: Line, reason: str) -> None:
        """Take a whole line out of the text, unless an earlier step already did."""
        if line.reason is None:
            line.reason = reason

    def cut_span(self, line: Line, span: str, reason: str) -> None:
        """Take `span` (which must occur in the line) out of a line that otherwise stays."""
        line.text = line.text.replace(span, "", 1).strip()
        self.cut_spans.append((line.number, span.strip(), reason))
        if not line.text:
            line.reason = line.reason or reason

    def text(self) -> str:
        """The kept lines, one paragraph each, separated by a blank line; kept pieces of one line of
        the text stay one paragraph."""
        parts: list[str] = []
        previous = 0
        for line in self.kept():
            if parts:
                parts.append(" " if line.continues and line.number == previous + 1 else "\n\n")
            parts.append(line.bullet + line.text)
            previous = line.number
        return "".join(parts)

    def removed(self) -> list[dict]:
        """Every cut, in document order, as {text, reason, paragraph}: `paragraph` is the index of
        the kept paragraph the cut stood before (or inside, for a span cut out of a kept line)."""
        paragraph_at = {}
        kept_so_far, previous = 0, 0
        for line in self.lines:
            paragraph_at[line.number] = kept_so_far
            if line.kept:
                # A kept piece right after a kept piece of the same line joins its paragraph (text()).
                kept_so_far += not (line.continues and line.number == previous + 1)
                previous = line.number
        cuts = [(line.number, 0, line.bullet + line.text, line.reason) for line in self.lines if line.reason and line.text]
        cuts += [(number, 1, span, reason) for number, span, reason in self.cut_spans if span]
        return [
            {"text": text, "reason": reason, "paragraph": paragraph_at[number]}
            for number, _, text, reason in sorted(cuts)
        ]
