"""Sentence splitting with character offsets, for English, Japanese and Korean.

Evidence must be a verbatim span of the article, so the splitter never
rewrites text: it returns offsets. Each line is a paragraph (extracted article
text puts paragraphs on their own lines). Inside a line, a sentence ends at
``。！？`` (Japanese, no space needed) or at ``.!?`` followed by a space (English,
and Korean, whose sentences end in ``다.``), with closing quotes and brackets
kept on the sentence they close. A period after an abbreviation (``U.S.``,
``Inc.``, ``Jan.``) does not end a sentence unless the next word is one that
starts sentences ("The", "It", ...), because "visit to the U.S. The company"
is common in news. The abbreviations live in the language rule files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOUNDARY = re.compile(r"[.!?。！？]+[\"'”’」』)）\]]*")
_TOKEN_BEFORE = re.compile(r"([A-Za-z][A-Za-z.&]*)$")
_NEXT_WORD = re.compile(r"\s*[\"'“‘(]?([A-Za-z]+)")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: ``text[start:end]`` of the article, in paragraph ``paragraph``."""

    start: int
    end: int
    paragraph: int
    index: int


@dataclass(frozen=True, slots=True)
class SplitRules:
    """Abbreviations that do not end a sentence, and words that start one."""

    abbreviations: frozenset[str]
    closing_abbreviations: frozenset[str]
    sentence_starters: frozenset[str]


def split_sentences(text: str, rules: SplitRules) -> list[Sentence]:
    """The sentences of ``text`` in order, as offsets; blank lines yield none."""
    sentences: list[Sentence] = []
    paragraph = -1
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        if line.strip():
            paragraph += 1
            for start, end in _split_line(text, line_start, line_end, rules):
                sentences.append(Sentence(start, end, paragraph, len(sentences)))
        line_start = line_end + 1
    return sentences


def _split_line(text: str, line_start: int, line_end: int, rules: SplitRules) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = line_start
    for match in _BOUNDARY.finditer(text, line_start, line_end):
        end = match.end()
        if not _ends_sentence(text, match.start(), end, line_end, rules):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, line_end))
    return [trimmed for span in spans if (trimmed := _trim(text, *span))]


def _ends_sentence(text: str, mark: int, end: int, line_end: int, rules: SplitRules) -> bool:
    if text[mark] in "。！？":
        return True
    if end < line_end and not text[end].isspace():
        return False
    if text[mark] != ".":
        return True
    token = _TOKEN_BEFORE.search(text, max(0, mark - 30), mark)
    if token is None:
        return True
    word = token.group(1)
    if len(word) == 1 and word.isupper():
        return False  # an initial: "J. Smith"
    if word not in rules.abbreviations and word.lower() not in rules.abbreviations:
        return True
    if word in rules.closing_abbreviations:
        following = _NEXT_WORD.match(text, end, min(line_end, end + 40))
        return following is not None and following.group(1) in rules.sentence_starters
    return False


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
