"""Decode: raw bytes to text, recording the encoding used.

Order of trust: a byte-order mark, then strict UTF-8 (most of the web), then charset-normalizer's
detection for legacy single-byte encodings. Bytes that look binary, or that no charset turns into
readable text, raise DecodeError with a reason fit for a reject record. Line ends become LF.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

import charset_normalizer

from textwash import reasons
from textwash.reasons import Rejected

# UTF-32 first: its little-endian BOM begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control bytes other than NUL, tab, LF, FF and CR: text files almost never hold them.
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0b\x0e-\x1f\x7f]")
# Binary formats are full of NUL bytes; a few in text are for the pipeline's NUL policy to judge.
_MAX_NUL_BYTES = 0.01
_LINE_ENDS = re.compile(r"\r\n?")
# Share of characters that may be unprintable in text we accept as decoded.
_MAX_UNPRINTABLE = 0.01
_UNPRINTABLE = ("Cc", "Cs", "Co", "Cn")
_PLAIN_ASCII = re.compile(r"[\t\n\r\f\x20-\x7e]+")
_MAX_CONTROL_BYTES = 0.001
_SNIFF_BYTES = 1 << 16
# Detection scores closer than this count as a tie.
_TIE = 0.005
_WESTERN_DEFAULTS = ("cp1252", "iso8859_15", "latin_1")


class DecodeError(Rejected):
    """Bytes that cannot become text."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes) -> Decoded:
    """Decode `data` to text with LF line ends; raise DecodeError when it is not text."""
    if not data.strip():
        raise DecodeError(reasons.EMPTY, "no content" if not data else "only whitespace")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding.replace("-sig", ""))
            except UnicodeDecodeError as exc:
                raise DecodeError(reasons.UNDECODABLE, f"invalid {encoding} after its byte-order mark: {exc.reason}") from None
            return _finish(text, encoding)
    sample = data[:_SNIFF_BYTES]
    if sample.count(0) > max(2, _MAX_NUL_BYTES * len(sample)):
        raise DecodeError(reasons.BINARY, "NUL bytes and no byte-order mark")
    if len(_CONTROL_BYTES.findall(sample)) > max(2, _MAX_CONTROL_BYTES * len(sample)):
        raise DecodeError(reasons.BINARY, "control bytes that text does not contain")
    try:
        return _finish(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = _best_legacy_match(data)
    if best is None:
        raise DecodeError(reasons.UNDECODABLE, "not UTF-8, and no known charset decodes it to readable text")
    return _finish(str(best), best.encoding)


def _best_legacy_match(data: bytes):
    """charset-normalizer's best guess, with ties broken toward the web's Western default.

    On Western text cp1250, cp1252 and cp1257 often score exactly alike; WHATWG decodes unlabelled
    legacy pages as windows-1252, and so do we when it is among the equally good guesses.
    """
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    ties = [m for m in matches if m.chaos <= best.chaos + _TIE and m.coherence >= best.coherence - _TIE]
    for preferred in _WESTERN_DEFAULTS:
        for match in ties:
            if match.encoding == preferred:
                return match
    return best


def _finish(text: str, encoding: str) -> Decoded:
    if not text.strip():
        raise DecodeError(reasons.EMPTY, "only whitespace")
    # Printable ASCII and the usual whitespace go first, in one C-speed pass (a large HTML page is
    # mostly that); each distinct character of the rest is judged once.
    rest = _PLAIN_ASCII.sub("", text)
    unprintable = sum(rest.count(ch) for ch in set(rest) if unicodedata.category(ch) in _UNPRINTABLE)
    if unprintable > _MAX_UNPRINTABLE * len(text):
        raise DecodeError(reasons.UNDECODABLE, f"{encoding} decoding leaves {unprintable} unprintable characters")
    return Decoded(_LINE_ENDS.sub("\n", text), encoding)
