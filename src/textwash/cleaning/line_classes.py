"""Line classes: jusText's paragraph classes applied to the lines of a whole-page dump.

Every kept line gets a class from its own features (size, sentence punctuation, stopword
density in the page's language, share of capitalised words), then short and middling lines take
the class of the prose around them. The classes remove nothing themselves: they tell the end
rules when the article has begun, and they are features of the segment model (cleaning/model.py).
"""
from __future__ import annotations

import functools
from enum import Enum

from textwash.model.page import Line, Page

# py3langid codes → jusText stoplist names. A language without a stoplist is judged by size and
# punctuation alone: no line ever loses for not being in a listed language.
STOPLIST_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish",
    "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian",
    "it": "Italian", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "ms": "Malay", "nb": "Norwegian_Bokmal",
    "nl": "Dutch", "nn": "Norwegian_Nynorsk", "no": "Norwegian_Bokmal", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish",
    "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese",
}

# Size thresholds in words (jusText uses 70 and 200 characters; a word is about 6 characters).
SHORT_WORDS = 10
LONG_WORDS = 30
# A sentence of at least this many words is middling, not short.
SHORT_SENTENCE_WORDS = 4
# A line without final punctuation still reads as a sentence with this many words, when fewer
# than this share of them are capitalised (headlines capitalise most words).
UNPUNCTUATED_SENTENCE_WORDS = 15
SENTENCE_CASE_CAPITALS = 0.3
# Stopword density bounds, jusText's defaults.
STOPWORDS_LOW = 0.30
STOPWORDS_HIGH = 0.32
# How far (in kept lines) a short line looks for prose on each side when taking its class.
CONTEXT_REACH = 3


class LineClass(str, Enum):
    GOOD = "good"  # prose: long, with the language's stopwords, or a long sentence
    NEAR = "near-good"  # middling: some prose traits
    SHORT = "short"  # too short to judge alone: takes its neighbours' class
    BAD = "bad"  # chrome on its own evidence


@functools.cache
def stoplist(language: str | None) -> frozenset[str] | None:
    """The stopwords of `language` (an ISO 639-1 code), or None when there is no list for it."""
    name = STOPLIST_NAMES.get(language or "")
    if name is None:
        return None
    import justext  # loaded only when a page needs it

    return frozenset(word.lower() for word in justext.get_stoplist(name))


def stopword_density(line: Line, stopwords: frozenset[str]) -> float:
    """The share of the line's words (it must have some) that are stopwords."""
    words = line.lowered
    return sum(map(stopwords.__contains__, words)) / len(words)


def capitalised_share(line: Line) -> float:
    """The share of the line's alphabetic words that start with a capital."""
    initials = [word[0] for word in line.tokens if word[0].isalpha()]
    return sum(map(str.isupper, initials)) / len(initials) if initials else 0.0


def reads_as_sentence(line: Line) -> bool:
    """Ends like a sentence, or is a long line in sentence case whose final stop was lost."""
    if line.ends_sentence:
        return True
    return line.size >= UNPUNCTUATED_SENTENCE_WORDS and capitalised_share(line) < SENTENCE_CASE_CAPITALS


def own_class(line: Line, stopwords: frozenset[str] | None) -> LineClass:
    """The class a line earns alone, before its context is considered. Each feature is worked
    out only when the verdict needs it: most lines of a page are short, and size decides them."""
    size, sentence = line.size, line.ends_sentence
    if size < SHORT_WORDS:
        # A short full sentence leans to prose: it needs prose on one side only, not on both.
        return LineClass.NEAR if sentence and size >= SHORT_SENTENCE_WORDS else LineClass.SHORT
    if stopwords is None or not line.tokens:
        # No stoplist: punctuation and size decide.
        if sentence:
            return LineClass.GOOD if size >= LONG_WORDS / 2 else LineClass.NEAR
        return LineClass.NEAR if size >= LONG_WORDS else LineClass.BAD
    density = stopword_density(line, stopwords)
    if density >= STOPWORDS_HIGH:
        return LineClass.GOOD if size >= LONG_WORDS or sentence else LineClass.NEAR
    if density >= STOPWORDS_LOW:
        return LineClass.NEAR
    # Few stopwords: a list of names or headlines, unless it is long and reads as a sentence.
    return LineClass.NEAR if sentence and size >= LONG_WORDS else LineClass.BAD


def classify(page: Page, language: str | None) -> dict[int, LineClass]:
    """Each kept line's class (by line number), after context: short and near-good lines take the
    class of the nearest judged lines around them, as jusText does with paragraphs."""
    stopwords = stoplist(language)
    kept = page.kept()
    classes = [own_class(line, stopwords) for line in kept]

    def neighbour(index: int, step: int, skip: tuple[LineClass, ...]) -> LineClass:
        for other in range(index + step, index + step * (CONTEXT_REACH + 1), step):
            if not 0 <= other < len(classes):
                return LineClass.BAD  # the page's edge counts as chrome
            if classes[other] not in skip:
                return classes[other]
        return LineClass.BAD

    # Near-good lines: a sentence is good when prose stands on either side; a line that is no
    # sentence (a headline) only when prose stands on both sides, as a sub-heading does.
    resolved = list(classes)
    for i, (line, cls) in enumerate(zip(kept, classes)):
        if cls is LineClass.NEAR:
            before = neighbour(i, -1, (LineClass.SHORT, LineClass.NEAR))
            after = neighbour(i, 1, (LineClass.SHORT, LineClass.NEAR))
            sides = (before, after).count(LineClass.GOOD)
            needed = 1 if reads_as_sentence(line) else 2
            resolved[i] = LineClass.GOOD if sides >= needed else LineClass.BAD
    classes = resolved
    # Short lines: good between prose on both sides, bad when chrome is on either side.
    resolved = list(classes)
    for i, cls in enumerate(classes):
        if cls is LineClass.SHORT:
            before = neighbour(i, -1, (LineClass.SHORT,))
            after = neighbour(i, 1, (LineClass.SHORT,))
            resolved[i] = LineClass.GOOD if before is after is LineClass.GOOD else LineClass.BAD
    return {line.number: cls for line, cls in zip(kept, resolved)}


def is_menu_item(line: Line) -> bool:
    """A line that could be one entry of a menu: short, and not a sentence."""
    return line.size < SHORT_WORDS and not line.ends_sentence
