"""Exactly once: runs killed with SIGKILL at random moments, then rerun, never lose or repeat an
input, and readers of the dataset never see a half-committed run.

Runs start in separate processes, forked from a server that made one warm-up run
(forkserver_warmup.py), so a run takes a tenth of a second rather than over one; each round changes and adds a few inputs, starts a run,
kills it after a random delay, checks what a reader sees, reruns to the end and checks that every
input is in documents or rejects exactly once with its current bytes.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from textwash.dataset.compact import compact_dataset
from textwash.config import Settings
from textwash.config import RunOptions
from textwash.run.driver import run_dataset
from textwash.dataset.store import CURRENT, DEDUP_FILE, LEDGER_FILE, STAGING, VERSIONS

KILLS = 50
# Small batches and files: many staged and committed files, so kills land between many steps.
OPTIONS = RunOptions(max_rows_per_file=3, batch_size=2)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _visible(out: Path) -> dict[str, list[tuple[str, str | None]]]:
    """What a reader following the README sees: kind → [(source, source_sha256)]."""
    seen = {}
    for kind in ("documents", "rejects"):
        if not (out / kind).exists():
            seen[kind] = []
            continue
        seen[kind] = duckdb.sql(
            f"select source, source_sha256 from read_parquet('{out}/{kind}/**/*.parquet', hive_partitioning=true, "
            f"union_by_name=true)").fetchall()
    return seen


def _check_consistent(out: Path) -> list[str]:
    """The committed snapshot agrees with itself: no source twice, ledger = data, index ⊆ documents."""
    seen = _visible(out)
    sources = [source for rows in seen.values() for source, _ in rows]
    repeated = [source for source, count in Counter(sources).items() if count > 1]
    assert not repeated, f"sources visible twice: {repeated}"
    if not (out / CURRENT).exists():
        assert not sources
        return []
    ledger = pq.read_table(out / CURRENT / LEDGER_FILE).to_pylist()
    assert {row["source"] for row in ledger} == set(sources)
    kinds = {source: kind for kind, rows in seen.items() for source, _ in rows}
    assert all(kinds[row["source"]] == row["kind"] for row in ledger)
    doc_ids = set(duckdb.sql(f"select doc_id from read_parquet('{out}/documents/**/*.parquet', "
                             f"union_by_name=true)").fetchall())
    indexed = pq.read_table(out / CURRENT / DEDUP_FILE, columns=["doc_id"])["doc_id"].to_pylist()
    assert set(indexed) <= {d for (d,) in doc_ids}
    return sources


def _check_exactly_once(raw: Path, out: Path) -> None:
    seen = _visible(out)
    rows = [row for kind_rows in seen.values() for row in kind_rows]
    inputs = sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file())
    assert sorted(source for source, _ in rows) == inputs  # each input once: none lost, none repeated
    for source, sha in rows:
        assert sha in (None, _sha(raw / source)), f"{source}: the record is of older bytes"
    assert not (out / STAGING).exists()
    assert len(list((out / VERSIONS).iterdir())) <= 2


def _stage_of_death(out: Path, version_before: str) -> str:
    """Where a killed run was, judged by what it left."""
    current = os.readlink(out / CURRENT)
    if current != version_before:
        return "after the commit"
    if any(v.name > Path(current).name for v in (out / VERSIONS).iterdir()):
        return "building the next version"  # or staging later batches, when batches commit as they land
    if (out / STAGING).exists():
        return "staging batches"
    return "starting or planning"


def _change(raw: Path, rng: random.Random, samples: list[Path], round_no: int) -> None:
    """Change two existing inputs and add two new ones (an article and, sometimes, a bad input)."""
    existing = sorted(p for p in raw.iterdir() if p.suffix == ".txt")
    for path in rng.sample(existing, 2):
        path.write_bytes(path.read_bytes() + f"\n\nA correction added in round {round_no}.\n".encode())
    sample = rng.choice(samples)
    text = sample.read_text(encoding="utf-8")
    (raw / f"r{round_no:03d}_{sample.name}").write_text(f"Update {round_no}: {text}", encoding="utf-8")
    if round_no % 3 == 0:
        (raw / f"r{round_no:03d}_empty.txt").write_bytes(b"")


@pytest.fixture
def context(monkeypatch):
    """Processes forked from a warm server. The server is a fresh interpreter: it finds the
    warm-up module through PYTHONPATH."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["forkserver_warmup"])
    return context


@pytest.fixture
def raw(tmp_path, sample_paths) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    for path in sample_paths:
        shutil.copy(path, folder / path.name)
    return folder


def test_sigkill_at_random_moments_then_rerun_keeps_every_input_exactly_once(tmp_path, raw, sample_paths, context):
    out = tmp_path / "out"
    rng = random.Random(5)

    def start(round_no: int = 0) -> multiprocessing.Process:
        # The target and arguments come from textwash alone: the child imports nothing more. Odd
        # rounds commit each batch as it lands, as a run with workers does.
        process = context.Process(target=run_dataset, args=(raw, out, Settings(), OPTIONS),
                                  kwargs={"commit_as_batches_land": bool(round_no % 2)})
        process.start()
        return process

    first = start()
    first.join()
    assert first.exitcode == 0
    _check_exactly_once(raw, out)

    landed, run_seconds, round_no = Counter(), 0.5, 0
    while sum(landed.values()) < KILLS:
        round_no += 1
        _change(raw, rng, sample_paths, round_no)
        version_before = os.readlink(out / CURRENT)
        process = start(round_no)
        # A run that commits batches as they land builds its version from the first batch on, so
        # there staging alone is a short window at the start: its kills fall in the first third.
        time.sleep(rng.uniform(0, run_seconds / (3 if round_no % 2 else 1)))
        with contextlib.suppress(ProcessLookupError):  # it may end between the check and the kill
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
        process.join()
        if process.exitcode == -signal.SIGKILL:
            landed[_stage_of_death(out, version_before)] += 1
        _check_consistent(out)

        started = time.perf_counter()
        rerun = start()
        rerun.join()
        assert rerun.exitcode == 0
        # A rerun does about what the killed run had to do: its time bounds the next kill's delay.
        run_seconds = 0.5 * run_seconds + 0.5 * (time.perf_counter() - started)
        _check_exactly_once(raw, out)
    # Kills must have struck while staging and while building the version, or the test proves less
    # than it claims.
    assert landed["staging batches"] >= 5 and landed["building the next version"] >= 5, landed
    print(f"{sum(landed.values())} kills in {round_no} rounds: {dict(landed)}")


def test_sigkill_during_compaction_never_changes_what_readers_see(tmp_path, raw, sample_paths, context):
    out = tmp_path / "out"
    rng = random.Random(7)
    run_dataset(raw, out, Settings(), OPTIONS)
    kills, delay = 0, 0.1
    for round_no in range(1, 21):
        _change(raw, rng, sample_paths, round_no)
        run_dataset(raw, out, Settings(), OPTIONS)  # more small files
        before = _visible(out)
        compaction = context.Process(target=compact_dataset, args=(out, 50))
        compaction.start()
        time.sleep(rng.uniform(0, delay))
        if compaction.is_alive():
            os.kill(compaction.pid, signal.SIGKILL)
            kills += 1
            delay *= 1.2
        else:
            delay *= 0.7  # it finished first: aim earlier
        compaction.join()
        assert sorted(_visible(out)["documents"]) == sorted(before["documents"])
        assert sorted(_visible(out)["rejects"]) == sorted(before["rejects"])
        _check_consistent(out)
    compact_dataset(out, 50)
    _check_exactly_once(raw, out)
    assert len(list((out / "documents").rglob("*.parquet"))) == 1
    assert kills >= 8, kills
    print(f"{kills} of 20 compactions killed")


BIG_KILLS = 20
# A big file in ranges of four lines, a commit every two ranges: kills land inside the file.
BIG_OPTIONS = RunOptions(max_rows_per_file=5, batch_size=4, commit_every=2, split_bytes=1)


def _items(raw: Path, name: str) -> list[str]:
    from textwash.inputs.formats import read_items

    return sorted(item.source for item in read_items(raw, name, 10 ** 6))


def _big_dump(path: Path, samples: list[Path], lines: int, round_no: int) -> None:
    texts = [sample.read_text(encoding="utf-8") for sample in samples]
    rows = [json.dumps({"url": f"https://example.org/{round_no}/{i}", "text": f"Item {i} of round {round_no}. "
                        + texts[i % len(texts)]}) if i % 9 else "{broken" for i in range(1, lines + 1)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_sigkill_inside_a_big_file_then_rerun_keeps_every_item_exactly_once(tmp_path, sample_paths, context):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    shutil.copy(sample_paths[0], raw / sample_paths[0].name)
    dump = raw / "big.jsonl"
    _big_dump(dump, sample_paths, 40, 0)
    rng = random.Random(11)

    def start() -> multiprocessing.Process:
        process = context.Process(target=run_dataset, args=(raw, out, Settings(), BIG_OPTIONS))
        process.start()
        return process

    def check() -> None:
        seen = _visible(out)
        sources = sorted(source for rows in seen.values() for source, _ in rows)
        assert sources == sorted(_items(raw, "big.jsonl") + [sample_paths[0].name])  # each item once
        assert not (out / STAGING).exists()

    kills, resumed, round_no, run_seconds = 0, 0, 0, 1.0
    while kills < BIG_KILLS:
        round_no += 1
        # New bytes each round: the run replaces the file's records, and a kill leaves part of it committed.
        _big_dump(dump, sample_paths, rng.randint(30, 50), round_no)
        process = start()
        time.sleep(rng.uniform(0.1, run_seconds))
        with contextlib.suppress(ProcessLookupError):
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
        process.join()
        if process.exitcode == -signal.SIGKILL:
            kills += 1
        if (out / CURRENT).exists():
            _check_consistent_ranges(out)
            ledger = pq.read_table(out / CURRENT / LEDGER_FILE).to_pylist()
            resumed += any(row["range_start"] is not None for row in ledger)
        started = time.perf_counter()
        rerun = start()
        rerun.join()
        assert rerun.exitcode == 0
        run_seconds = max(0.3, time.perf_counter() - started)
        check()
        ledger = pq.read_table(out / CURRENT / LEDGER_FILE).to_pylist()
        assert [row["range_start"] for row in ledger] == [None, None]  # done files: one entry each
    # Kills must have struck between the committed ranges of the file, or the test proves less.
    assert resumed >= 5, (kills, resumed)
    print(f"{kills} kills in {round_no} rounds, {resumed} left a file part committed")


def _check_consistent_ranges(out: Path) -> None:
    """What a reader sees after a kill: no item twice."""
    seen = _visible(out)
    sources = [source for rows in seen.values() for source, _ in rows]
    repeated = [source for source, count in Counter(sources).items() if count > 1]
    assert not repeated, f"sources visible twice: {repeated}"
