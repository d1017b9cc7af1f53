"""``extract_article``: one fetched page to one :class:`Article`, or a typed rejection.

The page is decoded and parsed once (lxml, comments and processing
instructions dropped, as trafilatura's own parser does); that tree feeds every
step, in an order chosen so no step pays for a copy:

1. metadata (JSON-LD, Open Graph, ``<meta>``): title, canonical URL, authors;
2. publication date (:mod:`extractors.dates`), cheapest layers first;
3. main text (:mod:`extractors.maintext`), which prunes the tree in place and
   so runs last;
4. language of the main text (:mod:`extractors.language`);
5. the checks that turn a non-article into a typed error with its reason
   (an error page is told by its title, before any of the work above).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
from courlan import is_navigation_page
from lxml.html import HtmlElement
from trafilatura.utils import repair_faulty_html

from extractors.charset import decode_html
from extractors.dates import find_published
from extractors.errors import EmptyPage, ErrorPage, IndexPage, PaywallStub, TooShort
from extractors.language import detect_language
from extractors.maintext import extract_main_text, extract_plain_text
from extractors.metadata import PageMetadata, read_metadata
from extractors.models import Article
from extractors.urls import resolve_canonical

log = logging.getLogger(__name__)

# Bump when a change here alters what is stored for a page (see `newsfacts reextract`).
ARTICLE_EXTRACTOR_VERSION = "article-2026.12.3"

# Below these lengths the main text is not even a sentence or two: no article. CJK scripts pack
# about three times more per character. Short but real articles (a quote, a notice, a caption
# with a paragraph) are above them.
MIN_CHARS = {"ja": 25, "ko": 30, "zh": 20}
MIN_CHARS_DEFAULT = 80
# A short text: a listing when the page has many links and a listing's address (the site's front
# page, a section, tag, category, archive or page-N path).
SHORT_TEXT_CHARS = 350
_ERROR_TITLE = re.compile(
    r"\b(404|not found|page not found|error 50\d|access denied)\b"
    r"|ページが見つかりません|페이지를 찾을 수 없습니다",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Index pages: text made of link lines, or little text among many links.
_INDEX_MIN_ANCHORS = 30
_INDEX_LINK_LINE_SHARE = 0.6
_TEASER_LINK_CHARS = 20
_PARSER = lxml.html.HTMLParser(
    collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True
)


@dataclass(frozen=True, slots=True)
class _Page:
    html: str
    tree: HtmlElement
    metadata: PageMetadata
    encoding: str | None


def _parse(html: str, url: str) -> HtmlElement:
    if not html.strip():
        raise EmptyPage("the page has no content", url=url)
    if len(_CONTROL.findall(html[:4096])) > 40:
        raise EmptyPage("the response looks binary, not HTML", url=url)
    if _XML_DECLARATION.match(html):
        # lxml refuses text that still declares a byte encoding (XHTML pages).
        html = _XML_DECLARATION.sub("", html, count=1)
    # trafilatura's own repairs before parsing: characters XML forbids out, and the doctype
    # line that can make libxml2 lose the document (a page then parses without text).
    html = repair_faulty_html(html, html[:50].lower())
    try:
        return lxml.html.document_fromstring(html, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise EmptyPage(f"the HTML could not be parsed: {exc}", url=url) from exc


def _prepare(html: bytes | str, url: str, declared_charset: str | None) -> _Page:
    encoding: str | None = None
    if isinstance(html, bytes):
        html, encoding = decode_html(html, declared_charset)
    tree = _parse(html, url)
    return _Page(html, tree, read_metadata(tree), encoding)


def _short_lang(tag: str | None) -> str | None:
    if not tag:
        return None
    return tag.replace("_", "-").split("-")[0].lower() or None


def _language_hint(metadata: PageMetadata) -> str | None:
    """The page's language before its main text is known: declared, else read off title and summary."""
    declared = _short_lang(metadata.language)
    if declared:
        return declared
    return detect_language(f"{metadata.title or ''} {metadata.description or ''}")


def _link_line_share(text: str, anchors: set[str], *, openings: bool) -> float:
    """Share of the main text in lines that are (or, with ``openings``, open with) a whole link text.

    A listing's lines are headlines, or headlines followed by an outlet or a
    summary ("- Oracle to spend $8 billion in Japan Demo Tech Wire ..."); the
    second form is also how a roundup article reads, so it is counted only on
    pages that do not declare themselves articles.
    """
    by_start: dict[str, list[str]] = {}
    for anchor in anchors if openings else ():
        if len(anchor) >= _TEASER_LINK_CHARS:
            by_start.setdefault(anchor[:_TEASER_LINK_CHARS], []).append(anchor)
    total = linked = 0
    for raw in text.splitlines():
        line = " ".join(raw.split()).lstrip("-•* ")
        total += len(line)
        if line in anchors or any(line.startswith(a) for a in by_start.get(line[:_TEASER_LINK_CHARS], ())):
            linked += len(line)
    return linked / total if total else 0.0


def _anchor_texts(tree: HtmlElement) -> set[str]:
    anchors = {" ".join(a.text_content().split()) for a in tree.iter("a")}
    anchors.discard("")
    return anchors


def _check_not_error(metadata: PageMetadata, url: str) -> None:
    title = metadata.title or ""
    if _ERROR_TITLE.search(title):
        raise ErrorPage(f"the page is an error page (title {title[:80]!r})", url=url)


def _listing_address(url: str) -> bool:
    """Whether the URL is a site's front page or a listing path (section, tag, category, page N)."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    if not path and not parts.query:
        return True
    return is_navigation_page(f"/{path}/") if path else False


def _declares_article(metadata: PageMetadata) -> bool:
    """Whether the page says it is an article: a JSON-LD article object, or ``og:type`` article."""
    return bool(metadata.jsonld) or (metadata.first("og:type") or "").lower() == "article"


def _minimum(lang: str | None) -> int:
    return MIN_CHARS.get(lang or "", MIN_CHARS_DEFAULT)


def _with_standfirst(text: str, metadata: PageMetadata, url: str, lang: str | None) -> str:
    """``text``, or the page's description when the text is too short and the page declares an article.

    A declared article at an article's address whose text is not in its HTML
    (drawn by scripts) or not free to read still has a headline, a date and
    the publisher's own summary: a real article, kept with that summary as its
    text rather than lost as "too short".
    """
    if len(text) >= _minimum(lang) or not _declares_article(metadata) or _listing_address(url):
        return text
    standfirst = metadata.fullest_description
    return standfirst if len(standfirst) > len(text) else text


def _check_article(
    text: str, metadata: PageMetadata, anchors: set[str] | None, lang: str | None, url: str
) -> None:
    """Raise the typed reason a page is not an article (the rules: README, "Which pages are rejected").

    ``anchors`` is None for pages whose JSON-LD describes an article. A page
    that declares itself an article (JSON-LD or ``og:type``) at an address that
    is not a listing's is never taken for an index, however many links it has.
    """
    declared_article = _declares_article(metadata)
    listing_address = _listing_address(url)
    if anchors is not None and (listing_address or not declared_article):
        if _link_line_share(text, anchors, openings=not declared_article) > _INDEX_LINK_LINE_SHARE:
            raise IndexPage("the page lists links but carries no article", url=url)
        if listing_address and len(text) < SHORT_TEXT_CHARS and len(anchors) > _INDEX_MIN_ANCHORS:
            raise IndexPage("the page lists links but carries no article", url=url)
    minimum = _minimum(lang)
    if len(text) < minimum and metadata.is_paywalled:
        raise PaywallStub(f"only {len(text)} characters are free to read, fewer than {minimum}", url=url)
    if len(text) < minimum:
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
    page = _prepare(html, url, declared_charset)
    tree, metadata = page.tree, page.metadata
    _check_not_error(metadata, url)
    hint = _language_hint(metadata)
    published, date_source = find_published(
        tree, metadata, url=url, language=hint, fetched_at=fetched_at, html=page.html
    )
    # Anchors are counted before the main-text step prunes link blocks from the tree.
    anchors = None if metadata.jsonld else _anchor_texts(tree)
    titles = [t for t in (metadata.title, metadata.first("og:title"), metadata.title_tag) if t]
    text = extract_main_text(tree, url, titles=titles, article_body=metadata.article_body)
    if len(text) < SHORT_TEXT_CHARS:
        # The layers over trafilatura may have pruned a short article away: ask the library
        # alone, on the page as served, and keep its text when it finds more.
        plain = extract_plain_text(_parse(page.html, url), url, titles=titles)
        if len(plain) > len(text):
            text = plain
    language = detect_language(text) or hint
    standfirst = _with_standfirst(text, metadata, url, language)
    if standfirst is not text:
        text, language = standfirst, detect_language(standfirst) or hint
    _check_article(text, metadata, anchors, language, url)
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
        encoding=page.encoding,
        metadata={k: v for k, v in metadata.jsonld.items() if k != "articleBody"},
    )


def find_published_in_page(
    html: bytes | str, url: str, *, declared_charset: str | None = None, fetched_at: datetime | None = None
) -> date | None:
    """The publication date of any page, article or not (for date-only uses and benchmarks)."""
    page = _prepare(html, url, declared_charset)
    found, _source = find_published(
        page.tree,
        page.metadata,
        url=url,
        language=_language_hint(page.metadata),
        fetched_at=fetched_at,
        html=page.html,
    )
    return found
