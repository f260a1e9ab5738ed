"""Unwrap: hard-wrapped paragraphs become one line each; other text is left exactly as it was."""
from __future__ import annotations

import textwrap

from textwash.cleaning.unwrap import unwrap, wrap_width

PARAGRAPH = (
    "The city council voted on Tuesday to expand the bus network into the northern districts, a plan "
    "that has been debated for more than three years by residents, planners and the transport office."
)


def test_wrapped_paragraphs_are_joined_and_short_lines_stay():
    menu = ["Home", "News", "Sport"]
    paragraphs = [PARAGRAPH, PARAGRAPH.replace("Tuesday", "Friday"), PARAGRAPH.replace("city", "town")]
    wrapped = "\n".join(menu) + "\n\n" + "\n\n".join(textwrap.fill(p, 70) for p in paragraphs)
    assert 60 < wrap_width(wrapped.split("\n")) <= 70
    assert unwrap(wrapped).split("\n") == [*menu, "", paragraphs[0], "", paragraphs[1], "", paragraphs[2]]


def test_text_with_long_lines_is_left_alone():
    text = "Home\nNews\n\n" + "\n\n".join([PARAGRAPH] * 12)
    assert wrap_width(text.split("\n")) is None
    assert unwrap(text) == text
