"""`textwash show --removed`: the whole document, each removed span marked where it stood."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from textwash.cli import app
from textwash.document import process_batch
from textwash.dataset.store import write_parquet_atomic
from bus_page import PAGE, assert_cuts_in_place



def test_removed_spans_are_printed_in_place_with_their_reasons(tmp_path: Path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "page.txt").write_text(PAGE, encoding="utf-8")
    result = process_batch(tmp_path / "raw", ["page.txt"], dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    write_parquet_atomic(result.documents, "documents", tmp_path / "out" / "documents" / "part.parquet")
    shown = CliRunner().invoke(app, ["show", str(tmp_path / "out"), "--removed"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert_cuts_in_place(shown.output)
