"""Publication date of a page.

Layers, most trustworthy first; the first that yields a plausible date wins:

1. ``jsonld``: the article object's ``datePublished`` (``dateCreated`` when
   that is missing), never ``dateModified``;
2. ``meta``: publication ``<meta>`` tags (Open Graph ``article:published_time``
   and the common publisher and Dublin Core variants);
   (for both, a full date in the URL path more than two days away wins: the
   structured date is then a template's stale or recycled timestamp);
3. ``dateline``, when the date line below the headline labels an update beside
   the original date (``Updated April 12 · Published April 10``): the original;
4. ``htmldate``: htmldate's extensive search, asking for the original date.
   On pages without structured dates it is more often right than the layers
   below (measured on pages neither was tuned on, see README), except on
   Japanese, Korean and Chinese pages, where it runs last;
5. ``time``: a ``<time datetime>`` element marked as the publication time
   (``itemprop="datePublished"``, ``pubdate``, a "published" class), else the
   first one after the headline that is not marked as an update;
6. ``dateline``: the date line printed next to the headline, in any form
   :mod:`extractors.datetext` reads (``April 10, 2024``, ``10.04.2024``,
   ``2024年4月10日``, ``令和6年4月10日``, ``2024년 4월 10일``, ``2024.04.10``);
   a date labelled as an update (``Updated``, ``更新``, ``수정``) is used only
   when the line holds no other;
7. ``url``: a full date in the URL path (``/2024/04/10/``, ``/2017/7/12/``).

A date after the fetch time is never accepted (publishers put "updated" or
event dates in pages; a publication date cannot be in the future).

Structured timestamps are often written in UTC. Near midnight the UTC day is
not the newsroom's day, so a UTC timestamp is moved to the site's local time:
the URL's own date settles it when it is one day off in the right direction,
otherwise the time zone of the site's country (its country-code domain or
declared locale, ``data/date_words.toml``).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import htmldate
import lxml.etree
from lxml.html import HtmlElement

from extractors.datetext import DateMention, Timestamp, find_dates, make_date, parse_timestamp
from extractors.metadata import PageMetadata
from extractors.rulefiles import load_rules, strings

log = logging.getLogger(__name__)

PUBLISHED_META_KEYS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "date",
)

# ``/2024/04/10/``, ``/20240410``, ``/2024-04-10-slug``; unpadded only between slashes
# (``/2017/7/12/``), so ``/2023/10/3-questions-for`` is not a date.
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})(?:[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?=[/._-]|$)"
    r"|/([1-9]|1[0-2])/([1-9]|[12]\d|3[01])(?=/|$))"
)
# A full date in the URL path wins over a structured date more than this many days away
# from it (a template's stale or recycled timestamp); closer, the structured date's time
# settles which of the two days it is (see newsroom_day).
_URL_OVERRIDES_AFTER_DAYS = 2
# Text a reader does not see, or that dates something else (a photo, a menu entry).
_SKIP_TEXT = frozenset({"script", "style", "noscript", "template", "svg", "select", "option", "figcaption"})
_DATELINE_AFTER_CHARS = 400
_DATELINE_BEFORE_CHARS = 160
_VISIBLE_CHARS = 20_000
_EAST_ASIAN = frozenset({"ja", "ko", "zh"})
_DAY_FIRST_ENGLISH = frozenset({"uk", "gb", "ie", "au", "nz", "in", "za", "sg", "my", "pk", "ng", "ke"})
# A UTC timestamp is moved onto the URL's date only when the hour allows it for
# newsrooms between UTC-8 and UTC+10, so a story dated in its URL the day before
# it went out (a common CMS habit) is not pulled back a day.
_URL_BEHIND_BEFORE_HOUR = 8
_URL_AHEAD_FROM_HOUR = 14


def parse_iso_date(value: str) -> date | None:
    """The calendar date of a structured date value (ISO 8601 and friends), as written."""
    stamp = parse_timestamp(value)
    return stamp.day if stamp else None


def find_cjk_dates(text: str) -> list[date]:
    """Every Japanese, Korean or year-first numeric date in ``text``, in order of appearance."""
    return [mention.value for mention in find_dates(text, east_asian_only=True)]


def date_in_url(url: str | None) -> date | None:
    """A full year-month-day in the URL path (``/2024/04/10/``, ``/20240410/``), if any."""
    if not url:
        return None
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    month, day = (match.group(2), match.group(3)) if match.group(2) else (match.group(4), match.group(5))
    return make_date(int(match.group(1)), int(month), int(day))


@cache
def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.debug("time zone %s unavailable; UTC dates stay as written", name)
        return None


def site_zone(url: str | None, locale: str | None) -> tzinfo | None:
    """The main time zone of the site's country: its country-code domain, else its locale's region."""
    zones: dict[str, str] = load_rules("date_words.toml").get("zones", {})
    host = (urlsplit(url).hostname or "") if url else ""
    country = host.rsplit(".", 1)[-1] if "." in host else ""
    if country not in zones and locale:
        parts = re.split(r"[-_]", locale.strip())
        country = parts[-1].lower() if len(parts) > 1 and len(parts[-1]) == 2 else ""
    name = zones.get(country)
    return _zone(name) if name else None


def newsroom_day(stamp: Timestamp, zone: tzinfo | None, url_day: date | None) -> date:
    """The calendar day a timestamp names where the story was filed (see the module docstring)."""
    if not stamp.utc or stamp.clock is None:
        return stamp.day
    hour = stamp.clock.hour
    if url_day is not None:
        if url_day == stamp.day - timedelta(days=1) and hour < _URL_BEHIND_BEFORE_HOUR:
            return url_day
        if url_day == stamp.day + timedelta(days=1) and hour >= _URL_AHEAD_FROM_HOUR:
            return url_day
        return stamp.day
    if zone is None:
        return stamp.day
    return datetime.combine(stamp.day, stamp.clock, tzinfo=UTC).astimezone(zone).date()


@cache
def _update_labels() -> tuple[re.Pattern[str], re.Pattern[str]]:
    labels = load_rules("date_words.toml").get("labels", {})
    before = "|".join(re.escape(w) for w in strings(labels, "updated_before"))
    after = "|".join(re.escape(w) for w in strings(labels, "updated_after"))
    return (
        re.compile(
            rf"(?:{before})\s*(?:on|at|le|el|am|il|日|일)?\s*[:：]?\s*[\w,.()（）]{{0,12}}\s*$", re.IGNORECASE
        ),
        re.compile(rf"^\s*[\d:：\s時分()（）AaPpMm.]{{0,12}}(?:{after})", re.IGNORECASE),
    )


def _is_update(text: str, mention: DateMention) -> bool:
    before, after = _update_labels()
    return bool(before.search(text[max(0, mention.start - 30) : mention.start])) or bool(
        after.match(text[mention.end : mention.end + 24])
    )


def _texts(node: HtmlElement) -> Iterator[str]:
    """The text pieces inside ``node`` in document order, skipping scripts, styles and comments."""
    skipping: HtmlElement | None = None
    for event, element in lxml.etree.iterwalk(node, events=("start", "end")):
        if skipping is not None:
            if event == "end" and element is skipping:
                skipping = None
                if element is not node and element.tail:
                    yield element.tail
            continue
        if event == "start":
            if not isinstance(element.tag, str) or element.tag in _SKIP_TEXT:
                skipping = element
            elif element.text:
                yield element.text
        elif element is not node and element.tail:
            yield element.tail


def _visible_text(nodes: Iterator[HtmlElement], limit: int) -> str:
    """The visible text of ``nodes`` (and their descendants), up to about ``limit`` characters."""
    parts: list[str] = []
    size = 0
    for node in nodes:
        pieces = _texts(node) if isinstance(node.tag, str) else iter(())
        for piece in itertools.chain(pieces, [node.tail or ""]):
            parts.append(piece)
            size += len(piece)
            if size >= limit:
                return " ".join(parts)[:limit]
    return " ".join(parts)


def _following(element: HtmlElement) -> Iterator[HtmlElement]:
    """Elements after ``element`` in document order, nearest first, climbing out of its parents."""
    node: HtmlElement | None = element
    while node is not None:
        yield from node.itersiblings()
        node = node.getparent()


def _preceding(element: HtmlElement, levels: int = 3) -> Iterator[HtmlElement]:
    node: HtmlElement | None = element
    for _ in range(levels):
        if node is None:
            return
        yield from node.itersiblings(preceding=True)
        node = node.getparent()


def find_headline(tree: HtmlElement, metadata: PageMetadata) -> HtmlElement | None:
    """The heading that carries the article's title (some templates use h2 or h3), else the first h1."""
    title = " ".join((metadata.title or "").split()).lower()
    headings = tree.xpath("//h1 | //h2 | //h3")
    if title:
        for heading in headings:
            text = " ".join(heading.text_content().split()).lower()
            if len(text) >= 10 and (text in title or title in text):
                return heading
    return next((h for h in headings if h.tag == "h1"), None)


def _first_original(text: str, mentions: list[DateMention], latest: date) -> date | None:
    plausible = [m for m in mentions if _plausible(m.value, latest)]
    for mention in plausible:
        if not _is_update(text, mention):
            return mention.value
    return plausible[0].value if plausible else None


def writes_month_first(url: str | None, locale: str | None) -> bool:
    """Whether ``04/10/2024`` means April 10: on English pages, unless their country puts the day first."""
    parts = re.split(r"[-_]", (locale or "").strip().lower())
    if parts[0] != "en":
        return False
    host = (urlsplit(url).hostname or "") if url else ""
    country = parts[-1] if len(parts) > 1 else host.rsplit(".", 1)[-1]
    return country not in _DAY_FIRST_ENGLISH


def labelled_dateline(
    tree: HtmlElement, heading: HtmlElement | None, *, latest: date, month_first: bool = False
) -> date | None:
    """The original date of a date line below the headline that also labels an update.

    Such a line says which of its dates is which ("Updated April 12 · Published
    April 10"), which no search of the page as a whole can know.
    """
    if heading is None:
        return None
    after = _visible_text(_following(heading), _DATELINE_AFTER_CHARS)
    plausible = [m for m in find_dates(after, month_first=month_first) if _plausible(m.value, latest)]
    updates = [_is_update(after, m) for m in plausible]
    if not any(updates) or all(updates):
        return None
    return next(m.value for m, update in zip(plausible, updates, strict=True) if not update)


def find_dateline(
    tree: HtmlElement,
    heading: HtmlElement | None,
    *,
    language: str | None,
    latest: date,
    month_first: bool = False,
) -> date | None:
    """The date printed with the headline (just below it, else just above it).

    Japanese, Korean and Chinese pages without an ``<h1>`` are searched from
    the top of their visible text, but only for the East Asian and year-first
    numeric forms, which are not confused with prices or scores.
    ``month_first`` reads ambiguous numeric dates the American way.
    """
    if heading is None:
        if language not in {"ja", "ko", "zh"}:
            return None
        body = tree.find(".//body")
        text = _visible_text(iter([body if body is not None else tree]), _VISIBLE_CHARS)
        return _first_original(text, find_dates(text, east_asian_only=True), latest)
    after = _visible_text(_following(heading), _DATELINE_AFTER_CHARS)
    found = _first_original(after, find_dates(after, month_first=month_first), latest)
    if found:
        return found
    before = _visible_text(_preceding(heading), 4 * _DATELINE_BEFORE_CHARS)[:_DATELINE_BEFORE_CHARS]
    mentions = find_dates(before, month_first=month_first)
    return _first_original(before, mentions[-1:], latest)


_PUBLISHED_TIME = (
    "//time[@datetime][@itemprop='datePublished' or @pubdate"
    " or contains(@class, 'publish') or contains(@class, 'posted')]"
)
_TIME_AFTER = "following::time[@datetime][1]"
_UPDATE_MARK = re.compile(r"updat|modif|edit", re.IGNORECASE)


def find_time_element(tree: HtmlElement, heading: HtmlElement | None) -> Timestamp | None:
    """The ``datetime`` of the ``<time>`` element that dates the article (see layer 3)."""
    for element in tree.xpath(_PUBLISHED_TIME):
        stamp = parse_timestamp(element.get("datetime") or "")
        if stamp is not None:
            return stamp
    for element in heading.xpath(_TIME_AFTER) if heading is not None else ():
        marks = " ".join(element.get(name) or "" for name in ("class", "itemprop", "id"))
        if not _UPDATE_MARK.search(marks):
            return parse_timestamp(element.get("datetime") or "")
    return None


def _plausible(candidate: date | None, latest: date) -> bool:
    return candidate is not None and candidate.year >= 1995 and candidate <= latest


def _structured(metadata: PageMetadata) -> Iterator[tuple[str, str]]:
    for key in ("datePublished", "dateCreated"):
        value = metadata.jsonld.get(key)
        if isinstance(value, str) and value.strip():
            yield "jsonld", value
            break
    for key in PUBLISHED_META_KEYS:
        value = metadata.meta.get(key)
        if value:
            yield "meta", value


def _htmldate(tree: HtmlElement, html: str | None, url: str | None, latest: date) -> date | None:
    """htmldate's extensive search for the original date, if it finds a plausible one.

    Given the page's text, htmldate parses it itself: that is faster than the
    deep copy it makes of a tree it is handed (it prunes its copy).
    """
    try:
        guessed = htmldate.find_date(
            html if html is not None else tree,
            url=url,
            original_date=True,
            extensive_search=True,
            max_date=latest.isoformat(),
        )
    except (ValueError, TypeError) as exc:  # htmldate raises on odd trees
        log.debug("htmldate failed on %s: %s", url, exc)
        return None
    guessed_day = parse_iso_date(guessed) if guessed else None
    return guessed_day if guessed_day is not None and _plausible(guessed_day, latest) else None


def _url_disagrees(url_day: date | None, day: date, latest: date) -> bool:
    if url_day is None or not _plausible(url_day, latest):
        return False
    return abs((day - url_day).days) > _URL_OVERRIDES_AFTER_DAYS


def find_published(
    tree: HtmlElement,
    metadata: PageMetadata,
    *,
    url: str | None,
    language: str | None,
    fetched_at: datetime | None = None,
    html: str | None = None,
) -> tuple[date | None, str | None]:
    """``(date, source)`` where source names the layer that supplied the date.

    ``html`` is the page's decoded text, if at hand (htmldate reads it faster than the tree).
    """
    latest = (fetched_at or datetime.now()).date() + timedelta(days=1)
    url_day = date_in_url(url)
    zone = site_zone(url, metadata.language)
    for source, value in _structured(metadata):
        stamp = parse_timestamp(value)
        if stamp is not None:
            day = newsroom_day(stamp, zone, url_day)
            if _plausible(day, latest):
                if _url_disagrees(url_day, day, latest):
                    return url_day, "url"
                return day, source
    east_asian = language in _EAST_ASIAN
    heading = find_headline(tree, metadata)
    month_first = writes_month_first(url, metadata.language or language)
    if not east_asian:
        labelled = labelled_dateline(tree, heading, latest=latest, month_first=month_first)
        if labelled:
            return labelled, "dateline"
        guessed_day = _htmldate(tree, html, url, latest)
        if guessed_day is not None:
            return guessed_day, "htmldate"
    stamp = find_time_element(tree, heading)
    if stamp is not None:
        day = newsroom_day(stamp, zone, url_day)
        if _plausible(day, latest):
            return day, "time"
    found = find_dateline(tree, heading, language=language, latest=latest, month_first=month_first)
    if found:
        return found, "dateline"
    if url_day and _plausible(url_day, latest):
        return url_day, "url"
    if east_asian:
        guessed_day = _htmldate(tree, html, url, latest)
        if guessed_day is not None:
            return guessed_day, "htmldate"
    return None, None
