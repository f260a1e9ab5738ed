import codecs

import pytest

from textwash.inputs.decode import DecodeError, decode

ARTICLE = "Damascus’s rhetoric vis-à-vis the rebels – “terrorists” – café, naïve, Größe.\nSecond line.\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (ARTICLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + ARTICLE.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + ARTICLE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + ARTICLE.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + ARTICLE.encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF32_BE + ARTICLE.encode("utf-32-be"), "utf-32-be"),
    ],
)
def test_unicode_encodings_with_and_without_bom(data, encoding):
    decoded = decode(data)
    assert decoded.text == ARTICLE
    assert decoded.encoding == encoding


def test_python_utf16_output_carries_its_bom():
    assert decode(ARTICLE.encode("utf-16")).text == ARTICLE


def test_legacy_single_byte_text_is_detected(sample_paths):
    original = sample_paths[4].read_text(encoding="utf-8")
    decoded = decode(original.encode("cp1252"))
    assert decoded.text == original
    assert decoded.encoding == "cp1252"


def test_latin1_french_text():
    text = "L'été dernier, la presse française a publié des articles très détaillés sur la crise.\n" * 5
    assert decode(text.encode("latin-1")).text == text


@pytest.mark.parametrize("data, expected", [(b"a\r\nb\rc\n", "a\nb\nc\n"), (b"one\r\n\r\ntwo", "one\n\ntwo")])
def test_line_ends_become_lf(data, expected):
    assert decode(data).text == expected


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b" \n\t\r\n ", "empty"),
        (codecs.BOM_UTF8 + b"  \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "undecodable"),
    ],
)
def test_bad_bytes_raise_with_a_reason(data, reason):
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert info.value.reason == reason
    assert info.value.detail


@pytest.mark.parametrize("unprintable", ["\x01", "\ue000", "\U0010fffe"])  # a control, private use, a non-character
def test_text_with_many_unprintable_characters_is_not_taken_as_decoded(unprintable):
    # Past the first 64 kB, where only the decoded text's check can see them.
    text = ARTICLE * 1000 + (ARTICLE[:40] + unprintable * 5) * 400
    with pytest.raises(DecodeError) as info:
        decode(text.encode("utf-8"))
    assert info.value.reason == "undecodable" and "2000 unprintable characters" in info.value.detail
    few = ARTICLE * 1000 + unprintable * 20
    assert decode(few.encode("utf-8")).text == few
