"""Raw and output locations on S3, against moto's S3 server on 127.0.0.1 (started and stopped here)."""
import os
import socket

import pyarrow.dataset as ds
import pytest

from textwash.config import CACHE_ENV, RunOptions
from textwash.dataset import remote as storage

pytestmark = pytest.mark.flow

BUCKET = "textwash-test"


@pytest.fixture
def s3(monkeypatch):
    """An S3-compatible server on 127.0.0.1 for this test; s3fs (through botocore) finds it
    through AWS_ENDPOINT_URL. Yields the filesystem."""
    import fsspec
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for key, value in {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    fsspec.filesystem("s3").clear_instance_cache()  # no client made for another endpoint
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    fs.mkdir(BUCKET)
    try:
        yield fs
    finally:
        server.stop()


def documents(fs, out: str, version: str | None = None) -> list[str]:
    """The sources of `version` at `out` (default: the current one, read as README says a reader
    should: the version `_current` names)."""
    version = version or fs.cat_file(f"{out}/_current").decode()
    table = ds.dataset(f"{out}/_versions/{version}/documents".removeprefix("s3://"), filesystem=fs,
                       format="parquet", partitioning="hive").to_table(columns=["source"])
    return sorted(table["source"].to_pylist())


def test_s3_raw_and_output_across_machines_and_a_crash_before_the_pointer(prefect_harness, s3, dated_raw, tmp_path,
                                                                           monkeypatch):
    from textwash_flows.ingest import ingest

    raw, out = f"s3://{BUCKET}/raw", f"s3://{BUCKET}/processed"
    s3.put(f"{dated_raw}/", raw.removeprefix("s3://"), recursive=True)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "machine-a"))
    first = ingest(raw=raw, out=out, options=RunOptions(batch_size=2))
    assert (first["processed"], first["documents"], first["output"]) == (6, 7, out)
    assert storage.remote_version(out) == "00000001"
    first_documents = documents(s3, out)
    assert len(first_documents) == 7

    # A second machine: fresh cache, one new input. It pulls version 1 (ledger included), runs
    # only the new input, and publishes version 2; but its pointer write fails.
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "machine-b"))
    s3.pipe_file(f"{raw}/late.txt".removeprefix("s3://"), b"A late article.\n\n" + b"It arrived after the first run and has a paragraph of its own.\n" * 5)

    def pointer_lost(*args):
        raise OSError("connection reset while writing _current")

    real_point_at = storage._point_at
    monkeypatch.setattr(storage, "_point_at", pointer_lost)
    with pytest.raises(OSError, match="connection reset"):
        ingest(raw=raw, out=out, options=RunOptions(batch_size=2))
    assert storage.remote_version(out) == "00000001"  # readers still see version 1 whole
    assert documents(s3, out) == first_documents
    assert s3.exists(f"{out}/_versions/00000002".removeprefix("s3://"))  # the cut-short upload

    monkeypatch.setattr(storage, "_point_at", real_point_at)
    second = ingest(raw=raw, out=out, options=RunOptions(batch_size=2))
    assert (second["inputs"], second["processed"], second["documents"]) == (7, 1, 1)
    assert storage.remote_version(out) == "00000002"
    assert documents(s3, out) == sorted(first_documents + ["late.txt"])
    assert documents(s3, out, "00000001") == first_documents  # kept a version longer for readers

    # Back on the first machine: its copy is behind, so it pulls version 2 and does only what is new.
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "machine-a"))
    s3.pipe_file(f"{raw}/later.txt".removeprefix("s3://"), b"Later still.\n\n" + b"Another paragraph of its own here.\n" * 5)
    third = ingest(raw=raw, out=out, options=RunOptions(batch_size=2))
    assert (third["processed"], third["documents"]) == (1, 1)
    assert documents(s3, out) == sorted(first_documents + ["late.txt", "later.txt"])
    # The version before the current one stays for readers; older ones go.
    s3.invalidate_cache()
    assert sorted(path.rsplit("/", 1)[-1] for path in s3.ls(f"{out}/_versions".removeprefix("s3://"))) == [
        "00000002", "00000003"]



def test_mirror_downloads_only_what_changed_and_drops_what_is_gone(tmp_path):
    remote = tmp_path / "bucket"
    (remote / "site").mkdir(parents=True)
    (remote / "site" / "a.txt").write_text("first a")
    (remote / "b.txt").write_text("b")
    url = remote.as_uri()
    local = storage.mirror_inputs(url, tmp_path / "cache")
    assert sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file()) == ["b.txt", "site/a.txt"]
    (remote / "site" / "a.txt").write_text("second a, longer")
    (remote / "b.txt").unlink()
    (remote / "c.txt").write_text("c")
    storage.mirror_inputs(url, tmp_path / "cache")
    assert (local / "site" / "a.txt").read_text() == "second a, longer"
    assert not (local / "b.txt").exists() and (local / "c.txt").read_text() == "c"
    # A new modification time fetches a file again (a new local file); an untouched one stays.
    inodes = {name: (local / name).stat().st_ino for name in ("site/a.txt", "c.txt")}
    os.utime(remote / "c.txt", (1e9, 1e9))
    storage.mirror_inputs(url, tmp_path / "cache")
    assert (local / "site" / "a.txt").stat().st_ino == inodes["site/a.txt"]
    assert (local / "c.txt").stat().st_ino != inodes["c.txt"]
    assert (local / "c.txt").stat().st_mtime == 1e9  # the remote time, for backfills --by mtime

def test_locations_are_urls_or_folders():
    assert storage.is_remote("s3://bucket/raw") and storage.is_remote("file:///data/raw")
    assert not storage.is_remote("raw") and not storage.is_remote("/data/raw") and not storage.is_remote("C:/raw")
