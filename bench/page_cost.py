"""Per-page processing cost (parse, main text, date, language, facts, topics) against trafilatura alone.

Both are timed on the same 181 real article-body pages, best of three passes,
in the same run, so the ratio holds on a noisy machine.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from extractors import extract_article, extract_facts, tag_topics
from extractors.errors import NotAnArticle

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def article_pages(shared: Path = SHARED) -> list[bytes]:
    root = shared / "benchmarks" / "article-body" / "html"
    if not root.is_dir():
        raise FileNotFoundError(f"the real benchmark pages are not available: {root} is missing")
    return [gzip.decompress(p.read_bytes()) for p in sorted(root.glob("*.html.gz"))]


def ours(page: bytes) -> None:
    try:
        article = extract_article(page, "https://bench.example/article")
    except NotAnArticle:
        return
    extract_facts(article.text, language=article.language, published=article.published, title=article.title)
    tag_topics(article.text, language=article.language, title=article.title)


def theirs(page: bytes) -> None:
    trafilatura.extract(page.decode("utf-8", "replace"))


def best_ms_per_page(work: Callable[[bytes], None], pages: list[bytes], passes: int = 3) -> float:
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        for page in pages:
            work(page)
        best = min(best, time.perf_counter() - started)
    return best / len(pages) * 1000


def page_cost() -> dict[str, float]:
    pages = article_pages()
    baseline = best_ms_per_page(theirs, pages)
    measured = best_ms_per_page(ours, pages)
    return {
        "pages": len(pages),
        "ours_ms": measured,
        "trafilatura_ms": baseline,
        "ratio": measured / baseline,
    }
