"""Each input format on real pages: HTML, .txt and .html with sidecars, JSONL dumps and WARC
archives written here from the sample pages, gzip of them, and their damaged forms."""
import datetime as dt
import gzip
import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import DATA, fold
from textwash.config import Settings
from textwash.document import process_batch
from textwash.inputs.discover import discover

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
HTML_DIR = DATA / "html"
TRUTH = json.loads((HTML_DIR / "truth.json").read_text(encoding="utf-8"))
AUDI = "3cb22bfabed8de715c0813a7bb5052363c96bd71ccce3bb2dfb3ab9d1d7a9bbc"  # English news
COMWRAP = "ba07d1e64775f4090e39116c382111f5a2cfe9528dd179673f4e9bfcea370c15"  # German blog post
JARAGUA = "f6ac15a4d98511396da23e4428deb5605422b1c8bbc8284e771f6896bdccf57f"  # Portuguese local news
EUROPA = "14cc2a0ca59c62a8c9f205a171e9ccf4ef4cf69b0c642f51c8c65c051b39024f"  # republished article
# In-process extraction keeps these tests fast; the capped worker has its own tests.
FAST = Settings(extract_timeout=None)


def page_html(page_id: str) -> bytes:
    return gzip.decompress((HTML_DIR / f"{page_id}.html.gz").read_bytes())


def paragraphs(text: str) -> list[str]:
    return [fold(p) for p in text.split("\n\n") if p.strip()]


def run(root, sources=None, settings=FAST):
    result = process_batch(root, discover(root) if sources is None else sources, NOW, settings)
    return {row["source"]: row for row in result.documents}, {row["source"]: row for row in result.rejects}


def assert_article(row, page_id):
    """The true body's paragraphs are all in the text, and the text holds little else."""
    truth = paragraphs(TRUTH[page_id]["body"])
    text = fold(row["text"])
    # The text-level header reader must not take the first paragraphs for title or standfirst.
    assert truth[0] in paragraphs(row["text"])
    found = [p for p in truth if p in text]
    assert len(found) >= 0.9 * len(truth), (page_id, [p for p in truth if p not in text][:3])
    assert len(text) <= 1.2 * len(fold(TRUTH[page_id]["body"]))


def test_html_pages_give_article_text_and_page_metadata(tmp_path):
    for page_id in TRUTH:
        (tmp_path / f"{page_id}.html.gz").write_bytes((HTML_DIR / f"{page_id}.html.gz").read_bytes())
    documents, rejects = run(tmp_path)
    assert rejects == {}
    for page_id in TRUTH:
        row = documents[f"{page_id}.html.gz"]
        assert_article(row, page_id)
        assert row["source_format"] == "html" and row["fetched_at"] is None
        assert urlsplit(row["url"]).path == urlsplit(TRUTH[page_id]["url"]).path  # the page's canonical link
    audi = documents[f"{AUDI}.html.gz"]
    assert audi["title"] == "2020 Audi e-tron Sportback revealed as electric 4-door coupe"
    assert audi["authors"] == ["Chris Davies"] and audi["publisher"] == "SlashGear"
    assert audi["published"] == dt.date(2019, 11, 20)
    assert "LA Auto Show 2019" in audi["tags"] and audi["language"] == "en"
    comwrap = documents[f"{COMWRAP}.html.gz"]
    assert comwrap["language"] == "de" and comwrap["published"] == dt.date(2018, 7, 30)
    europa = documents[f"{EUROPA}.html.gz"]
    # The text cleaner still runs on trafilatura's output: the republication note leaves.
    assert "originally published by" not in europa["text"]
    assert any(cut["reason"] == "republication or origin note" for cut in europa["removed"])
    jaragua = documents[f"{JARAGUA}.html.gz"]
    # trafilatura keeps this headline in the text; as a repeat of the page title it leaves as the title.
    assert jaragua["title"] == "Atendimento Domiciliar registra arrombamento em veículos"
    assert not jaragua["text"].startswith("Atendimento Domiciliar")
    assert jaragua["language"] == "pt"
    assert "nasa" in europa["tags"] and len(europa["tags"]) > 5  # one comma-joined keyword string, split


def test_text_and_html_with_sidecars(tmp_path, sample_paths):
    sample = sample_paths[0]
    (tmp_path / "story.txt").write_bytes(sample.read_bytes())
    (tmp_path / "story.json").write_text(json.dumps(
        {"url": "https://example.org/story", "fetched_at": "2025-03-04T05:06:07+02:00", "title": "Scraper title"}))
    (tmp_path / "page.html").write_bytes(page_html(AUDI))
    (tmp_path / "page.json").write_text(json.dumps({"url": "https://example.org/audi", "fetched_at": 1700000000}))
    (tmp_path / "lonely.json").write_text("{}")  # no document of that name: an input of its own
    assert discover(tmp_path) == ["lonely.json", "page.html", "story.txt"]
    documents, rejects = run(tmp_path, ["page.html", "story.txt"])
    plain, _ = run(sample.parent, [sample.name])
    story = documents["story.txt"]
    assert story["text"] == plain[sample.name]["text"]
    assert story["url"] == "https://example.org/story" and story["source_format"] == "text"
    assert story["fetched_at"] == dt.datetime(2025, 3, 4, 3, 6, 7, tzinfo=dt.timezone.utc)
    assert story["title"] == "Scraper title"  # the scraper's title outranks the text-level guess
    page = documents["page.html"]
    assert page["url"] == "https://example.org/audi"  # the URL it was fetched from, not the canonical one
    assert page["fetched_at"] == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)
    assert page["title"].startswith("2020 Audi e-tron Sportback")


def test_bad_sidecar_is_a_reject(tmp_path, sample_paths):
    (tmp_path / "story.txt").write_bytes(sample_paths[0].read_bytes())
    (tmp_path / "story.json").write_text('{"fetched_at": "last tuesday"}')
    documents, rejects = run(tmp_path)
    assert documents == {} and rejects["story.txt"]["reason"] == "bad-sidecar"


def jsonl_lines(sample_paths) -> list[bytes]:
    return [
        json.dumps({"url": "https://example.org/a", "text": sample_paths[1].read_text(encoding="utf-8"),
                    "fetched_at": "2024-05-06T07:08:09Z", "title": "A"}).encode(),
        b"",  # blank lines are no records
        json.dumps({"url": TRUTH[COMWRAP]["url"], "html": page_html(COMWRAP).decode("utf-8")}).encode(),
        b'{"url": "https://example.org/broken", "text": "cut off in the mid',
        b'["an array"]',
        json.dumps({"url": "https://example.org/empty", "text": "   "}).encode(),
        json.dumps({"url": "https://example.org/when", "text": "x", "fetched_at": "soon"}).encode(),
        json.dumps({"text": sample_paths[2].read_text(encoding="utf-8"), "fetched_at": 1714979289}).encode(),
    ]


@pytest.mark.parametrize("name", ["dump.jsonl", "dump.jsonl.gz"])
def test_jsonl_dump_one_document_per_line(tmp_path, sample_paths, name):
    data = b"\n".join(jsonl_lines(sample_paths)) + b"\n"
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    documents, rejects = run(tmp_path)
    assert sorted(documents) == [f"{name}#1", f"{name}#3", f"{name}#8"]
    assert {source: row["reason"] for source, row in rejects.items()} == {
        f"{name}#4": "bad-record", f"{name}#5": "bad-record", f"{name}#6": "bad-record", f"{name}#7": "bad-record"}
    assert "JSONDecodeError" in rejects[f"{name}#4"]["detail"]
    assert "not an object" in rejects[f"{name}#5"]["detail"]
    assert rejects[f"{name}#4"]["size_bytes"] > 0
    first, html, last = documents[f"{name}#1"], documents[f"{name}#3"], documents[f"{name}#8"]
    assert first["source_format"] == "jsonl/text" and first["url"] == "https://example.org/a"
    assert first["fetched_at"] == dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    plain, _ = run(sample_paths[1].parent, [sample_paths[1].name])
    assert first["text"] == plain[sample_paths[1].name]["text"]
    assert html["source_format"] == "jsonl/html"
    assert_article(html, COMWRAP)
    assert last["fetched_at"] == dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc) and last["url"] is None


def test_truncated_gzip_keeps_what_came_before(tmp_path, sample_paths):
    whole = gzip.compress(b"\n".join(jsonl_lines(sample_paths)[:3]) + b"\n" + b"x" * 100_000)
    (tmp_path / "dump.jsonl.gz").write_bytes(whole[: len(whole) - 200])
    (tmp_path / "page.html.gz").write_bytes((HTML_DIR / f"{AUDI}.html.gz").read_bytes()[:3000])
    documents, rejects = run(tmp_path)
    assert sorted(documents) == ["dump.jsonl.gz#1", "dump.jsonl.gz#3"]
    assert rejects["dump.jsonl.gz"]["reason"] == "truncated-gzip"
    assert rejects["page.html.gz"]["reason"] == "truncated-gzip"


def write_warc(path: Path, records: list[tuple[str, bytes, str, str]], compress: bool) -> bytes:
    """A WARC of (url, body, content type, HTTP status) responses, each with its request."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compress)
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "textwash tests"}))
    for url, body, content_type, status in records:
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def warc_pages():
    return [
        ("https://example.org/audi", page_html(AUDI), "text/html; charset=utf-8", "200 OK"),
        ("https://example.org/logo.png", b"\x89PNG\r\n", "image/png", "200 OK"),
        ("https://example.org/gone", b"<html></html>", "text/html", "404 Not Found"),
        ("https://example.org/europa", page_html(EUROPA), "text/html", "200 OK"),
    ]


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_responses_become_documents(tmp_path, name):
    write_warc(tmp_path / name, warc_pages(), compress=name.endswith(".gz"))
    documents, rejects = run(tmp_path)
    by_url = {row["url"]: row for row in documents.values()}
    assert sorted(by_url) == ["https://example.org/audi", "https://example.org/europa"]
    for source, row in documents.items():
        assert source.startswith(f"{name}#urn:uuid:") and row["source_format"] == "warc/html"
        assert row["fetched_at"].tzinfo is not None and abs(row["fetched_at"] - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(hours=1)
    assert_article(by_url["https://example.org/audi"], AUDI)
    assert sorted(row["reason"] for row in rejects.values()) == ["http-status", "unsupported-content"]


def test_broken_warc_records_are_rejects_and_the_rest_is_read(tmp_path):
    data = write_warc(tmp_path / "plain.warc", warc_pages(), compress=False)
    # A flipped payload byte (the record digest no longer matches) in the first page...
    at = data.index(b"<title>")
    damaged = data[:at] + b"<TITLE>" + data[at + 7:]
    # ...and a mangled header line, which breaks the framing of the PNG's request record; reading
    # resumes at the PNG's response.
    at = damaged.index(b"WARC/1.", damaged.index(b"https://example.org/logo.png") - 400)
    damaged = damaged[:at] + b"GARBAGE" + damaged[at + 7:]
    (tmp_path / "plain.warc").write_bytes(damaged)
    gz = write_warc(tmp_path / "cut.warc.gz", warc_pages(), compress=True)
    (tmp_path / "cut.warc.gz").write_bytes(gz[:-150])  # the last response is truncated
    documents, rejects = run(tmp_path)
    reasons = sorted((source.split("#")[0], row["reason"]) for source, row in rejects.items())
    assert reasons == [
        ("cut.warc.gz", "broken-warc-record"), ("cut.warc.gz", "http-status"), ("cut.warc.gz", "unsupported-content"),
        ("plain.warc", "broken-warc-record"), ("plain.warc", "broken-warc-record"), ("plain.warc", "http-status"),
        ("plain.warc", "unsupported-content"),
    ]
    assert any("digest" in row["detail"] for row in rejects.values())
    assert sorted((source.split("#")[0], row["url"]) for source, row in documents.items()) == [
        ("cut.warc.gz", "https://example.org/audi"), ("plain.warc", "https://example.org/europa")]


def test_size_cap_rejects_each_oversized_document(tmp_path, sample_paths):
    (tmp_path / "page.html.gz").write_bytes((HTML_DIR / f"{AUDI}.html.gz").read_bytes())  # 10 kB gzipped, 60 kB inside
    (tmp_path / "small.txt").write_text("A short article. " * 200)
    lines = [json.dumps({"text": "A short article. " * 200}), json.dumps({"html": page_html(AUDI).decode()}),
             json.dumps({"text": "Another short article. " * 200})]
    (tmp_path / "dump.jsonl").write_text("\n".join(lines) + "\n")
    documents, rejects = run(tmp_path, settings=Settings(max_bytes=20_000, extract_timeout=None))
    assert sorted(documents) == ["dump.jsonl#1", "dump.jsonl#3", "small.txt"]
    assert {source: row["reason"] for source, row in rejects.items()} == {"page.html.gz": "too-large", "dump.jsonl#2": "too-large"}


def test_new_columns_reach_parquet_typed(tmp_path, sample_paths):
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from textwash.model.schema import SCHEMA_VERSION
    from textwash.dataset.store import write_parquet_atomic

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "dump.jsonl").write_bytes(b"\n".join(jsonl_lines(sample_paths)) + b"\n")
    (raw / "story.txt").write_bytes(sample_paths[0].read_bytes())
    documents, _ = run(raw)
    path = tmp_path / "documents" / "part.parquet"
    write_parquet_atomic(list(documents.values()), "documents", path)
    table = pq.read_table(path)
    assert table.schema.metadata[b"textwash.schema_version"] == SCHEMA_VERSION.encode()
    assert table.schema.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    rows = duckdb.sql(f"select source, source_format, epoch(fetched_at) from '{path}' order by source").fetchall()
    assert rows == [("dump.jsonl#1", "jsonl/text", 1714979289.0), ("dump.jsonl#3", "jsonl/html", None),
                    ("dump.jsonl#8", "jsonl/text", 1714979289.0), ("story.txt", "text", None)]


def test_a_file_whose_name_does_not_say_is_sniffed(tmp_path, sample_paths):
    (tmp_path / "page").write_bytes(page_html(AUDI))
    (tmp_path / "story.dat").write_bytes(gzip.compress(sample_paths[0].read_bytes()))  # gzip, though not named so
    documents, rejects = run(tmp_path)
    assert rejects == {}
    assert documents["page"]["source_format"] == "html"
    assert_article(documents["page"], AUDI)
    plain, _ = run(sample_paths[0].parent, [sample_paths[0].name])
    assert documents["story.dat"]["source_format"] == "text"
    assert documents["story.dat"]["text"] == plain[sample_paths[0].name]["text"]
