"""Big files in ranges: the scan's cuts (JSONL lines, WARC records, gzip members), reading a range
alone, and runs that split a file, resume it after a failure and redo it when it changes."""
from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from textwash.config import RunOptions, Settings
from textwash.dataset.ledger import load_ledger_table
from textwash.dataset.store import LEDGER_FILE, Dataset
from textwash.document import process_batch, process_slices
from textwash.inputs import ranges
from textwash.inputs.formats import read_items, read_range
from textwash.inputs.items import BadItem, Range
from textwash.run.driver import RunHooks, run_dataset, run_in_process
from textwash.run.plan import plan_run

FAST = Settings(extract_timeout=None)
MB = 10 ** 6


def items_of(root: Path, name: str, spans) -> list[str]:
    """The sources of every item read range by range, in order."""
    return [item.source for span in spans
            for item in read_range(root, Range(name, span.start, span.end, span.first_line), MB)]


def whole(root: Path, name: str) -> list[str]:
    return [item.source for item in read_items(root, name, MB)]


def jsonl(count: int, blank_every: int = 0) -> bytes:
    lines = [json.dumps({"url": f"https://example.org/{i}", "text": f"Story {i}. " + "Words of prose here. " * (i % 7 + 1)})
             for i in range(count)]
    if blank_every:
        lines = [line if i % blank_every else "" for i, line in enumerate(lines, start=1)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_jsonl_ranges_cut_at_line_starts_and_each_line_is_read_once(tmp_path, monkeypatch, chunk):
    # A small scan chunk: lines straddle the chunks the scan reads.
    monkeypatch.setattr(ranges, "CHUNK", chunk)
    (tmp_path / "dump.jsonl").write_bytes(jsonl(23, blank_every=5))
    spans = ranges.scan(tmp_path / "dump.jsonl", 4)
    data = (tmp_path / "dump.jsonl").read_bytes()
    assert [s.items for s in spans] == [4, 4, 4, 4, 3]  # documents: a blank line is none
    assert spans[0].start == 0 and spans[-1].end == len(data)
    assert all(a.end == b.start and data[b.start - 1:b.start] == b"\n" for a, b in zip(spans, spans[1:]))
    assert [s.first_line for s in spans] == [1, 5, 10, 15, 20]
    assert items_of(tmp_path, "dump.jsonl", spans) == whole(tmp_path, "dump.jsonl")


def test_a_range_edge_inside_a_line_leaves_the_line_to_the_range_it_starts_in(tmp_path):
    data = jsonl(6)
    (tmp_path / "dump.jsonl").write_bytes(data)
    second = data.index(b"\n") + 1
    middle = second + 10  # inside line 2
    first = list(read_range(tmp_path, Range("dump.jsonl", 0, middle, 1), MB))
    rest = list(read_range(tmp_path, Range("dump.jsonl", middle, len(data), 3), MB))
    assert [i.source for i in first] == ["dump.jsonl#1", "dump.jsonl#2"]
    assert [i.source for i in rest] == [f"dump.jsonl#{n}" for n in range(3, 7)]


def test_a_truncated_last_line_and_an_empty_range(tmp_path):
    data = jsonl(9) + b"\n" * 12 + b'{"text": "cut off'
    (tmp_path / "dump.jsonl").write_bytes(data)
    spans = ranges.scan(tmp_path / "dump.jsonl", 4)
    read = [[(item.source, isinstance(item, BadItem)) for item in
             read_range(tmp_path, Range("dump.jsonl", s.start, s.end, s.first_line), MB)] for s in spans]
    assert read[-1][-1] == ("dump.jsonl#22", True)  # the cut-off line: a reject of the last range
    assert [source for part in read for source, _ in part] == whole(tmp_path, "dump.jsonl")
    blank = Range("dump.jsonl", len(jsonl(9)), len(jsonl(9)) + 12, 10)
    assert list(read_range(tmp_path, blank, MB)) == []  # a range of blank lines holds no item, and says nothing


def test_a_big_file_without_documents_still_gets_its_one_record(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "blank.jsonl").write_bytes(b"\n \n" * 50)
    warc(raw / "requests.warc.gz", 6, compress=True, requests_from=0)
    assert ranges.scan(raw / "blank.jsonl", 4) is None and ranges.scan(raw / "requests.warc.gz", 4) is None
    run_dataset(raw, tmp_path / "out", FAST, RunOptions(split_bytes=1, batch_size=4), report=False)
    rejects = duckdb.sql(f"SELECT source, reason FROM '{tmp_path}/out/rejects/**/*.parquet' ORDER BY source").fetchall()
    assert rejects == [("blank.jsonl", "empty"), ("requests.warc.gz", "empty")]


def test_gzipped_jsonl_is_split_in_its_decompressed_bytes(tmp_path):
    data = jsonl(17)
    (tmp_path / "dump.jsonl.gz").write_bytes(gzip.compress(data))
    spans = ranges.scan(tmp_path / "dump.jsonl.gz", 5)
    assert len(spans) == 4 and spans[-1].end == len(data)
    assert items_of(tmp_path, "dump.jsonl.gz", spans) == whole(tmp_path, "dump.jsonl.gz")
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(data)[:-40])
    assert ranges.scan(tmp_path / "cut.jsonl.gz", 5) is None  # a truncated stream: read whole, as before


def warc(path: Path, pages: int, compress: bool, requests_from: int | None = None) -> bytes:
    """A WARC of `pages` HTML responses (each after its request); past `requests_from`, requests alone."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compress)
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "textwash tests"}))
    for i in range(pages):
        url = f"https://example.org/{i}"
        writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        if requests_from is not None and i >= requests_from:
            continue
        body = f"<html><body><article><p>Page {i}. {'Some words of prose. ' * 20}</p></article></body></html>"
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body.encode()),
                                                      http_headers=headers))
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_ranges_cut_at_record_starts(tmp_path, name):
    data = warc(tmp_path / name, 11, compress=name.endswith(".gz"))
    spans = ranges.scan(tmp_path / name, 3)
    assert [s.items for s in spans] == [3, 3, 3, 2]
    # Each cut is a record start: a gzip member's first bytes, or a WARC header line.
    for span in spans[1:]:
        head = gzip.decompress(data[span.start:])[:8] if name.endswith(".gz") else data[span.start:span.start + 8]
        assert head.startswith(b"WARC/1.")
    assert items_of(tmp_path, name, spans) == whole(tmp_path, name)
    assert len(whole(tmp_path, name)) == 11


def test_a_warc_range_without_responses_is_empty_and_a_truncated_last_member_is_its_range_s_reject(tmp_path):
    warc(tmp_path / "crawl.warc.gz", 12, compress=True, requests_from=6)
    spans = ranges.scan(tmp_path / "crawl.warc.gz", 3)
    read = [[item.source for item in read_range(tmp_path, Range("crawl.warc.gz", s.start, s.end), MB)] for s in spans]
    assert [len(part) for part in read] == [3, 3, 0]  # the requests alone: an empty range
    data = warc(tmp_path / "cut.warc.gz", 7, compress=True)
    (tmp_path / "cut.warc.gz").write_bytes(data[:-20])  # the last response is cut
    spans = ranges.scan(tmp_path / "cut.warc.gz", 3)
    read = [list(read_range(tmp_path, Range("cut.warc.gz", s.start, s.end), MB)) for s in spans]
    assert [len(part) for part in read] == [3, 3, 1]
    assert isinstance(read[-1][-1], BadItem) and read[-1][-1].reason == "broken-warc-record"
    assert [i.source for part in read for i in part] == whole(tmp_path, "cut.warc.gz")


def test_a_damaged_member_stops_the_cuts_and_the_rest_is_one_range(tmp_path):
    data = bytearray(warc(tmp_path / "crawl.warc.gz", 10, compress=True))
    spans = ranges.scan(tmp_path / "crawl.warc.gz", 2)
    at = spans[2].start + 30
    data[at:at + 20] = b"\x00" * 20
    (tmp_path / "crawl.warc.gz").write_bytes(bytes(data))
    damaged = ranges.scan(tmp_path / "crawl.warc.gz", 2)
    # The range before the damaged member runs on to the end of the file.
    assert damaged[:1] == spans[:1] and damaged[1].start == spans[1].start and damaged[1].end == len(data)
    assert len(damaged) == 2
    assert items_of(tmp_path, "crawl.warc.gz", damaged) == whole(tmp_path, "crawl.warc.gz")


def test_slices_give_what_one_pass_gives(tmp_path):
    (tmp_path / "dump.jsonl").write_bytes(jsonl(12))
    one = process_batch(tmp_path, ["dump.jsonl"], dt_now(), FAST)
    sliced = list(process_slices(tmp_path, ["dump.jsonl"], dt_now(), FAST, slice_documents=5))
    assert len(sliced) == 3
    assert [row["source"] for part in sliced for row in part.documents] == [row["source"] for row in one.documents]


def dt_now():
    import datetime as dt
    return dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)


def rows(out: Path) -> list[str]:
    """The sources of the big file's documents and rejects that readers see."""
    return [source for kind in ("documents", "rejects") if (out / kind).exists() for (source,) in duckdb.sql(
        f"select source from read_parquet('{out}/{kind}/**/*.parquet', union_by_name=true) "
        f"where source like 'dump%'").fetchall()]


SPLIT = RunOptions(batch_size=4, split_bytes=1, commit_every=2)


def test_a_run_splits_a_big_file_resumes_after_a_failure_and_redoes_a_changed_file(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "dump.jsonl").write_bytes(jsonl(22, blank_every=6))
    (raw / "small.txt").write_text("A small story about the harbour and its boats.\n" * 3)
    expected = sorted(whole(raw, "dump.jsonl"))
    staged = []

    def dies_in_the_third_part(plan, batches, dataset, raw_dir, settings):
        for staged_batch in run_in_process(plan, batches, dataset, raw_dir, settings):
            staged.append(batches[staged_batch.batch_no])
            if len(staged) == 5:
                raise RuntimeError("machine lost")
            yield staged_batch

    with pytest.raises(RuntimeError, match="machine lost"):
        run_dataset(raw, out, FAST, SPLIT, run_batches=dies_in_the_third_part, report=False)
    ledger = load_ledger_table(Dataset(out).committed_file(LEDGER_FILE)).to_pylist()
    committed = [(row["range_start"], row["range_end"]) for row in ledger if row["source"] == "dump.jsonl"]
    assert len(committed) == 4 and all(start is not None for start, _ in committed)
    done = rows(out)
    assert len(done) == len(set(done)) > 0

    with Dataset(out).locked() as dataset:
        plan = plan_run(raw, dataset, SPLIT)
    assert plan.todo == ["dump.jsonl", "small.txt"] and plan.replacing == {"small.txt"}
    assert all(piece.unit.start >= max(end for _, end in committed) for piece in plan.pieces[:-1])

    progress = {"planned": None, "done": 0}
    hooks = RunHooks(planned=lambda plan, batches: progress.update(planned=plan.documents),
                     batch_done=lambda d, r, planned, size: progress.update(done=progress["done"] + planned))
    summary = run_dataset(raw, out, FAST, SPLIT, hooks=hooks, report=False)
    assert summary["replaced"] == 0 and progress["done"] == progress["planned"]
    assert sorted(rows(out)) == expected and not Counter(rows(out)) - Counter(expected)
    ledger = load_ledger_table(Dataset(out).committed_file(LEDGER_FILE)).to_pylist()
    assert [(row["source"], row["range_start"]) for row in ledger] == [("dump.jsonl", None), ("small.txt", None)]
    assert run_dataset(raw, out, FAST, SPLIT, report=False)["processed"] == 0

    (raw / "dump.jsonl").write_bytes(jsonl(9))  # changed: redone whole, its old records replaced
    summary = run_dataset(raw, out, FAST, SPLIT, report=False)
    assert summary["replaced"] == len(expected)
    assert sorted(rows(out)) == sorted(whole(raw, "dump.jsonl"))
