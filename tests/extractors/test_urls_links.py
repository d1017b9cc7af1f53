from datetime import date

import pytest

from extractors.links import NotAFeed, autodiscover_feeds, parse_feed, parse_sitemap
from extractors.urls import canonicalise_url, resolve_canonical


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://WWW.Example.COM:443/a/b?utm_source=x&id=3#frag", "https://example.com/a/b?id=3"),
        ("http://example.com:80/x?b=2&a=1&fbclid=zz", "http://example.com/x?a=1&b=2"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com", "https://example.com/"),
        ("http://[::1]:8000/a", "http://[::1]:8000/a"),
    ],
)
def test_canonicalise_url(raw: str, expected: str) -> None:
    assert canonicalise_url(raw) == expected


def test_resolve_canonical_relative_and_bad_scheme() -> None:
    assert (
        resolve_canonical("https://news.example/a?utm_medium=rss", "/story/1")
        == "https://news.example/story/1"
    )
    assert resolve_canonical("https://news.example/a", "javascript:alert(1)") == "https://news.example/a"
    assert resolve_canonical("https://news.example/a", None) == "https://news.example/a"


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>One</title><link href="/2024/04/one.html"/><updated>2024-04-10T09:00:00Z</updated></entry>
<entry><title>Two</title><link rel="alternate" href="https://other.example/two"/>
<published>2024-04-11T09:00:00+09:00</published></entry>
</feed>"""


def test_atom_feed() -> None:
    entries = parse_feed(ATOM, "https://news.example/feed.atom")
    assert [e.url for e in entries] == ["https://news.example/2024/04/one.html", "https://other.example/two"]
    assert entries[0].published == date(2024, 4, 10)


def test_demo_rss_feed(demo_manifest: list[dict]) -> None:
    from tests.conftest import DEMO

    data = (DEMO / "site" / "feed.xml").read_bytes().replace(b"{{BASE_URL}}", b"http://demo.test")
    entries = parse_feed(data, "http://demo.test/feed.xml")
    assert {e.url for e in entries} == {f"http://demo.test/{p['path']}" for p in demo_manifest}


def test_not_a_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_feed(b"\x00\x01 binary", "https://x.example/feed")


SITEMAP_INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/sm-2024-04.xml</loc><lastmod>2024-04-30</lastmod></sitemap>
<sitemap><loc>https://news.example/sm-2024-03.xml</loc></sitemap></sitemapindex>"""

NEWS_SITEMAP = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/a.html</loc><news:news><news:publication>
<news:name>N</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2024-04-09T10:00:00+00:00</news:publication_date>
<news:title>Microsoft in Japan</news:title></news:news></url>
<url><loc>https://news.example/b.html</loc><lastmod>2024-04-08</lastmod></url></urlset>"""


def test_sitemap_index_and_news_sitemap() -> None:
    index = parse_sitemap(SITEMAP_INDEX, "https://news.example/sitemap.xml")
    assert [c.url for c in index.children] == [
        "https://news.example/sm-2024-04.xml",
        "https://news.example/sm-2024-03.xml",
    ]
    assert not index.pages
    pages = parse_sitemap(NEWS_SITEMAP, "https://news.example/news.xml").pages
    assert [(p.url, p.published, p.title) for p in pages] == [
        ("https://news.example/a.html", date(2024, 4, 9), "Microsoft in Japan"),
        ("https://news.example/b.html", date(2024, 4, 8), None),
    ]


def test_sitemap_rejects_html() -> None:
    with pytest.raises(NotAFeed):
        parse_sitemap(b"<html><body>hi</body></html>", "https://x.example/")


def test_autodiscovery_on_demo_homepage() -> None:
    from tests.conftest import DEMO

    html = (DEMO / "site" / "index.html").read_bytes().replace(b"{{BASE_URL}}", b"http://demo.test")
    assert autodiscover_feeds(html, "http://demo.test/") == ["http://demo.test/feed.xml"]
