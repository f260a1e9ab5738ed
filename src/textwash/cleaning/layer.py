"""The contract of a cleaning layer, and the page state the layers share.

A layer is a named step over a batch of pages, in the spirit of datatrove's `PipelineStep` and
ftfy's fixers: its `name` is its on/off switch (`Settings.layers_off`), its bench step and the key
of its timing; `family` is the reason family of the cuts it marks (None when it marks none, or
marks the rules file's own reasons). A layer takes a `PageState` and marks cuts on its page with
reasons from its family; it never deletes text. What several layers need (the page's language,
its line classes) is worked out once, on first use, by the state.

Layers run in registry order (clean/__init__.py), each over the whole batch, so a layer that
judges pages together (the segment model: one predict call) sees them all; `run_layers` does the
timing and turns a layer's error on one page into that page's failure, never the batch's.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from textwash.cleaning.line_classes import LineClass, classify
from textwash.cleaning.ruleset import RuleSet
from textwash.inputs.language import page_language
from textwash.model.metadata import Metadata
from textwash.model.page import Page

_UNSET = object()


@dataclass(eq=False)
class PageState:
    """One document while the layers work on it: the text until a layer first reads the page, then
    the page (its lines split by `split` when the segment layer set one)."""
    text: str
    rules: RuleSet
    template_keys: frozenset[int] = frozenset()  # the site's template lines (clean/templates.py)
    layers_off: frozenset[str] = frozenset()
    split: Callable[[str], list[str]] | None = None
    min_split: int = 0  # lines shorter than this are never split
    meta: Metadata = field(default_factory=Metadata)
    failure: Exception | None = None  # a layer's error on this page: the page leaves the batch
    extracted: bool = False  # the text is an HTML page's main text, as the extractor kept it
    _page: Page | None = field(default=None, repr=False)
    _language: object = field(default=_UNSET, repr=False)
    _classes: dict[int, LineClass] | None = field(default=None, repr=False)

    @property
    def page(self) -> Page:
        if self._page is None:
            self._page = Page.from_text(self.text, self.split, self.min_split)
        return self._page

    @property
    def language(self) -> str | None:
        """The language of the page's kept lines, told once, when a layer first asks."""
        if self._language is _UNSET:
            self._language = page_language(self.page.lines)
        return self._language

    @property
    def classes(self) -> dict[int, LineClass]:
        """Each kept line's class (clean/line_classes.py), worked out once, when a layer first asks."""
        if self._classes is None:
            self._classes = classify(self.page, self.language)
        return self._classes


class Layer:
    """A cleaning layer (see the module docstring). Subclasses set `name` and `family` and
    implement `apply`, or `apply_batch` when the pages are judged together."""
    name: ClassVar[str]
    family: ClassVar[str | None] = None
    # False for a layer that looks for the article in a whole-page dump: trafilatura's text of an
    # HTML page is the article already, and there such a layer only costs recall.
    on_html: ClassVar[bool] = True

    def apply(self, state: PageState) -> None:
        raise NotImplementedError

    def apply_batch(self, states: list[PageState]) -> None:
        """Apply the layer to every page; an error on one page is that page's failure."""
        for state in states:
            guarded(state, self.apply)


def guarded(state: PageState, step: Callable[[PageState], object]) -> None:
    """Run `step` on `state`, recording an error as the page's failure."""
    try:
        step(state)
    except Exception as exc:  # one bad document must never stop the batch
        state.failure = exc
