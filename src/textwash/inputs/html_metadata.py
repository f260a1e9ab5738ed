"""HTML metadata: title, authors, site name, publication date, description and language as the
page itself states them.

`read_metadata(html, url)` collects every statement a page makes (JSON-LD blocks, OpenGraph and
Twitter tags, meta author / article:author / parsely / Dublin Core tags, rel=author and
itemprop=author links, byline elements, <time datetime>, the <title> tag) and keeps one value per
field by a fixed order of preference. Each value comes with the name of the statement it was
taken from (`PageMetadataGuess.sources`), which the document's `metadata_sources` column carries.

The rules were written on half of the readability-dev pages and scored once on the other half
(issue 16): held out, title 52/59, author 33/39, site 37/37, date 20/20, against trafilatura's
43, 29, 32 and 18. None names a site or a page's words. Titles lose a site-name prefix or
suffix on purpose, even where Readability keeps it.

It needs lxml, and htmldate for a date the page's tags disagree on (both come with trafilatura),
and it never raises: a page it cannot read gives an empty `PageMetadataGuess`.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from textwash.model.metadata import NAME_CONJUNCTIONS

# Inputs larger than this are cut before parsing (metadata sits in the head and the first screen).
MAX_HTML_CHARS = 3_000_000
# A JSON-LD block larger than this is skipped; nesting deeper than this is not walked.
MAX_JSONLD_CHARS = 500_000
MAX_JSON_DEPTH = 12
# Schema.org types read as "the article" (in this order of preference: an article type over a page).
ARTICLE_TYPES = frozenset(
    "article newsarticle analysisnewsarticle askpublicnewsarticle backgroundnewsarticle "
    "opinionnewsarticle reportagenewsarticle reviewnewsarticle report satiricalarticle "
    "scholarlyarticle medicalscholarlyarticle socialmediaposting blogposting liveblogposting "
    "discussionforumposting techarticle apireference advertisercontentarticle review recipe "
    "howto".split())
PAGE_TYPES = frozenset("webpage itempage aboutpage collectionpage profilepage qapage faqpage".split())

# Title separators: a spaced bar, dash, en/em dash, slash, guillemet, double colon, middle dot.
_TITLE_SEP = re.compile(r"\s+(?:[|\-–—/\\»·•]|::)\s+")
_WS = re.compile(r"\s+")
# A leading byline word in several languages ("By", "Par", "Von", "Por", "Door", "Di", "Av", "Af").
_BY = re.compile(r"^\s*(?:(?:written|posted|reported|words|text|story)\s+)?"
                 r"(?:by|par|von|por|door|di|da|av|af|de|från|texto?|autor(?:in)?|author)\s*[:\-–—]?\s+",
                 re.IGNORECASE)
# Words that make a comma-part a job title or an affiliation, not a person.
_ROLE_WORDS = re.compile(
    r"\b(?:staff|writer|reporter|editor|editors|correspondent|contributor|contributing|columnist|"
    r"producer|photographer|journalist|analyst|senior|associate|chief|managing|deputy|intern|"
    r"news|desk|team|bureau|health|science|technology|tech|sports|politics|business|"
    r"ma|phd|md|ph\.d|updated|published|posted|follow|email|twitter)\b", re.IGNORECASE)
_MONTHS = (r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|"
           r"june|july|august|september|october|november|december")
_DATEISH = re.compile(rf"\b(?:\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}|(?:{_MONTHS})\.?\s+\d{{1,2}}|\d{{1,2}}\s+(?:{_MONTHS})\b|"
                      rf"\d{{1,2}}:\d{{2}}|\b\d{{4}}\b)", re.IGNORECASE)
_URLISH = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
# A class token naming an author element: "author", "post-author", "author-name", "author__name".
_AUTHOR_CLASS = re.compile(r"^(?:[a-z]+[-_]+)?author(?:[-_]*name)?$")
_SPLIT_AUTHORS = re.compile(rf"\s*(?:,|;|\||/|•|·|\s&\s|\s\+\s|\b(?:{NAME_CONJUNCTIONS})\b)\s*",
                            re.IGNORECASE)


@dataclass(frozen=True)
class PageMetadataGuess:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    site_name: str | None = None
    published: str | None = None  # ISO date ("2024-04-20") or datetime as the page states it
    description: str | None = None
    language: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # field -> where its value came from


# ----------------------------------------------------------------------------- small helpers

def clean_text(value) -> str:
    """`value` as one line: whitespace collapsed, control characters dropped, ends trimmed.

    >>> clean_text("  A\\n\\t title\\x00 ")
    'A title'
    >>> clean_text(None)
    ''
    """
    if not isinstance(value, str):
        return ""
    value = "".join(ch for ch in value if ch in "\t\n" or unicodedata.category(ch)[0] != "C")
    return _WS.sub(" ", value).strip()


def norm_key(text: str) -> str:
    """A comparison key: NFKC, lower case, punctuation and spaces collapsed.

    >>> norm_key("The  Verge!")
    'the verge'
    """
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text or "").lower()).strip()


def same_name(a: str, b: str) -> bool:
    """Whether two names are the same once punctuation, spaces and case are ignored.

    >>> same_name("Aktualne.cz", "aktualne cz")
    True
    >>> same_name("Daily Post", "Post")
    False
    """
    return bool(norm_key(a)) and norm_key(a).replace(" ", "") == norm_key(b).replace(" ", "")


def host_words(url: str | None) -> set[str]:
    """The registrable name of a URL's host, in forms a title might spell it.

    >>> sorted(host_words("https://www.example-news.co.uk/a/b"))
    ['example news', 'example-news', 'example-news.co.uk', 'examplenews']
    >>> host_words(None)
    set()
    """
    if not url:
        return set()
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return set()
    parts = [p for p in host.split(".") if p and p != "www"]
    if len(parts) < 2:
        return set()
    # drop the public suffix (one label, or two for short second-level ones like co.uk)
    name_parts = parts[:-2] if len(parts) >= 3 and len(parts[-2]) <= 3 else parts[:-1]
    if not name_parts:
        return set()
    name = name_parts[-1]
    full = ".".join(parts[len(name_parts) - 1:])
    return {name, name.replace("-", " "), name.replace("-", ""), full}


def normalize_date(value) -> str | None:
    """An ISO date or datetime string from a stated date, keeping the page's own calendar day.

    >>> normalize_date("2018-04-05T06:00")
    '2018-04-05T06:00'
    >>> normalize_date("2017-11-03 03:01:00.000000")
    '2017-11-03T03:01:00'
    >>> normalize_date("Tue, 03 Nov 2015 10:00:00 +0100")
    '2015-11-03T10:00:00'
    >>> normalize_date("2015-13-45") is None
    True
    >>> normalize_date("yesterday") is None
    True
    """
    value = clean_text(value) if isinstance(value, str) else ""
    if not value:
        return None
    m = _ISO_DATE.search(value[:64])
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        try:
            dt.date(y, mo, d)
        except ValueError:
            return None
        if not 1900 <= y <= 2100:
            return None
        if m[4] is None:
            return f"{y:04d}-{mo:02d}-{d:02d}"
        return f"{y:04d}-{mo:02d}-{d:02d}T{int(m[4]):02d}:{m[5]}" + (f":{m[6]}" if m[6] else "")
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or not 1900 <= parsed.year <= 2100:
        return None
    return parsed.replace(tzinfo=None).isoformat()


def strip_site_affix(title: str, site_names: list[str], url: str | None = None) -> str:
    """`title` without a leading or trailing part that names the site, cut at a spaced separator.

    A part is cut only when it equals one of `site_names` or the URL's host name; a title with
    no such part is returned whole, since a separator alone cannot tell a site from a subtitle.

    >>> strip_site_affix("Facebook tracks me | Civil Liberties Union", ["Civil Liberties Union"])
    'Facebook tracks me'
    >>> strip_site_affix("WSJ - Markets rally again", ["WSJ"])
    'Markets rally again'
    >>> strip_site_affix("Evolve: Shared History - evolve extension", ["Other"])
    'Evolve: Shared History - evolve extension'
    >>> strip_site_affix("Notes on parsing | Example", [], "https://blog.example.com/x")
    'Notes on parsing'
    """
    names = [n for n in site_names if n] + sorted(host_words(url))
    if not names:
        return title
    parts = _TITLE_SEP.split(title)
    seps = _TITLE_SEP.findall(title)
    if len(parts) < 2:
        return title
    def is_site(part):
        return any(same_name(part, n) for n in names)
    # trailing parts naming the site ("Title | Section | Site": cut the site only)
    if is_site(parts[-1]):
        kept = title[: title.rfind(seps[-1])]
        return kept.strip() or title
    if is_site(parts[0]):
        kept = title[title.find(seps[0]) + len(seps[0]):]
        return kept.strip() or title
    return title


def strip_clear_suffix(title: str) -> str:
    """`title` without a short trailing part after its only separator, when the head is long.

    Used only when the page names no site: "Long headline of five words – Short Name".

    >>> strip_clear_suffix("Lorem ipsum dolor sit amet – My website")
    'Lorem ipsum dolor sit amet'
    >>> strip_clear_suffix("Mozilla - Wikipedia")
    'Mozilla - Wikipedia'
    >>> strip_clear_suffix("A title: the long part - with a dash - twice")
    'A title: the long part - with a dash - twice'
    """
    seps = _TITLE_SEP.findall(title)
    if len(seps) != 1:
        return title
    head, tail = _TITLE_SEP.split(title)
    if len(tail.split()) <= 3 and len(head.split()) >= 4:
        return head.strip()
    return title


def split_authors(text: str, site_names: list[str] = ()) -> list[str]:
    """The people named in an author string: no "By", no roles, dates, URLs or the site's name.

    >>> split_authors("By Jane Doe and John Roe")
    ['Jane Doe', 'John Roe']
    >>> split_authors("Jane Doe, Staff Writer")
    ['Jane Doe']
    >>> split_authors("BY: JANE DOE | March 3, 2020 at 6:01 am")
    ['JANE DOE']
    >>> split_authors("Daily Planet Staff", ["Daily Planet"])
    []
    >>> split_authors("Ana Lima (http://example.org/ana)")
    ['Ana Lima']
    >>> split_authors("Doe, Jane")
    ['Doe', 'Jane']
    """
    text = clean_text(text)
    if not text:
        return []
    text = _URLISH.sub(" ", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    text = re.sub(r"^\W+|\W+$", "", text.strip(), flags=re.UNICODE) if text.strip() else ""
    # cut at the first date-like stretch ("Jane Doe March 3, 2020", "Jane Doe 12:30")
    m = _DATEISH.search(text)
    if m:
        text = text[: m.start()]
    out: list[str] = []
    for part in _SPLIT_AUTHORS.split(text):
        part = _BY.sub("", part.strip())
        part = _BY.sub("", part)
        part = re.sub(r"^[\W\d]+|[\W\d]+$", "", part).strip()
        if not part or len(part) > 60 or len(part.split()) > 6 or re.search(r"\d", part):
            continue
        # a lone all-capital short token is an agency or outlet acronym, not a person
        if " " not in part and part.isupper() and len(part) <= 5:
            continue
        # initials only ("J J") are avatars or placeholders, not names
        if all(len(tok.strip(".")) <= 1 for tok in part.split()):
            continue
        if _ROLE_WORDS.search(part):
            continue
        if any(same_name(part, s) or norm_key(s) in norm_key(part) for s in site_names if s and len(norm_key(s)) > 3):
            continue
        if part.startswith("@") or part.lower() in {"admin", "administrator", "anonymous", "unknown", "guest"}:
            continue
        if part not in out:
            out.append(part)
    return out


# ----------------------------------------------------------------------------- page sources

def _parse(html: str):
    from lxml import html as lxml_html
    from lxml import etree
    html = html[:MAX_HTML_CHARS].replace("\x00", "")
    if not html.strip() or "<" not in html:
        return None
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  recover=True, encoding="utf-8")
    try:
        root = lxml_html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError, TypeError):
        return None
    return root


def _meta_values(root) -> dict[str, list[str]]:
    """name/property/itemprop (each space-separated key, lower case) -> contents, in page order."""
    out: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        content = clean_text(el.get("content"))
        if not content:
            continue
        keys = " ".join(filter(None, (el.get("name"), el.get("property"), el.get("itemprop"),
                                      el.get("http-equiv"))))
        for key in keys.lower().split():
            out.setdefault(key, []).append(content)
    return out


def _jsonld_objects(root) -> list[dict]:
    """Every JSON object in the page's ld+json blocks, @graph and lists flattened, depth-bounded."""
    objs: list[dict] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = script.text or ""
        if len(raw) > MAX_JSONLD_CHARS:
            continue
        raw = re.sub(r"^\s*(?://)?\s*<!\[CDATA\[|(?://)?\s*\]\]>\s*$", "", raw.strip())
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        stack = [(data, 0)]
        while stack:
            item, depth = stack.pop(0)
            if depth > MAX_JSON_DEPTH:
                continue
            if isinstance(item, list):
                stack.extend((x, depth + 1) for x in item)
            elif isinstance(item, dict):
                objs.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend((x, depth + 1) for x in item["@graph"])
    return objs


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        t = [t]
    if not isinstance(t, list):
        return set()
    return {x.rsplit("/", 1)[-1].lower() for x in t if isinstance(x, str)}


def _names(value, depth: int = 0) -> list[str]:
    """Names in a JSON-LD author/publisher value: a string, an object with name, or a list."""
    if depth > 4:
        return []
    if isinstance(value, str):
        return [clean_text(value)] if clean_text(value) else []
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = " ".join(x for x in name if isinstance(x, str))
        if isinstance(name, str) and clean_text(name):
            return [clean_text(name)]
        given, family = value.get("givenName"), value.get("familyName")
        if isinstance(given, str) and isinstance(family, str):
            return [clean_text(f"{given} {family}")]
        return []
    if isinstance(value, list):
        return [n for x in value[:20] for n in _names(x, depth + 1)]
    return []


def _similarity(a: str, b: str) -> float:
    """Share of `a`'s words found in `b`.

    >>> _similarity("Hermitian matrix", "Hermitian matrix - Wikipedia")
    1.0
    """
    wa, wb = norm_key(a).split(), set(norm_key(b).split())
    return sum(w in wb for w in wa) / len(wa) if wa else 0.0


def _jsonld_fields(objs: list[dict], tag_title: str = "") -> dict:
    """title, authors, site, published, description, language from the article object."""
    article = next((o for o in objs if _types(o) & ARTICLE_TYPES), None)
    page = next((o for o in objs if _types(o) & PAGE_TYPES), None)
    site = next((o for o in objs if _types(o) & {"website"}), None)
    org = next((o for o in objs if _types(o) & {"organization", "newsmediaorganization"}), None)
    out: dict = {}
    for obj, kind in ((article, "article"), (page, "page")):
        if not obj:
            continue
        headline = obj.get("headline") if isinstance(obj.get("headline"), str) else None
        name = obj.get("name") if isinstance(obj.get("name"), str) else None
        publisher = (_names(obj.get("publisher")) or [""])[0]
        if name and publisher and same_name(name, publisher):
            name = None  # an article whose "name" is its publisher's states no title there
        if headline and name and clean_text(headline) != clean_text(name) and tag_title:
            # two titles: the one the <title> tag repeats is the page's title
            if _similarity(name, tag_title) > _similarity(headline, tag_title):
                headline = name
        if "title" not in out and (headline or name):
            out["title"] = clean_text(headline or name)
            out["title_kind"] = kind
        if "authors" not in out:
            authors = _names(obj.get("author")) or _names(obj.get("creator"))
            if authors:
                out["authors"] = authors
                out["author_types"] = [_types(a) for a in (obj.get("author") if isinstance(obj.get("author"), list) else [obj.get("author")]) if isinstance(a, dict)]
        if "published" not in out:
            date = obj.get("datePublished") or obj.get("dateCreated") or obj.get("uploadDate")
            if isinstance(date, str) and normalize_date(date):
                out["published"] = normalize_date(date)
        if "site" not in out:
            pub = _names(obj.get("publisher"))
            if pub:
                out["site"] = pub[0]
        if "description" not in out and isinstance(obj.get("description"), str):
            out["description"] = clean_text(obj["description"])
        if "language" not in out and isinstance(obj.get("inLanguage"), str):
            out["language"] = clean_text(obj["inLanguage"])
    if "site" not in out:
        for obj in (site, org):
            if obj and _names(obj):
                out["site"] = _names(obj)[0]
                break
    return out


def _first(meta: dict, *keys) -> tuple[str | None, str | None]:
    for key in keys:
        for value in meta.get(key, []):
            if value:
                return value, key
    return None, None


def _element_authors(root) -> list[tuple[str, str]]:
    """(text, source) of author elements: rel=author links, itemprop=author, byline classes."""
    found: list[tuple[str, str]] = []
    seen = 0
    h1_at = None
    for el in root.iter():
        seen += 1
        if seen > 200_000 or len(found) >= 20:
            break
        if el.tag == "h1" and h1_at is None:
            h1_at = len(found)
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "meta", "link"):
            continue
        rel = (el.get("rel") or "").lower().split()
        itemprop = (el.get("itemprop") or "").lower().split()
        cls = (el.get("class") or "").lower()
        if el.tag == "a" and "author" in rel:
            source = "rel=author"
        elif "author" in itemprop or "creator" in itemprop:
            source = "itemprop=author"
        elif any("byline" in tok or _AUTHOR_CLASS.match(tok) for tok in cls.split()):
            source = "byline"
        else:
            continue
        # an itemprop=author wrapper often holds itemprop=name
        name_el = el.find(".//*[@itemprop='name']") if source == "itemprop=author" else None
        text = (name_el.get("content") or name_el.text_content()) if name_el is not None else el.text_content()
        text = clean_text(text)
        if text and len(text) < 200:
            found.append((text, source))
    # the article's own byline follows its heading; author elements above it are navigation
    if h1_at:
        found = found[h1_at:] + found[:h1_at]
    return found


def _time_dates(root) -> list[str]:
    out = []
    for el in root.iter("time"):
        value = normalize_date(el.get("datetime") or "")
        if value:
            out.append(value)
        if len(out) >= 20:
            break
    return out


def _htmldate(html, url: str | None) -> str | None:
    """htmldate's date of the page (`html` a string or a parsed tree, which it copies, never changes)."""
    try:
        from htmldate import find_date
        return find_date(html, url=url, original_date=True, extensive_search=True,
                         outputformat="%Y-%m-%d")
    except Exception:  # noqa: BLE001 - htmldate is a third-party search on arbitrary input
        return None


# ----------------------------------------------------------------------------- decisions

def _title_tag(root) -> str:
    for el in root.iter("title"):
        # an SVG <title> sits in the body; the page's title is the first one in the head
        if el.getparent() is not None and el.getparent().tag in ("svg", "symbol", "g"):
            continue
        text = clean_text(el.text_content())
        if text:
            return text
    return ""


def read_metadata(html: str, url: str | None = None, tree=None) -> PageMetadataGuess:
    """The page's metadata, each field from the source the rules rank first; empty when unreadable.

    `tree`, when given, is `html` already parsed (trafilatura's `load_html`: its parser, like ours,
    drops comments and processing instructions), read instead of parsing the page again. It is
    only read, never changed.

    >>> g = read_metadata('<html><head><title>Hello world | Site</title>'
    ...                   '<meta property="og:site_name" content="Site"></head></html>')
    >>> g.title, g.site_name, g.sources["title"]
    ('Hello world', 'Site', 'title-tag')
    >>> read_metadata("")
    PageMetadataGuess(title=None, authors=[], site_name=None, published=None, description=None, language=None, sources={})
    """
    try:
        return _read(html, url, tree)
    except Exception:  # noqa: BLE001 - hostile input must give an empty guess, never an error
        return PageMetadataGuess()


def _read(html: str, url: str | None, tree=None) -> PageMetadataGuess:
    if not isinstance(html, str):
        return PageMetadataGuess()
    root = tree if tree is not None else _parse(html)
    if root is None:
        return PageMetadataGuess()
    meta = _meta_values(root)
    tag_title = _title_tag(root)
    ld = _jsonld_fields(_jsonld_objects(root), tag_title)
    sources: dict[str, str] = {}
    if not url:
        for link in root.iter("link"):
            if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
                url = link.get("href")
                break
        else:
            url, _ = _first(meta, "og:url")

    # --- site name
    site, src = None, None
    if ld.get("site"):
        site, src = ld["site"], "json-ld"
    else:
        site, key = _first(meta, "og:site_name", "application-name", "dc.publisher", "dc:publisher",
                           "publisher", "twitter:app:name:iphone")
        src = f"meta:{key}" if key and not key.startswith("og:") else ("opengraph" if key else None)
    if site:
        site = clean_text(site)
        sources["site_name"] = src
    site_names = [s for s in (site, *(meta.get("og:site_name", [])), *(meta.get("application-name", [])),
                              *(meta.get("apple-mobile-web-app-title", []))) if s]

    # --- title
    title, src = None, None
    if ld.get("title") and ld.get("title_kind") == "article":
        title, src = ld["title"], "json-ld"
    if not title:
        value, key = _first(meta, "dc:title", "dcterm:title", "dc.title", "dcterms.title", "og:title",
                            "twitter:title", "parsely-title", "title", "sailthru.title")
        if value:
            title, src = value, ("opengraph" if key == "og:title" else f"meta:{key}")
    if not title and ld.get("title"):
        title, src = ld["title"], "json-ld"
    if not title and tag_title:
        title, src = tag_title, "title-tag"
    if not title:
        for h in root.iter("h1"):
            text = clean_text(h.text_content())
            if text:
                title, src = text, "h1"
                break
    if title:
        stripped = strip_site_affix(title, site_names, url)
        if stripped == title and not site_names and src == "title-tag":
            stripped = strip_clear_suffix(title)
        title = stripped
        sources["title"] = src

    # --- authors
    authors: list[str] = []
    if ld.get("authors"):
        authors = [a for n in ld["authors"] for a in split_authors(n, [] if _all_orgs(ld) else site_names)]
        if authors:
            sources["authors"] = "json-ld"
    if not authors:
        for key in ("dc:creator", "dcterm:creator", "dc.creator", "dcterms.creator", "author",
                    "parsely-author", "article:author", "sailthru.author", "byl", "byline"):
            values = [v for v in meta.get(key, []) if not _URLISH.match(v) and v.lower() != "fail"]
            names = [a for v in values for a in split_authors(v, site_names)]
            if names:
                authors, sources["authors"] = names, f"meta:{key}"
                break
    if not authors:
        for text, source in _element_authors(root):
            names = split_authors(text, site_names)
            if names:
                authors, sources["authors"] = names, source
                break

    # --- published date
    stated = []
    if ld.get("published"):
        stated.append((ld["published"], "json-ld"))
    for key in ("article:published_time", "parsely-pub-date", "datepublished", "dc.date.issued",
                "dcterms.date", "dc.date", "pubdate", "publishdate", "date", "sailthru.date"):
        for value in meta.get(key, []):
            if normalize_date(value):
                stated.append((normalize_date(value), f"meta:{key}"))
                break
    published = None
    days = {d[:10] for d, _ in stated}
    if len(days) == 1:
        published, sources["published"] = stated[0][0], stated[0][1]
    else:
        found = _htmldate(tree if tree is not None else html[:MAX_HTML_CHARS], url)
        if found:
            # keep a stated value's time of day when htmldate settles on its day
            match = next(((d, s) for d, s in stated if d[:10] == found), None)
            published = match[0] if match else found
            sources["published"] = "htmldate"
        else:
            times = _time_dates(root)
            if times:
                published, sources["published"] = min(times), "time"

    # --- description, language
    description = ld.get("description")
    if description:
        sources["description"] = "json-ld"
    else:
        description, key = _first(meta, "og:description", "description", "twitter:description", "dc.description")
        if description:
            sources["description"] = "opengraph" if key == "og:description" else f"meta:{key}"
    language = clean_text(root.get("lang") or root.get("xml:lang") or "")
    if language:
        sources["language"] = "html-lang"
    else:
        language, key = _first(meta, "content-language", "og:locale", "dc.language", "language")
        if language:
            sources["language"] = f"meta:{key}"
        elif ld.get("language"):
            language, sources["language"] = ld["language"], "json-ld"
    return PageMetadataGuess(title=title or None, authors=authors, site_name=site or None,
                             published=published, description=description or None,
                             language=language or None, sources=sources)


def _all_orgs(ld: dict) -> bool:
    types = ld.get("author_types") or []
    return bool(types) and all(t & {"organization", "newsmediaorganization"} for t in types)
