"""A screen in front of the rules: one Hyperscan pass over a line tells which rules could match it
in full, so Python's `re` tries only those (on most lines, none).

The rules stay Python regular expressions, matched by `re` as before; the screen never decides a
cut. Each rule's pattern is parsed by `re`'s own parser and written anew for Hyperscan as a pattern
that matches everything the rule matches, and possibly more. It is matched on the UTF-8 bytes of the
lower-cased line, with its own letters lower-cased; any character beyond ASCII is a run of bytes
0x80-0xFF there. Lookarounds and word boundaries are dropped, `\\w`, `\\d` and `\\s` keep their exact
ASCII part and admit any character beyond it, and a repeat of more than one is left open
(".{0,300}" becomes ".{0,}": bounded repeats are costly to compile). A line the lower-casing could
misread (one holding a character `re` folds specially, such as "ſ" for "s") passes every rule, as
does every line when Hyperscan is not installed, and a rule whose pattern cannot be rewritten is
always tried: the screen can only save work, never change a cut.
"""
from __future__ import annotations

import hashlib
import logging
import platform
import re
import threading
from importlib import metadata

from textwash.atomic import atomic_path
from textwash.config import cache_root

try:
    import hyperscan
    from re import _casefix, _constants as sre, _parser  # re's parser, Python 3.11+
except ImportError:  # the screen is an accelerator: without it every rule is tried
    hyperscan = None

log = logging.getLogger(__name__)

# Each category keeps its exact ASCII part (in lower case, as the line is) and admits any
# character beyond ASCII.
_ASCII_PART = {"CATEGORY_WORD": "0123456789abcdefghijklmnopqrstuvwxyz_", "CATEGORY_DIGIT": "0123456789",
               "CATEGORY_SPACE": "\t\x0b\x0c\r\x1c\x1d\x1e\x1f "}
_NEGATED = {"CATEGORY_NOT_WORD", "CATEGORY_NOT_DIGIT", "CATEGORY_NOT_SPACE"}
_ASCII = {chr(code) for code in range(0x80)} - {"\n"}  # a line holds no "\n"
# Any character beyond ASCII, as UTF-8 bytes (a run of them: a superset).
_BEYOND_ASCII = rb"[\x80-\xff]+"


class _CannotRewrite(Exception):
    pass


def _lowered(code: int) -> str:
    """A character of a pattern as the lower-cased line holds it."""
    lower = chr(code).lower()
    return lower if len(lower) == 1 else chr(code)


def _bytes(char: str) -> bytes:
    return b"".join(b"\\x%02x" % byte for byte in char.encode())


def _char(ascii_chars: set[str], beyond: set[str] | None) -> bytes:
    """One character of the line: one of `ascii_chars`, or of `beyond` (None: any beyond ASCII)."""
    options = []
    if ascii_chars:
        options.append(b"[" + b"".join(_bytes(char) for char in sorted(ascii_chars)) + b"]")
    options += [_BEYOND_ASCII] if beyond is None else [_bytes(char) for char in sorted(beyond)]
    return b"(?:" + b"|".join(options) + b")" if len(options) > 1 else options[0] if options else b"(?!)"


def _rewrite(items, letters: set[str]) -> bytes:
    """Hyperscan syntax for `re` parser items, on the lower-cased line's UTF-8 bytes, matching at
    least what they match (see the module docstring); every literal is added to `letters`."""
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            letters.add(_lowered(arg))
            out.append(_bytes(_lowered(arg)))
        elif name in ("NOT_LITERAL", "ANY"):
            out.append(_char(_ASCII, None))
        elif name == "IN":
            out.append(_rewrite_set(arg, letters))
        elif name == "BRANCH":
            out.append(b"(?:" + b"|".join(_rewrite(branch, letters) for branch in arg[1]) + b")")
        elif name == "SUBPATTERN":
            out.append(b"(?:" + _rewrite(arg[3], letters) + b")")
        elif name == "ATOMIC_GROUP":
            out.append(b"(?:" + _rewrite(arg, letters) + b")")
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            # Large bounds (".{0,300}") are costly to compile: a repeat of more than one is left open.
            low, high, body = arg
            bounds = b"{%d,%d}" % (low, high) if high <= 1 else b"{%d,}" % low
            out.append(b"(?:" + _rewrite(body, letters) + b")" + bounds)
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # anchors, boundaries and lookarounds only narrow a match
        else:
            raise _CannotRewrite(name)
    return b"".join(out)


def _rewrite_set(members, letters: set[str]) -> bytes:
    negated = any(str(op) == "NEGATE" for op, _ in members)
    chars: set[str] = set()
    beyond: set[str] | None = set()
    for op, arg in members:
        name = str(op)
        if name == "NEGATE":
            continue
        if name == "LITERAL":
            chars.add(_lowered(arg))
        elif name == "RANGE":
            low, high = arg
            if negated and any(chr(code).isalpha() for code in range(low, high + 1)):
                raise _CannotRewrite("a negated range of letters")
            chars.update(_lowered(code) for code in range(low, high + 1))
        elif name == "CATEGORY" and str(arg) in _ASCII_PART:
            chars.update(_ASCII_PART[str(arg)])
            beyond = None
        elif name == "CATEGORY" and str(arg) in _NEGATED and not negated:
            return _char(_ASCII, None)
        else:
            raise _CannotRewrite(name)
    letters.update(chars)
    if negated:  # it leaves out only its ASCII members: any character beyond ASCII may be one it admits
        return _char(_ASCII - chars, None)
    if beyond is not None:
        beyond = {char for char in chars if not char.isascii()}
    return _char({char for char in chars if char.isascii()}, beyond)


def widened(pattern: str) -> tuple[bytes, set[str]]:
    """A Hyperscan pattern matching every line `pattern` (case-insensitive) matches in full, and the
    lower-case letters it names.

    >>> widened(r"Ad\\b(?=x)é")[0]
    b'^(?:\\\\x61\\\\x64\\\\xc3\\\\xa9)$'
    """
    letters: set[str] = set()
    return b"^(?:" + _rewrite(_parser.parse(pattern, re.IGNORECASE), letters) + b")$", letters


class RuleScreen:
    """The rules (their patterns, in order) that may match a line in full, as bits of an int."""

    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        self.every = (1 << len(patterns)) - 1
        self._database = None
        if hyperscan is None or not patterns:
            return
        expressions, ids, letters = [], [], set()
        self._unscreened = 0  # rules Hyperscan cannot take: always tried
        for index, pattern in enumerate(patterns):
            try:
                expression, named = widened(pattern.pattern)
            except _CannotRewrite:
                self._unscreened |= 1 << index
                continue
            expressions.append(expression)
            ids.append(index)
            letters |= named
        # Characters `re` matches to a named letter by a case fold the lower-casing does not make
        # ("ſ" to "s", "ı" to "i"), and "İ", whose lower case is two characters.
        special = {chr(code) for letter in letters for code in _casefix._EXTRA_CASES.get(ord(letter), ())} | {"\u0130"}
        self._special = re.compile("[" + re.escape("".join(sorted(special))) + "\n]")
        self._database = _database(expressions, ids)
        self._local = threading.local()  # a scratch space per thread: batches run in threads

    def _scratch(self):
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._database)
        return scratch

    def possible(self, text: str) -> int:
        """Bit i is set when rule i may match `text` in full.

        >>> screen = RuleScreen([re.compile("advertisement", re.I), re.compile(r"\\d+ comments?", re.I)])
        >>> [screen.possible(text) for text in ("ADVERTISEMENT", "12 Comments", "The council met.")]
        [1, 2, 0]
        """
        if self._database is None or self._special.search(text):
            return self.every
        try:
            data = text.lower().encode()
        except UnicodeEncodeError:  # a lone surrogate: Hyperscan reads valid UTF-8 only
            return self.every
        hits = [self._unscreened]
        self._database.scan(data, match_event_handler=_record, context=hits, scratch=self._scratch())
        return hits[0]


def _record(index: int, start: int, end: int, flags: int, hits: list[int]) -> None:
    hits[0] |= 1 << index


def _database(expressions: list[bytes], ids: list[int]):
    """The Hyperscan database of `expressions`. Compiling the packaged rules' costs some 0.7 CPU s,
    so the first process leaves the compiled database in the cache folder (config.cache_root) and
    later ones load it in milliseconds; without a writable cache each process compiles its own."""
    flags = hyperscan.HS_FLAG_ALLOWEMPTY | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER
    key = repr((metadata.version("hyperscan"), platform.machine(), flags, expressions, ids)).encode()
    path = cache_root() / f"rule-screen-{hashlib.sha256(key).hexdigest()[:16]}.hsdb"
    try:
        return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
    except (OSError, hyperscan.error):  # not cached yet, or cached by another build of the library
        pass
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=expressions, ids=ids, flags=[flags] * len(expressions))
    try:
        with atomic_path(path, fsync=False) as compiled:
            compiled.write_bytes(hyperscan.dumpb(database))
    except OSError as exc:
        log.debug("rule screen not cached (%s)", exc)
    return database
