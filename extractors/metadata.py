"""Structured metadata a page carries: JSON-LD, Open Graph, ``<meta>``, canonical link.

Publishers describe their articles far more reliably in structured data than
in their layout, so this is read first and the layout heuristics only fill
the gaps. Only the JSON-LD object that describes the article itself is used
(``NewsArticle`` and its relatives, also inside ``@graph``), never a
breadcrumb or the publisher's ``Organization``.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

log = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "TechArticle",
        "Report",
    }
)


@dataclass(slots=True)
class PageMetadata:
    """What the page says about itself; every field optional."""

    jsonld: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    canonical: str | None = None
    html_lang: str | None = None
    title_tag: str | None = None

    def first(self, *keys: str) -> str | None:
        """The first non-empty ``<meta>`` value among ``keys`` (lower-case names)."""
        for key in keys:
            value = self.meta.get(key)
            if value:
                return value
        return None

    @property
    def title(self) -> str | None:
        headline = self.jsonld.get("headline") or self.jsonld.get("name")
        if isinstance(headline, str) and headline.strip():
            return _unescape(headline)
        return self.first("og:title", "twitter:title") or self.title_tag

    @property
    def description(self) -> str | None:
        desc = self.jsonld.get("description")
        if isinstance(desc, str) and desc.strip():
            return _unescape(desc)
        return self.first("og:description", "description", "twitter:description")

    @property
    def fullest_description(self) -> str:
        """The longest of the page's summaries (JSON-LD, Open Graph, ``<meta>``, Twitter), spaces collapsed.

        Templates fill one of them with a stub (the headline's first words) and
        another with the real standfirst.
        """
        found = [self.description or ""]
        found += [
            self.meta.get(key) or "" for key in ("og:description", "description", "twitter:description")
        ]
        return max((" ".join(_unescape(text).split()) for text in found), key=len)

    @property
    def site_name(self) -> str | None:
        publisher = self.jsonld.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return str(publisher["name"])
        return self.first("og:site_name", "application-name")

    @property
    def authors(self) -> tuple[str, ...]:
        names = [n for n in _names(self.jsonld.get("author")) if n]
        if not names:
            value = self.first("author", "article:author", "byl", "dc.creator")
            if value and not value.startswith("http"):
                names = [value.removeprefix("By ").removeprefix("by ")]
        return tuple(dict.fromkeys(n.strip() for n in names))

    @property
    def article_body(self) -> str | None:
        body = self.jsonld.get("articleBody")
        return body.strip() if isinstance(body, str) and body.strip() else None

    @property
    def language(self) -> str | None:
        lang = self.jsonld.get("inLanguage")
        if isinstance(lang, str) and lang:
            return lang
        return self.first("og:locale", "content-language", "language") or self.html_lang

    @property
    def is_paywalled(self) -> bool:
        free = self.jsonld.get("isAccessibleForFree")
        return free is False or (isinstance(free, str) and free.lower() == "false")


def _unescape(value: str) -> str:
    """Trimmed text with leftover character references decoded (templates often escape twice)."""
    value = value.strip()
    return html.unescape(value) if "&" in value else value


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return []


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return set()


def _walk_jsonld(node: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object in a document, flattening lists and ``@graph``."""
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            found.append(item)
            graph = item.get("@graph")
            if graph is not None:
                stack.append(graph)
    return found


_JSONLD_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[|//\s*<!\[CDATA\[)|(?:-->|\]\]>|//\s*\]\]>)\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _load_jsonld(raw: str) -> Any:
    """A JSON-LD block, forgiving the slips publishers' templates make; None if unreadable.

    Raw control characters inside strings (line breaks in an ``articleBody``)
    are allowed, comment and CDATA wrappers are removed, and trailing commas
    are tried away before giving up.
    """
    raw = _JSONLD_WRAPPERS.sub("", raw.strip())
    if not raw:
        return None
    try:
        return json.loads(raw, strict=False)
    except json.JSONDecodeError:
        pass
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", raw), strict=False)
    except json.JSONDecodeError as exc:
        log.debug("unreadable JSON-LD block skipped: %s", exc)
        return None


def _article_jsonld(tree: HtmlElement) -> dict[str, Any]:
    """The page's own article object: the first that carries ``datePublished``, else the first.

    Pages list related stories as further article objects after their own, so a later one
    never replaces an earlier dated one.
    """
    best: dict[str, Any] = {}
    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        data = _load_jsonld(script.text or "")
        if data is None:
            continue
        for obj in _walk_jsonld(data):
            if _types(obj) & ARTICLE_TYPES and (
                not best or ("datePublished" in obj and "datePublished" not in best)
            ):
                best = obj
    return best


def read_metadata(tree: HtmlElement) -> PageMetadata:
    """Collect JSON-LD, ``<meta>`` and ``<link rel=canonical>`` from a parsed page."""
    meta: dict[str, str] = {}
    for node in tree.iterfind(".//meta"):
        key = node.get("property") or node.get("name") or node.get("itemprop")
        if key is None and node.get("http-equiv"):
            key = node.get("http-equiv")
        content = node.get("content")
        if key and content and content.strip():
            meta.setdefault(key.strip().lower(), _unescape(content))
    canonical = None
    for link in tree.iterfind(".//link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and link.get("href"):
            canonical = (link.get("href") or "").strip()
            break
    title_node = tree.find(".//title")
    title_tag = title_node.text_content().strip() if title_node is not None else None
    html_lang = tree.get("lang") if tree.tag == "html" else None
    return PageMetadata(
        jsonld=_article_jsonld(tree),
        meta=meta,
        canonical=canonical,
        html_lang=html_lang,
        title_tag=title_tag or None,
    )
