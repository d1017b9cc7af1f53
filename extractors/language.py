"""Language of a text: script counts for CJK, py3langid for the rest.

Japanese and Korean are decided by their own scripts (kana, hangul), which is
both exact and far cheaper than a statistical model; Chinese is Han without
kana. Everything else goes to py3langid (a compact, bundled n-gram model that
needs no download). Both read a bounded sample so the cost per page stays
flat: py3langid's cost grows faster than its input (3.5 ms for 3,000
characters, 0.5 ms for 1,000), and on the 181 article-body benchmark pages
1,000 characters give the same answer as 3,000 on every page.
"""

from __future__ import annotations

import re

import py3langid

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_LETTER = re.compile(r"[^\W\d_]")
_SAMPLE_CHARS = 1000


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text."""
    sample = text[:_SAMPLE_CHARS]
    letters = len(_LETTER.findall(sample))
    if letters < 20:
        return None
    kana = len(_KANA.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    han = len(_HAN.findall(sample))
    if hangul > 0.2 * letters:
        return "ko"
    if kana > 0.05 * letters:
        return "ja"
    if han > 0.3 * letters:
        return "zh"
    lang, _score = py3langid.classify(sample)
    return str(lang)
