r"""The Python API: clean one document, or a batch of them, in this process: no flow, no dataset.

`clean` takes the text or HTML of one page (`str`, or `bytes` in any charset) and returns its
`Document`, the record a run would write for it; a `Cleaner` loads the rules and the segment
model once and cleans many (`clean_many`: one model call per batch). It is the run's code path
(document.py: `prepare`, `batch_templates`, `clean_prepared`), so a page cleaned here and the same
page cleaned in a run give the same record.

>>> import textwash
>>> document = textwash.clean("Share this article\n\n"
...     "The city council voted on Tuesday to expand the bus network into the northern districts.\n\n"
...     "Four new routes will open in May, and buses on the busiest ones will run every ten minutes.\n\n"
...     "Residents have long said that the buses in their area are too few and too slow.\n\n"
...     "Copyright 2019 Example Media. All rights reserved.\n")
>>> print(document.text)
The city council voted on Tuesday to expand the bus network into the northern districts.
<BLANKLINE>
Four new routes will open in May, and buses on the busiest ones will run every ten minutes.
<BLANKLINE>
Residents have long said that the buses in their area are too few and too slow.
>>> [(span.reason, span.text) for span in document.removed]
[('share or follow buttons', 'Share this article'), ('copyright notice', 'Copyright 2019 Example Media. All rights reserved.')]
>>> document.language, document.word_count, document.to_dict()["removed"][0]["paragraph"]
('en', 49, 0)
>>> try:
...     textwash.clean("   ")
... except textwash.Rejected as rejected:
...     print(rejected.reason, "-", rejected.detail)
empty - only whitespace
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from textwash import reasons
from textwash.cleaning import check_layers
from textwash.cleaning.model import segment_model
from textwash.cleaning.ruleset import load_rules
from textwash.cleaning.templates import TemplateState, load_state
from textwash.config import Settings
from textwash.dataset.store import Dataset
from textwash.dataset.templates import TEMPLATES_FILE, load_templates
from textwash.document import Prepared, batch_templates, clean_prepared, prepare, unit_items
from textwash.inputs.extract import HtmlExtractor
from textwash.inputs.formats import sniff
from textwash.inputs.items import HTML, TEXT, BadItem, InputItem
from textwash.reasons import Rejected

__all__ = ["Cleaner", "Document", "Input", "Rejected", "RemovedSpan", "clean"]

# The source a document gets when the caller names none: its doc_id is a hash of source and bytes.
DEFAULT_SOURCE = "<input>"
KINDS = (TEXT, HTML)


@dataclass(frozen=True)
class RemovedSpan:
    """A piece of the input that left the text: what it was, why (a removal reason, see
    textwash.reasons) and where it stood (the index of the kept paragraph it preceded)."""
    text: str
    reason: str
    paragraph: int

    def to_dict(self) -> dict:
        return {"text": self.text, "reason": self.reason, "paragraph": self.paragraph}


@dataclass(frozen=True)
class Document:
    """One cleaned document: the fields of its Parquet record (README, "Record schema"), bar
    `duplicate_of`, which only a dataset can tell. Lists are tuples here; `to_dict()` gives the
    record as the run writes it."""
    doc_id: str
    source: str
    source_sha256: str
    url: str | None
    fetched_at: dt.datetime | None
    source_format: str
    title: str | None
    description: str | None
    authors: tuple[str, ...]
    publisher: str | None
    dateline: str | None
    published: dt.date | None
    section: tuple[str, ...]
    tags: tuple[str, ...]
    language: str | None
    text: str
    word_count: int
    clean_confidence: float | None
    content_sha256: str
    removed: tuple[RemovedSpan, ...]
    encoding: str
    repaired: bool
    pipeline_version: str
    processed_at: dt.datetime
    metadata_sources: tuple[tuple[str, str], ...]  # (column, where its value came from)

    @classmethod
    def from_record(cls, row: dict) -> Document:
        """The document of a record dict (textwash.document's document row)."""
        fields = {field.name: row[field.name] for field in dataclasses.fields(cls)}
        for name in _LISTS:
            fields[name] = tuple(fields[name] or ())
        fields["removed"] = tuple(RemovedSpan(**span) for span in fields["removed"] or ())
        fields["metadata_sources"] = tuple(tuple(pair) for pair in fields["metadata_sources"] or ())
        return cls(**fields)

    def to_dict(self) -> dict:
        """The record, as `textwash.document.process_batch` produces it for the same input: lists,
        dates and datetimes, ready for the Parquet schema (or `json.dumps(..., default=str)`)."""
        row = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        for name in _LISTS:
            row[name] = list(row[name])
        row["removed"] = [span.to_dict() for span in self.removed]
        row["metadata_sources"] = list(self.metadata_sources)
        return row


_LISTS = ("authors", "section", "tags")


@dataclass(frozen=True)
class Input:
    """One document for `Cleaner.clean_many`, with what the scraper knew of it (all but `data`
    optional; see `Cleaner.clean`)."""
    data: str | bytes
    url: str | None = None
    kind: str | None = None
    source: str | None = None
    title: str | None = None
    fetched_at: dt.datetime | None = None


class Cleaner:
    """Cleans documents with one set of settings: the rules, the segment model and the stoplists
    load once (the first call of each language loads its stoplist), and HTML pages share one
    extraction worker (with a time cap set), so many calls cost no more than a run's batch.

    `templates` are the site templates learned earlier: a TemplateState, an output folder of
    `textwash run` (its site-templates.json) or such a file. They are the only state that crosses
    documents; the documents cleaned here never add to it, so a document's record does not depend
    on the others cleaned with it. Use as a context manager, or call `close()`, to stop the
    extraction worker at once (it also stops when the Cleaner is garbage-collected).
    """

    def __init__(self, settings: Settings | None = None, *,
                 templates: TemplateState | str | os.PathLike[str] | None = None):
        self.settings = settings if settings is not None else Settings()
        check_layers(self.settings.layers_off)
        self.rules = load_rules(self.settings.rules_path)  # a broken rules file fails here, once
        if "model" not in self.settings.layers_off:
            segment_model()
        self.templates = read_templates(templates)
        self._extractor = HtmlExtractor(self.settings.extract_timeout)
        self._finalizer = weakref.finalize(self, self._extractor.close)

    def __enter__(self) -> Cleaner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the HTML extraction worker, if one runs (a later HTML page starts another)."""
        self._extractor.close()

    def clean(self, data: str | bytes, *, url: str | None = None, kind: str | None = None, source: str | None = None,
              title: str | None = None, fetched_at: dt.datetime | None = None,
              processed_at: dt.datetime | None = None) -> Document:
        """The cleaned document of `data`: the text or HTML of one page, as `str` or as `bytes`
        in any charset (decoded and repaired as a run's input files are).

        `kind` is "text" or "html"; None tells them apart as the file reader does for a file
        whose name does not say (an HTML page starts with a doctype or an <html> tag). `url`
        (the page's address: the site of its templates), `title` (the scraper's) and
        `fetched_at` go into the record as a run's sidecar would put them; `source` names the
        input (default "<input>"; the record's doc_id hashes it with the bytes); `processed_at`
        defaults to now.

        Raises `textwash.Rejected`, with the reject code a run would record (`reason`, one of
        `textwash.reasons.REJECT_CODES`) and its `detail`, when the input cannot become a
        document: an empty or blank input ("empty"), bytes that are not text ("binary",
        "undecodable"), a page with no article text left ("no-article-text"), or one over a
        limit of the settings ("too-large", "line-too-long", ...).
        """
        document = self._clean([_item(Input(data, url, kind, source, title, fetched_at), self.settings)],
                               processed_at)[0]
        if isinstance(document, Rejected):
            raise document
        return document

    @overload
    def clean_many(self, inputs: Iterable[str | bytes | Input], *, processed_at: dt.datetime | None = None,
                   errors: Literal["raise"] = "raise") -> list[Document]: ...

    @overload
    def clean_many(self, inputs: Iterable[str | bytes | Input], *, processed_at: dt.datetime | None = None,
                   errors: Literal["return"]) -> list[Document | Rejected]: ...

    def clean_many(self, inputs, *, processed_at=None, errors="raise"):
        """The cleaned documents of `inputs` (each `str`, `bytes` or an `Input` with its url and
        kind), in order, cleaned as one batch: the segment model judges all their pages in one
        call. Each document comes out as `clean` would give it alone.

        With errors="raise" the first input (in order) that cannot become a document raises its
        `Rejected` (a note names the input); with errors="return" its `Rejected` stands in its
        place in the list. The batch is held in memory: feed a long stream in slices.
        """
        if errors not in ("raise", "return"):
            raise ValueError(f"errors must be 'raise' or 'return', not {errors!r}")
        items: list[InputItem | Rejected] = []
        for entry in inputs:
            try:
                items.append(_item(entry if isinstance(entry, Input) else Input(entry), self.settings))
            except Rejected as exc:
                items.append(exc)
        documents = self._clean(items, processed_at)
        if errors == "raise":
            for number, document in enumerate(documents):
                if isinstance(document, Rejected):
                    document.add_note(f"input {number} of the batch")
                    raise document
        return documents

    def clean_file(self, path: str | os.PathLike[str], *, kind: str | None = None,
                   processed_at: dt.datetime | None = None) -> list[Document | Rejected]:
        """Every document of one input file, read as a run reads it: a .txt or .html file (its
        name.json sidecar too) is one, a JSONL dump or a WARC archive one per record, gzipped or
        not; each source is the file's name (with #LINE or #RECORD-ID), as in a run over its
        folder. `kind` ("text" or "html") overrides what the file's name or first bytes say.
        What cannot become a document is its `Rejected` in the list (a note names its source)."""
        path = Path(path)
        if kind is not None:
            _check_kind(kind)
        items: list[InputItem | Rejected] = []
        for item in unit_items(path.parent, path.name, self.settings):
            if isinstance(item, BadItem):
                items.append(rejected := Rejected(item.reason, item.detail))
                rejected.add_note(f"source {item.source}")
            elif kind is not None and item.kind != kind:
                container = item.source_format.rpartition("/")[0]
                items.append(dataclasses.replace(item, kind=kind, source_format=f"{container}/{kind}".lstrip("/")))
            else:
                items.append(item)
        results = self._clean(items, processed_at)
        for item, result in zip(items, results):
            if isinstance(result, Rejected) and isinstance(item, InputItem):
                result.add_note(f"source {item.source}")
        return results

    def _clean(self, items: list[InputItem | Rejected], processed_at: dt.datetime | None) -> list[Document | Rejected]:
        """The batch path of a run (document.process_batch) over items already read, except that
        each item's site templates are the known ones plus its own lines, as if it were alone."""
        processed_at = processed_at if processed_at is not None else dt.datetime.now(dt.timezone.utc)
        results: list[Document | Rejected | None] = [item if isinstance(item, Rejected) else None for item in items]
        ready: list[tuple[int, Prepared]] = []
        for number, item in enumerate(items):
            if isinstance(item, InputItem):
                try:
                    ready.append((number, prepare(item, self._extractor, self.settings)))
                except Rejected as exc:
                    results[number] = exc
        layers_off = self.settings.layers_off
        keys = [batch_templates([prepared], self.templates, layers_off)[1][0] for _, prepared in ready]
        rows = clean_prepared([prepared for _, prepared in ready], self.rules, layers_off, keys, processed_at)
        for (number, _), row in zip(ready, rows):
            if isinstance(row, Exception) and not isinstance(row, Rejected):
                raise row  # a bug of ours: the run records it as an internal-error reject
            results[number] = row if isinstance(row, Rejected) else Document.from_record(row)
        return results  # type: ignore[return-value]  (every slot filled)


def clean(data: str | bytes, *, url: str | None = None, kind: str | None = None, settings: Settings | None = None,
          source: str | None = None, title: str | None = None, fetched_at: dt.datetime | None = None,
          processed_at: dt.datetime | None = None) -> Document:
    """The cleaned document of one page's text or HTML (`str`, or `bytes` in any charset).

    See `Cleaner.clean` for the arguments. Raises `textwash.Rejected` (with `reason`, the reject
    code, and `detail`) when the input cannot become a document, an empty or blank one included.
    Each call sets up its own `Cleaner`: to clean many documents, make one and reuse it.
    """
    with Cleaner(settings) as cleaner:
        return cleaner.clean(data, url=url, kind=kind, source=source, title=title, fetched_at=fetched_at,
                             processed_at=processed_at)


def read_templates(templates: TemplateState | str | os.PathLike[str] | None) -> TemplateState | None:
    """Site templates from a state, an output folder of `textwash run` or a saved state file."""
    if templates is None or isinstance(templates, TemplateState):
        return templates
    path = Path(templates)
    if path.is_dir():
        return load_templates(Dataset(path))  # none saved yet: an empty state
    if path.is_file():
        return load_state(path)
    raise FileNotFoundError(f"{path}: neither an output folder (holding {TEMPLATES_FILE}) nor a saved template state")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} or None, not {kind!r}")


def _item(entry: Input, settings: Settings) -> InputItem:
    """The input item a run would read for `entry`: a str as UTF-8 (as a JSONL dump's text field),
    bytes as they are; within the settings' size cap."""
    data = entry.data
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: not a character
            raise Rejected(reasons.LONE_SURROGATE, f"a lone surrogate \\u{ord(data[exc.start]):04x} at character "
                                                   f"{exc.start} (invalid Unicode)") from None
    elif isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise TypeError(f"a document is str or bytes, not {type(data).__name__}")
    if len(data) > settings.max_bytes:
        raise Rejected(reasons.TOO_LARGE, f"over the {settings.max_bytes}-byte limit")
    kind = entry.kind
    if kind is None:
        kind = sniff(data)
        if kind not in KINDS:
            raise Rejected(reasons.UNSUPPORTED_CONTENT, "a WARC archive holds many documents: clean it with "
                                                        "Cleaner.clean_file or `textwash run`")
    else:
        _check_kind(kind)
    return InputItem(entry.source or DEFAULT_SOURCE, data, kind, kind, url=entry.url, fetched_at=entry.fetched_at,
                     title=entry.title)
