"""The dataset as a product, through the core runner (no Prefect): incremental runs, the commit,
duplicates across runs, partitions and compaction, types in DuckDB/Polars/pandas, old schema
files, stats."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import threading
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from textwash.cli import app
from textwash.dataset.compact import compact_dataset
from textwash.config import Settings
from textwash.document import process_batch
from textwash.report.figures import summarize
from textwash.config import RunOptions
from textwash.run.commit import commit_run
from textwash.run.driver import run_dataset
from textwash.run.plan import plan_run
from textwash.run.stage import stage_batch
from textwash.model.schema import DOCUMENT_SCHEMA, SCHEMA_VERSION
from textwash.stats import dataset_stats
from textwash.dataset.store import CURRENT, STAGING, Dataset, LayoutError, write_parquet_atomic

TEASERS = "\n".join([
    "Most read",
    "City council approves a new budget for road repairs after months of debate",
    "Three things to know about the weekend weather before you travel",
    "Local school wins a national award for its science programme",
])


def run(raw: Path, out: Path, **options) -> dict:
    return run_dataset(raw, out, Settings(), RunOptions(batch_size=2, **options))


def rows(out: Path, kind: str = "documents") -> list[dict]:
    """What the README's DuckDB recipe returns."""
    relation = duckdb.sql(f"select * from read_parquet('{out}/{kind}/**/*.parquet', hive_partitioning=true, "
                          f"union_by_name=true) order by source")
    return [dict(zip(relation.columns, values)) for values in relation.fetchall()]


def files_state(out: Path) -> dict[str, tuple[int, int]]:
    """Every file under `out` with its inode and modification time: a rewrite changes one."""
    return {str(p.relative_to(out)): (p.lstat().st_ino, p.lstat().st_mtime_ns) for p in out.rglob("*")}


@pytest.fixture
def raw(tmp_path, sample_paths) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    for path in sample_paths:
        shutil.copy(path, folder / path.name)
    (folder / "empty.txt").write_bytes(b"")
    return folder


def changed_paragraph(text: str) -> str:
    """The text with its longest paragraph replaced by a different one."""
    paragraphs = text.split("\n\n")
    longest = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
    paragraphs[longest] = ("In a separate development on Tuesday, officials said a review of the programme would "
                           "be published next month, and that its findings would be shared with the public.")
    return "\n\n".join(paragraphs)


def extra_boilerplate(text: str) -> str:
    """The text with page chrome and a block of unrelated teasers added."""
    lines = text.split("\n")
    middle = len(lines) // 2
    chrome = ["Advertisement", "Share this article", "Sign up for our daily newsletter"]
    return "\n".join(lines[:middle] + chrome + lines[middle:] + ["", TEASERS])


def test_first_run_writes_every_input_once_in_hive_partitions(raw, tmp_path):
    out = tmp_path / "out"
    summary = run(raw, out)
    assert (summary["inputs"], summary["processed"], summary["documents"], summary["rejects"]) == (6, 6, 5, 1)
    documents, rejects = rows(out), rows(out, "rejects")
    assert [r["source"] for r in documents] == sorted(p.name for p in raw.glob("0*.txt"))
    assert [(r["source"], r["reason"]) for r in rejects] == [("empty.txt", "empty")]
    today = documents[0]["processed_at"].date()
    assert {r["processed_date"] for r in documents + rejects} == {today}
    assert all(p.parent.name == f"processed_date={today}" for p in (out / "documents").rglob("*.parquet"))


def test_rerun_on_unchanged_raw_processes_nothing_and_rewrites_nothing(raw, tmp_path):
    out = tmp_path / "out"
    run(raw, out)
    before = files_state(out)
    summary = run(raw, out)
    assert (summary["processed"], summary["unchanged"], summary["files_written"], summary["committed"]) == (0, 6, 0, False)
    assert files_state(out) == before


def test_a_changed_input_replaces_its_record_and_reprocess_redoes_all(raw, tmp_path):
    out = tmp_path / "out"
    run(raw, out)
    first = {r["source"]: r for r in rows(out)}
    target = raw / "003_a27e626ff12f024e.txt"
    target.write_text(changed_paragraph(target.read_text(encoding="utf-8")), encoding="utf-8")
    (raw / "empty.txt").write_text("Now it has words, but not enough to be an article? It has a few.\n" * 4)

    summary = run(raw, out, max_rows_per_file=2)
    assert (summary["processed"], summary["replaced"]) == (2, 2)
    second = {r["source"]: r for r in rows(out)}
    assert sorted(second) == sorted(p.name for p in raw.iterdir())  # the former reject is now a document
    assert rows(out, "rejects") == []
    assert second[target.name]["doc_id"] != first[target.name]["doc_id"]
    unchanged = "000_1c1cab889e26c371.txt"
    assert second[unchanged]["doc_id"] == first[unchanged]["doc_id"]
    assert second[unchanged]["processed_at"] == first[unchanged]["processed_at"]

    summary = run(raw, out, reprocess=True)
    assert (summary["processed"], summary["replaced"]) == (6, 6)
    assert [r["source"] for r in rows(out)] == sorted(second)


def test_a_crashed_run_stays_invisible_and_the_next_run_cleans_up(raw, tmp_path):
    out = tmp_path / "out"
    run(raw, out)
    (raw / "new.txt").write_text((raw / "000_1c1cab889e26c371.txt").read_text(encoding="utf-8") + "\nA new ending.\n")
    options = RunOptions()
    with Dataset(out).locked() as dataset:
        plan = plan_run(raw, dataset, options)
        stage_batch(dataset, plan.run_id, raw, plan.processed_at, 0, plan.todo)
        dataset.next_version()  # a version folder half built when the "crash" happens
        # No commit: readers still see exactly the previous run.
        assert len(rows(out)) == 5
        assert (out / STAGING).exists() and (out / "documents").resolve().name == "documents"
    assert "new.txt" not in {r["source"] for r in rows(out)}
    summary = run(raw, out)
    assert summary["processed"] == 1
    assert not (out / STAGING).exists()
    assert [p.name for p in (out / "_versions").iterdir()] == sorted(p.name for p in (out / "_versions").iterdir())
    assert len(list((out / "_versions").iterdir())) == 2  # the committed version and the one before


def test_near_duplicates_of_samples_are_flagged_across_runs(raw, tmp_path):
    out = tmp_path / "out"
    run(raw, out)
    originals = {r["source"]: r["doc_id"] for r in rows(out)}
    assert all(r["duplicate_of"] is None for r in rows(out))  # the five samples are distinct

    copies = {
        "x_changed_paragraph.txt": ("003_a27e626ff12f024e.txt", changed_paragraph),
        "x_extra_boilerplate.txt": ("001_5b8d35a68a46f823.txt", extra_boilerplate),
        "x_exact_copy.txt": ("002_f7e0934300db9242.txt", lambda text: text),
    }
    for name, (original, edit) in copies.items():
        (raw / name).write_text(edit((raw / original).read_text(encoding="utf-8")), encoding="utf-8")
    summary = run(raw, out)
    assert (summary["processed"], summary["duplicates"]) == (3, 3)
    flagged = {r["source"]: r for r in rows(out)}
    for name, (original, _) in copies.items():
        assert flagged[name]["duplicate_of"] == originals[original], name
    assert flagged["x_changed_paragraph.txt"]["content_sha256"] != flagged["003_a27e626ff12f024e.txt"]["content_sha256"]
    # The extra chrome may or may not survive cleaning (exact or near duplicate): flagged either way.
    assert flagged["x_exact_copy.txt"]["content_sha256"] == flagged["002_f7e0934300db9242.txt"]["content_sha256"]
    duplicates = dataset_stats(out)["duplicates"]
    assert duplicates["exact"] + duplicates["near"] == 3 and duplicates["near"] >= 1


def test_a_stricter_threshold_keeps_the_changed_paragraph_apart(raw, tmp_path):
    out = tmp_path / "out"
    (raw / "x_changed_paragraph.txt").write_text(
        changed_paragraph((raw / "003_a27e626ff12f024e.txt").read_text(encoding="utf-8")), encoding="utf-8")
    run(raw, out, near_duplicate_threshold=0.99)
    assert all(r["duplicate_of"] is None for r in rows(out))


def test_drop_duplicates_keeps_them_out_of_documents_as_rejects(raw, tmp_path):
    out = tmp_path / "out"
    shutil.copy(raw / "002_f7e0934300db9242.txt", raw / "copy.txt")
    summary = run(raw, out, drop_duplicates=True)
    assert (summary["documents"], summary["rejects"], summary["duplicates"]) == (5, 2, 1)
    assert "copy.txt" not in {r["source"] for r in rows(out)}
    original = next(r["doc_id"] for r in rows(out) if r["source"] == "002_f7e0934300db9242.txt")
    duplicate = next(r for r in rows(out, "rejects") if r["source"] == "copy.txt")
    assert (duplicate["reason"], duplicate["detail"]) == ("duplicate", f"duplicate of {original}")


def test_files_hold_at_most_the_row_bound_and_compact_merges_them_unchanged(raw, tmp_path):
    out = tmp_path / "out"
    for number in range(4):  # four runs of two new inputs each: many small files
        for copy in range(2):
            source = raw / "001_5b8d35a68a46f823.txt"
            (raw / f"n{number}{copy}.txt").write_text(f"Edition {number}.{copy}\n\n" + source.read_text(encoding="utf-8"))
        run(raw, out, max_rows_per_file=2)
    files = list((out / "documents").rglob("*.parquet"))
    assert len(files) >= 7 and all(pq.read_metadata(f).num_rows <= 2 for f in files)
    before = {kind: rows(out, kind) for kind in ("documents", "rejects")}

    summary = compact_dataset(out, max_rows_per_file=10)
    assert summary["committed"] and summary["files_after"] < summary["files_before"]
    merged = list((out / "documents").rglob("*.parquet"))
    assert sorted(pq.read_metadata(f).num_rows for f in merged) == [3, 10]
    assert {kind: rows(out, kind) for kind in ("documents", "rejects")} == before
    assert compact_dataset(out, max_rows_per_file=10)["committed"] is False  # already compact
    assert run(raw, out)["processed"] == 0  # the ledger survived compaction


def test_partition_by_a_document_column(raw, tmp_path):
    out = tmp_path / "out"
    run(raw, out, partition_by="language")
    assert sorted(p.name for p in (out / "documents").iterdir()) == ["language=en"]
    assert [r["language"] for r in rows(out)] == ["en"] * 5
    with pytest.raises(ValueError, match="cannot partition"):
        RunOptions(partition_by="no_such_column")


def test_types_in_duckdb_polars_and_pandas(raw, tmp_path):
    out = tmp_path / "out"
    run(raw, out)
    described = duckdb.sql(f"describe select * from read_parquet('{out}/documents/**/*.parquet', hive_partitioning=true)")
    types = {row[0]: row[1] for row in described.fetchall()}
    assert types["published"] == "DATE"
    assert types["authors"] == "VARCHAR[]"
    assert types["processed_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["removed"] == 'STRUCT("text" VARCHAR, reason VARCHAR, paragraph INTEGER)[]'
    assert types["duplicate_of"] == "VARCHAR"
    assert types["processed_date"] == "DATE"

    frame = pl.read_parquet(f"{out}/documents/**/*.parquet", hive_partitioning=True)
    assert frame.schema["published"] == pl.Date
    assert frame.schema["authors"] == pl.List(pl.String)
    assert frame.schema["processed_at"] == pl.Datetime("us", "UTC")
    assert frame.schema["removed"] == pl.List(pl.Struct({"text": pl.String, "reason": pl.String, "paragraph": pl.Int32}))
    assert frame.filter(pl.col("source") == "002_f7e0934300db9242.txt")["published"][0] == dt.date(2018, 1, 10)

    pandas = pd.read_parquet(out / "documents")
    assert str(pandas["processed_at"].dtype) == "datetime64[us, UTC]"
    assert len(pandas) == 5 and isinstance(pandas["authors"].iloc[0].tolist(), list)
    for path in (out / "documents").rglob("*.parquet"):
        assert pq.read_schema(path).metadata[b"textwash.schema_version"] == SCHEMA_VERSION.encode()


# The columns schema versions added, for the tests of older files.
ADDED_IN = {"3": ["duplicate_of"], "4": ["clean_confidence"], "5": ["metadata_sources"]}


def write_as_schema(path: Path, version: str) -> None:
    """Rewrite a committed file as textwash schema `version` wrote it: without the columns later
    versions added."""
    later = [column for added, columns in ADDED_IN.items() if added > version for column in columns]
    table = pq.read_table(path).drop_columns(later)
    metadata = {**table.schema.metadata, b"textwash.schema_version": version.encode()}
    path.unlink()  # a hard link shared with the previous version: replace, don't overwrite
    pq.write_table(table.replace_schema_metadata(metadata), path)


def test_files_of_schema_version_1_stay_readable_and_compact_upgrades_them(raw, tmp_path):
    out = tmp_path / "out"
    run(raw, out)
    (old,) = (out / CURRENT / "documents").rglob("*.parquet")
    write_as_schema(old, "1")
    (raw / "new.txt").write_text("Edition two\n\n" + (raw / "000_1c1cab889e26c371.txt").read_text(encoding="utf-8"))
    run(raw, out)  # a current file beside the schema-1 one

    documents = rows(out)  # DuckDB with union_by_name: the missing column reads as null
    assert len(documents) == 6 and documents[0]["duplicate_of"] is None
    assert Dataset(out).read("documents").schema == DOCUMENT_SCHEMA
    assert dataset_stats(out)["documents"] == 6
    frames = [pl.read_parquet(p) for p in sorted((out / "documents").rglob("*.parquet"))]
    assert pl.concat(frames, how="diagonal").height == 6

    (raw / "000_1c1cab889e26c371.txt").write_text("Changed\n\n" + (raw / "002_f7e0934300db9242.txt").read_text())
    assert run(raw, out)["replaced"] == 1  # replacing a record inside a schema-1 file
    assert compact_dataset(out)["committed"]
    versions = {pq.read_schema(p).metadata[b"textwash.schema_version"] for p in (out / "documents").rglob("*.parquet")}
    assert versions == {SCHEMA_VERSION.encode()}
    plain = duckdb.sql(f"select count(*) from read_parquet('{out}/documents/**/*.parquet')").fetchall()
    assert plain == [(6,)]


def test_files_of_schema_version_3_read_as_not_judged_beside_version_4(raw, tmp_path, judged_pages):
    """Confidence came with version 4: an older file's documents read as null (not judged, not
    low) in DuckDB, stats, show and the report, next to a judged one; compact writes them as nulls."""
    out = tmp_path / "out"
    run(raw, out)
    (old,) = (out / CURRENT / "documents").rglob("*.parquet")
    write_as_schema(old, "3")
    (raw / "new.txt").write_text("Edition two\n\n" + (raw / "000_1c1cab889e26c371.txt").read_text(encoding="utf-8"))
    judged_pages["new.txt"] = 0.2
    run(raw, out)  # a schema-4 file beside the schema-3 one, in the same partition

    confidence = {row["source"]: row["clean_confidence"] for row in rows(out)}
    assert len(confidence) == 6 and confidence.pop("new.txt") == 0.2 and set(confidence.values()) == {None}
    assert Dataset(out).read("documents").schema == DOCUMENT_SCHEMA
    figures = dataset_stats(out)["confidence"]
    assert (figures["low"], figures["judged"], figures["lowest"]) == (1, 1, [("new.txt", 0.2)])
    shown = CliRunner().invoke(app, ["show", str(out), "--source", "new.txt"])
    assert shown.exit_code == 0 and "confidence 0.2 (low)" in shown.output
    shown = CliRunner().invoke(app, ["show", str(out), "--source", "000_"])
    assert shown.exit_code == 0 and "confidence n/a" in shown.output
    overview, _, _ = summarize(out)
    assert (overview.documents, overview.judged, overview.low_confidence) == (6, 1, 1)

    assert compact_dataset(out)["committed"]
    versions = {pq.read_schema(p).metadata[b"textwash.schema_version"] for p in (out / "documents").rglob("*.parquet")}
    assert versions == {SCHEMA_VERSION.encode()}
    plain = duckdb.sql(f"select source, clean_confidence from read_parquet('{out}/documents/**/*.parquet') "
                       f"where clean_confidence is not null").fetchall()
    assert plain == [("new.txt", 0.2)]


def test_files_of_schema_version_4_read_without_metadata_sources_beside_version_5(raw, tmp_path):
    """metadata_sources came with version 5: an older file's documents read as null (not recorded,
    unlike an empty map: nothing found) in DuckDB, Polars and our reader; compact keeps them null, and
    pandas reads the compacted folder."""
    out = tmp_path / "out"
    run(raw, out)
    (old,) = (out / CURRENT / "documents").rglob("*.parquet")
    write_as_schema(old, "4")
    (raw / "new.txt").write_text("Edition two\n\n" + (raw / "000_1c1cab889e26c371.txt").read_text(encoding="utf-8"))
    run(raw, out)  # a schema-5 file beside the schema-4 one

    sources = {row["source"]: row["metadata_sources"] for row in rows(out)}
    new = sources.pop("new.txt")
    assert len(sources) == 5 and set(map(str, sources.values())) == {"None"}
    assert dict(new)["title"] == "text" and dict(new)["language"] == "langid"
    table = Dataset(out).read("documents")
    assert table.schema == DOCUMENT_SCHEMA and table["metadata_sources"].null_count == 5
    frames = [pl.read_parquet(p) for p in sorted((out / "documents").rglob("*.parquet"))]
    assert pl.concat(frames, how="diagonal")["metadata_sources"].null_count() == 5
    title_source = duckdb.sql(f"select metadata_sources['title'] from read_parquet('{out}/documents/**/*.parquet', "
                              f"union_by_name=true) where metadata_sources is not null").fetchall()
    assert title_source == [("text",)]

    assert compact_dataset(out)["committed"]  # one version again: the plain recipes read it
    assert Dataset(out).read("documents")["metadata_sources"].null_count == 5
    frame = pd.read_parquet(out / "documents", columns=["source", "metadata_sources"]).set_index("source")
    assert frame["metadata_sources"].isna().sum() == 5 and dict(frame.loc["new.txt", "metadata_sources"])["title"] == "text"


def test_stats_counts_languages_reasons_and_rejects(raw, tmp_path):
    out = tmp_path / "out"
    shutil.copy(raw / "004_9c9b8e055c92b0cf.txt", raw / "copy.txt")
    run(raw, out)
    figures = dataset_stats(out)
    assert (figures["inputs"], figures["documents"], figures["rejects"], figures["runs"]) == (7, 6, 1, 1)
    assert figures["languages"] == [("en", 6)]
    assert figures["rejects_by_reason"] == [("empty", 1)]
    assert figures["duplicates"] == {"exact": 1, "near": 0}
    assert sum(count for _, count in figures["sites"]) == 6
    reasons = dict(figures["removal_reasons"])
    assert reasons["after end of article (republication or origin note)"] >= 18


def test_the_layout_before_versions_is_adopted_and_its_records_replaced(raw, tmp_path):
    out = tmp_path / "out"
    old = process_batch(raw, sorted(p.name for p in raw.iterdir()), dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc))
    old.documents.append({**old.documents[0], "source": "gone.txt", "doc_id": "gone"})  # no longer in raw
    write_parquet_atomic(old.documents, "documents", out / "documents" / "part-00000.parquet")
    write_parquet_atomic(old.rejects, "rejects", out / "rejects" / "part-00000.parquet")
    write_as_schema(out / "documents" / "part-00000.parquet", "1")
    (out / ".staging" / "run-1").mkdir(parents=True)

    summary = run(raw, out)
    assert (summary["processed"], summary["replaced"]) == (6, 6)  # no ledger yet: everything once more
    assert (out / "documents").is_symlink() and not (out / ".staging").exists()
    documents = rows(out)
    assert [r["source"] for r in documents] == sorted([p.name for p in raw.glob("0*.txt")] + ["gone.txt"])
    assert {r["processed_date"] for r in documents} == {dt.date(2026, 1, 2), dt.datetime.now(dt.timezone.utc).date()}
    assert [r["source"] for r in rows(out, "rejects")] == ["empty.txt"]
    assert run(raw, out)["processed"] == 0


def test_a_plain_folder_holding_other_files_is_refused_not_touched(tmp_path, raw):
    out = tmp_path / "out"
    (out / "documents").mkdir(parents=True)
    (out / "documents" / "notes.txt").write_bytes(b"mine")
    with pytest.raises(LayoutError, match="more than textwash files"):
        run(raw, out)
    assert (out / "documents" / "notes.txt").read_bytes() == b"mine"


def test_commit_needs_every_planned_input_staged(raw, tmp_path):
    out = tmp_path / "out"
    with Dataset(out).locked() as dataset:
        plan = plan_run(raw, dataset, RunOptions())
        stage_batch(dataset, plan.run_id, raw, plan.processed_at, 0, plan.todo[:2])
        with pytest.raises(RuntimeError, match="no staged record"):
            commit_run(dataset, plan, RunOptions())
    assert rows_count(out) == 0


def rows_count(out: Path) -> int:
    return Dataset(out).read("documents", ["source"]).num_rows if (out / CURRENT).exists() else 0


def test_empty_kinds_still_have_a_readable_file(tmp_path, sample_paths):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(sample_paths[0], raw / sample_paths[0].name)
    out = tmp_path / "out"
    run(raw, out)
    assert duckdb.sql(f"select count(*) from read_parquet('{out}/rejects/**/*.parquet')").fetchall() == [(0,)]
    table = pa.concat_tables(pq.read_table(p) for p in (out / "rejects").rglob("*.parquet"))
    assert table.num_rows == 0


def test_a_second_run_waits_for_the_lock_then_finds_nothing_to_do(raw, tmp_path):
    out = tmp_path / "out"
    results = []
    with Dataset(out).locked():
        first = threading.Thread(target=lambda: results.append(run(raw, out)))
        first.start()
        first.join(timeout=1.0)
        assert first.is_alive() and not (out / CURRENT).exists()  # blocked while the lock is held
    first.join()
    second = run(raw, out)
    assert [r["processed"] for r in results + [second]] == [6, 0]


def test_duplicates_of_a_replaced_original_are_flagged_again(raw, tmp_path):
    out = tmp_path / "out"
    original = raw / "002_f7e0934300db9242.txt"
    (raw / "copy1.txt").write_text(original.read_text(encoding="utf-8") + "\nOne more closing sentence for it.\n")
    shutil.copy(original, raw / "copy2.txt")
    run(raw, out)
    first = {r["source"]: r for r in rows(out)}
    assert first["copy1.txt"]["duplicate_of"] == first["copy2.txt"]["duplicate_of"] == first[original.name]["doc_id"]

    shutil.copy(raw / "000_1c1cab889e26c371.txt", original)  # the original now holds another article
    summary = run(raw, out)
    assert (summary["processed"], summary["replaced"], summary["reflagged"]) == (1, 1, 2)
    second = {r["source"]: r for r in rows(out)}
    assert sorted(second) == sorted(first)
    assert second[original.name]["duplicate_of"] == second["000_1c1cab889e26c371.txt"]["doc_id"]
    assert second["copy1.txt"]["duplicate_of"] is None  # the first seen of its group now
    assert second["copy2.txt"]["duplicate_of"] == second["copy1.txt"]["doc_id"]
    assert second["copy1.txt"]["processed_at"] == first["copy1.txt"]["processed_at"]  # moved, not reprocessed
    assert run(raw, out)["processed"] == 0


def test_a_jsonl_dump_is_one_ledger_input_and_a_changed_dump_replaces_its_items(tmp_path, sample_paths):
    import json

    folder = tmp_path / "raw"
    folder.mkdir()
    lines = [json.dumps({"url": f"https://example.org/{i}", "text": p.read_text(encoding="utf-8")})
             for i, p in enumerate(sample_paths[:3])]
    dump = folder / "dump.jsonl"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    first = run(folder, out)
    assert (first["processed"], first["documents"]) == (1, 3)
    again = run(folder, out)
    assert (again["processed"], again["committed"]) == (0, False)

    dump.write_text("\n".join(lines[:2]) + "\n{broken\n", encoding="utf-8")
    changed = run(folder, out)
    assert changed["replaced"] == 3
    assert [row["source"] for row in rows(out)] == ["dump.jsonl#1", "dump.jsonl#2"]
    assert [(row["source"], row["reason"]) for row in rows(out, "rejects")] == [("dump.jsonl#3", "bad-record")]


def test_the_ledger_picks_new_changed_and_other_version_inputs():
    from textwash import __version__
    from textwash.dataset.ledger import LedgerEntry, inputs_to_process, ledger_table, updated_ledger

    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

    def entry(source: str, sha: str | None, version: str = __version__) -> LedgerEntry:
        return LedgerEntry(source, sha, version, "documents", f"id-{source}", "run", now)

    ledger = ledger_table([entry("same.txt", "a"), entry("changed.txt", "b"), entry("old.txt", "c", "0.0.0"),
                           entry("unreadable.txt", None)])
    hashes = {"same.txt": "a", "changed.txt": "b2", "old.txt": "c", "new.txt": "d", "unreadable.txt": None}
    # An input that stays unreadable is not retried on every run; it is once its bytes can be read.
    assert inputs_to_process(hashes, ledger) == ["changed.txt", "new.txt", "old.txt"]
    assert inputs_to_process({**hashes, "unreadable.txt": "e"}, ledger) == [
        "changed.txt", "new.txt", "old.txt", "unreadable.txt"]
    assert inputs_to_process(hashes, ledger, reprocess=True) == sorted(hashes)
    updated = updated_ledger(ledger, ledger_table([entry("new.txt", "d"), entry("changed.txt", "b2")]))
    assert updated["source"].to_pylist() == ["changed.txt", "new.txt", "old.txt", "same.txt", "unreadable.txt"]
    assert updated["source_sha256"].to_pylist()[:2] == ["b2", "d"]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_every_file_a_run_writes_has_the_mode_of_the_umask(raw, tmp_path, umask):
    """Data files, state, the site-template cache and the report pages alike: 0644 under umask 022,
    0640 under 027 (a temporary file made private would keep 0600 through its rename)."""
    previous = os.umask(umask)
    try:
        run(raw, tmp_path / "out")
        first = sorted(raw.glob("0*.txt"))[0]
        (raw / "more.txt").write_text(changed_paragraph(first.read_text(encoding="utf-8")), encoding="utf-8")
        run(raw, tmp_path / "out")  # a second run rewrites the cache and the report
    finally:
        os.umask(previous)
    written = {path.relative_to(tmp_path / "out").as_posix(): stat.S_IMODE(path.lstat().st_mode)
               for path in (tmp_path / "out").rglob("*") if path.is_file() and not path.is_symlink()}
    assert {"report/index.html", "site-templates.json", ".lock"} <= set(written)
    assert {name.rsplit("/", 1)[-1] for name in written} >= {"ledger.parquet", "dedup.parquet", "inputs.json"}
    assert {name: oct(mode) for name, mode in written.items() if mode != 0o666 & ~umask} == {}


def test_a_worker_that_cannot_see_a_folder_fails_its_batch_naming_the_path_and_itself(raw, tmp_path):
    import socket

    from textwash.run.stage import LocationUnreachable

    dataset = Dataset(tmp_path / "out")
    (tmp_path / "out").mkdir()
    now = dt.datetime.now(dt.timezone.utc)
    for raw_root, out in ((tmp_path / "not-mounted", tmp_path / "out"), (raw, tmp_path / "gone")):
        with pytest.raises(LocationUnreachable) as failure:
            stage_batch(Dataset(out), "run", raw_root, now, 0, sorted(p.name for p in raw.glob("*.txt")))
        missing = raw_root if raw_root != raw else out
        message = str(failure.value)
        assert str(missing) in message and socket.gethostname() in message and f"pid {os.getpid()}" in message
    assert not (tmp_path / "out" / STAGING).exists()  # not a reject per input: nothing staged
    assert dataset.current is None
