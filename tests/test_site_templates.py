"""Site templates: learned from a batch of pages, kept in a small state file, used by later runs."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq

from textwash.reasons import TEMPLATE as REASON
from textwash.cleaning.templates import TemplateState, learn, line_key, load_state, save_state, site_of
from textwash.config import Settings
from textwash.document import process_batch
from textwash.run.driver import run_dataset

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
TEMPLATE = "Get the Daily Brief every morning at 7 with all the news of the valley"

STORIES = [
    ("The river rose above its banks on Sunday night and flooded the lower streets of the old town, "
     "where shop owners spent the morning carrying their goods to higher floors."),
    ("A new school opened its doors on Monday to four hundred pupils, after two years of building "
     "work that ran over budget because of the price of steel and timber."),
    ("The regional train line will close for three weeks in the summer while the tracks between the "
     "two stations are replaced, the operator said on Friday in a statement."),
]


def write_site(root: Path, site: str) -> list[str]:
    sources = []
    for i, story in enumerate(STORIES):
        path = root / site / f"story-{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{story}\n\n{TEMPLATE}\n\n{STORIES[i - 1]}\n", encoding="utf-8")
        sources.append(f"{site}/story-{i}.txt")
    return sources


def test_line_recurring_across_three_documents_of_a_site_is_template(tmp_path):
    sources = write_site(tmp_path, "valley-news")
    result = process_batch(tmp_path, sources, NOW)
    assert not result.rejects
    for row in result.documents:
        assert TEMPLATE not in row["text"]
        assert {"text": TEMPLATE, "reason": REASON} in [{k: r[k] for k in ("text", "reason")} for r in row["removed"]]
        assert row["word_count"] > 50
    off = process_batch(tmp_path, sources, NOW, Settings(layers_off=frozenset({"templates"})))
    assert all(TEMPLATE in row["text"] for row in off.documents)


def test_two_documents_are_not_enough_and_sites_do_not_mix(tmp_path):
    sources = write_site(tmp_path, "valley-news")[:2] + write_site(tmp_path, "other-site")[2:]
    result = process_batch(tmp_path, sources, NOW)
    assert all(TEMPLATE in row["text"] for row in result.documents)


def test_state_round_trips_and_a_later_run_uses_it(tmp_path):
    sources = write_site(tmp_path / "raw", "valley-news")
    first = process_batch(tmp_path / "raw", sources[:2], NOW)
    save_state(first.templates, tmp_path / "out" / "site-templates.json")
    known = load_state(tmp_path / "out" / "site-templates.json")
    assert known.to_json() == first.templates.to_json()
    # The third document alone would learn nothing; with the saved state the line is template.
    later = process_batch(tmp_path / "raw", sources[2:], NOW, templates=known)
    assert TEMPLATE not in later.documents[0]["text"]
    # Counting the same documents again adds nothing.
    again = learn([("valley-news", digest, []) for digest in known.sites["valley-news"].seen], known=known)
    assert again.sites == {}


def test_each_run_reads_the_counts_the_run_before_it_saved(tmp_path):
    # One document a run: only the third run, reading what the first two saved (a file each of
    # them rewrote, read again in the same process), has the three documents a template needs.
    sources = write_site(tmp_path / "raw", "valley-news")
    for run, source in enumerate(sources):
        raw = tmp_path / f"raw-{run}"
        (raw / "valley-news").mkdir(parents=True)
        (raw / source).write_bytes((tmp_path / "raw" / source).read_bytes())
        run_dataset(raw, tmp_path / "out")
        saved = load_state(tmp_path / "out" / "site-templates.json").sites["valley-news"]
        assert saved.documents == run + 1
    texts = [row["text"] for row in pq.read_table(tmp_path / "out" / "documents").to_pylist()]
    assert sum(TEMPLATE in text for text in texts) == 2 and len(texts) == 3


def test_site_keys_and_line_keys():
    assert site_of("a/b/c.txt") == "a/b"
    assert site_of("c.txt", "https://www.example.org/x/y") == "example.org"
    assert line_key("Updated 12:30, May 3") == line_key("updated  09:15, may 4")
    assert line_key("word " * 60) is None
    assert load_state(Path("/nonexistent/state.json")).sites == {}
    assert isinstance(learn([]), TemplateState)
