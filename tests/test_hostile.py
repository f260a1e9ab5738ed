"""Hostile input and faults: each limit ends as a reject naming it, inputs are read only under the
raw root and outputs written only under the output root, nothing in a document is fetched or run,
two runs at once leave one consistent dataset, and a full or unwritable disk fails a run cleanly
(dataset as before, a rerun completes it). A small fuzz run closes."""
from __future__ import annotations

import datetime as dt
import errno
import gzip
import importlib.util
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import DATA
from textwash.cli import app
from textwash.inputs.formats import read_items
from textwash.dataset.ledger import load_ledger
from textwash.config import Settings
from textwash.document import process_batch
from textwash.inputs.discover import discover
from textwash.config import RunOptions
from textwash.run.driver import run_dataset
from textwash.dataset.store import LEDGER_FILE, STAGING, VERSIONS, Dataset

NOW = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
FAST = Settings(extract_timeout=None)
ARTICLE = sorted((DATA / "samples").glob("*.txt"))[0].read_text(encoding="utf-8")
PAGE = gzip.decompress(sorted((DATA / "html").glob("*.html.gz"))[0].read_bytes()).decode("utf-8")


def outcomes(root: Path, settings: Settings = FAST) -> dict[str, tuple[str, str]]:
    """source → ("document", "") or (reject reason, detail), for every record of `root`."""
    result = process_batch(root, discover(root), NOW, settings)
    found = {row["source"]: ("document", "") for row in result.documents}
    found.update({row["source"]: (row["reason"], row["detail"]) for row in result.rejects})
    return found


def deep_page(depth: int) -> str:
    return "<html><body>" + "<div>" * depth + "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n")) + "</div>" * depth


# --- limits ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, limit, reason, measured", [
    ("long.txt", (ARTICLE + "\n" + "word " * 400).encode(), dict(max_line_chars=1000), "line-too-long", "2000 characters"),
    ("bomb.txt.gz", gzip.compress(b"\n" * 5_000_000), dict(max_ratio=100), "compression-ratio", "100x"),
    ("deep.html", deep_page(300).encode(), dict(max_html_depth=256), "html-too-deep", "more than 256 deep"),
    ("nul.txt", (ARTICLE[:500] + "\x00" + ARTICLE[500:]).encode(), dict(), "nul-bytes", "1 NUL characters"),
    ("big.txt", ARTICLE.encode(), dict(max_bytes=1000), "too-large", "1000-byte"),
])
def test_each_limit_ends_as_a_reject_naming_it_and_can_be_set(tmp_path, name, data, limit, reason, measured):
    (tmp_path / name).write_bytes(data)
    [(got, detail)] = outcomes(tmp_path, Settings(extract_timeout=None, **limit)).values()
    assert got == reason and measured in detail
    loosened = {key: value * 1000 for key, value in limit.items()}
    [(got, _)] = outcomes(tmp_path, Settings(extract_timeout=None, strip_nul=True, **loosened)).values()
    assert got != reason


def test_a_gzip_bomb_stops_after_bounded_work(tmp_path):
    """200 MB of zeros in 200 kB of gzip after a real line: stopped by the ratio cap after a few MB,
    long before the 50 MB size cap would have stopped it."""
    with gzip.open(tmp_path / "bomb.jsonl.gz", "wb") as out:
        out.write(json.dumps({"text": ARTICLE}).encode() + b"\n")
        for _ in range(200):
            out.write(b"\0" * 1_000_000)
    items = list(read_items(tmp_path, "bomb.jsonl.gz", max_bytes=50_000_000))
    assert [(item.source, getattr(item, "reason", None)) for item in items] == [
        ("bomb.jsonl.gz#1", None), ("bomb.jsonl.gz", "compression-ratio")]
    decompressed = int(items[1].detail.split()[0])
    assert decompressed < 25_000_000 and "over the 100x limit" in items[1].detail


def test_a_warc_record_declaring_a_bomb_stops_the_archive(tmp_path):
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://example.org/a", "response",
                                                  payload=io.BytesIO(b"\0" * 50_000_000), http_headers=headers))
    (tmp_path / "bomb.warc.gz").write_bytes(buffer.getvalue())
    [(reason, detail)] = outcomes(tmp_path).values()
    assert reason == "compression-ratio" and "100x" in detail


def test_nul_characters_are_rejected_or_stripped_with_a_recorded_cut(tmp_path):
    (tmp_path / "nul.txt").write_bytes(ARTICLE.replace("\n", "\x00\n", 3).encode())
    assert outcomes(tmp_path)["nul.txt"][0] == "nul-bytes"
    [row] = process_batch(tmp_path, ["nul.txt"], NOW, Settings(extract_timeout=None, strip_nul=True)).documents
    assert "\x00" not in row["text"]
    assert {"text": "\x00" * 3, "reason": "NUL characters", "paragraph": 0} in row["removed"]


def test_lone_surrogates_are_rejects_and_the_run_commits(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [json.dumps({"text": ARTICLE}), json.dumps({"text": ARTICLE + "\ud800"}),
             json.dumps({"text": ARTICLE, "title": "A \udfff title"})]
    (raw / "dump.jsonl").write_text("\n".join(lines), encoding="utf-8")  # json.dumps writes \ud800 escapes
    (raw / "page.txt").write_text(ARTICLE, encoding="utf-8")
    (raw / "page.json").write_text('{"title": "\\ud83d"}', encoding="utf-8")
    summary = run_dataset(raw, tmp_path / "out", FAST)
    assert summary["committed"] and summary["documents"] == 1
    rejects = {row["source"]: row for row in Dataset(tmp_path / "out").read("rejects").to_pylist()}
    assert rejects["dump.jsonl#2"]["reason"] == "lone-surrogate" and "'text'" in rejects["dump.jsonl#2"]["detail"]
    assert rejects["dump.jsonl#3"]["reason"] == "lone-surrogate" and "'title'" in rejects["dump.jsonl#3"]["detail"]
    assert rejects["page.txt"]["reason"] == "bad-sidecar" and "surrogate" in rejects["page.txt"]["detail"]


def test_files_without_documents_and_names_that_are_not_utf8_are_rejects_and_the_run_commits(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.jsonl").write_bytes(b"")
    (raw / "blank.jsonl.gz").write_bytes(gzip.compress(b"\n\n"))
    (raw / os.fsdecode(b"caf\xe9.txt")).write_text(ARTICLE, encoding="utf-8")
    summary = run_dataset(raw, tmp_path / "out", FAST)
    assert summary["committed"]
    rejects = {row["source"]: row["reason"] for row in Dataset(tmp_path / "out").read("rejects").to_pylist()}
    assert rejects == {"empty.jsonl": "empty", "blank.jsonl.gz": "empty", "caf\\xe9.txt": "bad-name"}


# --- containment --------------------------------------------------------------------------------

def test_inputs_are_read_only_under_the_raw_root(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(ARTICLE, encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "link.txt").symlink_to(secret)
    (raw / "story.txt").write_text(ARTICLE, encoding="utf-8")
    (raw / "story.json").symlink_to(secret)  # a sidecar that leads out
    assert discover(raw) == ["link.txt", "story.txt"]  # the link out is listed, to become a reject
    for source in ("link.txt", "../secret.txt", str(secret)):  # and refused when read
        [item] = read_items(raw, source, max_bytes=10**6)
        assert item.reason == "outside-root" and "outside the raw root" in item.detail
    [item] = read_items(raw, "story.txt", max_bytes=10**6)
    assert item.reason == "bad-sidecar" and "outside the raw root" in item.detail
    # Following links reads what they point at, but never a path that climbs out by '..'.
    [item] = read_items(raw, "link.txt", max_bytes=10**6, follow_symlinks=True)
    assert item.data == ARTICLE.encode()
    for source in ("../secret.txt", str(secret)):
        [item] = read_items(raw, source, max_bytes=10**6, follow_symlinks=True)
        assert item.reason == "outside-root"


@pytest.fixture
def linked_raw(tmp_path) -> Path:
    """A raw root with a symlinked folder of dumps (`raw/site-a -> mnt/site-a`, holding a link back
    up to mnt/) and two links to one file outside the root, beside a file of its own."""
    mnt = tmp_path / "mnt"
    (mnt / "site-a" / "2024").mkdir(parents=True)
    (mnt / "site-a" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (mnt / "site-a" / "2024" / "b.txt").write_text(ARTICLE.replace("\n", "\n\n", 3), encoding="utf-8")
    (mnt / "site-a" / "up").symlink_to("..")  # a loop, once links are followed
    (mnt / "shared.txt").write_text(ARTICLE + "\nShared.\n", encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "own.txt").write_text(ARTICLE + "\nOwn.\n", encoding="utf-8")
    (raw / "site-a").symlink_to(mnt / "site-a")
    (raw / "first.txt").symlink_to(mnt / "shared.txt")
    (raw / "second.txt").symlink_to(mnt / "shared.txt")
    return raw


def sources_by_kind(out: Path) -> dict[str, dict[str, str]]:
    dataset = Dataset(out)
    return {"documents": {row["source"]: "" for row in dataset.read("documents", ["source"]).to_pylist()},
            "rejects": {row["source"]: row["detail"] for row in dataset.read("rejects", ["source", "detail"]).to_pylist()}}


def test_symlinks_out_of_the_root_are_rejects_naming_both_paths_and_a_rerun_commits_nothing(tmp_path, linked_raw):
    out = tmp_path / "out"
    summary = run_dataset(linked_raw, out, FAST)
    records = sources_by_kind(out)
    assert list(records["documents"]) == ["own.txt"]
    mnt = (tmp_path / "mnt").resolve()
    assert records["rejects"] == {
        "first.txt": f"first.txt leads to {mnt / 'shared.txt'}, outside the raw root",
        "second.txt": f"second.txt leads to {mnt / 'shared.txt'}, outside the raw root",
        "site-a": f"site-a leads to {mnt / 'site-a'}, outside the raw root"}
    assert {row["reason"] for row in Dataset(out).read("rejects").to_pylist()} == {"outside-root"}
    assert (summary["inputs"], summary["outside_root"], summary["skipped_links"]) == (4, 3, 0)
    ledger = load_ledger(Dataset(out).committed_file(LEDGER_FILE))
    assert sorted(ledger) == ["first.txt", "own.txt", "second.txt", "site-a"]
    assert all(entry.source_sha256 for entry in ledger.values())  # hashed by where they lead, never read
    again = run_dataset(linked_raw, out, FAST)
    assert (again["processed"], again["committed"]) == (0, False)


def test_follow_symlinks_reads_linked_folders_and_files_each_real_file_once(tmp_path, linked_raw):
    out = tmp_path / "out"
    summary = run_dataset(linked_raw, out, Settings(extract_timeout=None, follow_symlinks=True))
    records = sources_by_kind(out)
    # shared.txt once, by the first of its two link names; site-a/up leads back to mnt/, whose
    # shared.txt and site-a are read already: the loop ends there.
    assert list(records["documents"]) == ["first.txt", "own.txt", "site-a/2024/b.txt", "site-a/a.txt"]
    assert records["rejects"] == {}
    assert (summary["inputs"], summary["outside_root"]) == (4, 0)
    assert summary["skipped_links"] == 2  # second.txt, and site-a/up/shared.txt
    again = run_dataset(linked_raw, out, Settings(extract_timeout=None, follow_symlinks=True))
    assert (again["processed"], again["committed"]) == (0, False)


def test_the_follow_symlinks_option_reaches_discovery_and_the_reader(tmp_path, linked_raw):
    from textwash.run.plan import plan_run

    (linked_raw / "loop").symlink_to(linked_raw)  # a link to the root itself
    (linked_raw / "self.txt").symlink_to("self.txt")  # a link that leads to itself
    plan = plan_run(linked_raw, Dataset(tmp_path / "none"), RunOptions(), follow_symlinks=True)
    assert plan.todo == ["first.txt", "own.txt", "self.txt", "site-a/2024/b.txt", "site-a/a.txt"]
    assert plan.skipped_links == 3
    result = process_batch(linked_raw, plan.todo, NOW, Settings(extract_timeout=None, follow_symlinks=True))
    assert len(result.documents) == 4
    [reject] = result.rejects
    assert (reject["source"], reject["reason"]) == ("self.txt", "unreadable")
    assert "symbolic links" in reject["detail"]


def test_hidden_files_and_editor_leftovers_are_counted_as_skipped(tmp_path, sample_paths):
    raw = tmp_path / "raw"
    (raw / ".git").mkdir(parents=True)
    (raw / ".git" / "HEAD").write_text("ref")
    shutil.copy(sample_paths[0], raw / "story.txt")
    (raw / ".story.txt.swp").write_text("x")
    (raw / "story.txt~").write_text(ARTICLE, encoding="utf-8")
    (raw / "~$report.txt").write_text("x")
    out = tmp_path / "out"
    summary = run_dataset(raw, out, FAST)
    assert (summary["inputs"], summary["documents"], summary["skipped_by_name"]) == (1, 1, 4)
    result = CliRunner().invoke(app, ["stats", str(out)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert ("0 inputs rejected for containment (outside the raw root), 4 skipped by name (hidden or editor "
            "files), 0 links to files already read") in result.output


@pytest.mark.parametrize("record_id", ["<../../etc/passwd>", "</etc/passwd>", "<a#b>", "<x\ty>", "<..\\..\\x>"])
def test_warc_record_ids_that_look_like_paths_are_refused(tmp_path, record_id):
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    for rid in (record_id, None):
        record = writer.create_warc_record("https://example.org/a", "response", payload=io.BytesIO(PAGE.encode()),
                                           http_headers=headers)
        if rid:
            record.rec_headers.replace_header("WARC-Record-ID", rid)
        writer.write_record(record)
    (tmp_path / "crawl.warc").write_bytes(buffer.getvalue())
    found = outcomes(tmp_path)
    refused = [source for source, (reason, _) in found.items() if reason == "unsafe-name"]
    assert len(refused) == 1 and refused[0].startswith("crawl.warc#offset-")
    assert sum(reason == "document" for reason, _ in found.values()) == 1


def snapshot(folder: Path) -> set[str]:
    return {str(p) for p in folder.rglob("*")}


def test_outputs_stay_under_the_output_root_whatever_the_documents_say(tmp_path):
    """Partition values come from documents (--partition-by title here): path-like and over-long
    titles, and urls that point at files, never lead a write out of the output folder."""
    raw, out = tmp_path / "work" / "raw", tmp_path / "work" / "out"
    raw.mkdir(parents=True)
    titles = ["../../escaped", "/abs/escaped", "..", "a/b\\c", "é" * 300, "x" * 400, "%2e%2e%2f"]
    lines = [json.dumps({"text": f"{title} {index}\n\n{ARTICLE}", "title": title, "url": "file:///etc/passwd"})
             for index, title in enumerate(titles)]
    (raw / "dump.jsonl").write_text("\n".join(lines), encoding="utf-8")
    before = snapshot(tmp_path)
    summary = run_dataset(raw, out, FAST, RunOptions(partition_by="title"))
    assert summary["committed"] and summary["documents"] == len(titles)
    created = snapshot(tmp_path) - before
    assert created and all(Path(p).is_relative_to(out) for p in created)
    assert all(Path(p).resolve().is_relative_to(out.resolve()) for p in created if not Path(p).is_symlink())
    folders = {p.parent.name for p in (out / "documents").rglob("*.parquet")}
    assert all(name.startswith("title=") and len(name.encode()) < 255 for name in folders)
    stored = sorted(pq.read_table(p)["title"][0].as_py() for p in (out / "documents").rglob("*.parquet"))
    assert stored == sorted(titles)


def test_nothing_in_a_document_is_fetched_or_run(tmp_path, monkeypatch):
    """External resources, scripts, meta refresh and an external entity in a page: no connection,
    no process, and the entity's file is not read into the output."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    hostile = (f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>'
               '<html><head><meta http-equiv="refresh" content="0; url=http://127.0.0.1:9/">'
               '<link rel="stylesheet" href="http://127.0.0.1:9/s.css"><script src="http://127.0.0.1:9/x.js"></script>'
               '<script>fetch("http://127.0.0.1:9/"); require("child_process").exec("touch pwned")</script></head>'
               f'<body><iframe src="file://{secret}"></iframe><img src="http://127.0.0.1:9/i.png"><p>&xxe;</p>'
               + "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n")) + "</body></html>")
    (raw / "page.html").write_text(hostile, encoding="utf-8")
    (raw / "dump.jsonl").write_text(json.dumps({"html": hostile, "url": "http://127.0.0.1:9/"}), encoding="utf-8")
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network and processes are off in this test")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(os, "system", refuse)
    result = process_batch(raw, discover(raw), NOW, FAST)
    assert attempts == []
    assert len(result.documents) == 2
    assert all("TOP-SECRET-MARKER" not in json.dumps(row, default=str) for row in result.documents)
    assert not (raw / "pwned").exists() and not Path("pwned").exists()


# --- two runs at once ---------------------------------------------------------------------------

RUN = "import sys; from pathlib import Path; from textwash.document import Settings; " \
      "from textwash.run.driver import run_dataset; " \
      "print(run_dataset(Path(sys.argv[1]), Path(sys.argv[2]), Settings(extract_timeout=None))['processed'])"


def test_two_runs_at_once_wait_their_turn_and_leave_one_consistent_dataset(tmp_path, sample_paths):
    raws = [tmp_path / "raw-a", tmp_path / "raw-b"]
    for index, raw in enumerate(raws):
        raw.mkdir()
        for path in sample_paths[index::2]:
            shutil.copy(path, raw / path.name)
    out = tmp_path / "out"
    logs = [tmp_path / f"run-{index}.log" for index in range(2)]
    waiting = "in use by another run: waiting"
    with Dataset(out).locked():  # both start while a third holder has the lock
        runs = [subprocess.Popen([sys.executable, "-c", RUN, str(raw), str(out)], stdout=subprocess.PIPE,
                                 stderr=log.open("w"), text=True) for raw, log in zip(raws, logs)]
        deadline = time.monotonic() + 120
        while not all(waiting in log.read_text() for log in logs) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(run.poll() is None for run in runs), [log.read_text() for log in logs]
        assert all(waiting in log.read_text() for log in logs)
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [log.read_text() for log in logs]
    assert sorted(int(stdout.split()[-1]) for stdout, _ in results) == [2, 3]  # neither redid the other's work
    dataset = Dataset(out)
    sources = sorted(dataset.read("documents", ["source"])["source"].to_pylist())
    assert sources == sorted(path.name for path in sample_paths)
    assert sorted(load_ledger(dataset.committed_file(LEDGER_FILE))) == sources
    assert dataset.current.name == "00000002"


# --- disk faults --------------------------------------------------------------------------------

def dataset_state(out: Path) -> tuple:
    """What a reader sees: the committed version, its records and its ledger, exactly."""
    dataset = Dataset(out)
    records = tuple(tuple(sorted(map(str, dataset.read(kind).to_pylist()))) for kind in ("documents", "rejects"))
    ledger = load_ledger(dataset.committed_file(LEDGER_FILE))
    return dataset.current.name, records, tuple(sorted(map(str, ledger.values())))


def dataset_content(out: Path) -> tuple:
    """The records and ledger entries, leaving out when and by which run they were written."""
    dataset = Dataset(out)
    documents = dataset.read("documents", ["source", "source_sha256", "content_sha256", "duplicate_of"]).to_pylist()
    rejects = dataset.read("rejects", ["source", "reason"]).to_pylist()
    ledger = [(e.source, e.source_sha256, e.kind) for e in load_ledger(dataset.committed_file(LEDGER_FILE)).values()]
    return sorted(map(str, documents)), sorted(map(str, rejects)), sorted(ledger)


@pytest.fixture
def second_run(tmp_path, sample_paths):
    """A committed dataset (a backup copy beside it), and raw/ changed since: one new input and
    one edited."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for path in sample_paths[:2]:
        shutil.copy(path, raw / path.name)
    run_dataset(raw, out, FAST)
    shutil.copytree(out, tmp_path / "backup", symlinks=True)
    (raw / "new.txt").write_text(ARTICLE.replace("the", "a"), encoding="utf-8")
    edited = raw / sample_paths[0].name
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line of the article, added later.\n",
                      encoding="utf-8")
    return raw, out, tmp_path / "backup"


def restore(out: Path, backup: Path) -> None:
    shutil.rmtree(out)
    shutil.copytree(backup, out, symlinks=True)


def intercept(monkeypatch, module, name: str, fail_from: int | None = None, error: int = errno.ENOSPC) -> list:
    """Record the calls of module.name (their first two arguments); from the `fail_from`-th on they
    raise OSError(error), as a full (ENOSPC) or read-only (EACCES) disk does until it is fixed."""
    real, calls = getattr(module, name), []

    def wrapper(*args, **kwargs):
        calls.append(args[:2])
        if fail_from is not None and len(calls) >= fail_from:
            raise OSError(error, os.strerror(error))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


# Where a run writes: every Parquet file (staged batches, the version's files, ledger, index: all
# go through a ParquetWriter, pq.write_table too), every rename (staged files, the commit's link
# swap, the site-template cache) and the commit link.
SEAMS = [(pq.ParquetWriter, "write_table"), (os, "replace"), (os, "symlink")]


def written_path(call: tuple) -> Path:
    """The file an intercepted call wrote: a ParquetWriter's, else the call's last path argument."""
    return Path(call[0].where if isinstance(call[0], pq.ParquetWriter) else call[-1])


@pytest.mark.parametrize("module, name, error", [(module, name, errno.ENOSPC) for module, name in SEAMS]
                         + [(pq.ParquetWriter, "write_table", errno.EACCES)],
                         ids=[f"{name}-ENOSPC" for _, name in SEAMS] + ["write_table-EACCES"])
def test_a_disk_fault_at_any_write_fails_the_run_and_leaves_the_dataset_as_it_was(second_run, monkeypatch,
                                                                                   module, name, error):
    raw, out, backup = second_run
    before = dataset_state(out)
    with monkeypatch.context() as patch:
        writes = intercept(patch, module, name)
        run_dataset(raw, out, FAST)
    after = dataset_content(out)
    assert after != dataset_content(backup) and len(writes) >= 1
    for fail_at in range(1, len(writes) + 1):
        restore(out, backup)
        with monkeypatch.context() as patch:
            intercept(patch, module, name, fail_at, error)
            try:
                run_dataset(raw, out, FAST)
            except OSError as exc:
                assert exc.errno == error and os.strerror(error) in str(exc)
                assert dataset_state(out) == before, f"write {fail_at} of {name}"
                assert not (out / STAGING).exists() and len(list((out / VERSIONS).iterdir())) == 1
            else:
                # Only the site-template cache and the report are written after the commit; losing
                # them is logged.
                written = written_path(writes[fail_at - 1])
                assert written.name == "site-templates.json" or (out / "report") in written.parents
                assert dataset_content(out) == after
                continue
        summary = run_dataset(raw, out, FAST)  # the rerun completes the run
        assert summary["committed"] and dataset_content(out) == after


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs: a disk that really fills up (needs root, and mount allowed in the container)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"no small tmpfs here: {done.stderr.strip() or 'mount failed'}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_disk_that_really_fills_up_mid_run(second_run, small_disk):
    raw, _, backup = second_run
    out = small_disk / "out"
    shutil.copytree(backup, out, symlinks=True)
    before = dataset_state(out)
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:  # full
            pass
    os.truncate(filler, filler.stat().st_size - 48 * 1024)  # room for some of the run's files, not all
    with pytest.raises(OSError) as failure:
        run_dataset(raw, out, FAST)
    assert failure.value.errno == errno.ENOSPC
    assert dataset_state(out) == before and not (out / STAGING).exists()
    filler.unlink()
    summary = run_dataset(raw, out, FAST)
    assert summary["committed"] and "new.txt" in Dataset(out).read("documents", ["source"])["source"].to_pylist()


# --- through the CLI and the flow -------------------------------------------------------------

@pytest.mark.flow
def test_the_cli_passes_the_limits_on_and_reports_a_full_disk_cleanly(prefect_harness, tmp_path, monkeypatch):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "long.txt").write_text(ARTICLE + "\n" + "word " * 400, encoding="utf-8")
    (raw / "deep.html").write_text(deep_page(30), encoding="utf-8")
    (raw / "nul.txt").write_text(ARTICLE.replace("\n", "\x00\n", 1), encoding="utf-8")
    (raw / "packed.txt.gz").write_bytes(gzip.compress(((ARTICLE + "\n") * 20).encode()))
    limits = ["--max-line-chars", "1000", "--max-html-depth", "20", "--max-ratio", "5", "--strip-nul",
              "--extract-timeout", "0"]
    result = CliRunner().invoke(app, ["run", str(raw), "--out", str(out), *limits])
    assert result.exit_code == 0, result.output
    rejects = {row["source"]: row["reason"] for row in Dataset(out).read("rejects").to_pylist()}
    assert rejects == {"long.txt": "line-too-long", "deep.html": "html-too-deep", "packed.txt.gz": "compression-ratio"}
    assert Dataset(out).read("documents", ["source"])["source"].to_pylist() == ["nul.txt"]
    before = dataset_state(out)
    (raw / "more.txt").write_text(ARTICLE, encoding="utf-8")
    intercept(monkeypatch, pq, "write_table", fail_from=1)  # past the task's retries too
    result = CliRunner().invoke(app, ["run", str(raw), "--out", str(out)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "run failed: [Errno 28] No space left on device" in result.output and "as it was before" in result.output
    assert dataset_state(out) == before


# --- fuzz ---------------------------------------------------------------------------------------

def test_a_small_fuzz_run_crashes_nothing_and_loses_nothing():
    """bench/fuzz.py on 300 generated inputs (`make fuzz` runs 100,000)."""
    spec = importlib.util.spec_from_file_location("fuzz", Path(__file__).parent.parent / "bench" / "fuzz.py")
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    counts, failures = fuzz.fuzz(list(range(300)), batch_size=300)
    assert failures == []
    assert counts["documents"] > 50
    reasons = {key.split(":", 1)[1] for key in counts if key.startswith("reject:")}
    assert {"compression-ratio", "nul-bytes", "lone-surrogate", "unsafe-name", "line-too-long", "bad-record",
            "broken-warc-record", "binary", "empty"} <= reasons
