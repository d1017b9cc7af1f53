"""Backfill bookkeeping: which WARC files are done, and what each one gave.

A backfill from web archives treats each WARC file as one unit of work. The
``warc_files`` table records every file tried (path or URL, bytes read,
records read, pages kept, failures by reason); a later run skips the files
marked ``done`` and does the others again. Pages themselves go through the
ordinary batch load (:mod:`warehouse.load`), which upserts, so a file done
twice leaves the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warehouse.connection import retry_conflicts, transaction, writer


@dataclass(frozen=True, slots=True)
class WarcFileRecord:
    """What one run did with one WARC file (or listing)."""

    location: str
    run_id: str
    kind: str = "warc"  # warc | listing
    source: str | None = None
    status: str = "done"  # done | failed
    size_bytes: int | None = None
    records_read: int = 0
    html_records: int = 0
    pages_kept: int = 0
    articles: int = 0
    facts: int = 0
    failed_by_reason: Mapping[str, int] = field(default_factory=dict)
    skipped_by_reason: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def failures(self) -> int:
        return sum(self.failed_by_reason.values())


@dataclass(frozen=True, slots=True)
class StoredCopy:
    """The bytes the warehouse holds for a URL, and when they were fetched."""

    content_hash: str
    fetched_at: datetime | None


def done_warc_files(db_path: str, locations: Iterable[str]) -> set[str]:
    """The given files that an earlier run read to their end."""
    wanted = list(dict.fromkeys(locations))
    if not wanted:
        return set()
    with writer(db_path) as con:
        rows = con.execute(
            "SELECT location FROM warc_files WHERE status = 'done' AND location IN (SELECT unnest(?))",
            [wanted],
        ).fetchall()
    return {row[0] for row in rows}


@retry_conflicts
def record_warc_file(db_path: str, rec: WarcFileRecord) -> None:
    """Store (or replace) the figures of one file."""
    values = [
        rec.location, rec.kind, rec.source, rec.status, rec.size_bytes, rec.records_read,
        rec.html_records, rec.pages_kept, rec.articles, rec.facts, rec.failures,
        json.dumps(dict(rec.failed_by_reason), sort_keys=True),
        json.dumps(dict(rec.skipped_by_reason), sort_keys=True),
        rec.error, rec.started_at, rec.finished_at or datetime.now(), rec.run_id,
    ]  # fmt: skip
    with writer(db_path) as con, transaction(con):
        con.execute("DELETE FROM warc_files WHERE location = ?", [rec.location])
        con.execute(
            "INSERT INTO warc_files (location, kind, source, status, size_bytes, records_read,"
            " html_records, pages_kept, articles, facts, failures, failed_by_reason, skipped_by_reason,"
            " error, started_at, finished_at, run_id)"
            f" VALUES ({', '.join('?' for _ in values)})",
            values,
        )


def warc_files(db_path: str, *, run_id: str | None = None) -> list[dict[str, Any]]:
    """Every file recorded (or those of one run), newest first."""
    with writer(db_path) as con:
        result = con.execute(
            "SELECT * FROM warc_files WHERE ? IS NULL OR run_id = ? ORDER BY finished_at DESC, location",
            [run_id, run_id],
        )
        names = [d[0] for d in result.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    for row in rows:
        for key in ("failed_by_reason", "skipped_by_reason"):
            row[key] = json.loads(row[key]) if row[key] else {}
    return rows


def stored_copies(db_path: str, urls: Iterable[str]) -> dict[str, StoredCopy]:
    """For each URL with stored bytes: their hash and fetch time (to skip a copy already loaded)."""
    wanted = list(dict.fromkeys(urls))
    if not wanted:
        return {}
    with writer(db_path) as con:
        rows = con.execute(
            "SELECT url, content_hash, fetched_at FROM pages"
            " WHERE url IN (SELECT unnest(?)) AND content_hash IS NOT NULL",
            [wanted],
        ).fetchall()
    return {row[0]: StoredCopy(row[1], row[2]) for row in rows}
