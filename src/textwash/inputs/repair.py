"""Repair: undo mojibake, HTML entities, C1 controls and odd spaces with ftfy.

ftfy.fix_text costs about 0.5 µs per character even on clean text, so it runs only where a cheap
scan finds something it could fix. Curly quotes and dashes stay as the author wrote them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import ftfy

_FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, unescape_html=True, explain=False)

# What ftfy may have to fix: C1 controls, HTML entities, or a UTF-8 lead byte mis-decoded as
# Latin-1/cp1252 (Ã Â â Ð Ñ Ø Ù Î Ï Å and friends) followed by what a continuation byte (0x80-0xBF)
# becomes in those charsets. Accented letters in a row ("ção" in Portuguese) are not mojibake.
_CONTINUATION = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_NEEDS_FTFY = re.compile(
    r"[\x80-\x9f]"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    rf"|[\u00c2-\u00f4][{_CONTINUATION}]"
    r"|\ufffd"
)
# Unicode spaces that are not line breaks become one plain space; invisible ones go.
_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")


@dataclass(frozen=True)
class Repaired:
    text: str
    changed: bool


def repair(text: str) -> Repaired:
    """Fix encoding damage in `text`; `changed` tells whether anything was altered."""
    fixed = _repair_once(text)
    # Taking out an invisible character can join the halves of a mojibake sequence ("Â", soft
    # hyphen, "€"): one more pass fixes what that reveals, so that repair is idempotent.
    if fixed != text and _NEEDS_FTFY.search(fixed):
        fixed = _repair_once(fixed)
    return Repaired(fixed, fixed != text)


def _repair_once(text: str) -> str:
    fixed = text
    if _NEEDS_FTFY.search(fixed):
        # ftfy fixes each line on its own, and a line the check passes over has nothing for it.
        fixed = "\n".join(ftfy.fix_text(line, _FTFY_CONFIG) if _NEEDS_FTFY.search(line) else line
                          for line in fixed.split("\n"))
    if not fixed.isascii():
        # NFC as ftfy leaves it, also for the text ftfy is not run on ("É" as one character).
        fixed = unicodedata.normalize("NFC", _INVISIBLE.sub("", _ODD_SPACES.sub(" ", fixed)))
    return fixed
