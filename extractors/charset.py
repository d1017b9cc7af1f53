"""Bytes to text for HTML pages: BOM, declared charset, <meta>, then detection.

Order of trust: a byte-order mark is unambiguous, so it wins; then the charset
the HTTP header declared; then the page's own ``<meta charset>`` (or the
``http-equiv`` form); then strict UTF-8; then UTF-8 with the odd bad byte
replaced; then statistical detection (charset-normalizer). A declared charset
that does not decode the bytes cleanly is skipped rather than trusted, because
mislabelled legacy pages are common. Legacy names map to the supersets
browsers really use (WHATWG encoding standard): Shift_JIS → cp932, EUC-KR →
cp949, GB2312/GBK → gb18030, Latin-1 → cp1252.

Two mislabellings are common enough to be told apart from the bytes alone:

- a one-byte legacy label (Latin-1, ISO-8859-2, windows-1251, ...) on bytes
  that are valid multi-byte UTF-8 throughout: the label is a server or
  template default, and the page is UTF-8 (legacy text almost never forms
  valid UTF-8 sequences by chance);
- UTF-8 bytes with a few invalid ones (a fragment pasted from a Latin-1
  source, a truncated character): the page is still UTF-8, decoded with
  those bytes replaced, as a browser does. Guessing a legacy codec for it
  instead would garble every accented letter on the page.
"""

from __future__ import annotations

import codecs
import re
from functools import cache

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

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_MOSTLY_UTF8_MIN_CHARS = 20
_MOSTLY_UTF8_RATIO = 10
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


@cache
def _one_byte(codec: str) -> bool:
    """Whether ``codec`` maps every byte to one character (the legacy one-byte encodings)."""
    try:
        return len(bytes(range(256)).decode(codec, "replace")) == 256
    except LookupError:
        return False


def _utf8_with_few_bad_bytes(data: bytes) -> str | None:
    """The bytes read as UTF-8 with their bad bytes replaced, when they are UTF-8 all the same.

    That is when at least 20 characters beyond ASCII decode and the bytes that
    do not are at most a tenth as many.
    """
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = len(_NON_ASCII.findall(text)) - bad
    return text if good >= _MOSTLY_UTF8_MIN_CHARS and bad * _MOSTLY_UTF8_RATIO <= good else None


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns ``(text, codec_used)``. Never raises on bad bytes."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace"), codec
    utf8 = _try(data, "utf-8")  # decoded once: most pages' text, and the test of a legacy label
    for candidate in (normalise_charset(declared), normalise_charset(meta_charset(data))):
        if candidate is None:
            continue
        if utf8 is not None and _one_byte(candidate) and not data.isascii():
            return utf8, "utf-8"  # a legacy label on UTF-8 bytes: a server or template default
        text = utf8 if candidate == "utf-8" else _try(data, candidate)
        if text is not None:
            return text, candidate
    if utf8 is not None:
        return utf8, "utf-8"
    mended = _utf8_with_few_bad_bytes(data)
    if mended is not None:
        return mended, "utf-8"
    best = from_bytes(data[:200_000]).best()
    detected = normalise_charset(best.encoding) if best is not None else None
    codec = detected or "utf-8"
    return data.decode(codec, "replace"), codec
