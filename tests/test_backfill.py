"""Backfills: choosing inputs (dates, glob, list), dry runs, commits in parts that survive an
interruption, retries of I/O errors, and the run's Prefect artifacts."""
import datetime as dt
import json
import os

import duckdb
import pytest
from typer.testing import CliRunner

from textwash.cli import app
from textwash.dataset.ledger import load_ledger
from textwash.inputs.discover import discover
from textwash.config import RunOptions
from textwash.run.plan import plan_run
from textwash.inputs.selection import MTIME, Selection, read_list_file
from textwash.dataset.store import LEDGER_FILE, STAGING, Dataset

UTC = dt.timezone.utc
MARCH = {"since": dt.datetime(2024, 3, 1, tzinfo=UTC), "until": dt.datetime(2024, 4, 1, tzinfo=UTC)}


def test_fetched_at_range_picks_files_with_a_document_in_it(dated_raw, sample_paths):
    raw = dated_raw
    chosen = Selection(**MARCH).apply(raw, discover(raw))
    assert chosen == [sample_paths[1].name, "dumps/march.jsonl"]
    # The range is half open: a fetch at `until` is outside.
    assert Selection(since=MARCH["since"], until=dt.datetime(2024, 3, 1, tzinfo=UTC) + dt.timedelta(seconds=1)
                     ).apply(raw, discover(raw)) == ["dumps/march.jsonl"]
    assert Selection(until=dt.datetime(2024, 3, 1, tzinfo=UTC)).apply(raw, discover(raw)) == [sample_paths[0].name]


def test_mtime_glob_and_list_select(dated_raw, sample_paths, tmp_path):
    raw = dated_raw
    old = dt.datetime(2020, 6, 1, tzinfo=UTC).timestamp()
    os.utime(raw / sample_paths[4].name, (old, old))
    sources = discover(raw)
    assert Selection(until=dt.datetime(2021, 1, 1, tzinfo=UTC), by=MTIME).apply(raw, sources) == [sample_paths[4].name]
    assert Selection(glob="dumps/*").apply(raw, sources) == ["dumps/march.jsonl"]
    assert len(Selection(glob="*.txt").apply(raw, sources)) == 5
    listing = tmp_path / "list.txt"
    listing.write_text(f"# the two I need\n{sample_paths[3].name}\n\ndumps/march.jsonl\n")
    names = read_list_file(listing)
    assert Selection(names=names).apply(raw, sources) == [sample_paths[3].name, "dumps/march.jsonl"]
    assert Selection(names=names, glob="*.txt").apply(raw, sources) == [sample_paths[3].name]


def test_selection_refuses_what_it_cannot_do(dated_raw):
    raw = dated_raw
    with pytest.raises(ValueError, match="1 listed inputs are not under"):
        Selection(names=frozenset({"dumps/march.jsonl", "gone.txt"})).apply(raw, discover(raw))
    with pytest.raises(ValueError, match="time zone"):
        Selection(since=dt.datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="empty date range"):
        Selection(since=MARCH["until"], until=MARCH["since"])
    with pytest.raises(ValueError, match="date field"):
        Selection(by="published")


def test_plan_parts_split_the_work_under_their_own_run_ids(dated_raw, tmp_path):
    raw = dated_raw
    plan = plan_run(raw, Dataset(tmp_path / "out"), RunOptions())
    parts = plan.parts(4)
    assert [part.todo for part in parts] == [plan.todo[:4], plan.todo[4:]]
    assert len({part.run_id for part in parts}) == 2 and all(part.hashes is plan.hashes for part in parts)
    assert plan.parts(None) == [plan] and plan.parts(6) == [plan]


@pytest.mark.flow
def test_dry_run_prints_what_would_run_and_writes_nothing(prefect_harness, dated_raw, sample_paths, tmp_path):
    raw = dated_raw
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["backfill", str(raw), "--out", str(out), "--since", "2024-03-01",
                                      "--until", "2024-04-01", "--dry-run", "--commit-every", "1"],
                                 env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [sample_paths[1].name, "dumps/march.jsonl"]
    assert "2 inputs selected" in result.output and "2 would run, 0 unchanged; 2 batches, 2 commits" in result.output
    assert not out.exists()


@pytest.mark.flow
def test_backfill_runs_the_selection_then_the_rest(prefect_harness, dated_raw, sample_paths, tmp_path):
    raw = dated_raw
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["backfill", str(raw), "--out", str(out), "--since", "2024-03-01",
                                      "--until", "2024-04-01"])
    assert result.exit_code == 0, result.output
    sources = duckdb.sql(f"select source from read_parquet('{out}/documents/**/*.parquet') order by 1").fetchall()
    assert [s for (s,) in sources] == [sample_paths[1].name, "dumps/march.jsonl#1", "dumps/march.jsonl#2"]
    result = CliRunner().invoke(app, ["backfill", str(raw), "--out", str(out), "--glob", "*.txt", "--batch-size", "2",
                                      "--commit-every", "2"])
    assert result.exit_code == 0, result.output
    assert "5 inputs: 4 new or changed, 1 unchanged" in result.output
    assert "2 versions committed" in result.output
    assert duckdb.sql(f"select count(*) from read_parquet('{out}/documents/**/*.parquet')").fetchall() == [(7,)]


@pytest.mark.flow
def test_interrupted_backfill_keeps_its_commits_and_the_rerun_does_the_rest(prefect_harness, dated_raw, tmp_path,
                                                                            monkeypatch):
    from textwash_flows import ingest as ingest_module

    raw = dated_raw
    out = tmp_path / "out"
    real = ingest_module.stage_batch
    calls = []

    def dies_in_the_third_part(*args, **kwargs):
        calls.append(args[5])
        if len(calls) == 5:
            raise RuntimeError("machine lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "stage_batch", dies_in_the_third_part)
    with pytest.raises(RuntimeError, match="machine lost"):
        ingest_module.ingest(raw=str(raw), out=str(out), options=RunOptions(batch_size=1, commit_every=2))
    monkeypatch.setattr(ingest_module, "stage_batch", real)
    # The part's other batch may have started beside the failing one; nothing ran twice (only I/O
    # errors are retried).
    assert len(calls) in (5, 6) and len({tuple(batch) for batch in calls}) == len(calls)
    ledger = load_ledger(Dataset(out).committed_file(LEDGER_FILE))
    done = sorted(ledger)
    assert done == sorted(source for (source,) in calls[:4])
    summary = ingest_module.ingest(raw=str(raw), out=str(out), options=RunOptions(batch_size=1, commit_every=2))
    assert (summary["inputs"], summary["processed"], summary["unchanged"]) == (6, 2, 4)
    assert sorted(load_ledger(Dataset(out).committed_file(LEDGER_FILE))) == discover(raw)
    assert not (out / STAGING).exists()
    rows = duckdb.sql(f"select count(*) from read_parquet('{out}/documents/**/*.parquet')").fetchall()
    assert rows == [(7,)]  # five dumps and the two JSONL lines, each once


@pytest.mark.flow
def test_batches_retry_io_errors_with_backoff(prefect_harness, dated_raw, tmp_path, monkeypatch):
    from textwash_flows import ingest as ingest_module

    raw = dated_raw
    real = ingest_module.stage_batch
    calls = []

    def flaky_share(*args, **kwargs):
        calls.append(args[4])
        if calls.count(args[4]) == 1 and args[4] == 0:
            raise OSError(5, "Input/output error")
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "stage_batch", flaky_share)
    summary = ingest_module.ingest(raw=str(raw), out=str(tmp_path / "out"), options=RunOptions(batch_size=3))
    assert sorted(calls) == [0, 0, 1]
    assert summary["documents"] == 7 and summary["rejects"] == 0


@pytest.mark.flow
def test_run_publishes_progress_counts_and_summary_artifacts(prefect_harness, dated_raw, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from textwash_flows import ingest as ingest_module

    raw = dated_raw
    (raw / ".DS_Store").write_bytes(b"x")
    (tmp_path / "elsewhere.txt").write_text("not ours")
    (raw / "elsewhere.txt").symlink_to(tmp_path / "elsewhere.txt")
    out = tmp_path / "out"
    state = ingest_module.ingest(raw=str(raw), out=str(out), options=RunOptions(batch_size=2), return_state=True)
    summary = state.result()
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    by_key = {artifact.key: artifact for artifact in artifacts}
    assert {"textwash-progress", "textwash-counts", "textwash-summary", "textwash-report"} <= set(by_key)
    assert by_key["textwash-progress"].data == 100.0
    table = by_key["textwash-counts"].data
    counts = (json.loads(table) if isinstance(table, str) else table)[0]
    assert (counts["inputs"], counts["documents"], counts["rejects"]) == (7, 7, 1)
    assert (counts["outside_root"], counts["skipped_by_name"], counts["skipped_links"]) == (1, 1, 0)
    # The bytes of the inputs read: not the hidden file, not the file the refused link leads to.
    assert counts["bytes_in"] == sum(p.stat().st_size for p in raw.rglob("*") if p.is_file() and p.suffix != ".json"
                                     and not p.is_symlink() and not p.name.startswith("."))
    assert counts["bytes_out"] == sum(p.stat().st_size for p in (out / "_current").rglob("part-*.parquet"))
    assert counts["seconds"] == summary["seconds"]
    markdown = by_key["textwash-summary"].data
    top_reason = duckdb.sql(f"select r.reason from (select unnest(removed) as r from read_parquet("
                            f"'{out}/documents/**/*.parquet')) group by 1 order by count(*) desc, 1 limit 1").fetchall()[0][0]
    assert f"| {top_reason} |" in markdown and str(out.resolve()) in markdown


@pytest.mark.flow
def test_backfill_killed_after_two_commits_resumes_from_the_ledger(prefect_harness, dated_raw, tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from prefect.settings import PREFECT_API_URL

    from textwash_flows import ingest as ingest_module

    raw, out = dated_raw, tmp_path / "out"
    for copy in range(8):  # more inputs, so the kill lands well before the end
        (raw / f"copy-{copy}.txt").write_text(f"Copy {copy}.\n\n" + "A paragraph of plain text for this copy.\n" * 4)
    total = len(discover(raw))
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())  # the session's server: no start-up
    backfill = subprocess.Popen([str(Path(sys.executable).parent / "textwash"), "backfill", str(raw), "--out", str(out),
                                 "--commit-every", "1", "--batch-size", "1"], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while Dataset(out).current is None or Dataset(out).current.name < "00000002":
        assert backfill.poll() is None and time.monotonic() < deadline, "the backfill ended before two commits"
        time.sleep(0.02)
    os.killpg(backfill.pid, signal.SIGKILL)
    backfill.wait(timeout=10)
    done = load_ledger(Dataset(out).committed_file(LEDGER_FILE))
    assert 2 <= len(done) < total

    summary = ingest_module.ingest(raw=str(raw), out=str(out), options=RunOptions(batch_size=1, commit_every=1))
    assert (summary["processed"], summary["unchanged"]) == (total - len(done), len(done))
    assert sorted(load_ledger(Dataset(out).committed_file(LEDGER_FILE))) == discover(raw)
    records = [source for kind in ("documents", "rejects")
               for source in Dataset(out).read(kind, ["source"])["source"].to_pylist()]
    assert len(records) == len(set(records)) == total + 1  # each input once; the JSONL dump holds two documents
