"""Scale-out: the batch tasks on a Dask cluster give the same records as the default runner."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

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


def start(command: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    """A process of the venv's `dask` command, its output in `log`."""
    with open(log, "wb") as handle:
        return subprocess.Popen([str(Path(sys.executable).parent / "dask"), *command], cwd=cwd, stdout=handle,
                                stderr=subprocess.STDOUT)


def test_a_cluster_of_separate_processes_runs_a_run_given_relative_paths(prefect_harness, tmp_path, dated_raw,
                                                                          monkeypatch):
    """A scheduler and a worker started as their own processes, in a working folder of their own,
    and `textwash run raw --out out` from the test's folder: the run makes both paths absolute
    before it sends a batch, so the worker reads and writes the run's folders, not its own."""
    from distributed import Client

    cluster_dir = tmp_path / "cluster"
    cluster_dir.mkdir()
    scheduler_file = cluster_dir / "scheduler.json"
    processes = [start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file",
                        str(scheduler_file)], cluster_dir, cluster_dir / "scheduler.log")]
    spawned = []
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline and processes[0].poll() is None, \
                (cluster_dir / "scheduler.log").read_text()
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        processes.append(start(["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                                "--local-directory", str(cluster_dir / "work")], cluster_dir,
                               cluster_dir / "worker.log"))
        with Client(address) as client:
            client.wait_for_workers(1, timeout=60)
            assert list(client.run(os.getcwd).values()) == [str(cluster_dir)]
            spawned = [psutil.Process(pid) for pid in client.run(os.getpid).values()]
            monkeypatch.chdir(dated_raw.parent)
            result = CliRunner().invoke(app, ["run", "raw", "--out", "out", "--batch-size", "2",
                                              "--dask-address", address], env={"COLUMNS": "300"})
            assert result.exit_code == 0, result.output
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
            assert sum(executed.values()) == 3, executed  # 6 inputs in batches of 2, all on the worker
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            process.wait(timeout=30)
    assert_gone(spawned)
    assert "6 inputs: 6 new or changed, 0 unchanged → 7 documents (2 duplicates), 0 rejects" in result.output
    assert "0 inputs rejected for containment" in result.output
    on_cluster = records(dated_raw.parent / "out")
    assert len(on_cluster["documents"]) == 7 and on_cluster["rejects"] == []
    assert not (cluster_dir / "raw").exists() and not (cluster_dir / "out").exists()
