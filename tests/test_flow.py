"""The Prefect flow and the CLI, end to end, under one temporary Prefect server."""
import datetime as dt
import shutil

import duckdb
import pandas as pd
import polars as pl
import pytest
from typer.testing import CliRunner

from textwash.cli import app
from textwash.dataset.store import STAGING

pytestmark = pytest.mark.flow


@pytest.fixture(scope="module")
def flow_output(prefect_harness, tmp_path_factory, sample_paths):
    raw = tmp_path_factory.mktemp("raw")
    for path in sample_paths:
        shutil.copy(path, raw / path.name)
    (raw / "nested").mkdir()
    (raw / "nested" / "empty.txt").write_bytes(b"")
    (raw / ".hidden.txt").write_text("not an input")
    out = tmp_path_factory.mktemp("processed")
    result = CliRunner().invoke(app, ["run", str(raw), "--out", str(out), "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_run_writes_documents_and_rejects(flow_output):
    out, output = flow_output
    assert "6 inputs: 6 new or changed, 0 unchanged → 5 documents (0 duplicates), 1 rejects" in output
    assert "0 inputs rejected for containment (outside the raw root), 1 skipped by name" in output
    documents = duckdb.sql(f"select source, published, authors, processed_at from read_parquet('{out}/documents/**/*.parquet')")
    assert len(documents.fetchall()) == 5
    rejects = duckdb.sql(f"select source, reason from read_parquet('{out}/rejects/**/*.parquet')").fetchall()
    assert rejects == [("nested/empty.txt", "empty")]
    assert not (out / STAGING).exists()
    # The flow publishes the HTML run report beside the dataset.
    report = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "004_9c9b8e055c92b0cf.txt" in report and "nested/empty.txt" in report


def test_dataset_types_in_duckdb_polars_pandas(flow_output):
    out, _ = flow_output
    described = duckdb.sql(f"describe select * from read_parquet('{out}/documents/**/*.parquet')").fetchall()
    types = {row[0]: row[1] for row in described}
    assert types["published"] == "DATE"
    assert types["authors"] == "VARCHAR[]"
    assert types["processed_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["removed"].startswith("STRUCT(")

    frame = pl.read_parquet(out / "documents" / "**" / "*.parquet")
    assert frame.schema["published"] == pl.Date
    assert frame.schema["authors"] == pl.List(pl.String)
    assert frame.schema["processed_at"] == pl.Datetime("us", "UTC")
    assert frame.filter(pl.col("source") == "002_f7e0934300db9242.txt")["published"][0] == dt.date(2018, 1, 10)

    pandas = pd.read_parquet(out / "documents")
    assert str(pandas["processed_at"].dtype) == "datetime64[us, UTC]"
    assert len(pandas) == 5


def test_rerun_processes_only_new_inputs(flow_output, sample_paths):
    out, _ = flow_output
    raw = sample_paths[0].parent
    result = CliRunner().invoke(app, ["run", str(raw), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 inputs: 0 new or changed, 5 unchanged" in result.output
    assert "nothing new" in result.output
    assert duckdb.sql(f"select count(*) from read_parquet('{out}/documents/**/*.parquet')").fetchall() == [(5,)]
    assert duckdb.sql(f"select count(*) from read_parquet('{out}/rejects/**/*.parquet')").fetchall() == [(1,)]


def test_stats_and_compact_commands(flow_output):
    out, _ = flow_output
    result = CliRunner().invoke(app, ["stats", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "6 inputs from 1 runs → 5 documents" in result.output
    assert "last run's raw root: 0 inputs rejected for containment (outside the raw root), 1 skipped by name" in result.output
    assert "duplicates: 0 exact, 0 near" in result.output
    assert "call-to-action button or prompt" in result.output
    result = CliRunner().invoke(app, ["compact", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 records: 2 files → 2 (0 partitions rewritten)" in result.output


def test_show_prints_metadata_and_removed_spans(flow_output):
    out, _ = flow_output
    result = CliRunner().invoke(app, ["show", str(out), "--source", "004", "--removed"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "The Eleventh Hour for Idlib" in result.output
    assert "metadata: title" in result.output
    assert "after end of article (republication or origin note)" in result.output
    assert "1 of 1 records shown" in result.output


def test_show_with_a_limit_prints_the_first_records_by_source(flow_output):
    out, _ = flow_output
    result = CliRunner().invoke(app, ["show", str(out), "--limit", "2", "--lines", "0"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    sources = sorted(pl.read_parquet(f"{out}/documents/**/*.parquet")["source"].to_list())
    assert "2 of 5 records shown" in result.output
    assert sources[0] in result.output and sources[1] in result.output and sources[2] not in result.output


def test_run_refuses_a_missing_folder(tmp_path):
    result = CliRunner().invoke(app, ["run", str(tmp_path / "nope")], env={"COLUMNS": "300"})
    assert result.exit_code != 0
    assert "is not a folder" in result.output


def test_two_worker_processes_give_the_same_records(flow_output, sample_paths, tmp_path):
    out, _ = flow_output
    result = CliRunner().invoke(app, ["run", str(sample_paths[0].parent), "--out", str(tmp_path), "--workers", "2",
                                      "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    query = "select source, text, title, authors from read_parquet('{}/documents/**/*.parquet') order by source"
    assert duckdb.sql(query.format(tmp_path)).fetchall() == duckdb.sql(query.format(out)).fetchall()
    # The report's pages were written by two processes too (a failed report only logs).
    ids = duckdb.sql(f"select doc_id from read_parquet('{tmp_path}/documents/**/*.parquet')").fetchall()
    assert sorted(p.stem for p in (tmp_path / "report" / "documents").glob("*.html")) == sorted(i for (i,) in ids)
