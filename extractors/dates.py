"""Publication date of a page.

Layers, most trustworthy first:
1. JSON-LD ``datePublished`` of the article object;
2. publication ``<meta>`` tags (Open Graph ``article:published_time`` and the
   common publisher variants);
3. for Japanese and Korean pages, the visible date line in the local forms
   (``2024年4月10日``, ``令和6年4月10日``, ``2024년 4월 10일``, ``2024.04.10``),
   which generic extractors often miss;
4. htmldate's extensive search (URL, ``<time>``, text heuristics) asking for
   the original date rather than the last update.

A date after the fetch time is never accepted (publishers put "updated" or
event dates in pages; a publication date cannot be in the future).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta

import htmldate
from lxml.html import HtmlElement

from extractors.metadata import PageMetadata

log = logging.getLogger(__name__)

PUBLISHED_META_KEYS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
)

_ISO_PREFIX = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_ERA_START = {"令和": 2018, "平成": 1988, "昭和": 1925}
_JA_DATE = re.compile(
    r"(?:(?P<era>令和|平成|昭和)\s*(?P<eyear>元|\d{1,2})|(?P<year>(?:19|20)\d{2}))\s*年\s*"
    r"(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
)
_KO_DATE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*년\s*(?P<month>\d{1,2})\s*월\s*(?P<day>\d{1,2})\s*일")
_DOTTED_DATE = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})[.](?P<month>\d{1,2})[.](?P<day>\d{1,2})(?!\d)")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def parse_iso_date(value: str) -> date | None:
    """The calendar date at the start of an ISO-8601-ish string, as written."""
    match = _ISO_PREFIX.search(value)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_cjk_dates(text: str) -> list[date]:
    """Every Japanese, Korean or dotted date in ``text``, in order of appearance."""
    text = text.translate(_FULLWIDTH_DIGITS)
    found: list[tuple[int, date]] = []
    for match in _JA_DATE.finditer(text):
        if match.group("era"):
            eyear = match.group("eyear")
            year = _ERA_START[match.group("era")] + (1 if eyear == "元" else int(eyear))
        else:
            year = int(match.group("year"))
        parsed = _make_date(year, int(match.group("month")), int(match.group("day")))
        if parsed:
            found.append((match.start(), parsed))
    for pattern in (_KO_DATE, _DOTTED_DATE):
        for match in pattern.finditer(text):
            parsed = _make_date(int(match.group("year")), int(match.group("month")), int(match.group("day")))
            if parsed:
                found.append((match.start(), parsed))
    return [d for _, d in sorted(found, key=lambda pair: pair[0])]


def _not_future(candidate: date | None, latest: date) -> date | None:
    if candidate is None or candidate > latest or candidate.year < 1995:
        return None
    return candidate


def find_published(
    tree: HtmlElement,
    metadata: PageMetadata,
    *,
    url: str | None,
    language: str | None,
    fetched_at: datetime | None = None,
) -> tuple[date | None, str | None]:
    """``(date, source)`` where source names the layer that supplied the date."""
    latest = (fetched_at or datetime.now()).date() + timedelta(days=1)
    published = metadata.jsonld.get("datePublished")
    if isinstance(published, str):
        found = _not_future(parse_iso_date(published), latest)
        if found:
            return found, "jsonld"
    meta_value = metadata.first(*PUBLISHED_META_KEYS)
    if meta_value:
        found = _not_future(parse_iso_date(meta_value), latest)
        if found:
            return found, "meta"
    if language in {"ja", "ko", "zh"}:
        body = tree.find(".//body")
        visible = (body if body is not None else tree).text_content()
        for candidate in find_cjk_dates(visible[:20_000]):
            found = _not_future(candidate, latest)
            if found:
                return found, "dateline"
    try:
        guessed = htmldate.find_date(
            tree,
            url=url,
            original_date=True,
            extensive_search=True,
            max_date=latest.isoformat(),
        )
    except (ValueError, TypeError) as exc:  # htmldate raises on odd trees
        log.debug("htmldate failed on %s: %s", url, exc)
        guessed = None
    if guessed:
        found = _not_future(parse_iso_date(guessed), latest)
        if found:
            return found, "htmldate"
    return None, None
