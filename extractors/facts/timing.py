"""Whether a fact is background: context for the article's news, not the news itself.

FACTS.md marks earlier or other commitments ("Last year, ...", "In January,
Amazon announced ...", "AWS는 앞서 ...") as background. Cues come from the
language rules; a month or year before the publication date counts too (a
month is read as this year's, so "1月" in an April article is past).
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from extractors.facts.rules import LanguageRules

_YEAR = re.compile(r"(?<![0-9])(20[0-9]{2})(?![0-9])")
_MONTH_NAMES = {name: index for index, name in enumerate(calendar.month_name) if name}


def is_background(sentence: str, rules: LanguageRules, published: date | None) -> bool:
    """True when ``sentence`` reads as context rather than news."""
    if rules.background.search(sentence):
        return True
    if published is None:
        return False
    for match in rules.year_cue.finditer(sentence):
        if int(match.group("year")) < published.year:
            return True
    for match in rules.month_cue.finditer(sentence):
        groups = match.groupdict()
        month = (
            int(groups["month"])
            if groups.get("month")
            else _MONTH_NAMES.get(groups.get("monthname") or "", 0)
        )
        before = sentence[max(0, match.start() - 4) : match.start()]
        after = sentence[match.end() : match.end() + 12]
        around = sentence[max(0, match.start() - 8) : match.start()] + " " + after
        later_year = any(int(year) >= published.year for year in _YEAR.findall(around))
        future = later_year or any(word in before for word in ("내년", "来年", "next", "오는"))
        if 1 <= month < published.month and not future:
            return True
    return False
