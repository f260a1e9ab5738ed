"""Shared fixtures: the sample articles, their line-by-line expectations, and one Prefect harness."""
from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples"

# Property tests: few examples in the everyday run, the same ones every time (a suite that fails
# on one machine fails on all); many fresh ones on demand (HYPOTHESIS_PROFILE=thorough), each
# failure printed with the blob that replays it.
hypothesis_settings.register_profile("default", max_examples=40, deadline=None, derandomize=True)
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                             "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """Compare texts regardless of Unicode form, quote style and white space."""
    text = unicodedata.normalize("NFKC", text or "").translate(_TYPOGRAPHY)
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))


@pytest.fixture(scope="session")
def seeds() -> dict:
    """Expected treatment of each sample line: keep, drop (chrome), meta (moves to metadata)."""
    return json.loads((DATA / "seeds.json").read_text(encoding="utf-8"))


@pytest.fixture
def judged_pages(monkeypatch) -> dict[str, float | None]:
    """Confidences by source that the pipeline gives the pages it cleans (a source not in it: not
    judged), fill it in a test: a stand-in for the cleaner's model, which tests do not depend on."""
    from textwash import document as pipeline
    from textwash.model.record import build_document

    confidences: dict[str, float | None] = {}

    def judged(*, source: str, page, **fields) -> dict:
        page.confidence = confidences.get(source)
        return build_document(source=source, page=page, **fields)
    monkeypatch.setattr(pipeline, "build_document", judged)
    return confidences


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One temporary Prefect server and home for every flow test of the session."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def dated_raw(tmp_path, sample_paths) -> Path:
    """Five text dumps (two with sidecars giving their fetch time) and a JSONL dump of two
    articles fetched in March 2024."""
    root = tmp_path / "raw"
    root.mkdir()
    for path in sample_paths:
        shutil.copy(path, root / path.name)
    for path, fetched in ((sample_paths[0], "2024-01-10T08:00:00Z"), (sample_paths[1], "2024-03-05T12:00:00Z")):
        (root / path.name).with_suffix(".json").write_text(json.dumps({"fetched_at": fetched}))
    (root / "dumps").mkdir()
    lines = [{"text": sample_paths[2].read_text(encoding="utf-8"), "fetched_at": "2024-03-01T00:00:00Z"},
             {"text": sample_paths[3].read_text(encoding="utf-8"), "fetched_at": 1711000000}]  # 2024-03-21
    (root / "dumps" / "march.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return root
