"""Scale-out: the batch tasks on a Dask cluster give the same records as the default runner."""
import os
import time

import psutil
import pytest
from typer.testing import CliRunner

from textwash.cli import app
from textwash.dataset.store import Dataset

pytestmark = pytest.mark.flow

# Columns that differ between any two runs of the same inputs.
RUN_COLUMNS = ["processed_at"]


def records(out) -> dict[str, list[dict]]:
    dataset = Dataset(out)
    return {kind: sorted((dict(row, **{c: None for c in RUN_COLUMNS}) for row in dataset.read(kind).to_pylist()),
                         key=lambda row: row["source"])
            for kind in ("documents", "rejects")}


def assert_gone(processes) -> None:
    """The Dask worker `processes` end within 30 s of their cluster closing."""
    _, alive = psutil.wait_procs(processes, timeout=30)
    assert not alive, f"Dask workers still running after the cluster closed: {alive}"


def test_two_dask_workers_give_the_records_of_the_default_runner(prefect_harness, tmp_path, dated_raw):
    from distributed import LocalCluster

    raw = dated_raw
    (raw / "empty.txt").write_bytes(b"")
    started = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    worker_pids = []
    try:
        with cluster.get_client() as client:
            worker_pids = list(client.run(os.getpid).values())
            assert len(worker_pids) == 2
            result = CliRunner().invoke(app, ["run", str(raw), "--out", str(tmp_path / "dask"), "--batch-size", "2",
                                              "--dask-address", cluster.scheduler_address, "--workers", "2"])
            assert result.exit_code == 0, result.output
            # Every batch ran on the cluster: 8 inputs in batches of 2.
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
            assert sum(executed.values()) == 4, executed
    finally:
        cluster.close()
    assert_gone([psutil.Process(pid) for pid in worker_pids if psutil.pid_exists(pid)])
    dask_seconds = time.perf_counter() - started

    result = CliRunner().invoke(app, ["run", str(raw), "--out", str(tmp_path / "default"), "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    on_dask, by_default = records(tmp_path / "dask"), records(tmp_path / "default")
    assert len(on_dask["documents"]) == 7 and [r["reason"] for r in on_dask["rejects"]] == ["empty"]
    assert on_dask == by_default

    # The same through a cluster the run starts for itself and closes after.
    before = set(psutil.Process().children(recursive=True))
    result = CliRunner().invoke(app, ["run", str(raw), "--out", str(tmp_path / "local"), "--batch-size", "2",
                                      "--dask-address", "local", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert records(tmp_path / "local") == by_default
    assert_gone(set(psutil.Process().children(recursive=True)) - before)
    print(f"dask run with a 2-worker cluster: {dask_seconds:.1f} s")
