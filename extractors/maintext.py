"""Main text of an article page: the story's paragraphs, one per line, without boilerplate.

trafilatura finds the content block, in its full mode (its own content pass
compared with its readability and jusText fallbacks, as ``trafilatura.extract``
runs by default), without comments and with tables. The fast mode (no
fallbacks) was used before: on pages it was not tuned on it returns a stub or
a list where the fallbacks find the article (wide-body tuning part: F1 0.923
fast, 0.928 full at article-2026.12.3; see README). What trafilatura gets wrong is fixed around
it, with rules kept as data (``data/site_rules.toml``):

before, on the page's tree (in place: this is the last step to read the tree)
    blocks the rules name are dropped (``[all_sites]``: lists of other
    stories' headlines, a guard for the facts; ``[[site]]``: a publisher's
    template); short paragraphs made of links ("Read more: ...") are dropped;
    last, scripts, styles and inline drawings, which trafilatura would drop
    after copying them several times.
after, on the lines of text
    lines repeating the headline (stored apart as the title) or the page's own
    URL go, and so does whole-line boilerplate (newsletter prompts, copyright
    lines).
fallbacks
    the publisher's JSON-LD ``articleBody`` replaces the text when it is
    clearly fuller (and is turned from HTML into plain paragraphs when it
    carries markup); when the result is short, :func:`extract_plain_text`
    (trafilatura alone on the page as served) is asked too, by
    :func:`extractors.article.extract_article`.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement

from extractors.rulefiles import load_rules, strings

log = logging.getLogger(__name__)

_WORDS = re.compile(r"\w+")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKENS = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section"}
)
# Whole-line boilerplate patterns are only tried on lines up to this length.
_MAX_BOILERPLATE_LINE = 400
# Elements that hold no text of the page, removed before trafilatura copies the tree; not the
# JSON-LD scripts: trafilatura's last-resort pass reads the article body from them.
_NOT_TEXT = lxml.etree.XPath("//script[not(contains(@type, 'ld+json'))] | //style | //svg")
# JSON-LD articleBody replaces the extracted text when it holds this many times as many distinct
# word 4-grams (distinct: some publishers' articleBody holds the story twice over).
_ARTICLE_BODY_GAIN = 1.6


@dataclass(frozen=True, slots=True)
class _Rules:
    boilerplate: re.Pattern[str]
    max_link_share: float
    max_paragraph_chars: int
    all_site_drops: tuple[lxml.etree.XPath, ...]
    site_drops: dict[str, tuple[lxml.etree.XPath, ...]]


@cache
def _rules() -> _Rules:
    data = load_rules("site_rules.toml")
    lines = strings(data.get("boilerplate", {}), "lines")
    links = data.get("links", {})
    sites: dict[str, tuple[lxml.etree.XPath, ...]] = {}
    for site in data.get("site", []):
        drops = tuple(lxml.etree.XPath(expr) for expr in strings(site, "drop"))
        for domain in strings(site, "domains"):
            sites[domain.lower()] = sites.get(domain.lower(), ()) + drops
    return _Rules(
        boilerplate=re.compile("|".join(f"(?:{line})" for line in lines), re.IGNORECASE),
        max_link_share=float(links.get("max_link_share", 0.8)),
        max_paragraph_chars=int(links.get("max_paragraph_chars", 400)),
        all_site_drops=tuple(lxml.etree.XPath(e) for e in strings(data.get("all_sites", {}), "drop")),
        site_drops=sites,
    )


def _chars(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\r")


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def _content(text: str) -> int:
    """How much text ``text`` holds: its distinct word 4-grams, so a passage said twice counts once.

    Japanese and Chinese characters count as a word each: those scripts put no spaces between words.
    """
    words = _TOKENS.findall(text.lower())
    return len({tuple(words[i : i + 4]) for i in range(len(words) - 3)})


# --- before: the tree ----------------------------------------------------------


def _drop_template_blocks(tree: HtmlElement, url: str, rules: _Rules) -> None:
    """Drop the blocks the rules name for every page and for this page's publisher (host or parent)."""
    labels = (urlsplit(url).hostname or "").lower().split(".")
    expressions = list(rules.all_site_drops)
    for i in range(len(labels) - 1):
        expressions.extend(rules.site_drops.get(".".join(labels[i:]), ()))
    for expression in expressions:
        for element in expression(tree):
            if isinstance(element, HtmlElement) and element.getparent() is not None:
                element.drop_tree()


def _link_share(element: HtmlElement) -> float:
    total = _chars(element.text_content())
    if total == 0:
        return 0.0
    linked = 0
    for anchor in element.iter("a"):
        text = anchor.text_content().strip()
        if not text.startswith(("http", "www.")):  # a cited source written out, kept
            linked += _chars(text)
    return linked / total


def _drop_link_blocks(tree: HtmlElement, rules: _Rules) -> None:
    """Drop short paragraphs made of link text ("Read more: ..."), teasers for other pages.

    Lists made of links are left to trafilatura: on pages this rule was not
    tuned on they are as often the article's own content (a blog's reading
    list, a shop's product bullets) as related headlines (wide-body sets,
    README), so dropping them lost more than it gained.
    """
    for paragraph in tree.xpath("//p[.//a]"):
        if paragraph.getparent() is None:
            continue
        small = _chars(paragraph.text_content()) <= rules.max_paragraph_chars
        if small and _link_share(paragraph) >= rules.max_link_share:
            paragraph.drop_tree()


# --- after: the lines ----------------------------------------------------------


def _clean_lines(text: str, repeats: set[str], rules: _Rules) -> str:
    """The non-empty lines of ``text``, whitespace collapsed, minus repeats and boilerplate."""
    longest_repeat = 2 * max(map(len, repeats), default=0)  # a line twice as long repeats nothing
    kept = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        bare = line.lstrip("-•*· ")
        if len(bare) <= longest_repeat and _norm(bare) in repeats:
            continue
        if len(bare) <= _MAX_BOILERPLATE_LINE and rules.boilerplate.fullmatch(bare):
            continue
        kept.append(line)
    return "\n".join(kept)


def html_to_text(markup: str) -> str:
    """Plain text with one paragraph per line from an HTML fragment (as in some ``articleBody`` values)."""
    if "&lt;" in markup and "<" not in markup:
        markup = html.unescape(markup)
    if "<" not in markup:
        plain = html.unescape(markup)  # "&nbsp;", "&amp;" in a plain-text body
        return "\n".join(" ".join(line.split()) for line in plain.splitlines() if line.strip())
    try:
        fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return ""
    for element in fragment.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    for element in fragment.iter("script", "style"):
        element.drop_tree()
    lines = (" ".join(line.split()) for line in fragment.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def _trafilatura(tree: HtmlElement, url: str) -> str:
    """trafilatura's text of ``tree``, which loses its scripts, styles and inline drawings.

    trafilatura drops those too, but only after copying the tree several times
    over (its input, its cleaned tree and backup, readability's copy), and they
    are much of a page's size. JSON-LD scripts stay: trafilatura's last-resort
    pass reads an ``articleBody`` from them. The same text as without the
    removal on every benchmark page (README).
    """
    for element in _NOT_TEXT(tree):
        element.drop_tree()  # its tail, text of the page, stays
    # Full mode (fallbacks compared); comments sections are not the article; tables often are.
    found = trafilatura.extract(tree, url=url, include_comments=False, include_tables=True)
    return found or ""


def _repeats(tree: HtmlElement, url: str, titles: Iterable[str]) -> set[str]:
    """Lines that only repeat the page's headline or its own address."""
    repeats = {_norm(t) for t in titles} | {_norm(url)}
    headline = tree.find(".//h1")  # the first only: pages give sections and teasers h1s too
    if headline is not None:
        repeats.add(_norm(headline.text_content()))
    repeats.discard("")
    return repeats


def extract_plain_text(tree: HtmlElement, url: str, *, titles: Iterable[str]) -> str:
    """trafilatura's full mode alone on ``tree``, lines cleaned as in :func:`extract_main_text`."""
    rules = _rules()
    repeats = _repeats(tree, url, titles)
    return _clean_lines(_trafilatura(tree, url), repeats, rules)


def extract_main_text(
    tree: HtmlElement,
    url: str,
    *,
    titles: Iterable[str],
    article_body: str | None = None,
) -> str:
    """The article's text, paragraphs on their own lines; empty when nothing was found.

    Prunes ``tree`` in place. ``titles`` are the page's headline forms (dropped
    where a line repeats them), ``article_body`` its JSON-LD body, if any.
    """
    rules = _rules()
    _drop_template_blocks(tree, url, rules)
    _drop_link_blocks(tree, rules)
    repeats = _repeats(tree, url, titles)
    text = _trafilatura(tree, url)
    text = _clean_lines(text, repeats, rules)
    if article_body:
        body_text = _clean_lines(html_to_text(article_body), repeats, rules)
        if _content(body_text) > _ARTICLE_BODY_GAIN * _content(text):
            log.debug("JSON-LD articleBody is fuller than the extracted text on %s", url)
            text = body_text
    return text
