"""Extract: an HTML page's main text (trafilatura) and page metadata (our reader, trafilatura's
where ours finds nothing), under a time cap.

trafilatura has no timeout of its own, and a pathological page can keep it busy for minutes. With
a cap set, pages are extracted in a worker process that is killed and replaced when a page runs
over; an alarm signal cannot do this, since Prefect runs batches in threads and only the main
thread receives signals. The worker is a fresh interpreter (`python -m textwash.inputs.extract FD`), not
a fork: forking a threaded process can copy a lock another thread holds, and multiprocessing's
spawn and forkserver re-import the caller's main script. Its start-up (0.3 to 0.5 s, mostly
importing trafilatura) is paid once per batch and once per page that runs over.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing.connection
import re
import subprocess
import sys
from dataclasses import dataclass, field

from textwash.config import DEFAULT_TIMEOUT_SECONDS
from textwash.inputs.html_metadata import read_metadata
from textwash.model.metadata import Metadata

# A worker's start-up is not part of any page's time; this only guards against one that hangs.
_STARTUP_SECONDS = 60

# Chosen on the 95-page dev set (bench/formats.py, then the article scorer): dropping comments
# and favouring precision lifted trafilatura's F1 from 0.954 to 0.966 with recall barely
# changed (favouring recall, or dropping tables, scored lower); the text cleaner then catches
# part of what is left.
_TEXT_OPTIONS = dict(favor_precision=True, include_comments=False, include_tables=True)

# Precision mode now and then keeps only a scrap of the article. When its text is short, recall
# mode runs too, and its text is taken if precision mode kept less than this share of it. On the
# dev set this took trafilatura from 0.966 to 0.970, all of it from one page of 95 (a teaser
# paragraph kept instead of the article), so it is a guard, not a tuning.
SHORT_TEXT_CHARS = 1500
MIN_SHARE_OF_RECALL = 0.5
# A text still this short after the retry is checked against resiliparse's main-content text of
# the whole page, taken when trafilatura kept less than FALLBACK_SHARE of it. Both were chosen on
# the even-hash half of the readability dev pages (sha1 of the id), over 300 to 3000 characters
# and shares of 0.25 to 0.9 (the smallest of the best pairs), then measured on the other half and
# on the 95 news pages: it swaps in the test pages where trafilatura keeps one block of several.
FALLBACK_BELOW_CHARS = 800
FALLBACK_SHARE = 0.6
# Recall mode skips the comparison with the other extractors: on the dev pages the retry's text
# came out the same without it, at about a fifth less of the retry's time.
_RECALL_OPTIONS = dict(_TEXT_OPTIONS, favor_precision=False, favor_recall=True, fast=True)


# A tag: "/" if closing, its name, the rest up to ">" (a greedy run: on long attribute lists a lazy
# one, trying the end at every character, made this scan 40% slower).
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)([^<>]*)>")
# Elements that never hold others, and those a parser closes by itself when the next one opens:
# they add no depth (counting unclosed <p> and <li> would take a sloppy page for a deep one).
_FLAT = frozenset("area base br col embed hr img input link meta param source track wbr "
                  "p li dt dd tr td th option optgroup thead tbody tfoot colgroup caption rp rt".split())
_RAW_TEXT = ("script", "style", "textarea", "title")


def too_deep(html: str, limit: int) -> int | None:
    """Where in `html` elements first nest more than `limit` deep, or None: a scan of its tags
    (comments, scripts and styles skipped), linear in the page's size whatever it holds."""
    lowered = html.lower()
    open_tags: list[str] = []
    position = 0
    while (start := html.find("<", position)) >= 0:
        if html.startswith("<!--", start):
            position = html.find("-->", start + 4)
            if position < 0:
                return None
            continue
        match = _TAG.match(html, start)
        if match is None:
            position = start + 1
            continue
        position = match.end()
        closing, name, self_closing = match[1], match[2].lower(), match[3].endswith("/")
        if closing:
            if name in open_tags:  # closes it and whatever inside was left open
                del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name):]
        elif name in _RAW_TEXT:
            position = lowered.find(f"</{name}", position)
            if position < 0:
                return None
        elif not self_closing and name not in _FLAT:
            open_tags.append(name)
            if len(open_tags) > limit:
                return match.start()
    return None


class ExtractTimeout(Exception):
    pass


class ExtractFailed(Exception):
    pass


@dataclass
class PageMetadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    publisher: str | None = None  # the site name
    description: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    url: str | None = None
    language: str | None = None  # the language the page declares: a fallback to detection
    # Where each field's value came from, keyed by document column (title, authors, publisher,
    # published, description, section, tags, language): our reader's source ("json-ld",
    # "opengraph", "meta:author", "title-tag", ...), "trafilatura", or "scraper" for a title the
    # input gave.
    sources: dict[str, str] = field(default_factory=dict)


@dataclass
class Extraction:
    text: str  # one paragraph per line
    meta: PageMetadata


def extract_page(html: str, url: str | None = None) -> Extraction:
    """The main text and metadata of `html`, in this process and without a time cap.

    The page is parsed once: our metadata reader, trafilatura's metadata fill-ins and each text
    pass read that one tree (trafilatura's text passes work on a copy). The first pass skips
    trafilatura's comparison with its other extractors (readability, jusText), a quarter of its
    time: on a page where its own extractor finds a whole article the comparison kept that text
    on every dev page. Only a short first text takes the full cascade, then the recall retry, then
    the whole-page fallback (`_fallback_text`).
    """
    import trafilatura

    tree = trafilatura.load_html(html)
    if tree is None:
        return Extraction("", PageMetadata())
    guess = read_metadata(html, url, tree=tree)
    document = _trafilatura_metadata(tree, url, guess)
    url = url or document.url  # the page's canonical address, as trafilatura itself passes it on
    text = _text(trafilatura.bare_extraction(tree, url=url, fast=True, **_TEXT_OPTIONS))
    if len(text) < SHORT_TEXT_CHARS:
        text = _text(trafilatura.bare_extraction(tree, url=url, **_TEXT_OPTIONS))
    if len(text) < SHORT_TEXT_CHARS:
        recall = _text(trafilatura.bare_extraction(tree, url=url, **_RECALL_OPTIONS))
        if len(text) < MIN_SHARE_OF_RECALL * len(recall):
            text = recall
    if len(text) < FALLBACK_BELOW_CHARS:
        text = _fallback_text(html, text)
    return Extraction(text, _page_metadata(guess, document))


def _fallback_text(html: str, text: str) -> str:
    """resiliparse's main-content text of the page instead of trafilatura's `text`, when
    trafilatura kept less than FALLBACK_SHARE of it.

    On a small page (a short post, a test page) trafilatura's article finder can keep a single
    block of several; resiliparse's main-content rules (it drops navigation, headers, footers and
    forms by their tags and class names, then keeps the rest) keep them all. On a full article
    page it keeps more boilerplate than trafilatura, hence only below FALLBACK_BELOW_CHARS.
    """
    from resiliparse.extract.html2text import extract_plain_text

    try:
        whole = extract_plain_text(html, main_content=True).strip()
    except Exception:  # noqa: BLE001 - a fallback: trafilatura's text stands whatever happens here
        return text
    return whole if len(text) < FALLBACK_SHARE * len(whole) else text


def _trafilatura_metadata(tree, url: str | None, guess):
    """trafilatura's metadata of the page, as `trafilatura.extract_metadata` reads it, bar the
    fields our reader (`guess`) already found, and bar the date.

    The date is left out because it would be the same search twice: trafilatura's date is only a
    fill-in where our reader found none, and our reader runs htmldate, with the same parameters,
    whenever the page states no single date (the search is two thirds of extract_metadata's time).
    The author search, which copies the whole tree, runs only when our reader found no author.
    """
    from trafilatura import metadata as tm
    from trafilatura.settings import Document

    try:
        document = tm.examine_meta(tree)
        if document.author and " " not in document.author:
            document.author = None
        try:
            document = tm.extract_meta_json(tree, document)
        except Exception:  # noqa: BLE001 - bugs in trafilatura's JSON-LD reader, as it guards them itself
            pass
        if not document.title and not guess.title:
            document.title = tm.extract_title(tree)
        if not document.author and not guess.authors:
            document.author = tm.extract_author(tree)
        if not document.url:
            document.url = tm.extract_url(tree, url)
        if not document.sitename and not guess.site_name:
            document.sitename = tm.extract_sitename(tree)
        if document.sitename:
            document.sitename = document.sitename.lstrip("@")
            if document.sitename and "." not in document.sitename and not document.sitename[0].isupper():
                document.sitename = document.sitename.title()
        elif document.url and (match := tm.META_URL.match(document.url)):
            document.sitename = match[1]
        if not document.categories:
            document.categories = tm.extract_catstags("category", tree)
        if not document.tags:
            document.tags = tm.extract_catstags("tag", tree)
        document.clean_and_trim()
        return document
    except Exception:  # noqa: BLE001 - fill-ins only: our reader's fields stand without them
        return Document()


def _text(document) -> str:
    return (document.text or "") if document else ""


def merge_metadata(page: PageMetadata, text: Metadata) -> Metadata:
    """`text`'s metadata with every field the page states taken from the page instead, bar the
    language: the one detected in the text wins, the page's declaration fills in where detection
    found none. (On the dev pages declaration and detection differed on 2 real articles of 81,
    and the detected language was right on both; the declared one is a template's default.)

    The result's `sources` say where each field came from: the page's source for a field the page
    gave, the text's own (`text.sources`) for the rest.
    """
    sources = dict(text.sources)
    for column, value in (("title", page.title), ("description", page.description), ("authors", page.authors),
                          ("publisher", page.publisher), ("published", page.published),
                          ("section", page.categories), ("tags", page.tags)):
        if value:
            sources[column] = page.sources.get(column, "page")
    if not text.language and page.language:
        sources["language"] = page.sources.get("language", "page")
    return dataclasses.replace(
        text,
        title=page.title or text.title,
        description=page.description or text.description,
        authors=page.authors or text.authors,
        publisher=page.publisher or text.publisher,
        published=page.published or text.published,
        section=page.categories or text.section,
        language=text.language or page.language,
        sources=sources,
    )


def _page_metadata(guess, document) -> PageMetadata:
    """Our reader's fields (`guess`), each one it left empty taken from trafilatura's (`document`)."""
    sources: dict[str, str] = {}

    def pick(column, ours, source, theirs):
        if ours:
            sources[column] = source or "html"
            return ours
        if theirs:
            sources[column] = "trafilatura"
        return theirs

    return PageMetadata(
        title=pick("title", _clean(guess.title), guess.sources.get("title"), _clean(document.title)),
        authors=pick("authors", _split(guess.authors, ";"), guess.sources.get("authors"), _split(document.author, ";")),
        published=pick("published", _iso_date(guess.published), guess.sources.get("published"), _iso_date(document.date)),
        publisher=pick("publisher", _clean(guess.site_name), guess.sources.get("site_name"), _clean(document.sitename)),
        description=pick("description", _clean(guess.description), guess.sources.get("description"),
                         _clean(document.description)),
        categories=pick("section", [], None, _split(document.categories, ",")),
        tags=pick("tags", [], None, _split(document.tags, ",")),
        url=_clean(document.url),
        language=pick("language", language_code(guess.language), guess.sources.get("language"),
                      language_code(document.language)),
        sources=sources,
    )


_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def language_code(value) -> str | None:
    """The primary language subtag of a declared language ("en-US" and "en" are one language
    here), or None when it is not one.

    >>> language_code("en-US"), language_code("pt_BR"), language_code(" DE "), language_code("english")
    ('en', 'pt', 'de', None)
    """
    code = (_clean(value) or "").replace("_", "-").split("-")[0].lower()
    return code if _LANGUAGE_CODE.fullmatch(code) else None


def _clean(value) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _split(value, separator: str) -> list[str]:
    """The distinct non-empty entries of a string or list, each entry split on `separator` too
    (trafilatura hands over "a; b" authors and ["a, b, c"] keyword lists)."""
    items = [value] if isinstance(value, str) else list(value or [])
    seen = []
    for part in (part for item in items if isinstance(item, str) for part in item.split(separator)):
        part = _clean(part)
        if part and part not in seen:
            seen.append(part)
    return seen


def _iso_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


class HtmlExtractor:
    """Extracts pages one at a time, each within `timeout` seconds (None: no cap, in process).

    Use as a context manager so that the worker process ends with the batch.
    """

    def __init__(self, timeout: float | None = DEFAULT_TIMEOUT_SECONDS):
        self.timeout = timeout
        self._worker: subprocess.Popen | None = None
        self._conn: multiprocessing.connection.Connection | None = None

    def __enter__(self) -> HtmlExtractor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def extract(self, html: str, url: str | None = None) -> Extraction:
        if not self.timeout:
            return extract_page(html, url)
        if self._worker is None or self._worker.poll() is not None:
            self._start()
        try:
            self._conn.send((html, url))
            if not self._conn.poll(self.timeout):
                self._kill()
                raise ExtractTimeout(f"extraction ran over {self.timeout:g} s")
            status, value = self._conn.recv()
        except (EOFError, OSError):  # the worker died: out of memory, a crash in lxml
            self._kill()
            raise ExtractFailed("the extraction worker died") from None
        if status == "error":
            raise ExtractFailed(value)
        return value

    def close(self) -> None:
        if self._worker is not None:
            try:
                self._conn.send(None)
                self._worker.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()

    def _start(self) -> None:
        parent, child = multiprocessing.Pipe()
        self._conn = parent
        self._worker = subprocess.Popen(
            [sys.executable, "-m", "textwash.inputs.extract", str(child.fileno())],
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
        )
        child.close()
        if not parent.poll(_STARTUP_SECONDS) or parent.recv() != "ready":
            self._kill()
            raise ExtractFailed(f"the extraction worker did not start within {_STARTUP_SECONDS} s")

    def _kill(self) -> None:
        if self._worker is not None:
            if self._worker.poll() is None:
                self._worker.kill()
            self._worker.wait()
        if self._conn is not None:
            self._conn.close()
        self._worker = self._conn = None


def _serve(conn: multiprocessing.connection.Connection) -> None:
    """The worker loop: (html, url) in, ("ok", Extraction) or ("error", message) out; None ends it."""
    import resiliparse.extract.html2text  # noqa: F401  (both imported before the first page, not within its time)
    import trafilatura  # noqa: F401

    conn.send("ready")
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            reply = ("ok", extract_page(*request))
        except Exception as exc:  # reported to the caller as this page's failure
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


if __name__ == "__main__":
    # Through the package module, so that replies pickle as textwash.inputs.extract classes, not __main__'s.
    from textwash.inputs import extract

    extract._serve(multiprocessing.connection.Connection(int(sys.argv[1])))
