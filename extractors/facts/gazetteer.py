"""Fast literal look-up of many names at once, with script-aware word boundaries.

The entity and place tables hold a few thousand surface forms. One regular
expression alternation of that many literals costs a trial per alias per
character, far too slow for 200 articles a second; a prefix trie compiled into
a regular expression shares the work (``Micro(?:soft(?: Corp\\.)?)?``) and keeps
the longest match because its optional groups are greedy.

Boundaries depend on the script at each end of a name: an ASCII name must not
touch letters or digits ("US" is not inside "USD"), a katakana name must not sit
inside a longer katakana word (メタ is not in メタバース), a Hangul name must not
follow another syllable (particles after it are fine: 메타는), and a kanji name
must not follow another kanji (地方政府 is not 政府). Names that need more
context than that are given as regular expressions in the data files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """A name found at ``start:end`` whose table key is ``key``."""

    start: int
    end: int
    key: str


def _script(char: str) -> str:
    if char.isascii() and char.isalnum():
        return "ascii"
    if "\u30a1" <= char <= "\u30fa" or char == "\u30fc":
        return "kana"
    if "\uac00" <= char <= "\ud7a3":
        return "hangul"
    if "\u4e00" <= char <= "\u9fff":
        return "kanji"
    return "other"


def trie_pattern(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, longest first."""
    trie: dict[str, object] = {}
    for word in words:
        node: dict[str, object] = trie
        for char in word:
            child = node.setdefault(char, {})
            assert isinstance(child, dict)
            node = child
        node[""] = {}
    return _render(trie)


def _render(node: dict[str, object]) -> str:
    ends_here = "" in node
    branches = []
    for char in sorted(key for key in node if key):
        child = node[char]
        assert isinstance(child, dict)
        branches.append(re.escape(char) + _render(child))
    if not branches:
        return ""
    if len(branches) == 1 and not ends_here:
        return branches[0]
    body = "(?:" + "|".join(branches) + ")"
    return body + "?" if ends_here else body


class Gazetteer:
    """Finds literal names and regular-expression names, non-overlapping, longest first.

    The literal names are one trie pattern with no leading look-behind, so the
    regular-expression engine can skip ahead on the first character; the
    script boundaries are checked on each hit afterwards, falling back to the
    longest shorter name that fits ("US" when "USA" is glued to a letter).
    A regular-expression name may mark its span with a group named ``name``
    (``[日米中韓](?P<name>欧)``), again so that the pattern starts with a
    character rather than a look-behind.
    """

    def __init__(self, names: dict[str, str], patterns: Iterable[tuple[str, str]] = ()) -> None:
        self._keys = {surface: key for surface, key in names.items() if surface}
        # One trie per kind of first character: a pattern whose names all start with ASCII lets
        # the engine skip ahead far faster than one that may start with any of hundreds of kanji.
        groups: dict[bool, list[str]] = {}
        for surface in self._keys:
            groups.setdefault(surface[0].isascii(), []).append(surface)
        self._literals = [re.compile(trie_pattern(group)) for group in groups.values()]
        self._patterns = [(re.compile(pattern), key) for pattern, key in patterns]

    def key_of(self, surface: str) -> str | None:
        """The key a literal name maps to, if it is one."""
        return self._keys.get(surface)

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Hit]:
        """Every name in ``text[start:end]``; overlaps go to the longer, then the earlier."""
        stop = len(text) if end is None else end
        hits: list[Hit] = []
        for literal in self._literals:
            position = start
            search = literal.search
            while (match := search(text, position, stop)) is not None:
                found = self._fitting(text, match.start(), match.group())
                if found is None:
                    position = match.start() + 1
                    continue
                hits.append(found)
                position = found.end
        for compiled, key in self._patterns:
            for match in compiled.finditer(text, start, stop):
                span = match.span("name") if "name" in compiled.groupindex else match.span()
                if span[1] > span[0]:
                    hits.append(Hit(span[0], span[1], key))
        if len(hits) > 1:
            hits = _without_overlaps(hits)
        return hits

    def _fitting(self, text: str, start: int, surface: str) -> Hit | None:
        if not _fits_before(text, start, surface[0]):
            return None
        for length in range(len(surface), 0, -1):
            candidate = surface[:length]
            key = self._keys.get(candidate)
            if key is not None and _fits_after(text, start + length, candidate[-1]):
                return Hit(start, start + length, key)
        return None


def _fits_before(text: str, start: int, first: str) -> bool:
    if start == 0:
        return True
    kind = _script(first)
    return kind == "other" or _script(text[start - 1]) != kind


def _fits_after(text: str, end: int, last: str) -> bool:
    if end >= len(text):
        return True
    kind = _script(last)
    if kind in ("ascii", "kana"):
        return _script(text[end]) != kind
    return True


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    hits.sort(key=lambda hit: (-(hit.end - hit.start), hit.start))
    kept: list[Hit] = []
    for hit in hits:
        if all(hit.end <= other.start or hit.start >= other.end for other in kept):
            kept.append(hit)
    kept.sort(key=lambda hit: hit.start)
    return kept
