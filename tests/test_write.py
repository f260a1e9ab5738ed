import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from textwash.model.schema import REJECT_SCHEMA, SCHEMA_VERSION, to_table
from textwash.dataset.store import CURRENT, VERSIONS, Dataset, conform, write_parquet_atomic

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


def table_of(*sources: str):
    return to_table([reject(source) for source in sources], REJECT_SCHEMA, "rejects")


def test_a_version_becomes_visible_whole_at_commit_and_debris_is_recovered(tmp_path):
    part = Path("processed_date=2026-01-02") / "part-1.parquet"
    with Dataset(tmp_path).locked() as dataset:
        first = dataset.next_version()
        first.write("rejects", part, table_of("a.txt"))
        assert not (tmp_path / "rejects").exists()  # the link dangles until the first commit
        first.commit()
    assert pq.read_table(tmp_path / "rejects").column("source").to_pylist() == ["a.txt"]

    with Dataset(tmp_path).locked() as dataset:
        second = dataset.next_version()
        second.keep("rejects", part)
        second.write("rejects", part.with_name("part-2.parquet"), table_of("b.txt"))
        # Built but not committed: readers still see the first version only.
        assert pq.read_table(tmp_path / "rejects").column("source").to_pylist() == ["a.txt"]
    # The next holder of the lock removes the uncommitted version.
    with Dataset(tmp_path).locked() as dataset:
        assert [p.name for p in (tmp_path / VERSIONS).iterdir()] == ["00000001"]
        third = dataset.next_version()
        third.write("rejects", part, table_of("c.txt"))
        third.commit()
        assert dataset.files("rejects") == [part]
    assert pq.read_table(tmp_path / "rejects").column("source").to_pylist() == ["c.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", CURRENT, VERSIONS, "documents", "rejects"]


def test_kept_files_are_hard_links_not_copies(tmp_path):
    part = Path("p=1") / "part.parquet"
    with Dataset(tmp_path).locked() as dataset:
        first = dataset.next_version()
        first.write("rejects", part, table_of("a.txt"))
        first.commit()
        second = dataset.next_version()
        second.keep("rejects", part)
        second.commit()
    versions = sorted((tmp_path / VERSIONS).iterdir())
    assert (versions[0] / "rejects" / part).stat().st_ino == (versions[1] / "rejects" / part).stat().st_ino


def test_conform_fills_columns_an_older_schema_lacked():
    old = pa.table({"source": ["a.txt"], "reason": ["empty"]})
    table = conform(old, REJECT_SCHEMA)
    assert table.schema == REJECT_SCHEMA
    assert table.to_pylist()[0]["detail"] is None and table.to_pylist()[0]["source"] == "a.txt"
