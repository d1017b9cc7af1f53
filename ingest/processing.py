"""A fetched page's record filled in by extraction, every outcome recorded.

Kept apart from the Prefect tasks so it can be tested, benchmarked and
re-used by ``reextract`` without a scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from extractors import EXTRACTOR_VERSION, ExtractionError, extract_article, extract_facts, tag_topics
from warehouse import KnownPage, PageRecord, body_hash
from warehouse.records import PageStatus

log = logging.getLogger(__name__)


def record_for(page: PageRecord, source: str, known: KnownPage | None = None) -> PageRecord:
    """The page filled in by extraction (article, facts, topics) or marked rejected; never raises."""
    if page.status != "fetched" or page.body is None:
        return _outcome(page, source, page.status, page.reason)
    if known is not None and known.content_hash == body_hash(page.body):
        # Same bytes as the stored copy: nothing to extract again, and nothing of the fetch to store.
        return _outcome(page, source, "unchanged", "same_content")
    page = replace(page, source=source, extractor_version=EXTRACTOR_VERSION)
    try:
        article = extract_article(
            page.body, page.final_url or page.url, declared_charset=page.charset, fetched_at=page.fetched_at
        )
        facts = extract_facts(
            article.text, language=article.language, published=article.published, title=article.title
        )
        topics = tag_topics(article.text, language=article.language, title=article.title)
    except ExtractionError as exc:
        log.info("rejected %s: %s", page.url, exc)
        return replace(page, status="rejected", reason=exc.reason, detail=str(exc))
    except Exception as exc:  # a bug in an extractor must not cost the rest of the run
        log.exception("extractor crashed on %s", page.url)
        crash = f"{type(exc).__name__}: {exc}"
        return replace(page, status="rejected", reason="extractor_crash", detail=crash)
    return replace(page, article=article, facts=tuple(facts), topics=tuple(topics))


def _outcome(page: PageRecord, source: str, status: PageStatus, reason: str | None) -> PageRecord:
    """A page that yields no stored bytes: its outcome only, so the load keeps the stored copy's details."""
    return PageRecord(
        url=page.url, status=status, checked_at=page.checked_at, source=source, reason=reason,
        detail=page.detail, final_url=page.final_url, http_status=page.http_status,
    )  # fmt: skip


def records_for(
    results: list[PageRecord], source: str, known: Mapping[str, KnownPage] | None = None
) -> list[PageRecord]:
    known = known or {}
    return [record_for(r, source, known.get(r.url)) for r in results]
