"""Cleaning: the layers that mark a page's boilerplate as cut, each cut with its reason.

The registry below is the one list of layers, in the order they run; a layer's name is its
on/off switch (`Settings.layers_off`, `--layer-off`), its reason family and its bench step (see
clean/layer.py for the contract). To add a layer: write a module with a `Layer` subclass, add an
instance here, and retrain the segment model (`make train`) if it runs before the model.
"""
from __future__ import annotations

from textwash.cleaning.end_rules import EndRulesLayer
from textwash.cleaning.layer import Layer, PageState
from textwash.cleaning.line_rules import LineRulesLayer
from textwash.cleaning.metadata import MetadataLayer
from textwash.cleaning.model import SegmentModelLayer
from textwash.cleaning.segment import SegmentLayer
from textwash.cleaning.templates import TemplatesLayer
from textwash.cleaning.unwrap import UnwrapLayer
from textwash.timing import StepTimes

LAYERS: tuple[Layer, ...] = (
    UnwrapLayer(), SegmentLayer(), LineRulesLayer(), MetadataLayer(), TemplatesLayer(), EndRulesLayer(),
    SegmentModelLayer(),
)
LAYER_NAMES = tuple(layer.name for layer in LAYERS)
# The layers that do not run on trafilatura's text of an HTML page.
HTML_LAYERS_OFF = frozenset(layer.name for layer in LAYERS if not layer.on_html)


def check_layers(layers_off: frozenset[str]) -> None:
    """Refuse a layer name that is not in the registry (a typo would silently clean with it on).

    >>> check_layers(frozenset({"model"}))
    >>> check_layers(frozenset({"modle"}))
    Traceback (most recent call last):
    ...
    ValueError: unknown cleaning layers: ['modle']; known: unwrap, segment, rules, metadata, templates, end-rules, model
    """
    unknown = layers_off - set(LAYER_NAMES)
    if unknown:
        raise ValueError(f"unknown cleaning layers: {sorted(unknown)}; known: {', '.join(LAYER_NAMES)}")


def run_layers(states: list[PageState], times: StepTimes | None = None) -> None:
    """Run every layer over the pages that have it on and have not failed, layer after layer;
    with `times`, each layer's CPU time is added under its name."""
    times = times if times is not None else StepTimes()
    for layer in LAYERS:
        todo = [state for state in states if state.failure is None and layer.name not in state.layers_off]
        if todo:
            with times.step(layer.name):
                layer.apply_batch(todo)
