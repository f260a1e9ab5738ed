import gzip

import pytest

from textwash.inputs.language import detect_language, page_language
from textwash.inputs.formats import read_items
from textwash.inputs.items import BadItem
from textwash.model.page import Page, ends_as_sentence
from textwash.inputs.discover import discover, discover_inputs


@pytest.mark.parametrize(
    "text, code",
    [
        ("Die Bundesregierung hat am Dienstag beschlossen, dass die Schulen bis Ende des Monats geschlossen bleiben.", "de"),
        ("Le gouvernement a annoncé mardi que les écoles resteront fermées jusqu'à la fin du mois.", "fr"),
        ("El gobierno anunció el martes que las escuelas permanecerán cerradas hasta fin de mes.", "es"),
        ("The government said on Tuesday that schools will stay closed until the end of the month.", "en"),
        ("Too short", None),
    ],
)
def test_detect_language(text, code):
    assert detect_language(text) == code


LANGUAGE_MENU = ("Change language & content: Afrique francophone (français) América Latina (español) Argentina "
                 "(español) Australia (English) België (Nederlands) Belgique (français) Brasil (português) Canada "
                 "(English) Canada (français) Česká republika (čeština) Chile (español) Colombia (español) Danmark "
                 "(Dansk) Deutschland (Deutsch) España (español) France (français) India (English) Italia (italiano)")
GERMAN = ["Die Bundesregierung hat am Dienstag beschlossen, dass die Schulen bis Ende des Monats geschlossen bleiben.",
          "Die Länder sollen bis Freitag sagen, wie sie den Unterricht zu Hause organisieren wollen."]


def test_a_page_language_is_told_by_its_prose_lines_not_a_language_menu_above_them():
    page = Page.from_text("\n".join(["Startseite", LANGUAGE_MENU, "Politik", *GERMAN]))
    assert detect_language(LANGUAGE_MENU) != "de"  # the menu alone would mislead
    assert page_language(page.lines) == "de"


def test_a_page_without_prose_lines_is_judged_on_all_its_kept_lines():
    page = Page.from_text("\n".join(["Schulen bleiben bis Ende des Monats geschlossen",
                                     "Länder sollen bis Freitag den Unterricht zu Hause organisieren"]))
    assert page_language(page.lines) == "de"
    page.lines[0].reason = page.lines[1].reason = "cut"
    assert page_language(page.lines) is None


@pytest.mark.parametrize("text, ends", [
    ("They voted.", True), ('He said "no."', True), ("Really?!»", True), ("(Reuters) Done.)]", True),
    ("See you :-)", True), ("Great :D", True), ("Sunny ☀", True), ("Home", False), ("v2.0 release", False),
    ("Photo: AP ", False), ("End. )", False), ("", False),
])
def test_a_sentence_end_is_found_at_the_line_end_only(text, ends):
    assert ends_as_sentence(text) is ends


def test_discover_lists_files_under_the_root_only(tmp_path):
    root = tmp_path / "raw"
    (root / "a" / "b").mkdir(parents=True)
    (root / "one.txt").write_text("x")
    (root / "a" / "b" / "two.txt").write_text("x")
    (root / ".cache").mkdir()
    (root / ".cache" / "three.txt").write_text("x")
    (root / "~draft.txt").write_text("x")
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    (root / "link.txt").symlink_to(outside)
    (root / "inside-link.txt").symlink_to(root / "one.txt")
    (root / "one.txt~").write_text("x")
    # The link out is listed (its reader refuses it: an 'outside-root' reject); the link to one.txt
    # adds nothing (one.txt is read once, by its own name); .cache, ~draft.txt and one.txt~ are skipped.
    found = discover_inputs(root)
    assert found.sources == discover(root) == ["a/b/two.txt", "link.txt", "one.txt"]
    assert found.outside == {"link.txt": str(outside.resolve())}
    assert (found.skipped_by_name, found.skipped_links) == (3, 1)


def test_discover_refuses_a_missing_root(tmp_path):
    with pytest.raises(FileNotFoundError):
        discover(tmp_path / "missing")


def test_read_items_enforces_the_size_cap_after_decompression(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"x" * 101)
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"x" * 101))
    [item] = read_items(tmp_path, "big.txt", max_bytes=101)
    assert item.data == b"x" * 101 and item.kind == "text"
    for name in ("big.txt", "bomb.txt.gz"):
        [item] = read_items(tmp_path, name, max_bytes=100)
        assert isinstance(item, BadItem) and item.reason == "too-large", name


def test_the_language_model_is_unpacked_once_into_the_cache_and_read_back(tmp_path, monkeypatch):
    from textwash.inputs import language

    monkeypatch.setenv("TEXTWASH_CACHE", str(tmp_path / "cache"))
    language.identifier.cache_clear()
    try:
        fresh = language.identifier()
        [cached] = (tmp_path / "cache").glob("py3langid-*.pickle")
        language.identifier.cache_clear()
        again = language.identifier()
        sample = "Der Gemeinderat hat am Dienstag beschlossen, das Busnetz in den Norden zu erweitern."
        assert fresh.classify(sample) == again.classify(sample) and again.classify(sample)[0] == "de"
        cached.write_bytes(b"not a pickle")  # a damaged copy is unpacked again, not trusted
        language.identifier.cache_clear()
        assert language.identifier().classify(sample)[0] == "de"
    finally:
        language.identifier.cache_clear()
