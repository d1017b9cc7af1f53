"""Where a pattern can match, found cheaply: the literal text every match must begin with.

The rule patterns are long case-insensitive alternations ("\\binvest...|\\bspend...|..."),
and Python's regular-expression engine tries every alternative at every
character of the text. Almost every alternative starts with a literal word,
though, so each pattern has a small set of *keys*: lower-case strings one of
which starts every match (``invest``, ``spend``, ``pour``, ...). The keys are
read from the compiled pattern itself (its parse tree), never written by
hand, so the rule files stay the only place phrases live.

One scan of a lower-cased copy of the text with a trie of all keys gives, per
pattern, the positions where a match may start; the pattern is then tried at
those positions only (``finditer``, ``search``), which returns exactly the
matches of ``pattern.finditer`` / ``pattern.search`` on the original text: the
same spans, groups and order, because a match attempt at a position sees the
whole string (look-behinds and ``\\b`` included) either way. A pattern with an
alternative that starts without a literal (``[A-Z]\\w+``) has no keys and is
run as before.

The lower-cased copy keeps every offset: it is only used when ``str.lower``
keeps the length, and the keys hold only characters that lower-case to
themselves in the text (ASCII, and scripts without case such as kana, kanji
and Hangul); a cased non-ASCII letter ends a key. Under ``(?i)`` an ASCII
letter also matches four non-ASCII letters (İ ı ſ K), which the copy maps to
their ASCII forms.
"""

from __future__ import annotations

import bisect
import importlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

from extractors.facts.gazetteer import trie_pattern

# The regular-expression parser of the standard library, used read-only. It is private: should a
# Python version lack it or shape its output otherwise, patterns get no keys and run as before.
try:
    _PARSER: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - Python 3.11 to 3.13 have it
    _PARSER = None
_IGNORECASE = re.IGNORECASE.value
_MAX_KEY = 8  # longer keys would not narrow the candidates further
_MAX_KEYS = 512  # per pattern; past this the keys found so far are kept, unextended
_MAX_CLASS = 16  # a character class of up to this many characters is expanded
_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT"})
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
# Letters that (?i) matches to an ASCII letter, as the lower-cased copy spells them.
_CASE_SPECIALS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}

_State = tuple[str, bool]  # text a match must start with, and whether it may still be extended


def lowered(text: str) -> str | None:
    """``text`` lower-cased offset for offset (see the module docstring); None when that is impossible."""
    if text.isascii():
        return text.lower()
    low = text.replace("\u0130", "i").lower()
    for special, ascii_form in _CASE_SPECIALS.items():
        if special in low:
            low = low.replace(special, ascii_form)
    return low if len(low) == len(text) else None


def _key_char(code: int) -> str | None:
    char = chr(code)
    if char.isascii():
        return char.lower()
    if char in _CASE_SPECIALS:
        return _CASE_SPECIALS[char]
    if char.lower() == char and char.upper() == char and char.casefold() == char:
        return char
    return None


def _class_chars(items: Any) -> list[str] | None:
    chars: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            codes = [av]
        elif name == "RANGE" and av[1] - av[0] < _MAX_CLASS:
            codes = list(range(av[0], av[1] + 1))
        else:
            return None  # a negated class, a category (\w, \d) or a wide range
        for code in codes:
            key = _key_char(code)
            if key is None:
                return None
            chars.append(key)
    unique = list(dict.fromkeys(chars))
    return unique if len(unique) <= _MAX_CLASS else None


def _item(name: str, av: Any, flags: int) -> list[_State]:
    """What one parsed item's match can start with: (text, the item's whole match is that text)."""
    if name == "LITERAL":
        key = _key_char(av)
        return [("", False)] if key is None else [(key, True)]
    if name == "IN":
        chars = _class_chars(av)
        return [("", False)] if chars is None else [(char, True) for char in chars]
    if name == "SUBPATTERN":
        _group, add_flags, del_flags, sub = av
        return _sequence(sub, (flags | add_flags) & ~del_flags)
    if name == "ATOMIC_GROUP":
        return _sequence(av, flags)
    if name == "BRANCH":
        states: list[_State] = []
        for alternative in av[1]:
            states.extend(_sequence(alternative, flags))
        return list(dict.fromkeys(states))
    if name in _REPEATS:
        low, high, sub = av
        inner = _sequence(sub, flags)
        if low == high == 1:
            return inner
        once = inner if high == 1 else [(text, False) for text, _ in inner]
        return [("", True), *once] if low == 0 else once
    return [("", False)]  # any character, a category, a back-reference: unknown from here on


def _sequence(items: Any, flags: int) -> list[_State]:
    states: list[_State] = [("", True)]
    for op, av in items:
        name = str(op)
        if name in _ZERO_WIDTH:
            continue  # look-arounds and anchors consume nothing
        if not any(open_ for _, open_ in states):
            break
        outcomes = _item(name, av, flags)
        extended: dict[_State, None] = {}
        for text, open_ in states:
            if not open_:
                extended[(text, False)] = None
                continue
            for more, complete in outcomes:
                joined = text + more
                if len(joined) >= _MAX_KEY:
                    extended[(joined[:_MAX_KEY], False)] = None
                else:
                    extended[(joined, complete)] = None
        if len(extended) > _MAX_KEYS:
            return [(text, False) for text, _ in states]
        states = list(extended)
    return states


def pattern_keys(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings one of which starts every match of ``pattern``; None when some match may
    start otherwise (then the pattern must be run on the whole text)."""
    if _PARSER is None:
        return None
    try:
        parsed = _PARSER.parse(pattern.pattern, pattern.flags)
        keys = {text for text, _ in _sequence(parsed, int(parsed.state.flags))}
    except Exception:  # a parse tree shaped otherwise: no keys, no shortcut
        return None
    if not keys or "" in keys:
        return None
    # A key that extends a shorter one adds nothing: the shorter one already starts that match.
    return frozenset(key for key in keys if not any(key[:n] in keys for n in range(1, len(key))))


class Prefilter:
    """Candidate match starts for a fixed list of patterns, found in one scan of a lower-cased text."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)
        self.keys = tuple(pattern_keys(pattern) for pattern in self.patterns)
        vocabulary = sorted({key for keys in self.keys if keys for key in keys})
        self._scan = re.compile(trie_pattern(vocabulary)) if vocabulary else None
        # The scan returns the longest key at a position; every pattern owning a key that starts it may match.
        self._owners: dict[str, tuple[int, ...]] = {
            found: tuple(
                index
                for index, keys in enumerate(self.keys)
                if keys and any(found.startswith(key) for key in keys)
            )
            for found in vocabulary
        }

    def candidates(self, low: str | None) -> list[list[int] | None]:
        """Per pattern, the sorted positions where a match may start in the text whose
        ``lowered`` copy is ``low``; None for a pattern that must be run on the whole text."""
        found: list[list[int] | None] = [
            [] if keys is not None and low is not None else None for keys in self.keys
        ]
        if low is None or self._scan is None:
            return found
        search = self._scan.search
        owners = self._owners
        position = 0
        while (match := search(low, position)) is not None:
            start = match.start()
            for index in owners[match.group()]:
                hits = found[index]
                assert hits is not None
                hits.append(start)
            position = start + 1
        return found


class Spots:
    """Candidate starts of several patterns in one text, also merged, to tell at once which
    patterns may match inside a span."""

    __slots__ = ("_everywhere", "_owners", "_positions", "starts")

    def __init__(self, starts: Sequence[list[int] | None]) -> None:
        self.starts = tuple(starts)
        pairs = sorted(
            (position, index)
            for index, hits in enumerate(self.starts)
            if hits is not None
            for position in hits
        )
        self._positions = [position for position, _ in pairs]
        self._owners = [index for _, index in pairs]
        self._everywhere = frozenset(index for index, hits in enumerate(self.starts) if hits is None)

    def within(self, start: int, end: int) -> frozenset[int]:
        """The patterns that may match starting inside ``start:end``."""
        lo = bisect.bisect_left(self._positions, start)
        hi = bisect.bisect_left(self._positions, end, lo)
        if lo == hi:
            return self._everywhere
        return self._everywhere | frozenset(self._owners[lo:hi])


def finditer(
    pattern: re.Pattern[str], text: str, starts: list[int] | None, start: int = 0, end: int | None = None
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text, start, end)``, trying only the candidate ``starts`` (None: all)."""
    stop = len(text) if end is None else end
    if starts is None:
        yield from pattern.finditer(text, start, stop)
        return
    position = start
    match_at = pattern.match
    for index in range(bisect.bisect_left(starts, start), len(starts)):
        candidate = starts[index]
        if candidate >= stop:
            return
        if candidate < position:
            continue
        match = match_at(text, candidate, stop)
        if match is not None:
            yield match
            position = match.end()  # never empty: a match spans at least its key


def search(
    pattern: re.Pattern[str], text: str, starts: list[int] | None, start: int = 0, end: int | None = None
) -> re.Match[str] | None:
    """``pattern.search(text, start, end)``, trying only the candidate ``starts`` (None: all)."""
    stop = len(text) if end is None else end
    if starts is None:
        return pattern.search(text, start, stop)
    match_at = pattern.match
    for index in range(bisect.bisect_left(starts, start), len(starts)):
        candidate = starts[index]
        if candidate >= stop:
            return None
        match = match_at(text, candidate, stop)
        if match is not None:
            return match
    return None


def search_slice(
    pattern: re.Pattern[str], piece: str, starts: list[int] | None, offset: int
) -> re.Match[str] | None:
    """``pattern.search(piece)`` where ``piece`` is ``text[offset:offset + len(piece)]`` and ``starts``
    are candidate starts in ``text`` (None: all). Offsets of the match are in ``piece``."""
    if starts is None:
        return pattern.search(piece)
    match_at = pattern.match
    stop = offset + len(piece)
    for index in range(bisect.bisect_left(starts, offset), len(starts)):
        candidate = starts[index]
        if candidate >= stop:
            return None
        match = match_at(piece, candidate - offset)
        if match is not None:
            return match
    return None


def any_within(starts: list[int] | None, start: int, end: int) -> bool:
    """Whether a candidate start lies in ``start:end`` (always True without candidates)."""
    if starts is None:
        return True
    index = bisect.bisect_left(starts, start)
    return index < len(starts) and starts[index] < end
