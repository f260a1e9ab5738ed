"""Throughput of each input format, and the HTML path's output for scoring.

usage: python bench/formats.py PAGES_DIR OUT [--timeout SECONDS]

PAGES_DIR holds NAME.html.gz pages (and, optionally, a sibling text/ folder of NAME.txt dumps of
the same pages). The pages are processed as they are (html), and repacked into one JSONL dump
(jsonl/html) and one gzipped WARC (warc/html) in a temporary folder; each run goes straight
through `process_batch`, without Prefect. The html run's documents land in OUT/html/documents,
ready for an article scorer (the document id is the file name up to its first dot).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import tempfile
import time
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from textwash.config import Settings
from textwash.document import process_batch
from textwash.inputs.discover import discover
from textwash.dataset.store import write_parquet_atomic


def repack(pages: list[Path], folder: Path) -> None:
    """One JSONL dump and one WARC holding `pages`, named after them (id#line, id#record)."""
    with gzip.open(folder / "dump.jsonl.gz", "wt", encoding="utf-8") as jsonl:
        for page in pages:
            html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
            jsonl.write(json.dumps({"url": f"https://example.org/{page.name}", "html": html,
                                    "fetched_at": "2026-01-01T00:00:00Z"}) + "\n")
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for page in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"https://example.org/{page.name}", "response",
                                                      payload=io.BytesIO(gzip.decompress(page.read_bytes())),
                                                      http_headers=headers))
    (folder / "crawl.warc.gz").write_bytes(buffer.getvalue())


def measure(label: str, root: Path, out: Path | None, settings: Settings, content: int | None = None) -> None:
    """Run `root` through process_batch; `content` is the documents' decompressed size if known."""
    sources = discover(root)
    on_disk = sum((root / source).stat().st_size for source in sources)
    content = content or on_disk
    started = time.perf_counter()
    result = process_batch(root, sources, dt.datetime.now(dt.timezone.utc), settings)
    seconds = time.perf_counter() - started
    items = len(result.documents) + len(result.rejects)
    if out is not None:
        write_parquet_atomic(result.documents, "documents", out / "documents" / "part-00000.parquet")
        write_parquet_atomic(result.rejects, "rejects", out / "rejects" / "part-00000.parquet")
    print(f"{label:10s} {len(result.documents):4d} documents {len(result.rejects):3d} rejects  {seconds:6.2f} s  "
          f"{items / seconds:6.1f} docs/s  {on_disk / seconds / 1e6:5.2f} MB/s on disk  "
          f"{content / seconds / 1e6:5.2f} MB/s of documents")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pages", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--timeout", type=float, default=Settings().extract_timeout)
    args = parser.parse_args()
    settings = Settings(extract_timeout=args.timeout or None)
    pages = sorted(args.pages.glob("*.html.gz"))
    text = args.pages.parent / "text"
    if text.is_dir():
        measure("text", text, args.out / "text", settings)
    html_bytes = sum(len(gzip.decompress(page.read_bytes())) for page in pages)
    measure("html", args.pages, args.out / "html", settings, html_bytes)
    with tempfile.TemporaryDirectory() as folder:
        repack(pages, Path(folder))
        for name, label in (("dump.jsonl.gz", "jsonl"), ("crawl.warc.gz", "warc")):
            single = Path(folder) / label
            single.mkdir()
            (Path(folder) / name).rename(single / name)
            measure(label, single, args.out / label, settings, html_bytes)


if __name__ == "__main__":
    main()
