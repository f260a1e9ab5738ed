"""Language: the ISO 639-1 code of a text's language, by py3langid's classifier (model shipped
inside the package, so it runs offline)."""
from __future__ import annotations

import functools
import logging
import pickle
from collections.abc import Iterable
from importlib import metadata

import numpy as np
from py3langid import langid

from textwash.atomic import atomic_path
from textwash.config import cache_root
from textwash.model.page import WORD, Line

log = logging.getLogger(__name__)

# Below this many words no classifier is reliable: the language stays unknown.
MIN_WORDS = 5
# The classifier's verdict settles well before this many characters of prose, and its cost grows
# with them (py3langid walks every byte in Python): on 108 pages in 7 languages, samples of 300 to
# 1000 characters of their prose lines gave the same verdicts; 500 leaves room for harder pages.
SAMPLE_CHARS = 500
# A line votes on a page's language when it reads as prose: this many words, ending as a sentence.
PROSE_LINE_WORDS = 8


def detect_language(text: str) -> str | None:
    """The language code of `text`, or None when there is too little text to tell."""
    sample = text[:SAMPLE_CHARS]
    if len(WORD.findall(sample)) < MIN_WORDS:
        return None
    code, _score = identifier().classify(sample)
    return code


@functools.cache
def identifier() -> langid.LanguageIdentifier:
    """py3langid's classifier. Its model ships LZMA-packed, and unpacking it costs 0.45 CPU s in
    every process that detects a language (textwash clean, each worker); so the first process
    leaves an unpacked copy in the cache folder (config.cache_root), which later ones load in a
    tenth of that. Without a writable cache, each process unpacks the model itself."""
    path = cache_root() / f"py3langid-{metadata.version('py3langid')}.pickle"
    try:
        model = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        model = langid._load_model_file(langid.MODEL_DIR / langid.MODEL_FILE)
        try:
            with atomic_path(path, fsync=False) as unpacked:
                unpacked.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            log.debug("language model not cached (%s)", exc)
    ptc, pc, classes, nextmove, row, output = model
    return langid.LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output, tk_row=row)


def page_language(lines: Iterable[Line]) -> str | None:
    """The language of a page's kept lines, told by its prose lines: menus, language pickers and
    credits are short or unpunctuated, and in a dump they often come first and in other languages.
    A page without prose lines is judged on all of them. On 108 pages this gave the verdict
    that detecting on the cleaned text gives, at one detection per page instead of two."""
    kept = [line for line in lines if line.kept]
    return detect_language(_sample(line.text for line in kept if line.words >= PROSE_LINE_WORDS
                                   and line.ends_sentence) or _sample(line.text for line in kept))


def _sample(texts: Iterable[str]) -> str:
    """The first SAMPLE_CHARS characters of `texts` joined by newlines, reading no more of them."""
    taken, length = [], 0
    for text in texts:
        taken.append(text)
        length += len(text) + 1
        if length >= SAMPLE_CHARS:
            break
    return "\n".join(taken)[:SAMPLE_CHARS]
