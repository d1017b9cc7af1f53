"""``extract_article``: one fetched page to one :class:`Article`, or a typed rejection.

The page is parsed once (lxml) and that tree feeds every step. Main text comes
from trafilatura (the best-scoring open extractor on the article-body
benchmark); the JSON-LD ``articleBody`` a publisher ships replaces it when it
is clearly the fuller text. Title, canonical URL, authors and language come
from structured metadata first.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement

from extractors.charset import decode_html
from extractors.dates import find_published
from extractors.errors import EmptyPage, ErrorPage, IndexPage, PaywallStub, TooShort
from extractors.language import detect_language
from extractors.metadata import PageMetadata, read_metadata
from extractors.models import Article
from extractors.urls import resolve_canonical

log = logging.getLogger(__name__)

# Bump when a change here alters what is stored for a page (see `newsfacts reextract`).
ARTICLE_EXTRACTOR_VERSION = "article-2026.11.1"

# Minimum main-text length: CJK scripts pack about three times more per character.
MIN_CHARS = {"ja": 120, "ko": 150, "zh": 100}
MIN_CHARS_DEFAULT = 350
_CJK_LANGS = frozenset(MIN_CHARS)
_ERROR_TITLE = re.compile(
    r"\b(404|not found|page not found|error 50\d|access denied)\b"
    r"|ページが見つかりません|페이지를 찾을 수 없습니다",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _parse(html: str, url: str) -> HtmlElement:
    if not html.strip():
        raise EmptyPage("the page has no content", url=url)
    if len(_CONTROL.findall(html[:4096])) > 40:
        raise EmptyPage("the response looks binary, not HTML", url=url)
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise EmptyPage(f"the HTML could not be parsed: {exc}", url=url) from exc
    return tree


def _main_text(tree: HtmlElement, metadata: PageMetadata, url: str) -> str:
    text = trafilatura.extract(tree, url=url, include_comments=False, include_tables=False) or ""
    body = metadata.article_body
    if body and len(body) > 1.3 * len(text):
        text = body
    return text.strip()


def _link_share(text: str, tree: HtmlElement) -> float:
    """Share of the main text made of lines that are whole link texts (a listing's signature)."""
    anchors = {" ".join(a.text_content().split()) for a in tree.iterfind(".//a")}
    anchors.discard("")
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    total = sum(len(line) for line in lines) or 1
    return sum(len(line) for line in lines if line.lstrip("-•* ") in anchors) / total


def _check_article(text: str, metadata: PageMetadata, tree: HtmlElement, lang: str | None, url: str) -> None:
    title = metadata.title or ""
    if _ERROR_TITLE.search(title):
        raise ErrorPage(f"the page is an error page (title {title[:80]!r})", url=url)
    if not metadata.jsonld and _link_share(text, tree) > 0.6:
        raise IndexPage("the page lists links but carries no article", url=url)
    minimum = MIN_CHARS.get(lang or "", MIN_CHARS_DEFAULT)
    if len(text) < minimum:
        if metadata.is_paywalled:
            raise PaywallStub(f"only a {len(text)}-character teaser is free to read", url=url)
        if not metadata.jsonld and len(tree.xpath("//a")) > 30:
            raise IndexPage("the page lists links but carries no article", url=url)
        raise TooShort(f"main text has {len(text)} characters, fewer than {minimum}", url=url)


def extract_article(
    html: bytes | str,
    url: str,
    *,
    declared_charset: str | None = None,
    fetched_at: datetime | None = None,
) -> Article:
    """Turn one page into an :class:`Article`.

    ``html`` may be bytes (decoded via ``declared_charset``, BOM, ``<meta>``,
    then detection) or already-decoded text. Raises a subclass of
    :class:`extractors.errors.NotAnArticle` when the page is not an article.
    """
    tree, metadata, encoding = _prepare(html, url, declared_charset)
    text = _main_text(tree, metadata, url)
    language = detect_language(text) or _short_lang(metadata.language)
    _check_article(text, metadata, tree, language, url)
    published, date_source = find_published(tree, metadata, url=url, language=language, fetched_at=fetched_at)
    canonical = resolve_canonical(url, metadata.canonical or metadata.first("og:url"))
    return Article(
        url=url,
        canonical_url=canonical,
        title=(metadata.title or "").strip(),
        text=text,
        published=published,
        language=language,
        authors=metadata.authors,
        description=metadata.description,
        site_name=metadata.site_name,
        date_source=date_source,
        encoding=encoding,
        metadata={k: v for k, v in metadata.jsonld.items() if k != "articleBody"},
    )


def _prepare(
    html: bytes | str, url: str, declared_charset: str | None
) -> tuple[HtmlElement, PageMetadata, str | None]:
    encoding: str | None = None
    if isinstance(html, bytes):
        html, encoding = decode_html(html, declared_charset)
    tree = _parse(html, url)
    return tree, read_metadata(tree), encoding


def find_published_in_page(
    html: bytes | str, url: str, *, declared_charset: str | None = None, fetched_at: datetime | None = None
) -> date | None:
    """The publication date of any page, article or not (for date-only uses and benchmarks)."""
    tree, metadata, _ = _prepare(html, url, declared_charset)
    body = tree.find(".//body")
    sample = (body if body is not None else tree).text_content()[:5000]
    found, _source = find_published(
        tree, metadata, url=url, language=detect_language(sample), fetched_at=fetched_at
    )
    return found


def _short_lang(tag: str | None) -> str | None:
    if not tag:
        return None
    return tag.replace("_", "-").split("-")[0].lower() or None
