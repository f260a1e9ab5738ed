"""Unwrap: join the lines of hard-wrapped paragraphs before the line-based layers judge them.

Some text dumps wrap every paragraph at a fixed width (70-100 characters), so one paragraph
becomes several lines, none a sentence and each too short to read as prose. A page is taken as
hard-wrapped when a large share of its lines end close to one common width and hardly any line is
longer. Then a line is joined to the next one whenever the next line's first word would not have
fitted on it: that is where a wrapping tool breaks. Short lines (menus, headings) never reach the
width and stay as they are. A page without that signature is returned unchanged.
"""
from __future__ import annotations

from textwash.cleaning.layer import Layer, PageState

# Widths a wrapping tool plausibly uses.
MIN_WIDTH, MAX_WIDTH = 50, 130
# Lines within this many characters of the width count as filled to it.
FILLED_SLACK = 15
# A page is wrapped when at least this share of its lines (and MIN_FILLED lines) is filled to the
# width (menus and headings make up the rest)...
MIN_FILLED_SHARE = 0.05
MIN_FILLED = 5
# ...and at most this share is longer than the width (a stray long address or table row).
MAX_LONGER_SHARE = 0.02


def wrap_width(lines: list[str]) -> int | None:
    """The width the page's lines were wrapped at, or None when they were not wrapped."""
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < 10:
        return None
    width = lengths[int(len(lengths) * (1 - MAX_LONGER_SHARE)) - 1]
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        return None
    filled = sum(width - FILLED_SLACK <= length <= width for length in lengths)
    return width if filled >= max(MIN_FILLED, MIN_FILLED_SHARE * len(lengths)) else None


def unwrap(text: str) -> str:
    """`text` with hard-wrapped paragraphs joined into one line each (unchanged if not wrapped)."""
    lines = [line.rstrip() for line in text.split("\n")]
    width = wrap_width([line.strip() for line in lines])
    if width is None:
        return text
    out: list[str] = []
    last_length = 0  # of the last physical line; 0 after a blank line
    for line in lines:
        stripped = line.strip()
        if last_length and stripped and last_length + 1 + len(stripped.split()[0]) > width:
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(line)
        last_length = len(stripped)
    return "\n".join(out)


class UnwrapLayer(Layer):
    name = "unwrap"

    def apply(self, state: PageState) -> None:
        state.text = unwrap(state.text)
