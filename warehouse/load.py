"""Batch loads: one transaction per batch, idempotent, staged in bulk.

Every batch is staged into temporary tables from column arrays
(:mod:`warehouse.staging`: bulk, not row-by-row) and merged with set-based SQL inside one transaction:

* ``pages``: upsert on URL; a failed or 304 attempt never erases the bytes,
  validators or article link of an earlier good fetch;
* ``articles``: upsert on ``article_id`` (hash of the canonical URL), keeping
  ``first_seen_at``;
* ``facts``: the article's previous facts are replaced by the new set.

So loading the same batch twice leaves the same rows, and a process killed
mid-batch leaves the previous state (DuckDB's WAL makes the commit atomic).
Page bodies go to the content-addressed archive beside the warehouse
(:mod:`warehouse.archive`) before the transaction; ``pages`` keeps their hash.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

import duckdb

from warehouse.archive import PageArchive, body_hash
from warehouse.batches import BatchMark, record_batch, write_batch_row
from warehouse.connection import publish, retry_conflicts, transaction, writer
from warehouse.records import LoadResult, PageRecord, article_id_for, fact_id_for
from warehouse.staging import insert_rows

log = logging.getLogger(__name__)

_PAGE_COLUMNS = (
    "url, source, final_url, status, http_status, reason, detail, content_type, charset,"
    " etag, last_modified, content_hash, article_id, fetched_at, checked_at, run_id"
)

# MERGE, not INSERT ... ON CONFLICT: a lake has no unique key to conflict on.
_MERGE_PAGES = """
MERGE INTO pages USING stage_pages AS excluded ON pages.url = excluded.url
WHEN MATCHED THEN UPDATE SET
    source        = excluded.source,
    status        = excluded.status,
    http_status   = excluded.http_status,
    reason        = excluded.reason,
    detail        = excluded.detail,
    checked_at    = excluded.checked_at,
    run_id        = excluded.run_id,
    final_url     = COALESCE(excluded.final_url, pages.final_url),
    content_type  = CASE WHEN excluded.content_hash IS NULL THEN pages.content_type
                         ELSE excluded.content_type END,
    charset       = CASE WHEN excluded.content_hash IS NULL THEN pages.charset ELSE excluded.charset END,
    etag          = CASE WHEN excluded.content_hash IS NULL THEN pages.etag ELSE excluded.etag END,
    last_modified = CASE WHEN excluded.content_hash IS NULL THEN pages.last_modified
                         ELSE excluded.last_modified END,
    content_hash  = COALESCE(excluded.content_hash, pages.content_hash),
    fetched_at    = COALESCE(excluded.fetched_at, pages.fetched_at),
    article_id    = COALESCE(excluded.article_id, pages.article_id)
WHEN NOT MATCHED THEN INSERT BY NAME
"""

_DROP_REJECTED = """
CREATE OR REPLACE TEMP TABLE dropped AS
SELECT p.article_id FROM pages p JOIN stage_pages s USING (url)
WHERE s.status = 'rejected' AND p.article_id IS NOT NULL;
DELETE FROM facts WHERE article_id IN (SELECT article_id FROM dropped);
DELETE FROM articles WHERE article_id IN (SELECT article_id FROM dropped);
UPDATE pages SET article_id = NULL WHERE article_id IN (SELECT article_id FROM dropped);
DROP TABLE dropped;
"""

_MERGE_ARTICLES = """
MERGE INTO articles USING stage_articles AS excluded ON articles.article_id = excluded.article_id
WHEN MATCHED THEN UPDATE SET
    url = excluded.url, source = excluded.source, title = excluded.title, text = excluded.text,
    published = excluded.published, date_source = excluded.date_source,
    language = excluded.language, authors = excluded.authors, site_name = excluded.site_name,
    description = excluded.description, topics = excluded.topics,
    content_hash = excluded.content_hash, extractor_version = excluded.extractor_version,
    updated_at = excluded.updated_at, run_id = excluded.run_id
WHEN NOT MATCHED THEN INSERT BY NAME
"""


def _page_row(rec: PageRecord, run_id: str, article_id: str | None, digest: str | None) -> tuple[Any, ...]:
    return (
        rec.url, rec.source, rec.final_url, rec.status, rec.http_status, rec.reason,
        rec.detail, rec.content_type, rec.charset, rec.etag, rec.last_modified, digest,
        article_id, rec.fetched_at, rec.checked_at, run_id,
    )  # fmt: skip


def _article_row(
    rec: PageRecord, run_id: str, article_id: str, now: datetime, digest: str | None
) -> tuple[Any, ...]:
    art = rec.article
    assert art is not None
    return (
        article_id, art.canonical_url, art.url, rec.source, art.title, art.text, art.published,
        art.date_source, art.language, list(art.authors), art.site_name, art.description,
        list(rec.topics), digest, rec.extractor_version, now, now, run_id,
    )  # fmt: skip


# Fact fields in the column order of `facts` (between article_id and published).
_FACT_FIELDS = attrgetter(
    "type", "actor", "target_country", "jurisdiction", "amount", "currency", "amount_usd", "fx_rate_date",
    "horizon", "period_end", "stage", "revises", "background", "confidence", "evidence", "evidence_start",
    "evidence_end",
)  # fmt: skip


def _fact_rows(rec: PageRecord, run_id: str, article_id: str) -> list[tuple[Any, ...]]:
    published = rec.article.published if rec.article else None
    return [
        (
            fact_id_for(article_id, ordinal),
            article_id,
            *_FACT_FIELDS(fact),
            published,
            fact.extractor_version or rec.extractor_version,
            run_id,
        )
        for ordinal, fact in enumerate(rec.facts)
    ]


def _stage(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE stage_{table} AS SELECT * FROM {table} LIMIT 0")
    if rows:
        insert_rows(con, f"stage_{table}", rows)


@retry_conflicts
def load_pages(
    db_path: str,
    records: Sequence[PageRecord],
    *,
    run_id: str,
    drop_rejected: bool = False,
    batch: BatchMark | None = None,
) -> LoadResult:
    """Load one batch of page outcomes into the file at ``db_path``; safe to repeat.

    With ``batch``, the batch's figures are recorded in the same transaction.
    """
    if not records:
        if batch is not None:
            record_batch(db_path, batch, batch.figures(LoadResult()))
        return LoadResult()
    with writer(db_path) as con:
        result = load_records(
            con,
            records,
            run_id=run_id,
            drop_rejected=drop_rejected,
            archive=PageArchive.beside(db_path),
            batch=batch,
        )
    publish(db_path, force=False)  # readers see progress without ever meeting a lock
    return result


def load_records(
    con: duckdb.DuckDBPyConnection,
    records: Sequence[PageRecord],
    *,
    run_id: str,
    drop_rejected: bool = False,
    archive: PageArchive | None = None,
    batch: BatchMark | None = None,
) -> LoadResult:
    """Load one batch through an open, migrated connection, in one transaction.

    With ``batch``, the batch's row in ``batch_runs`` is written in that
    transaction too: a process killed at any moment leaves both or neither.

    With ``drop_rejected`` (re-extraction), a page the extractor now rejects
    loses the article and facts an earlier extractor derived from it. Bodies
    are stored in ``archive`` first (without one, as for ``:memory:``, only
    their hashes are kept).
    """
    now = datetime.now()
    # The last record wins, per URL and then per article, before any row is built:
    # DuckDB's upsert would keep the first of two rows with one key, silently.
    latest = {rec.url: rec for rec in records}
    digests = {url: body_hash(rec.body) for url, rec in latest.items() if rec.body is not None}
    if archive is not None:
        for rec in latest.values():
            if rec.body is not None:
                archive.put(rec.body, digests[rec.url])
    page_rows, by_article = [], {}
    for rec in latest.values():
        article_id = article_id_for(rec.article.canonical_url) if rec.article else None
        page_rows.append(_page_row(rec, run_id, article_id, digests.get(rec.url)))
        if rec.article is not None and article_id is not None:
            by_article[article_id] = rec
    article_rows = [
        _article_row(rec, run_id, aid, now, digests.get(rec.url)) for aid, rec in by_article.items()
    ]
    fact_rows = [row for aid, rec in by_article.items() for row in _fact_rows(rec, run_id, aid)]
    with transaction(con):
        _stage(con, "pages", page_rows)
        _stage(con, "articles", article_rows)
        new_ids = [
            row[0]
            for row in con.execute(
                "SELECT article_id FROM stage_articles"
                " WHERE article_id NOT IN (SELECT article_id FROM articles)"
            ).fetchall()
        ]
        if drop_rejected:
            con.execute(_DROP_REJECTED)
        con.execute(_MERGE_PAGES)
        con.execute(_MERGE_ARTICLES)
        con.execute("DELETE FROM facts WHERE article_id IN (SELECT article_id FROM stage_articles)")
        if fact_rows:  # the article's old facts are gone: append the new ones straight in
            insert_rows(con, "facts", fact_rows)
        for table in ("pages", "articles"):
            con.execute(f"DROP TABLE stage_{table}")
        result = LoadResult(
            pages=len(page_rows),
            articles=len(article_rows),
            new_articles=len(new_ids),
            facts=len(fact_rows),
            new_article_ids=tuple(new_ids),
        )
        if batch is not None:
            write_batch_row(con, batch, batch.figures(result))
    log.info(
        "loaded %d pages, %d articles (%d new), %d facts",
        len(page_rows), len(article_rows), len(new_ids), len(fact_rows),
    )  # fmt: skip
    return result
