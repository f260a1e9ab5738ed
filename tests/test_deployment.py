"""The ingest deployment for real: a Prefect server on 127.0.0.1, `textwash serve` serving
prefect.yaml, a run triggered through Prefect's CLI, its Parquet output checked."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
import yaml

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEPLOYMENT = "textwash-ingest/ingest"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """Stop a process this test started, and what it started (its own process group), by its pid."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until(check, seconds: float, what: str, processes=()) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        for process in processes:
            assert process.poll() is None, f"{process.args} exited ({process.returncode}) while waiting for {what}"
        assert time.monotonic() < deadline, f"no {what} after {seconds} s"
        time.sleep(0.5)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_served_deployment_runs_on_a_real_server(tmp_path, dated_raw):
    started = time.perf_counter()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
               PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
               PREFECT_SERVER_API_HOST="127.0.0.1", PREFECT_SERVER_API_PORT=str(port))
    client_env = dict(env, PREFECT_API_URL=api)
    out = tmp_path / "processed"
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("server", "serve")}
    server = serve = None
    try:
        server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=logs["server"], stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: healthy(api), 120, "healthy server", [server])
        serve = subprocess.Popen([str(BIN / "textwash"), "serve", "--config", str(ROOT / "prefect.yaml")],
                                 env=client_env, stdout=logs["serve"], stderr=subprocess.STDOUT, start_new_session=True)

        def prefect(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([str(BIN / "prefect"), *args], env=client_env, capture_output=True, text=True,
                                  timeout=240)

        wait_until(lambda: prefect("deployment", "inspect", DEPLOYMENT).returncode == 0, 90, "deployment",
                   [server, serve])
        inspect = prefect("deployment", "inspect", DEPLOYMENT).stdout
        schedule = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"][0]["schedules"][0]
        assert schedule["cron"] in inspect and schedule["timezone"] in inspect

        triggered = prefect("deployment", "run", DEPLOYMENT, "--param", f"raw={dated_raw}", "--param", f"out={out}",
                            "--watch", "--watch-timeout", "180")
        assert triggered.returncode == 0 and "Completed" in triggered.stdout + triggered.stderr, (
            triggered.stdout + triggered.stderr)
    finally:
        for process in (serve, server):
            if process is not None:
                stop(process)
        for log in logs.values():
            log.close()
    for process in (serve, server):
        assert process.poll() is not None
    rows = duckdb.sql(f"select source from read_parquet('{out}/documents/**/*.parquet') order by 1").fetchall()
    assert len(rows) == 7 and ("dumps/march.jsonl#2",) in rows
    print(f"server integration test: {time.perf_counter() - started:.1f} s")
