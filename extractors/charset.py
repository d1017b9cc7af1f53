"""Bytes to text for HTML pages: BOM, declared charset, <meta>, then detection.

Order of trust: a byte-order mark is unambiguous, so it wins; then the charset
the HTTP header declared; then the page's own ``<meta charset>`` (or the
``http-equiv`` form); then strict UTF-8; then statistical detection
(charset-normalizer). A declared charset that does not decode the bytes
cleanly is skipped rather than trusted, because mislabelled legacy pages are
common. Legacy names map to the supersets browsers really use (WHATWG
encoding standard): Shift_JIS → cp932, EUC-KR → cp949, GB2312/GBK → gb18030,
Latin-1 → cp1252.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SUPERSETS = {
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "korean": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_PRESCAN_BYTES = 4096


def normalise_charset(name: str | None) -> str | None:
    """The Python codec to decode a declared charset with, or None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def meta_charset(data: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` tag within its first 4 KB."""
    match = _META_CHARSET.search(data[:_PRESCAN_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


def _try(data: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_utf8_beyond_ascii(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns ``(text, codec_used)``. Never raises on bad bytes."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace"), codec
    for candidate in (normalise_charset(declared), normalise_charset(meta_charset(data))):
        if candidate == "cp1252" and _is_utf8_beyond_ascii(data):
            # A Latin-1 label on bytes that are valid multi-byte UTF-8 is almost
            # always a server default, not the page's real encoding.
            candidate = "utf-8"
        text = _try(data, candidate)
        if text is not None and candidate is not None:
            return text, candidate
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    best = from_bytes(data[:200_000]).best()
    detected = normalise_charset(best.encoding) if best is not None else None
    codec = detected or "utf-8"
    return data.decode(codec, "replace"), codec
