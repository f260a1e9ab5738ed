import datetime as dt

import pyarrow.parquet as pq
import pytest

from textwash.schema import DOCUMENT_SCHEMA, SCHEMA_VERSION
from textwash.write import RunWriter, write_parquet_atomic

NOW = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)


def reject(source: str) -> dict:
    return {"source": source, "source_sha256": None, "size_bytes": 0, "reason": "empty", "detail": "no content",
            "pipeline_version": "test", "processed_at": NOW}


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "rejects" / "part.parquet"
    write_parquet_atomic([reject("a.txt")], "rejects", path)
    assert [p.name for p in path.parent.iterdir()] == ["part.parquet"]
    table = pq.read_table(path)
    assert table.column("source").to_pylist() == ["a.txt"]
    assert table.schema.metadata[b"textwash.schema_version"] == SCHEMA_VERSION.encode()


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "part.parquet"
    write_parquet_atomic([reject("a.txt")], "rejects", path)
    with pytest.raises(Exception):
        write_parquet_atomic([{"source": None}], "rejects", path)  # violates the non-null column
    assert pq.read_table(path).column("source").to_pylist() == ["a.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["part.parquet"]


def test_commit_replaces_the_previous_run_and_abort_keeps_it(tmp_path):
    first = RunWriter(tmp_path, "run-1")
    first.write_batch(0, [], [reject("a.txt")])
    first.commit()
    assert pq.read_table(tmp_path / "rejects").column("source").to_pylist() == ["a.txt"]
    # The run wrote no documents: the dataset still has a readable, empty documents table.
    assert pq.read_table(tmp_path / "documents").schema.equals(DOCUMENT_SCHEMA, check_metadata=False)

    aborted = RunWriter(tmp_path, "run-2")
    aborted.write_batch(0, [], [reject("b.txt")])
    aborted.abort()
    assert pq.read_table(tmp_path / "rejects").column("source").to_pylist() == ["a.txt"]

    second = RunWriter(tmp_path, "run-3")
    second.write_batch(0, [], [reject("c.txt")])
    second.write_batch(1, [], [reject("d.txt")])
    second.commit()
    assert sorted(pq.read_table(tmp_path / "rejects").column("source").to_pylist()) == ["c.txt", "d.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents", "rejects"]
