"""Horizons as written ("over two years", "2027年までに", "향후 10년간") and their end dates.

FACTS.md keeps the horizon verbatim and derives ``period_end`` where the text
allows: "by 2027" ends on 2027-12-31, "by March 2027" on 2027-03-31, a
Japanese fiscal year ("2024年度") on 31 March of the next year, and a duration
("over two years") runs from the publication date. Recurring periods ("per
year", "年間") and open ones ("장기적으로") have no end.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from extractors.facts.rules import LanguageRules

_MONTHS = {name: index for index, name in enumerate(calendar.month_name) if name}


@dataclass(frozen=True, slots=True)
class Horizon:
    """The period text and, when derivable, its last day."""

    text: str
    period_end: date | None


def find_horizon(
    text: str, start: int, end: int, rules: LanguageRules, published: date | None
) -> Horizon | None:
    """The first horizon in ``text[start:end]``, with its end date when derivable."""
    best: tuple[int, Horizon] | None = None
    for rule in rules.horizons:
        match = rule.pattern.search(text, start, end)
        if match is None or (best is not None and match.start() >= best[0]):
            continue
        period_end = _period_end(match, rule.kind, rules, published)
        best = (match.start(), Horizon(match.group().strip(), period_end))
    return None if best is None else best[1]


def _period_end(match: re.Match[str], kind: str, rules: LanguageRules, published: date | None) -> date | None:
    groups = {k: v for k, v in match.groupdict().items() if v}
    if kind in ("until", "fiscal_until") and "year" in groups:
        year = _full_year(groups["year"])
        if kind == "fiscal_until" or "fiscal" in groups:
            return date(year + 1, 3, 31)
        month = _month(groups.get("month"))
        if month:
            return date(year, month, calendar.monthrange(year, month)[1])
        return date(year, 12, 31)
    if kind == "duration" and published is not None and "n" in groups:
        count = _count(groups["n"], rules)
        unit = groups.get("unit", "year").lower()
        if count is None:
            return None
        if groups["n"].lower() == "decade":
            return _add_years(published, 10)
        if unit.startswith("decade"):
            return _add_years(published, 10 * count)
        if unit.startswith(("year", "-year", "年", "년")):
            return _add_years(published, count)
        if unit.startswith(("month", "カ月", "か月", "ヶ月", "개월")):
            return _add_months(published, count)
        if unit.startswith(("day", "日", "일")):
            return date.fromordinal(published.toordinal() + count)
    return None


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _month(text: str | None) -> int | None:
    if not text:
        return None
    digits = re.match(r"\d+", text)
    if digits:
        value = int(digits.group())
        return value if 1 <= value <= 12 else None
    return _MONTHS.get(text.capitalize())


def _count(text: str, rules: LanguageRules) -> int | None:
    if text.isdigit():
        return int(text)
    return rules.numbers.get(text.lower())


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
