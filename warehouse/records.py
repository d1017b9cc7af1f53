"""The page record, from fetch to load: one record per URL tried.

The crawler, the WARC reader and the stored-page reader make it; extraction
fills it in; the warehouse owns how it becomes rows. Plain frozen dataclasses, so a batch can cross a
process boundary (Prefect workers) as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from extractors.models import Article, Fact

PageStatus = Literal["fetched", "unchanged", "failed", "skipped", "rejected"]


@dataclass(frozen=True, slots=True)
class PageRecord:
    """One URL tried, from fetch to load: the one record type for a page.

    The crawler makes it (``fetched`` with ``body``, ``unchanged`` on a 304,
    ``failed`` or ``skipped`` with a ``reason``), as do the WARC reader and the
    stored-page reader for re-extraction; extraction then fills ``source``,
    ``article``, ``facts`` and ``topics`` (``dataclasses.replace``), or marks
    it ``rejected`` with the reason; the warehouse turns it into rows.
    ``transient``, ``attempts`` and ``headers`` are the fetch's own details.
    """

    url: str
    status: PageStatus
    checked_at: datetime
    source: str = ""
    reason: str | None = None
    detail: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = None
    fetched_at: datetime | None = None
    transient: bool = False  # a failure that a later try might not meet (the error tree decides)
    attempts: int = 1
    headers: Mapping[str, str] = field(default_factory=dict)
    article: Article | None = None
    facts: tuple[Fact, ...] = ()
    topics: tuple[str, ...] = ()
    extractor_version: str = ""


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Counts from one batch load."""

    pages: int = 0
    articles: int = 0
    new_articles: int = 0
    facts: int = 0
    new_article_ids: tuple[str, ...] = field(default=())


def stable_id(*parts: object) -> str:
    """A short, stable identifier from the given parts (hex SHA-256 prefix)."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


def article_id_for(canonical_url: str) -> str:
    return stable_id("article", canonical_url)


def fact_id_for(article_id: str, ordinal: int) -> str:
    """A fact's id: its article and its place in the extractor's output.

    Stable because an article's facts are always replaced together, from the
    same extractor output; cheap, which matters at 100k+ facts per second.
    """
    return f"{article_id}-{ordinal:03d}"
