"""Length-preserving text folding and script detection.

Every pattern runs on a folded copy of the article in which full-width ASCII
(``２．２６兆円``, ``ＬＩＮＥ``) and the ideographic space become their ASCII
forms. The fold maps one character to one character, so an offset in the
folded text is the same offset in the original: evidence spans stay exact.
(NFKC would be tidier but changes lengths, e.g. ``㍿``.)
"""

from __future__ import annotations

import re

_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20  # ideographic space
_FOLD[0x00A0] = 0x20  # no-break space
_FOLD[0x2019] = 0x27  # right single quotation mark, as in "Amazon’s"
_FOLD[0xFFE5] = 0xA5  # full-width yen sign
_FOLD[0xFFE6] = 0x20A9  # full-width won sign
_FOLD[0x2212] = 0x2D  # minus sign

_FOLDED = {chr(code): chr(target) for code, target in _FOLD.items()}
# The characters to fold, as one class: a scan for them costs far less than ``str.translate``
# with a table, which looks up every character of the text.
_FOLDABLE = re.compile("[" + "".join(re.escape(char) for char in sorted(_FOLDED)) + "]")

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def fold_width(text: str) -> str:
    """``text`` with full-width ASCII folded to ASCII; same length as ``text``."""
    if _FOLDABLE.search(text) is None:
        return text
    return _FOLDABLE.sub(lambda match: _FOLDED[match.group()], text)


def guess_language(text: str) -> str:
    """``ja``, ``ko`` or ``en`` from the script of the first few thousand characters.

    Used only when the caller gives no language; kana decide Japanese (kanji
    alone could be Chinese), Hangul decides Korean.
    """
    head = text[:4000]
    kana = len(_KANA.findall(head))
    hangul = len(_HANGUL.findall(head))
    if hangul >= 5 and hangul >= kana:
        return "ko"
    if kana >= 3:
        return "ja"
    return "en"


def normalise_language(language: str | None, text: str) -> str:
    """One of ``en``, ``ja``, ``ko``: the given code's primary subtag, else a guess."""
    if language:
        primary = language.lower().replace("_", "-").split("-")[0]
        if primary in {"en", "ja", "ko"}:
            return primary
    return guess_language(text)
