"""Article URLs out of feeds, sitemaps and homepages: pure parsing, no fetching.

Feeds (RSS 0.9x/1.0/2.0, Atom) go through feedparser, which copes with the
malformed XML real publishers serve. Sitemaps are small, regular XML parsed
with lxml's recovering parser: a ``urlset`` yields pages (with ``lastmod`` or
the Google News ``publication_date``), a ``sitemapindex`` yields child
sitemaps. Homepages yield the feeds they announce with
``<link rel="alternate">``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin

import feedparser
import lxml.etree
from bs4 import BeautifulSoup
from bs4.filter import SoupStrainer

from extractors.dates import parse_iso_date

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
)


@dataclass(frozen=True, slots=True)
class LinkEntry:
    """One discovered URL with what the listing said about it."""

    url: str
    title: str | None = None
    published: date | None = None


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: pages (``urlset``) or child sitemaps (``sitemapindex``)."""

    pages: tuple[LinkEntry, ...] = ()
    children: tuple[LinkEntry, ...] = ()


class NotAFeed(ValueError):
    """The bytes are neither a feed nor a sitemap."""


def parse_feed(data: bytes, base_url: str) -> list[LinkEntry]:
    """Entries of an RSS or Atom feed, in feed order; raises :class:`NotAFeed`."""
    parsed = feedparser.parse(data, response_headers={"content-location": base_url})
    if not parsed.entries and (parsed.bozo and not parsed.feed):
        raise NotAFeed(f"not a feed: {parsed.get('bozo_exception')}")
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or next(
            (lk.get("href") for lk in entry.get("links", []) if lk.get("href")), None
        )
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None
        entries.append(LinkEntry(urljoin(base_url, link), entry.get("title"), published))
    return entries


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_sitemap(data: bytes, base_url: str) -> Sitemap:
    """A sitemap or sitemap index (Google News extensions included)."""
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = lxml.etree.fromstring(data.strip(), parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise NotAFeed(f"sitemap is not XML: {exc}") from exc
    if root is None:
        raise NotAFeed("sitemap is empty")
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise NotAFeed(f"root element <{kind}> is not a sitemap")
    found: list[LinkEntry] = []
    for item in root:
        loc = None
        stamp = None
        title = None
        for node in item.iter():
            name = _local(node.tag)
            text = (node.text or "").strip()
            if name == "loc" and loc is None and text:
                loc = text
            elif name in ("publication_date", "lastmod") and text and stamp is None:
                stamp = parse_iso_date(text)
            elif name == "title" and text:
                title = text
        if loc:
            found.append(LinkEntry(urljoin(base_url, loc), title, stamp))
    if kind == "sitemapindex":
        return Sitemap(children=tuple(found))
    return Sitemap(pages=tuple(found))


def autodiscover_feeds(html: str | bytes, base_url: str) -> list[str]:
    """Feed URLs a page announces with ``<link rel="alternate" type="…rss+xml">``.

    Homepages are the messiest HTML a crawler meets (unclosed heads, scripts
    full of markup), so this uses BeautifulSoup, which never gives up on a
    document, and parses only the ``<link>`` elements.
    """
    soup = BeautifulSoup(html, "lxml", parse_only=SoupStrainer("link"))
    feeds = []
    for link in soup.find_all("link"):
        rel: str | list[str] = link.get("rel") or []
        rels = [r.lower() for r in (rel.split() if isinstance(rel, str) else rel)]
        kind = str(link.get("type") or "").lower().split(";")[0].strip()
        href = link.get("href")
        if "alternate" in rels and kind in FEED_TYPES and isinstance(href, str) and href.strip():
            feeds.append(urljoin(base_url, href.strip()))
    return list(dict.fromkeys(feeds))
