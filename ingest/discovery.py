"""From a source to the article URLs it lists, fetching feeds and sitemaps.

Sitemap indexes are followed one level deep (news sitemaps are usually one
index over daily files), newest children first, within a budget of child
fetches. A homepage source fetches the page and reads the feeds it announces.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from crawler.client import Fetcher
from crawler.errors import FetchError, NotHTML, PermanentFetchError, TransientFetchError
from extractors.links import LinkEntry, NotAFeed, autodiscover_feeds, parse_feed, parse_sitemap
from extractors.urls import canonicalise_url
from ingest.sources import SourceSpec
from warehouse.records import PageRecord

log = logging.getLogger(__name__)

MAX_CHILD_SITEMAPS = 20
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Discovery:
    source: str
    entries: tuple[LinkEntry, ...]
    listings_fetched: int


def _raise_for(result: PageRecord) -> bytes:
    """Turn a failed listing fetch into its error so the task can retry transient ones."""
    if result.status == "fetched" and result.body is not None:
        return result.body
    reason = result.reason or result.status
    error = TransientFetchError if result.transient else PermanentFetchError
    raise error(result.detail or reason, url=result.url, reason=reason)


async def _listing(fetcher: Fetcher, url: str, delay: float | None) -> bytes:
    # Listings change constantly; they are fetched unconditionally.
    return _raise_for(await fetcher.fetch_page(url, accept="feed", delay_s=delay))


async def discover(fetcher: Fetcher, spec: SourceSpec) -> Discovery:
    """The article URLs a source lists now, filtered and de-duplicated."""
    fetched = 0
    entries: list[LinkEntry] = []
    if spec.kind == "urls":
        entries = [LinkEntry(u) for u in spec.urls]
    elif spec.kind in ("rss", "atom"):
        assert spec.url
        entries = _parse_feed(await _listing(fetcher, spec.url, spec.delay), spec.url)
        fetched = 1
    elif spec.kind == "sitemap":
        assert spec.url
        entries, fetched = await _walk_sitemap(fetcher, spec)
    elif spec.kind == "homepage":
        assert spec.url
        page = _raise_for(await fetcher.fetch_page(spec.url, accept="html", delay_s=spec.delay))
        fetched = 1
        feeds = autodiscover_feeds(page, spec.url)
        if not feeds:
            raise NotHTML("the homepage announces no feed", url=spec.url, reason="no_feed_found")
        for feed_url in feeds[:3]:
            entries += _parse_feed(await _listing(fetcher, feed_url, spec.delay), feed_url)
            fetched += 1
    seen: set[str] = set()
    kept = []
    for entry in entries:
        url = canonicalise_url(entry.url)
        if url in seen or not spec.wants(url) or not spec.in_range(entry.published):
            continue
        seen.add(url)
        kept.append(LinkEntry(url, entry.title, entry.published))
    if spec.max_pages is not None:
        kept = kept[: spec.max_pages]
    log.info("%s: %d article URLs from %d listing(s)", spec.name, len(kept), fetched)
    return Discovery(spec.name, tuple(kept), fetched)


def _parse_feed(data: bytes, url: str) -> list[LinkEntry]:
    try:
        return parse_feed(data, url)
    except NotAFeed as exc:
        raise FetchError(str(exc), url=url, reason="bad_feed") from exc


async def _walk_sitemap(fetcher: Fetcher, spec: SourceSpec) -> tuple[list[LinkEntry], int]:
    assert spec.url
    try:
        root = parse_sitemap(await _listing(fetcher, spec.url, spec.delay), spec.url)
    except NotAFeed as exc:
        raise FetchError(str(exc), url=spec.url, reason="bad_sitemap") from exc
    fetched = 1
    pages = list(root.pages)
    children = sorted(root.children, key=lambda e: e.published or _EPOCH, reverse=True)
    for child in children[:MAX_CHILD_SITEMAPS]:
        try:
            sub = parse_sitemap(await _listing(fetcher, child.url, spec.delay), child.url)
        except (FetchError, NotAFeed) as exc:
            log.warning("%s: child sitemap %s skipped: %s", spec.name, child.url, exc)
            continue
        fetched += 1
        pages += sub.pages
    return pages, fetched
