"""Dates as pages write them: structured timestamps and dates in running text.

Two readers, both pure string work:

- :func:`parse_timestamp` reads the value of a structured field (JSON-LD
  ``datePublished``, ``article:published_time``, ``<time datetime>``): ISO 8601
  in its common variants, RFC 2822, or any date form below. It keeps the time
  and whether it was written in UTC, because a UTC timestamp near midnight
  names a different calendar day than the newsroom's (see ``dates.py``).
- :func:`find_dates` finds every date in a piece of visible text: ISO and
  year-first numeric dates (``2024-04-10``, ``2024.04.10``, ``2024/4/10``),
  day-first numeric dates (``10.04.2024``, ``10/04/2024``), month names in the
  languages of ``data/date_words.toml`` (``April 10, 2024``, ``10 avril 2024``,
  ``10. April 2024``, ``10 de abril de 2024``), and the Japanese and Korean
  forms (``2024年4月10日``, ``令和6年4月10日``, ``2024년 4월 10일``).

Dates are returned as written; nothing here knows about time zones or the
fetch time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from email.utils import parsedate_to_datetime
from functools import cache

from extractors.rulefiles import load_rules

_FULLWIDTH = str.maketrans("０１２３４５６７８９．／－：", "0123456789./-:")
_ERA_START = {"令和": 2018, "平成": 1988, "昭和": 1925}
_YEAR = r"(?:19|20)\d{2}"

_ISO_STAMP = re.compile(
    rf"(?<!\d)(?P<y>{_YEAR})(?P<sep>[-/.]?)(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?!\d)"
    r"(?:[T ]\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{1,2})(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|GMT|UTC)?)?",
    re.IGNORECASE,
)
_JA = re.compile(
    rf"(?:(?P<era>令和|平成|昭和)\s*(?P<eyear>元|\d{{1,2}})|(?P<y>{_YEAR}))\s*年\s*"
    r"(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
)
_KO = re.compile(rf"(?P<y>{_YEAR})\s*년\s*(?P<m>\d{{1,2}})\s*월\s*(?P<d>\d{{1,2}})\s*일")
_YEAR_FIRST = re.compile(
    rf"(?<![\d.])(?P<y>{_YEAR})(?P<sep>[-./])\s?(?P<m>\d{{1,2}})(?P=sep)\s?(?P<d>\d{{1,2}})(?!\d|[-~～–]\d)"
)
_DAY_FIRST = re.compile(
    rf"(?<![\d.])(?P<a>\d{{1,2}})(?P<sep>[./-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>{_YEAR})(?!\d)"
)


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A structured date value: the calendar date as written, its time if any, and whether it is UTC."""

    day: date
    clock: time | None = None
    utc: bool = False


@dataclass(frozen=True, slots=True)
class DateMention:
    """One date found in text, with where it sits."""

    start: int
    end: int
    value: date


def make_date(year: int, month: int, day: int) -> date | None:
    """``date(year, month, day)``, or None for an impossible day."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


@cache
def _month_names() -> dict[str, int]:
    table = load_rules("date_words.toml").get("months", {})
    names: dict[str, int] = {}
    for language, months in table.items():
        if not isinstance(months, list) or len(months) != 12:
            raise ValueError(f"date_words.toml: months.{language} must list twelve months")
        for number, spellings in enumerate(months, start=1):
            for name in str(spellings).lower().split():
                names.setdefault(name, number)
    return names


@cache
def _month_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    names = "|".join(sorted((re.escape(n) for n in _month_names()), key=len, reverse=True))
    day_first = re.compile(
        rf"(?<!\d)(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th|er|º)?\s*(?:de\s+)?(?P<mon>{names})\b\.?,?\s*"
        rf"(?:de\s+|del\s+)?(?P<y>{_YEAR})(?!\d)",
        re.IGNORECASE,
    )
    month_first = re.compile(
        rf"\b(?P<mon>{names})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{_YEAR})(?!\d)",
        re.IGNORECASE,
    )
    return day_first, month_first


def find_dates(text: str, *, month_first: bool = False, east_asian_only: bool = False) -> list[DateMention]:
    """Every date written in ``text``, in order of appearance.

    ``month_first`` settles numeric dates that read both ways (``04/10/2024``):
    American English writes the month first, most other locales the day.
    ``east_asian_only`` keeps to the Japanese, Korean and year-first forms.
    """
    text = text.translate(_FULLWIDTH)
    found: dict[int, DateMention] = {}

    def add(start: int, end: int, value: date | None) -> None:
        if value is not None and start not in found:
            found[start] = DateMention(start, end, value)

    for match in _JA.finditer(text):
        if match.group("era"):
            eyear = match.group("eyear")
            year = _ERA_START[match.group("era")] + (1 if eyear == "元" else int(eyear))
        else:
            year = int(match.group("y"))
        add(match.start(), match.end(), make_date(year, int(match.group("m")), int(match.group("d"))))
    for pattern in (_KO, _YEAR_FIRST):
        for match in pattern.finditer(text):
            value = make_date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            add(match.start(), match.end(), value)
    if east_asian_only:
        return [found[start] for start in sorted(found)]
    for match in _DAY_FIRST.finditer(text):
        day, month, year = int(match.group("a")), int(match.group("b")), int(match.group("y"))
        reads_both_ways = day <= 12 and month <= 12
        if day <= 12 < month or (reads_both_ways and month_first and match.group("sep") == "/"):
            day, month = month, day
        add(match.start(), match.end(), make_date(year, month, day))
    names = _month_names()
    for pattern in _month_patterns():
        for match in pattern.finditer(text):
            month = names[match.group("mon").lower()]
            add(match.start(), match.end(), make_date(int(match.group("y")), month, int(match.group("d"))))
    return [found[start] for start in sorted(found)]


def parse_timestamp(value: str) -> Timestamp | None:
    """The date (and time, and UTC-ness) of a structured date value, or None if it holds no date."""
    value = value.strip().translate(_FULLWIDTH)
    match = _ISO_STAMP.search(value[:64])
    if match:
        day = make_date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        if day is None:
            return None
        if match.group("H") is None:
            return Timestamp(day)
        hour, minute, second = int(match.group("H")), int(match.group("M")), int(match.group("S") or 0)
        if hour > 23 or minute > 59 or second > 59:
            return Timestamp(day)
        zone = (match.group("tz") or "").upper().replace(":", "")
        return Timestamp(day, time(hour, minute, second), utc=zone in {"Z", "GMT", "UTC", "+0000", "-0000"})
    if value[:1].isalpha() and "," in value[:5]:
        try:
            stamp = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            stamp = None
        if stamp is not None and 1900 < stamp.year < 2100:
            utc = stamp.utcoffset() == timedelta(0)
            return Timestamp(stamp.date(), stamp.time().replace(microsecond=0), utc=utc)
    mentions = find_dates(value[:80])
    return Timestamp(mentions[0].value) if mentions else None
