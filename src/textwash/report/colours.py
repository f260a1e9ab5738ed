"""The colours of removal reasons: a reason's family takes a fixed ink, so a page never depends on
other documents."""
from __future__ import annotations

import functools
import zlib

from textwash.reasons import (
    AFTER_END, BEFORE_DATELINE_FAMILY, METADATA_FAMILY, MODEL_FAMILY, NUL_REASON, TEMPLATE_FAMILY, reason_family,
)
from textwash.report.figures import NO_REASON

# Ink colours for removal reasons; each reaches WCAG AA contrast (4.5:1) as text on white and on
# its own tint. A reason's family takes a fixed ink, so a page never depends on other documents.
REASON_INKS = (
    "#b91c1c", "#1d4ed8", "#047857", "#7e22ce", "#854d0e",
    "#0e7490", "#be185d", "#3f6212", "#9a3412", "#4338ca",
)
OTHER_INK = "#475569"  # cuts without a reason
TINT_STRENGTH = 0.10
# The families the cleaning layers and the default rules emit, the most frequent first (measured
# on the benchmark corpus), so that the common ones get inks of their own; the list wraps around
# the palette. Families not listed (rules of one's own) hash into the palette.
KNOWN_FAMILIES = (
    MODEL_FAMILY, AFTER_END, TEMPLATE_FAMILY,
    "newsletter or subscription prompt", "share or follow buttons", METADATA_FAMILY,
    "call-to-action button or prompt", "image caption or credit",
    "copyright notice", "bare web address", "comment form", "related or popular stories box",
    "date or time stamp", "tag list", "republication or origin note", "reporting credit line",
    "link to a related story", "video embed stub", "previous or next post links", "image file name",
    "comment section", BEFORE_DATELINE_FAMILY, NUL_REASON,
)

# Metadata shown first on a document page, in this order; other columns follow by name.


# --- colours --------------------------------------------------------------------------------

@functools.cache  # a few dozen reasons, asked for once per cut on every page
def reason_ink(reason: str) -> str:
    """The ink of a reason: its family's place in KNOWN_FAMILIES, else a stable hash of the family,
    into the palette; the grey for a cut without a reason."""
    if reason == NO_REASON:
        return OTHER_INK
    family = reason_family(reason)
    slot = KNOWN_FAMILIES.index(family) if family in KNOWN_FAMILIES else zlib.crc32(family.encode())
    return REASON_INKS[slot % len(REASON_INKS)]


@functools.cache  # a handful of inks, asked for once per cut on every page
def tint(ink: str, strength: float = TINT_STRENGTH) -> str:
    """`ink` mixed into white: the background behind a cut."""
    channels = [int(ink[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02x}" for c in channels)
