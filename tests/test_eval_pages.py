"""End to end on real page dumps: eight pages of the public extraction benchmark (tests/data/eval_pages)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from shingles import precision_recall_f1, scaled_counts
from textwash.cleaning import LAYER_NAMES as LAYERS
from textwash.config import Settings
from textwash.document import process_batch

PAGES = Path(__file__).parent / "data" / "eval_pages"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _truth() -> dict[str, str]:
    rows = [json.loads(line) for line in (PAGES / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    return {row["id"]: row["body"] for row in rows}


def _extract(layers_off: frozenset[str] = frozenset()) -> dict[str, str]:
    names = sorted(p.name for p in PAGES.glob("*.txt"))
    result = process_batch(PAGES, names, NOW, Settings(layers_off=layers_off))
    assert not result.rejects
    return {row["source"].split(".")[0]: row["text"] for row in result.documents}


def _score(layers_off: frozenset[str] = frozenset()) -> tuple[float, float, float]:
    truth, extracted = _truth(), _extract(layers_off)
    return precision_recall_f1([(extracted.get(doc_id, ""), body) for doc_id, body in truth.items()])


def test_metric_counts_runs_of_four_words():
    assert scaled_counts("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    matched, extra, missed = scaled_counts("a b c d x", "a b c d e")
    assert (matched, extra, missed) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert precision_recall_f1([("", "a b c d")]) == (0.0, 0.0, 0.0)


def test_pages_clean_to_a_high_f1():
    precision, recall, f1 = _score()
    untouched = precision_recall_f1([
        ((PAGES / f"{doc_id}.txt").read_text(encoding="utf-8"), body) for doc_id, body in _truth().items()
    ])[2]
    assert untouched < 0.75  # the pages really are full of chrome
    assert precision >= 0.88 and recall >= 0.9 and f1 >= 0.92, (precision, recall, f1)


def test_every_layer_can_be_turned_off_and_the_structural_ones_pay():
    full = _score()[2]
    for layer in LAYERS:
        _score(frozenset({layer}))  # each switch is accepted and the pages still clean
    assert _score(frozenset({"model"}))[2] < full - 0.05
    with pytest.raises(ValueError, match="unknown cleaning layers"):
        _score(frozenset({"no-such-layer"}))


def test_pages_wrapped_at_a_fixed_width_clean_almost_as_well(tmp_path):
    import textwrap

    for page in PAGES.glob("*.txt"):
        wrapped = [part for line in page.read_text(encoding="utf-8").split("\n") for part in textwrap.wrap(line, 72) or [""]]
        (tmp_path / page.name).write_text("\n".join(wrapped), encoding="utf-8")
    result = process_batch(tmp_path, sorted(p.name for p in tmp_path.glob("*.txt")), NOW)
    extracted = {row["source"].split(".")[0]: row["text"] for row in result.documents}
    f1 = precision_recall_f1([(extracted.get(doc_id, ""), body) for doc_id, body in _truth().items()])[2]
    assert f1 >= 0.85, f1
