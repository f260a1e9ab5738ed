"""The per-document path on the real samples, their re-encoded variants, and bad inputs."""
import codecs
import datetime as dt
import html
import os

import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)
import pytest

from conftest import fold
from textwash.document import process_batch

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
METADATA = ("title", "description", "authors", "publisher", "dateline", "published", "section", "language")


def run(root, names):
    return process_batch(root, names, NOW)


@pytest.fixture(scope="module")
def sample_records(sample_paths):
    result = run(sample_paths[0].parent, [p.name for p in sample_paths])
    assert result.rejects == []
    return {row["source"]: row for row in result.documents}


def test_samples_keep_every_article_line_and_leak_no_chrome(sample_records, seeds):
    for name, expected in seeds.items():
        row = sample_records[name]
        text = fold(row["text"])
        paragraphs = {fold(p) for p in row["text"].split("\n\n")}
        for line in expected["lines"]["keep"]:
            assert fold(line["text"]) in text, (name, line["line"])
        for line in expected["lines"]["drop"] + expected["lines"]["meta"]:
            chrome = fold(line["text"])
            anywhere = line.get("substring") or len(line["text"]) >= 25
            assert chrome not in paragraphs and not (anywhere and chrome in text), (name, line["line"])


def test_samples_metadata(sample_records, seeds):
    for name, expected in seeds.items():
        row = sample_records[name]
        for key, want in expected["metadata"].items():
            if key.endswith("_include"):
                assert set(want) <= set(row[key.removesuffix("_include")]), (name, key)
            elif key == "published":
                assert row[key].isoformat() == want
            else:
                assert fold(row[key]) == fold(want), (name, key)


def test_every_cut_is_recorded(sample_records, sample_paths):
    """Kept paragraphs plus removed spans account for every non-blank input line."""
    for path in sample_paths:
        row = sample_records[path.name]
        pieces = row["text"].split("\n\n") + [cut["text"] for cut in row["removed"]]
        accounted = fold(" ".join(pieces)).split()
        original = fold(path.read_text(encoding="utf-8")).split()
        assert sorted(accounted) == sorted(original), path.name


def test_record_fields(sample_records):
    row = sample_records["004_9c9b8e055c92b0cf.txt"]
    assert len(row["doc_id"]) == 32 and len(row["source_sha256"]) == 64 and len(row["content_sha256"]) == 64
    assert row["word_count"] > 1000
    assert row["encoding"] == "utf-8"
    assert row["processed_at"] == NOW
    assert row["url"] is None
    assert "\n\n\n" not in row["text"]


def _variants(text: str) -> dict[str, bytes]:
    crlf = text.replace("\n", "\r\n")
    return {
        "cp1252": text.encode("cp1252"),
        "utf8-bom": codecs.BOM_UTF8 + text.encode("utf-8"),
        "utf16": text.encode("utf-16"),
        "crlf": crlf.encode("utf-8"),
        "mojibake": text.encode("utf-8").decode("sloppy-windows-1252").encode("utf-8"),
        "entities": html.escape(text, quote=False).encode("ascii", "xmlcharrefreplace"),
    }


def test_damaged_encodings_give_the_same_record(tmp_path, sample_paths, sample_records):
    names = []
    for path in sample_paths:
        for kind, data in _variants(path.read_text(encoding="utf-8")).items():
            (tmp_path / f"{kind}__{path.name}").write_bytes(data)
            names.append(f"{kind}__{path.name}")
    result = run(tmp_path, names)
    assert result.rejects == []
    assert len(result.documents) == len(names)
    for row in result.documents:
        kind, original_name = row["source"].split("__", 1)
        original = sample_records[original_name]
        assert row["text"] == original["text"], row["source"]
        assert {k: row[k] for k in METADATA} == {k: original[k] for k in METADATA}, row["source"]
        assert row["doc_id"] != original["doc_id"]
        if kind in ("mojibake", "entities"):
            assert row["repaired"]


def test_bad_inputs_become_rejects_and_the_rest_runs(tmp_path, sample_paths):
    (tmp_path / "good.txt").write_bytes(sample_paths[3].read_bytes())
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"\n \n\t\n")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    (tmp_path / "broken-utf16.txt").write_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8A\x00")
    (tmp_path / "chrome-only.txt").write_bytes(b"Follow us on social\ngoogle cta\nAdvertisement\n")
    (tmp_path / "large.txt").write_bytes(b"word " * 1000)
    names = ["good.txt", "empty.txt", "blank.txt", "image.txt", "broken-utf16.txt", "chrome-only.txt",
             "large.txt", "vanished.txt"]
    from textwash.config import Settings

    result = process_batch(tmp_path, names, NOW, Settings(max_bytes=4000))
    assert [row["source"] for row in result.documents] == ["good.txt"]
    reasons = {row["source"]: row["reason"] for row in result.rejects}
    assert reasons == {
        "empty.txt": "empty",
        "blank.txt": "empty",
        "image.txt": "binary",
        "broken-utf16.txt": "undecodable",
        "chrome-only.txt": "no-article-text",
        "large.txt": "too-large",
        "vanished.txt": "unreadable",
    }
    assert all(row["detail"] for row in result.rejects)
    image = next(row for row in result.rejects if row["source"] == "image.txt")
    assert image["size_bytes"] == 2056 and len(image["source_sha256"]) == 64
