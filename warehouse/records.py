"""What the pipeline hands the warehouse: one record per URL tried.

The flow builds these from fetch results and extractor output; the warehouse
owns how they become rows. Plain frozen dataclasses, so a batch can cross a
process boundary (Prefect workers) as it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from extractors.models import Article, Fact

PageStatus = Literal["fetched", "unchanged", "failed", "skipped", "rejected"]


@dataclass(frozen=True, slots=True)
class PageRecord:
    """The outcome for one URL in one run.

    ``fetched`` pages carry ``body`` and, when they were articles, ``article``
    and ``facts``; ``rejected`` pages were fetched but are not articles
    (``reason`` says why); ``failed`` and ``skipped`` pages never produced bytes.
    """

    url: str
    source: str
    status: PageStatus
    checked_at: datetime
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
