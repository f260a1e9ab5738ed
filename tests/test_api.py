"""The Python API (textwash.clean, Cleaner) and `textwash clean`: one document, no flow."""
from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import textwash
from textwash.api import Cleaner, Document, Input, RemovedSpan
from textwash.cli import app
from textwash.cleaning.model import SegmentModel
from textwash.cleaning.templates import save_state
from textwash.config import Settings
from textwash.document import process_batch
from textwash.model.record import build_document
from textwash.reasons import Rejected
from bus_page import PAGE, assert_cuts_in_place

ROOT = Path(__file__).parent.parent
NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
HTML_PAGES = Path(__file__).parent / "data" / "html"
# In-process extraction: the same records as through the worker, without starting one per test.
IN_PROCESS = Settings(extract_timeout=None)


@pytest.fixture(scope="module")
def cleaner():
    with Cleaner(IN_PROCESS) as cleaner:
        yield cleaner


def test_a_string_becomes_a_typed_frozen_document():
    document = textwash.clean(PAGE, url="https://news.example.com/buses")
    assert isinstance(document, Document)
    assert document.text.startswith("The city council voted") and "Share this article" not in document.text
    assert document.removed[0] == RemovedSpan("Share this article", "share or follow buttons", 0)
    assert document.removed[-1].reason == "copyright notice"
    assert (document.language, document.encoding, document.source_format) == ("en", "utf-8", "text")
    assert document.url == "https://news.example.com/buses" and document.source == "<input>"
    assert document.word_count == len(document.text.split())
    assert 0 <= document.clean_confidence <= 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.text = "changed"  # type: ignore[misc]
    # The record's fields, all of them, as the run's record builder names them.
    row = document.to_dict()
    assert list(row) == [field.name for field in dataclasses.fields(Document)]
    assert isinstance(row["removed"], list) and row["removed"][0] == {
        "text": "Share this article", "reason": "share or follow buttons", "paragraph": 0}
    assert Document.from_record(row) == document


def test_record_fields_are_the_builders():
    """Document holds what build_document writes, nothing more or less (bar the dataset's duplicate_of)."""
    from textwash.model.page import Page
    from textwash.model.metadata import Metadata

    row = build_document(source="s", source_sha256="0", page=Page.from_text("Words here."), meta=Metadata(),
                         language=None, encoding="utf-8", repaired=False, processed_at=NOW)
    assert list(row) == [field.name for field in dataclasses.fields(Document)]


def test_bytes_in_cp1252_are_decoded_and_repaired_like_a_file():
    page = PAGE.replace("Residents", "Résidents’ café owners")
    from_text = textwash.clean(page, processed_at=NOW)
    from_bytes = textwash.clean(page.encode("cp1252"), processed_at=NOW)
    assert from_bytes.encoding != "utf-8"
    assert from_bytes.text == from_text.text and "Résidents’ café" in from_bytes.text
    assert from_bytes.removed == from_text.removed


def test_html_is_extracted(cleaner):
    path = sorted(HTML_PAGES.glob("*.html.gz"))[0]
    data = gzip.decompress(path.read_bytes())
    sniffed = cleaner.clean(data, processed_at=NOW)
    assert sniffed.source_format == "html" and sniffed.text
    assert "<" not in sniffed.text[:200]
    assert cleaner.clean(data, kind="html", processed_at=NOW) == sniffed
    as_text = cleaner.clean(data, kind="text", processed_at=NOW)
    assert as_text.source_format == "text" and as_text != sniffed


@pytest.mark.parametrize("data, reason", [("", "empty"), (b"", "empty"), (" \n\t ", "empty"),
                                          (b"\x00\x01\x02\x03" * 100, "binary"),
                                          ("Share this article\n\nFollow us on Twitter", "no-article-text"),
                                          ("half a pair \ud800", "lone-surrogate")])
def test_an_input_that_cannot_become_a_document_raises_rejected(data, reason):
    with pytest.raises(Rejected) as raised:
        textwash.clean(data)
    assert raised.value.reason == reason and raised.value.detail


def test_limits_and_arguments():
    with pytest.raises(Rejected, match="too-large"):
        textwash.clean(PAGE, settings=Settings(max_bytes=100))
    with pytest.raises(ValueError, match="kind"):
        textwash.clean(PAGE, kind="pdf")
    with pytest.raises(TypeError):
        textwash.clean(123)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown cleaning layers"):
        Cleaner(Settings(layers_off=frozenset({"modle"})))
    with pytest.raises(Rejected, match="unsupported-content"):
        textwash.clean(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n\r\n")
    rules_off = textwash.clean(PAGE, settings=Settings(layers_off=frozenset({"rules"})))
    assert "share or follow buttons" not in {span.reason for span in rules_off.removed}


def _run_records(root: Path, names: list[str], **kwargs) -> dict[str, dict]:
    result = process_batch(root, names, NOW, IN_PROCESS, **kwargs)
    assert result.rejects == []
    return {row["source"]: row for row in result.documents}


@pytest.mark.parametrize("folder", [ROOT / "raw", Path(__file__).parent / "data" / "samples", HTML_PAGES])
def test_a_document_cleaned_alone_is_the_record_of_a_run(cleaner, folder):
    names = sorted(path.name for path in folder.iterdir() if path.name.endswith((".txt", ".html.gz")))
    assert names
    run = _run_records(folder, names)
    for name in names:
        data = (folder / name).read_bytes()
        data = gzip.decompress(data) if name.endswith(".gz") else data
        assert cleaner.clean(data, source=name, processed_at=NOW).to_dict() == run[name], name
        [from_file] = cleaner.clean_file(folder / name, processed_at=NOW)
        assert from_file.to_dict() == run[name], name
    alone = cleaner.clean_many([Input((folder / name).read_bytes(), source=name) for name in names
                                if not name.endswith(".gz")], processed_at=NOW)
    assert [document.to_dict() for document in alone] == [run[name] for name in names if not name.endswith(".gz")]


def test_clean_many_is_cleaning_each_alone_in_one_model_call(cleaner, sample_paths, monkeypatch):
    texts = [path.read_text(encoding="utf-8") for path in sample_paths] + [PAGE]
    alone = [cleaner.clean(text, processed_at=NOW) for text in texts]
    calls = []
    predict = SegmentModel.predict
    monkeypatch.setattr(SegmentModel, "predict", lambda self, pages: calls.append(len(pages)) or predict(self, pages))
    together = cleaner.clean_many(texts, processed_at=NOW)
    assert together == alone
    assert calls == [len(texts)]


def test_clean_many_rejects_raise_or_stand_in_place(cleaner):
    inputs = [PAGE, "", Input(PAGE.encode("utf-8"), url="https://news.example.com/a")]
    results = cleaner.clean_many(inputs, processed_at=NOW, errors="return")
    assert isinstance(results[0], Document) and isinstance(results[2], Document)
    assert isinstance(results[1], Rejected) and results[1].reason == "empty"
    assert results[2].url == "https://news.example.com/a" and results[2].text == results[0].text
    with pytest.raises(Rejected, match="empty") as raised:
        cleaner.clean_many(inputs)
    assert "input 1 of the batch" in raised.value.__notes__
    assert cleaner.clean_many([]) == []


TEMPLATE = "Get the Daily Brief every morning at 7 with all the news of the valley"
STORIES = [
    "The river rose above its banks on Sunday night and flooded the lower streets of the old town, "
    "where shop owners spent the morning carrying their goods to higher floors.",
    "A new school opened its doors on Monday to four hundred pupils, after two years of building "
    "work that ran over budget because of the price of steel and timber.",
    "The regional train line will close for three weeks in the summer while the tracks between the "
    "two stations are replaced, the operator said on Friday in a statement.",
]


def test_site_templates_a_dataset_learned(tmp_path):
    raw = tmp_path / "raw"
    (raw / "valley").mkdir(parents=True)
    names = []
    for number, story in enumerate(STORIES):
        (raw / "valley" / f"story-{number}.txt").write_text(f"{story}\n\n{TEMPLATE}\n\n{STORIES[number - 1]}\n")
        names.append(f"valley/story-{number}.txt")
    result = process_batch(raw, names, NOW, IN_PROCESS)
    assert all(TEMPLATE not in row["text"] for row in result.documents)
    # Alone, no document has the three a template needs; with what the run learned, each is its run record.
    with Cleaner(IN_PROCESS) as cleaner:
        assert all(TEMPLATE in cleaner.clean((raw / name).read_bytes(), source=name).text for name in names)
    save_state(result.templates, tmp_path / "out" / "site-templates.json")
    for templates in (result.templates, tmp_path / "out", tmp_path / "out" / "site-templates.json"):
        with Cleaner(IN_PROCESS, templates=templates) as cleaner:
            documents = cleaner.clean_many([Input((raw / name).read_bytes(), source=name) for name in names],
                                           processed_at=NOW)
        assert [document.to_dict() for document in documents] == result.documents
    # A new page of the site: the saved counts plus its own lines.
    with Cleaner(IN_PROCESS, templates=tmp_path / "out") as cleaner:
        later = cleaner.clean(f"{STORIES[0]}\n\n{TEMPLATE}\n\nA different closing paragraph about the harbour "
                              "and its boats, written for this page alone and no other.", source="valley/new.txt")
    assert TEMPLATE not in later.text and later.removed[0].reason.startswith("site template")
    with pytest.raises(FileNotFoundError):
        Cleaner(templates=tmp_path / "missing")


def test_the_public_names_load_on_first_use():
    import textwash.cleaning.templates  # noqa: F401  (the cleaning layers' package does not shadow the API)

    assert textwash.clean is textwash.api.clean
    assert textwash.clean(PAGE, processed_at=NOW) == textwash.api.clean(PAGE, processed_at=NOW)
    assert set(textwash.__all__) <= set(dir(textwash))
    for name in textwash.__all__:
        assert getattr(textwash, name) is not None
    assert (Path(textwash.__file__).parent / "py.typed").is_file()


def test_importing_the_api_and_the_cli_loads_no_prefect():
    code = ("import sys, textwash; bare = set(sys.modules); import textwash.api, textwash.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'prefect_dask', 'textwash_flows')), "
            "sorted(m for m in bare if m.split('.')[0] in ('numpy', 'pyarrow', 'textwash')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] ['textwash']"


def test_readme_python_api_example_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```pycon\n(.*?)```", section, re.DOTALL)
    assert blocks
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks):
        runner.run(parser.get_doctest(block, {}, f"README.md Python API block {number}", "README.md", 0))
    failed, attempted = runner.summarize(verbose=False)
    assert attempted and not failed


# --- textwash clean ------------------------------------------------------------------------------

def _invoke(*args, stdin=None):
    return CliRunner().invoke(app, ["clean", *args], input=stdin, env={"COLUMNS": "200"})


@pytest.fixture
def page_file(tmp_path):
    (tmp_path / "page.txt").write_text(PAGE, encoding="utf-8")
    return tmp_path / "page.txt"


def test_cli_prints_the_cleaned_text(page_file):
    shown = _invoke(str(page_file))
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == textwash.clean(PAGE).text + "\n"


def test_cli_json_is_the_record(page_file):
    shown = _invoke(str(page_file), "--json")
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)
    run = process_batch(page_file.parent, ["page.txt"], NOW).documents[0]
    assert dt.datetime.fromisoformat(record.pop("processed_at")) <= dt.datetime.now(dt.timezone.utc)
    expected = json.loads(json.dumps(run, default=lambda value: value.isoformat()))
    del expected["processed_at"]
    assert record == expected


def test_cli_removed_shows_the_cuts_in_place(page_file):
    shown = _invoke(str(page_file), "--removed")
    assert shown.exit_code == 0, shown.output
    assert_cuts_in_place(shown.output)


def test_cli_reads_standard_input_and_reports_a_reject():
    shown = _invoke("-", stdin=PAGE)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == textwash.clean(PAGE).text + "\n"
    as_html = _invoke("-", "--html", "--json", stdin=f"<html><body><article>{''.join(f'<p>{p}</p>' for p in PAGE.split(chr(10) * 2))}"
                                                        "</article></body></html>")
    assert as_html.exit_code == 0, as_html.output
    assert json.loads(as_html.stdout)["source_format"] == "html"
    empty = _invoke("-", stdin="")
    assert empty.exit_code == 1 and "rejected, empty: no content" in empty.stderr
    assert _invoke("missing.txt").exit_code == 2
