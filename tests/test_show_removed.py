"""`textwash show --removed`: the whole document, each removed span marked where it stood."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from textwash.cli import app
from textwash.document import process_batch
from textwash.dataset.store import write_parquet_atomic

PAGE = "\n\n".join([
    "Share this article",
    "The city council voted on Tuesday to expand the bus network into the northern districts, a plan "
    "that has been debated for more than three years by residents and planners.",
    "Under the plan, the council will add four new bus routes and extend two existing ones, and the "
    "buses on the busiest routes will run every ten minutes during the day.",
    "Residents of the northern districts have long said that the buses in their area are too few and "
    "too slow, and that the council has neglected them for years.",
    "Copyright 2019 Example Media. All rights reserved.",
])


def test_removed_spans_are_printed_in_place_with_their_reasons(tmp_path: Path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "page.txt").write_text(PAGE, encoding="utf-8")
    result = process_batch(tmp_path / "raw", ["page.txt"], dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    write_parquet_atomic(result.documents, "documents", tmp_path / "out" / "documents" / "part.parquet")
    shown = CliRunner().invoke(app, ["show", str(tmp_path / "out"), "--removed"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    lines = [line.strip() for line in shown.output.splitlines() if line.strip()]
    share = next(i for i, line in enumerate(lines) if "share or follow buttons: Share this article" in line)
    council = next(i for i, line in enumerate(lines) if line.startswith("The city council voted"))
    copyright_note = next(i for i, line in enumerate(lines) if "copyright notice: Copyright 2019" in line)
    assert share < council < copyright_note
