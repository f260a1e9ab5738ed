import pytest

from textwash.language import detect_language
from textwash.read import InputTooLarge, discover, read_input


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
    assert discover(root) == ["a/b/two.txt", "inside-link.txt", "one.txt"]


def test_discover_refuses_a_missing_root(tmp_path):
    with pytest.raises(FileNotFoundError):
        discover(tmp_path / "missing")


def test_read_input_enforces_the_size_cap(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"x" * 101)
    assert read_input(tmp_path, "big.txt", max_bytes=101).data == b"x" * 101
    with pytest.raises(InputTooLarge, match="101 bytes"):
        read_input(tmp_path, "big.txt", max_bytes=100)
