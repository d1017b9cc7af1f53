"""Pages kept by the warehouse, read back for re-extraction without the network."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from warehouse.archive import PageArchive
from warehouse.connection import writer
from warehouse.records import PageRecord


def stale_page_urls(db_path: str, current_version: str, *, everything: bool = False) -> list[str]:
    """URLs whose stored bytes were last extracted by another extractor version.

    Pages never turned into an article (rejected) count too: a better extractor
    may accept them now.
    """
    with writer(db_path) as con:
        rows = con.execute(
            """
            SELECT p.url FROM pages p LEFT JOIN articles a ON a.article_id = p.article_id
            WHERE p.content_hash IS NOT NULL  -- set exactly when bytes are stored
              AND (? OR a.extractor_version IS NULL OR a.extractor_version <> ?)
            ORDER BY p.url
            """,
            [everything, current_version],
        ).fetchall()
    return [row[0] for row in rows]


def iter_stored_pages(db_path: str, urls: list[str], *, batch_size: int = 200) -> Iterator[list[PageRecord]]:
    """The stored pages for ``urls`` as fetched page records, bodies decompressed, a batch at a time
    (memory stays flat). A page whose body the archive has lost comes with ``body`` None."""
    archive = PageArchive.beside(db_path)
    for start in range(0, len(urls), batch_size):
        chunk = urls[start : start + batch_size]
        with writer(db_path) as con:
            rows = con.execute(
                "SELECT url, source, final_url, charset, content_type, etag, last_modified, fetched_at,"
                " content_hash FROM pages WHERE url IN (SELECT unnest(?)) ORDER BY url",
                [chunk],
            ).fetchall()
        yield [
            PageRecord(
                url=row[0],
                status="fetched",
                checked_at=row[7] or datetime.now(),
                source=row[1] or "stored",
                final_url=row[2],
                http_status=200,
                charset=row[3],
                content_type=row[4],
                etag=row[5],
                last_modified=row[6],
                fetched_at=row[7],
                body=archive.get(row[8]) if archive is not None else None,
            )
            for row in rows
        ]
