"""Language: the ISO 639-1 code of a text's language, by py3langid's classifier (model shipped
inside the package, so it runs offline)."""
from __future__ import annotations

import py3langid

from textwash.lines import WORD

# Below this many words no classifier is reliable: the language stays unknown.
MIN_WORDS = 5
# The classifier's verdict settles well before this many characters, and its cost grows with them
# (py3langid walks every byte in Python): on 100 article pages 1000 characters gave the same
# verdict as 4000 on all but a page of language-menu chrome, at a quarter of the time.
SAMPLE_CHARS = 1000


def detect_language(text: str) -> str | None:
    """The language code of `text`, or None when there is too little text to tell."""
    sample = text[:SAMPLE_CHARS]
    if len(WORD.findall(sample)) < MIN_WORDS:
        return None
    code, _score = py3langid.classify(sample)
    return code
