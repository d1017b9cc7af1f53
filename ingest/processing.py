"""One fetched page to one warehouse record: extraction with every outcome recorded.

Kept apart from the Prefect tasks so it can be tested, benchmarked and
re-used by ``reextract`` without a scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from crawler.client import FetchResult
from extractors import EXTRACTOR_VERSION, ExtractionError, extract_article, extract_facts, tag_topics
from warehouse import KnownPage, PageRecord, body_hash

log = logging.getLogger(__name__)


def record_for(result: FetchResult, source: str, known: KnownPage | None = None) -> PageRecord:
    """Extract article, facts and topics from a fetch result; never raises."""
    base = {
        "url": result.url,
        "source": source,
        "checked_at": result.checked_at,
        "final_url": result.final_url,
        "http_status": result.http_status,
        "reason": result.reason,
        "detail": result.detail,
    }
    if result.status != "fetched" or result.body is None:
        return PageRecord(status=result.status, **base)  # type: ignore[arg-type]
    fetched = {
        **base,
        "content_type": result.content_type,
        "charset": result.charset,
        "etag": result.etag,
        "last_modified": result.last_modified,
        "body": result.body,
        "fetched_at": result.fetched_at,
        "extractor_version": EXTRACTOR_VERSION,
    }
    if known is not None and known.content_hash == body_hash(result.body):
        # Same bytes as the stored copy: nothing to extract again.
        return PageRecord(status="unchanged", **{**base, "reason": "same_content"})
    try:
        article = extract_article(
            result.body,
            result.final_url or result.url,
            declared_charset=result.charset,
            fetched_at=result.fetched_at,
        )
        facts = extract_facts(
            article.text, language=article.language, published=article.published, title=article.title
        )
        topics = tag_topics(article.text, language=article.language, title=article.title)
    except ExtractionError as exc:
        log.info("rejected %s: %s", result.url, exc)
        return PageRecord(status="rejected", **{**fetched, "reason": exc.reason, "detail": str(exc)})
    except Exception as exc:  # a bug in an extractor must not cost the rest of the run
        log.exception("extractor crashed on %s", result.url)
        return PageRecord(
            status="rejected",
            **{**fetched, "reason": "extractor_crash", "detail": f"{type(exc).__name__}: {exc}"},
        )
    return PageRecord(status="fetched", article=article, facts=tuple(facts), topics=tuple(topics), **fetched)


def records_for(
    results: list[FetchResult], source: str, known: Mapping[str, KnownPage] | None = None
) -> list[PageRecord]:
    known = known or {}
    return [record_for(r, source, known.get(r.url)) for r in results]
