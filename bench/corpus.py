"""Synthetic benchmark corpus: N distinct documents grown from a handful of real pages.

Each document is one of the seed pages (the samples in raw/, plus any pages passed in) with a few
prose lines varied by word swaps, so no two documents are byte-identical and no cache or dedup
shortcut can hide work. A chosen share is turned into mojibake (UTF-8 read as Windows-1252), the
damage repair has to undo. Seed pages in HTML become .html documents, varied the same way in the
text between tags.

Documents are laid out in nested folders so that every benchmark size is one folder: with sizes
1000, 10000 and 100000, the first 10000 documents live under ROOT/p0 and the first 1000 under
ROOT/p0/p0. A manifest records what was built, and a corpus with the same manifest is reused.
"""
from __future__ import annotations

import gzip
import json
import random
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401  registers the "sloppy-windows-1252" codec

MANIFEST = ".manifest.json"  # hidden: read.discover skips dot-files
TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
# A prose line: long enough that swapping a few of its words keeps the page's shape.
_PROSE_LINE = re.compile(r"^[^\n<>]{120,}$", re.MULTILINE)
# Text between two tags in HTML, long enough to be a paragraph rather than a label.
_HTML_PROSE = re.compile(r">([^<>]{120,})<")
_WORD = re.compile(r"\w{3,}")
LINES_VARIED = 4
WORDS_SWAPPED = 3


@dataclass(frozen=True)
class Seed:
    name: str
    kind: str  # "txt" or "html"
    text: str


@dataclass
class CorpusInfo:
    documents: int
    bytes: int
    mojibake: int
    by_format: dict  # format -> {"documents": n, "bytes": n}
    seeds: int
    seed_fingerprint: str
    mojibake_share: float
    html_share: float
    sizes: list


def load_seeds(folders: list[Path]) -> list[Seed]:
    """Every .txt and .html(.gz) page under `folders`, decoded as UTF-8 (others are skipped)."""
    seeds = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            name = path.name.lower()
            kind = "txt" if name.endswith(TEXT_SUFFIXES) else "html" if name.endswith(HTML_SUFFIXES) else None
            if kind is None or not path.is_file():
                continue
            data = path.read_bytes()
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            try:
                seeds.append(Seed(str(path), kind, data.decode("utf-8")))
            except UnicodeDecodeError:
                continue
    return seeds


def to_mojibake(text: str) -> str:
    """The text as a page that was UTF-8 but got decoded as Windows-1252 ("café" → "cafÃ©")."""
    return text.encode("utf-8").decode("sloppy-windows-1252")


def vary(text: str, kind: str, vocabulary: list[str], rng: random.Random) -> str:
    """`text` with a few words swapped in a few prose lines (or paragraphs between HTML tags)."""
    pattern = _HTML_PROSE if kind == "html" else _PROSE_LINE
    spans = [m.span(1 if kind == "html" else 0) for m in pattern.finditer(text)]
    if not spans:
        return f"{text}\n{' '.join(rng.sample(vocabulary, min(8, len(vocabulary))))}\n"
    pieces, last = [], 0
    for start, end in sorted(rng.sample(spans, min(LINES_VARIED, len(spans)))):
        words = list(_WORD.finditer(text, start, end))
        swaps = {w.span() for w in rng.sample(words, min(WORDS_SWAPPED, len(words)))}
        for word_start, word_end in sorted(swaps):
            pieces += [text[last:word_start], rng.choice(vocabulary)]
            last = word_end
    pieces.append(text[last:])
    return "".join(pieces)


def layout(index: int, sizes: list[int]) -> Path:
    """Relative path of document `index`: one folder level per benchmark size below the largest."""
    parts = [f"p{index // size}" for size in sorted(sizes, reverse=True)[1:]]
    return Path(*parts)


def subset_folder(root: Path, size: int, sizes: list[int]) -> Path:
    """The folder holding exactly the first `size` documents."""
    levels = sorted(sizes, reverse=True)
    return root.joinpath(*["p0"] * levels.index(size))


def check_sizes(sizes: list[int]) -> list[int]:
    sizes = sorted(set(sizes))
    for small, large in zip(sizes, sizes[1:]):
        if large % small:
            raise ValueError(f"each size must divide the next: {small} does not divide {large}")
    return sizes


def build(root: Path, seeds: list[Seed], sizes: list[int], *, mojibake_share: float = 0.1,
          html_share: float = 0.1, seed: int = 7) -> CorpusInfo:
    """Write max(sizes) documents under `root` (reused when already built the same way)."""
    sizes = check_sizes(sizes)
    total = sizes[-1]
    text_seeds = [s for s in seeds if s.kind == "txt"]
    html_seeds = [s for s in seeds if s.kind == "html"]
    if not text_seeds and not html_seeds:
        raise ValueError("no seed pages to build a corpus from")
    if not html_seeds:
        html_share = 0.0
    if not text_seeds:
        html_share = 1.0
    fingerprint = f"{len(seeds)}:{sum(len(s.text) for s in seeds)}:{seed}"
    manifest = root / MANIFEST
    if manifest.exists():
        info = CorpusInfo(**json.loads(manifest.read_text()))
        if (info.documents, info.seed_fingerprint, info.mojibake_share, info.html_share, info.sizes) == (
                total, fingerprint, mojibake_share, html_share, sizes):
            return info
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(seed)
    vocabulary = sorted({w for s in seeds for w in _WORD.findall(s.text[:20000]) if w.isalpha()})
    non_ascii = [w for w in vocabulary if not w.isascii()] or ["café"]
    by_format = {}
    mojibake = 0
    made_folders = set()
    for index in range(total):
        kind = "html" if rng.random() < html_share else "txt"
        base = rng.choice(html_seeds if kind == "html" else text_seeds)
        text = vary(base.text, kind, vocabulary, rng)
        if rng.random() < mojibake_share:
            if text.isascii():
                text = f"{text}\n{rng.choice(non_ascii)}\n"
            text = to_mojibake(text)
            mojibake += 1
        data = text.encode("utf-8")
        folder = root / layout(index, sizes)
        if folder not in made_folders:
            folder.mkdir(parents=True, exist_ok=True)
            made_folders.add(folder)
        (folder / f"{index:07d}.{kind}").write_bytes(data)
        tally = by_format.setdefault(kind, {"documents": 0, "bytes": 0})
        tally["documents"] += 1
        tally["bytes"] += len(data)
    info = CorpusInfo(
        documents=total,
        bytes=sum(t["bytes"] for t in by_format.values()),
        mojibake=mojibake,
        by_format=by_format,
        seeds=len(seeds),
        seed_fingerprint=fingerprint,
        mojibake_share=mojibake_share,
        html_share=html_share,
        sizes=sizes,
    )
    manifest.write_text(json.dumps(asdict(info), indent=1))
    return info
