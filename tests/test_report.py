"""The HTML report: its figures and pages from plain data, and the samples' report in headless Chromium."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from conftest import SAMPLES, fold
from textwash.report import figures
from textwash.report import render as report
from textwash.cleaning.model import COMMENT, FOOTER, HEADER, INSIDE, LEGAL, MENU, TEASER
from textwash.reasons import TEMPLATE
from textwash.cli import app
from textwash.document import process_batch
from textwash.reasons import NUL_REASON
from textwash.reasons import reason_family
from textwash.report.colours import KNOWN_FAMILIES, OTHER_INK, REASON_INKS, reason_ink, tint
from textwash.report.figures import list_order, page_of, summarize
from textwash.report.render import document_blocks, write_report
from textwash.cleaning.ruleset import load_rules
from textwash.model.schema import DOCUMENT_SCHEMA
from textwash.dataset.store import write_parquet_atomic

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
SAMPLE_004 = "004_9c9b8e055c92b0cf.txt"
REPUBLICATION_NOTE = "This article has been republished"


def make_dataset(out: Path) -> list[dict]:
    """The samples through the core pipeline, written as a dataset at `out`; returns the documents."""
    result = process_batch(SAMPLES, sorted(p.name for p in SAMPLES.glob("*.txt")), NOW)
    write_parquet_atomic(result.documents, "documents", out / "documents" / "part-00000.parquet")
    write_parquet_atomic(result.rejects, "rejects", out / "rejects" / "part-00000.parquet")
    return result.documents


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    documents = make_dataset(root / "dataset")
    index = write_report(root / "dataset", root / "report", generated=NOW)
    return index, {row["source"]: row for row in documents}


def dataset_of(index: Path) -> Path:
    """The dataset `sample_report` wrote `index` for."""
    return index.parent.parent / "dataset"


def has_class(name: str) -> str:
    """An XPath test for an element with the class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


KEPT, CUT = has_class("kept"), has_class("cut")


def linked_page(index: Path, source: str) -> Path:
    """The document page the overview links from `source`'s row."""
    tree = lxml.html.parse(str(index)).getroot()
    (link,) = [a for a in tree.xpath("//*[@id='document-list']//a") if a.text_content() == source]
    return index.parent / link.get("href")


# --- figures and pages, without a browser ----------------------------------------------------------

def test_cuts_stand_before_the_paragraph_they_name():
    removed = [
        {"text": "top", "reason": "a", "paragraph": 0},
        {"text": "between", "reason": "b", "paragraph": 1},
        {"text": "tail", "reason": "c", "paragraph": 2},
        {"text": "unplaced", "reason": "d", "paragraph": None},
        {"text": "beyond", "reason": "e", "paragraph": 7},
    ]
    blocks = document_blocks("first\n\nsecond", removed)
    assert [(b.kind, b.text) for b in blocks] == [
        ("cut", "top"), ("kept", "first"), ("cut", "between"), ("kept", "second"),
        ("cut", "tail"), ("cut", "unplaced"), ("cut", "beyond"),
    ]
    assert [b.kind for b in document_blocks("", removed)] == ["cut"] * 5


def test_overview_figures_add_up(sample_report):
    index, rows = sample_report
    documents = sorted(rows.values(), key=lambda row: row["source"])
    overview, listing, rejects = summarize(dataset_of(index))
    assert overview.documents == 5 and overview.rejects == rejects.num_rows == 0
    assert overview.duplicates == 0  # the samples hold no duplicate
    assert overview.words_kept == sum(row["word_count"] for row in documents)
    assert sum(overview.cuts_by_reason.values()) == sum(len(row["removed"]) for row in documents)
    assert overview.cuts_by_reason == Counter(span["reason"] for row in documents for span in row["removed"])
    words_by_reason: Counter = Counter()
    for span in (span for row in documents for span in row["removed"]):
        words_by_reason[span["reason"]] += figures.words(span["text"])
    assert overview.words_by_reason == words_by_reason
    assert overview.words_removed == sum(overview.words_by_reason.values()) > 0
    assert listing.take(list_order(listing))["source"].to_pylist() == [row["source"] for row in documents]
    most_cut = listing.sort_by([("removed_share", "descending")]).slice(0, 1).to_pylist()[0]
    assert most_cut["source"] == SAMPLE_004 and most_cut["cuts"] == len(rows[SAMPLE_004]["removed"])
    assert most_cut["page"] == page_of(rows[SAMPLE_004]["doc_id"])


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_reason_colours_are_readable_fixed_and_grouped_by_family():
    for ink in (*REASON_INKS, OTHER_INK):
        assert contrast(ink, "#ffffff") >= 4.5, ink
        assert contrast(ink, tint(ink)) >= 4.5, ink
    assert reason_ink("metadata: title") == reason_ink("metadata: section") != reason_ink("image caption or credit")
    # The most frequent families have an ink each; a family of one's own rules takes one of the palette.
    assert len({reason_ink(family) for family in KNOWN_FAMILIES[:len(REASON_INKS)]}) == len(REASON_INKS)
    assert reason_ink("a rule of my own") in REASON_INKS and reason_ink(figures.NO_REASON) == OTHER_INK


def test_every_reason_the_pipeline_emits_has_a_family_of_its_own_order():
    rules = load_rules()
    emitted = [rule.reason for group in (rules.line_rules, rules.end_rules, rules.break_rules) for rule in group]
    emitted += [COMMENT, FOOTER, HEADER, INSIDE, LEGAL, MENU, TEASER, TEMPLATE, NUL_REASON, "metadata: byline",
                "after end of article (copyright notice)", "before the dateline (lead image caption or page header)"]
    assert {reason_family(reason) for reason in emitted} <= set(KNOWN_FAMILIES)


def test_pages_are_self_contained(sample_report):
    """Nothing is fetched: no external scripts, styles or images; every local link resolves."""
    index, rows = sample_report
    pages = [index, *sorted((index.parent / "documents").glob("*.html"))]
    assert len(pages) == 1 + len(rows)
    for page in pages:
        tree = lxml.html.parse(str(page)).getroot()
        assert not tree.xpath("//link | //img | //iframe | //script[@src] | //object | //embed"), page
        assert "url(" not in "".join(style.text_content() for style in tree.xpath("//style"))
        assert tree.xpath("//header//h1") and tree.xpath("//main") and tree.xpath("//main//h2")
        for anchor in tree.xpath("//a[@href]"):
            target = urlsplit(anchor.get("href"))
            if target.scheme or target.netloc:
                continue  # a document's own URL, shown as a link in its metadata
            if target.path:
                assert (page.parent / target.path).resolve().is_file(), (page, anchor.get("href"))


def test_text_is_escaped(tmp_path):
    row = {"doc_id": "x1", "source": "evil.txt", "text": "<script>alert(1)</script>\n\nplain & simple",
           "removed": [{"text": "<b>bold</b>", "reason": "a <reason>", "paragraph": 1}], "title": "<i>t</i>"}
    write_parquet_rows([row], tmp_path / "dataset" / "documents" / "part-0.parquet")
    index = write_report(tmp_path / "dataset", tmp_path / "report")
    page = (index.parent / "documents" / "x1.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "a &lt;reason&gt;" in page
    assert "<i>t</i>" not in index.read_text(encoding="utf-8")


def write_parquet_rows(rows: list[dict], path: Path, extra: dict[str, pa.DataType] | None = None,
                       **write_options) -> None:
    """Rows in the document schema, plus `extra` columns, as one Parquet file."""
    schema = DOCUMENT_SCHEMA
    for name, kind in (extra or {}).items():
        if name not in schema.names:
            schema = schema.append(pa.field(name, kind))
    full = [{f.name: row.get(f.name, _default(f)) for f in schema} for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(full, schema=schema), path, **write_options)


def _default(f: pa.Field):
    if not f.nullable:
        return NOW if pa.types.is_timestamp(f.type) else 0 if pa.types.is_integer(f.type) else ""
    return None


def test_reads_a_dataset_of_later_schemas_and_layouts(tmp_path):
    """Hive partitions, documents/ reached through symlinks into a version folder, files with and
    without newer columns: all rows read, duplicates counted, extra columns shown, duplicates linked."""
    out = tmp_path / "out"
    version = out / "_versions" / "00000002" / "documents"
    old = {"doc_id": "a1", "source": "old.txt", "text": "first text here", "removed": []}
    new = {"doc_id": "b2", "source": "new.txt", "text": "second text here", "removed": [],
           "duplicate_of": "a1", "source_format": "html", "url": "https://www.example.org/x"}
    write_parquet_rows([old], version / "processed_date=2026-11-21" / "part-0.parquet")
    write_parquet_rows([new], version / "processed_date=2026-11-22" / "part-0.parquet",
                       extra={"duplicate_of": pa.string(), "source_format": pa.string()})
    (out / "_current").symlink_to(version.parent.relative_to(out), target_is_directory=True)
    (out / "documents").symlink_to(Path("_current") / "documents", target_is_directory=True)

    overview, listing, rejects = summarize(tmp_path / "out")
    assert sorted(listing["source"].to_pylist()) == ["new.txt", "old.txt"] and rejects.num_rows == 0
    assert overview.duplicates == 1
    assert overview.sites == {"example.org": 1, "(no URL)": 1}

    index = write_report(tmp_path / "out", tmp_path / "report")
    page = lxml.html.parse(str(linked_page(index, "new.txt"))).getroot()
    metadata = dict(zip([term.text_content() for term in page.xpath("//aside//dt")], page.xpath("//aside//dd")))
    assert metadata["source_format"].text_content() == "html"
    assert metadata["processed_date"].text_content() == "2026-11-22"
    (link,) = metadata["duplicate_of"].xpath(".//a")
    assert (index.parent / "documents" / link.get("href")).resolve() == linked_page(index, "old.txt").resolve()


def test_rewriting_removes_pages_of_documents_gone(tmp_path):
    row = {"doc_id": "c3", "source": "kept.txt", "text": "some text", "removed": []}
    write_parquet_rows([row, {**row, "doc_id": "d4", "source": "gone.txt"}], tmp_path / "ds" / "documents" / "p.parquet")
    first = write_report(tmp_path / "ds")  # the flow's call: the report goes inside the dataset folder
    assert first == tmp_path / "ds" / "report" / "index.html"
    assert len(list((first.parent / "documents").glob("*.html"))) == 2
    write_parquet_rows([row], tmp_path / "ds" / "documents" / "p.parquet")
    index = write_report(tmp_path / "ds")
    assert sorted(p.name for p in (index.parent / "documents").iterdir()) == ["c3.html"]


def rows_of(*ids: str, version: int = 0, **extra) -> list[dict]:
    return [{"doc_id": doc_id, "source": f"{doc_id}.txt", "text": f"text of {doc_id}", "removed": [],
             "processed_at": NOW + dt.timedelta(days=version), **extra} for doc_id in ids]


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The doc_ids whose pages write_report renders, in order."""
    calls: list[str] = []
    render = report.render_document

    def counting(row: dict) -> str:
        calls.append(row["doc_id"])
        return render(row)
    monkeypatch.setattr(report, "render_document", counting)
    return calls


def test_a_later_run_renders_only_new_and_changed_documents(tmp_path, rendered):
    documents = tmp_path / "ds" / "documents"
    write_parquet_rows(rows_of("a1", "b2", "c3"), documents / "part-0.parquet")
    index = write_report(tmp_path / "ds")
    assert sorted(rendered) == ["a1", "b2", "c3"]
    pages = index.parent / "documents"
    old = (pages / "a1.html").stat().st_mtime_ns

    # The dataset grows by a file, loses b2, c3 is reprocessed, and a1's page was deleted by hand.
    rendered.clear()
    write_parquet_rows([*rows_of("a1"), *rows_of("c3", version=1)], documents / "part-0.parquet")
    write_parquet_rows(rows_of("d4", "e5"), documents / "part-1.parquet")
    write_report(tmp_path / "ds")
    assert sorted(rendered) == ["c3", "d4", "e5"]
    assert (pages / "a1.html").stat().st_mtime_ns == old
    assert sorted(p.name for p in pages.iterdir()) == ["a1.html", "c3.html", "d4.html", "e5.html"]
    assert "2026-01-03" in (pages / "c3.html").read_text(encoding="utf-8")  # the new processed_at

    rendered.clear()
    (pages / "a1.html").unlink()
    write_report(tmp_path / "ds")
    assert rendered == ["a1"]
    rendered.clear()
    write_report(tmp_path / "ds")
    assert rendered == []


def test_two_processes_write_the_pages_one_writes(tmp_path, monkeypatch):
    """Pages are written in pieces of whole row groups, each piece with the ids due in it; two
    processes write the same pages as one, all of them first, then only the changed ones."""
    monkeypatch.setattr(report, "ROWS_PER_PIECE", 4)
    documents = tmp_path / "ds" / "documents" / "p.parquet"
    ids = [f"d{number:02d}" for number in range(20)]
    write_parquet_rows(rows_of(*ids), documents, row_group_size=2)
    reports = [write_report(tmp_path / "ds", tmp_path / f"by-{n}", generated=NOW, processes=n).parent for n in (1, 2)]

    def pages(folder: Path) -> dict[str, str]:
        return {page.name: page.read_text(encoding="utf-8") for page in (folder / "documents").iterdir()}
    assert len(pages(reports[0])) == 20 and pages(reports[0]) == pages(reports[1])

    changed = {"d05", "d15"}
    write_parquet_rows([row for i in ids for row in rows_of(i, version=int(i in changed))], documents,
                       row_group_size=2)
    dataset = figures.open_rows(tmp_path / "ds" / "documents")
    # Five pieces of two row groups; d05 is in the second, d15 in the fourth.
    pieces = list(report._page_pieces(dataset, tmp_path / "ds", pa.array(sorted(changed))))
    assert [piece.doc_ids.to_pylist() for piece in pieces] == [["d05"], ["d15"]]
    assert [[group.id for group in piece.fragment.row_groups] for piece in pieces] == [[2, 3], [6, 7]]
    untouched = [(folder / page_of("d00")).stat().st_mtime_ns for folder in reports]
    for n, folder in zip((1, 2), reports):
        write_report(tmp_path / "ds", folder, generated=NOW, processes=n)
    assert pages(reports[0]) == pages(reports[1])
    assert all("2026-01-03" in pages(folder)[page_of(i).split("/")[-1]] for folder in reports for i in changed)
    assert [(folder / page_of("d00")).stat().st_mtime_ns for folder in reports] == untouched


def test_a_new_duplicate_flag_renders_the_page_again_with_its_link(tmp_path, rendered):
    documents = tmp_path / "ds" / "documents"
    write_parquet_rows(rows_of("a1", "b2", duplicate_of=None), documents / "p.parquet",
                       extra={"duplicate_of": pa.string()})
    index = write_report(tmp_path / "ds")
    rendered.clear()
    write_parquet_rows([*rows_of("a1", duplicate_of=None), *rows_of("b2", duplicate_of="a1")], documents / "p.parquet",
                       extra={"duplicate_of": pa.string()})
    write_report(tmp_path / "ds")
    assert rendered == ["b2"]
    page = lxml.html.parse(str(index.parent / page_of("b2"))).getroot()
    (link,) = page.xpath("//aside//dd/a[text()='a1']")
    assert (index.parent / "documents" / link.get("href")).resolve() == (index.parent / page_of("a1")).resolve()


def test_a_new_report_format_renders_every_page_again(tmp_path, rendered, monkeypatch):
    write_parquet_rows(rows_of("a1", "b2"), tmp_path / "ds" / "documents" / "p.parquet")
    write_report(tmp_path / "ds")
    rendered.clear()
    write_report(tmp_path / "ds")
    assert rendered == []
    monkeypatch.setattr(report, "report_stamp", lambda: "another format")
    write_report(tmp_path / "ds")
    assert sorted(rendered) == ["a1", "b2"]


def test_a_changed_template_is_a_new_report_format(tmp_path, monkeypatch):
    """Without a version bump: a template edited (a column added, a banner) renders every page again."""
    assets = tmp_path / "report" / "assets"
    shutil.copytree(Path(report.__file__).parent / "assets", assets)
    monkeypatch.setattr(report.resources, "files", lambda package: assets.parent)
    report.report_stamp.cache_clear()
    try:
        before = report.report_stamp()
        with (assets / "document.html.j2").open("a", encoding="utf-8") as template:
            template.write("{# edited #}\n")
        report.report_stamp.cache_clear()
        assert report.report_stamp() != before
    finally:
        report.report_stamp.cache_clear()  # the next test stamps with the packaged templates


def test_list_pages_hold_every_document_once_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "LIST_PAGE_SIZE", 3)
    ids = [f"id{n}" for n in range(8)]
    write_parquet_rows(rows_of(*reversed(ids)), tmp_path / "ds" / "documents" / "p.parquet")
    index = write_report(tmp_path / "ds")

    def listed() -> list[str]:
        names, page = [], index
        while page is not None:
            tree = lxml.html.parse(str(page)).getroot()
            names += [a.get("href") for a in tree.xpath("//*[@id='document-list']//a")]
            following = tree.xpath("//nav[@class='pages']//a[@rel='next']")
            page = index.parent / following[0].get("href") if following else None
        return names

    assert listed() == [page_of(doc_id) for doc_id in ids]  # by source
    assert sorted(p.name for p in index.parent.glob("*.html")) == ["index.html", "list-2.html", "list-3.html"]
    write_parquet_rows(rows_of(*ids[:4]), tmp_path / "ds" / "documents" / "p.parquet")
    write_report(tmp_path / "ds")
    assert listed() == [page_of(doc_id) for doc_id in ids[:4]]
    assert sorted(p.name for p in index.parent.glob("*.html")) == ["index.html", "list-2.html"]


def test_page_names_depend_on_the_id_alone():
    assert page_of("9c9b8e055c92b0cf") == "documents/9c9b8e055c92b0cf.html"
    odd = page_of("../etc/passwd")
    assert odd == page_of("../etc/passwd") != page_of("../etc/shadow") and "/" not in odd.removeprefix("documents/")


def test_cli_writes_the_report_and_refuses_a_non_dataset(tmp_path):
    make_dataset(tmp_path / "dataset")
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(tmp_path / "dataset"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "index.html").is_file() and len(list((tmp_path / "r" / "documents").glob("*.html"))) == 5
    result = runner.invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "r2")])
    assert result.exit_code == 2 and "no documents/ folder" in fold(result.output.replace("│", " "))
    assert not (tmp_path / "r2").exists()
    (tmp_path / "dataset" / "rejects" / "part-00001.parquet").write_bytes(b"PAR1 not really parquet")
    result = runner.invoke(app, ["report", str(tmp_path / "dataset"), "--out", str(tmp_path / "r3")])
    assert result.exit_code == 2 and "cannot read" in fold(result.output.replace("│", " "))


def test_pages_read_without_script(sample_report):
    """As served (what a browser without JavaScript shows): every document listed and every cut
    shown, and the script-only controls hidden rather than dead."""
    index, rows = sample_report
    tree = lxml.html.parse(str(index)).getroot()
    assert tree.get_element_by_id("filter").get("hidden") is not None
    listed = tree.xpath("//*[@id='document-list']/tbody/tr")
    assert len(listed) == len(rows) and all(row.get("hidden") is None for row in listed)
    assert tree.xpath("//*[local-name()='svg']//*[local-name()='rect']")
    page = lxml.html.parse(str(linked_page(index, SAMPLE_004))).getroot()
    assert page.get_element_by_id("cuts-toggle").get("hidden") is not None
    assert len(page.xpath(f"//*[{CUT}]//del")) == len(rows[SAMPLE_004]["removed"])


# --- in a real browser --------------------------------------------------------------------------

def find_chromium() -> str | None:
    for name in (os.environ.get("TEXTWASH_CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not found: install Debian's chromium package (`make test` does when run "
           "as root with apt-get) or set TEXTWASH_CHROMIUM; the report's browser checks were skipped",
)


def chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium on `url`, offline: every host name fails to resolve."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}", *args, url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def dom(tmp_path: Path, url: str, *args: str):
    return lxml.html.fromstring(chromium(tmp_path, url, "--dump-dom", *args).stdout)


def png_facts(path: Path) -> tuple[int, int, int]:
    """Width, height, and how many distinct byte values its image data holds (few: a blank page)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    return width, height, len(set(zlib.decompress(b"".join(chunks))))


@needs_chromium
def test_sample_004_in_the_browser(sample_report, seeds, tmp_path):
    """Sample 004 as a reader sees it: the teasers after the republication note are there only as
    removed spans, after the article; the article's paragraphs are there as kept text."""
    index, rows = sample_report
    page = linked_page(index, SAMPLE_004)
    screenshot = tmp_path / "sample-004.png"
    chromium(tmp_path, page.as_uri(), f"--screenshot={screenshot}", "--window-size=1280,2000")
    width, height, distinct = png_facts(screenshot)
    assert (width, height) == (1280, 2000) and distinct > 50

    tree = dom(tmp_path, page.as_uri())
    article = tree.xpath("//main//article")[0]
    kept = [fold(p.text_content()) for p in article.xpath(f".//p[{KEPT}]")]
    removed = [fold(d.text_content()) for d in article.xpath(f".//*[{CUT}]//del")]
    order = [("kept" if "kept" in el.classes else "cut") for el in article.xpath(f".//*[{KEPT} or {CUT}]")]

    expected = seeds[SAMPLE_004]["lines"]
    (note,) = [line["line"] for line in expected["either"] if line["text"].startswith(REPUBLICATION_NOTE)]
    teasers = [fold(line["text"]) for line in expected["drop"] if line["line"] > note]
    assert len(teasers) > 10
    body_text = fold(article.text_content())
    for teaser in teasers:
        assert teaser in removed, teaser
        assert not any(teaser in paragraph for paragraph in kept), teaser
        # Every occurrence in the article is a removed span's: none is loose text.
        assert body_text.count(teaser) == sum(span.count(teaser) for span in removed), teaser
    last_kept = len(order) - 1 - order[::-1].index("kept")
    after_article = removed[order[:last_kept].count("cut"):]
    assert all(teaser in after_article for teaser in teasers)

    article_paragraphs = [fold(line["text"]) for line in expected["keep"]]
    assert kept == [fold(p) for p in rows[SAMPLE_004]["text"].split("\n\n")]
    for paragraph in article_paragraphs:
        assert paragraph in kept and not any(paragraph in span for span in removed), paragraph[:60]
    # The reason is written out, not only coloured, and is there on hover.
    for cut in article.xpath(f".//*[{CUT}]"):
        assert fold(cut.xpath(f".//*[{has_class('why')}]")[0].text_content()).endswith(cut.get("data-reason"))
        assert cut.get("title") == f"Removed: {cut.get('data-reason')}"
    assert tree.get_element_by_id("cuts-toggle").get("hidden") is None  # the script ran


@needs_chromium
def test_overview_filter_in_the_browser(sample_report, tmp_path):
    index, rows = sample_report
    _, listing, _ = summarize(dataset_of(index))
    share = dict(zip(listing["source"].to_pylist(), listing["removed_share"].to_pylist()))
    threshold = sorted(share.values())[-2] * 100 + 0.5  # only the document that lost most stays
    most_cut = [source for source, value in share.items() if value * 100 >= threshold]
    assert len(most_cut) == 1

    tree = dom(tmp_path, f"{index.as_uri()}?min={threshold:.1f}")
    visible = [row.xpath(".//a")[0].text_content() for row in tree.xpath("//*[@id='document-list']/tbody/tr")
               if row.get("hidden") is None]
    assert visible == most_cut
    assert tree.get_element_by_id("filter").get("hidden") is None
    assert tree.get_element_by_id("shown").text_content() == f"1 of {len(rows)} documents shown"

