import unicodedata

import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)
import pytest

from textwash.inputs.repair import repair


def test_mojibake_is_fixed_and_reported():
    original = "It’s “safe” – they said… café"
    mojibake = original.encode("utf-8").decode("sloppy-windows-1252")
    assert "â€" in mojibake
    result = repair(mojibake)
    assert result.text == original
    assert result.changed


def test_html_entities_are_unescaped():
    result = repair("Tom &amp; Jerry &rsquo;s &ldquo;show&rdquo; &#8211; &#x2014;")
    assert result.text == "Tom & Jerry ’s “show” – —"
    assert result.changed


def test_curly_quotes_and_dashes_stay_as_written():
    text = "“Quoted” and ‘single’ – en — em … and Größe, naïve café"
    result = repair(text)
    assert result.text == text
    assert not result.changed


def test_c1_controls_and_odd_spaces():
    result = repair("price\u00a0list\u2009here\u200b and a\x85")
    assert "\u00a0" not in result.text and "\u200b" not in result.text and "\x85" not in result.text
    assert result.text.startswith("price list here and a")
    assert result.changed


@pytest.mark.parametrize("text", ["plain ascii text.", "Größe und Straße – ein Test.", "日本語のテキストです。"])
def test_clean_text_is_unchanged(text):
    result = repair(text)
    assert result.text == text
    assert not result.changed



def test_the_cheap_check_lets_through_every_two_byte_mojibake_ftfy_fixes():
    # Whatever the check in front of ftfy narrows, it must not skip damage ftfy would undo.
    import ftfy

    from textwash.inputs.repair import _FTFY_CONFIG

    fixed = 0
    for code in range(0x80, 0x800):
        damaged = chr(code).encode("utf-8").decode("windows-1252", errors="ignore")
        text = f"a {damaged} b"
        expected = ftfy.fix_text(text, _FTFY_CONFIG)
        if len(damaged) == 2 and expected != text:
            assert repair(text).text == expected.replace("\u00a0", " ").replace("\u00ad", ""), hex(code)
            fixed += 1
    assert fixed > 700


def test_text_ends_in_nfc_whether_or_not_ftfy_runs():
    decomposed = "A Balela do \u201cE\u0301 Cedo Demais\u201d e a\u00e7\u00e3o"  # nothing here for ftfy
    result = repair(decomposed)
    assert result.text == unicodedata.normalize("NFC", decomposed)
    assert "\u00c9" in result.text and result.changed
