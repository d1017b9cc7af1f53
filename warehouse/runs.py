"""Run and source bookkeeping: ``runs``, ``source_runs``, ``sources``.

Incremental state lives next to the data, not in the scheduler: a run row is
written when a run starts and closed when it ends, so a run that was killed
stays visible (and is marked ``crashed`` when the next run starts).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from warehouse.connection import exists, publish, retry_conflicts, transaction, writer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourceRunStats:
    """One source's figures in one run."""

    source: str
    status: str = "ok"  # ok | failing (listed pages, fetched none) | failed (listing failed) | skipped
    error: str | None = None
    discovered: int = 0
    fetched: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    rejected: int = 0
    articles: int = 0
    new_articles: int = 0
    facts: int = 0
    no_date: int = 0
    failed_by_reason: dict[str, int] = field(default_factory=dict)


@retry_conflicts
def start_run(
    db_path: str,
    run_id: str,
    *,
    flow_name: str,
    flow_run_id: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> None:
    """Record a run as started; earlier runs left ``running`` become ``crashed``."""
    with writer(db_path) as con, transaction(con):
        con.execute("UPDATE runs SET status = 'crashed' WHERE status = 'running' AND run_id <> ?", [run_id])
        con.execute(
            "MERGE INTO runs USING (SELECT $run_id AS run_id, $flow_run_id AS flow_run_id,"
            " $flow_name AS flow_name, CAST($started_at AS TIMESTAMP) AS started_at, 'running' AS status,"
            " CAST($parameters AS JSON) AS parameters) AS excluded ON runs.run_id = excluded.run_id"
            " WHEN MATCHED THEN UPDATE SET status = 'running', started_at = excluded.started_at"
            " WHEN NOT MATCHED THEN INSERT BY NAME",
            {
                "run_id": run_id,
                "flow_run_id": flow_run_id,
                "flow_name": flow_name,
                "started_at": datetime.now(),
                "parameters": json.dumps(parameters or {}, default=str),
            },
        )


def finish_run(db_path: str, run_id: str, *, status: str) -> None:
    """Close a run, totalling its per-source figures, and publish the database."""
    _close_run(db_path, run_id, status=status)
    publish(db_path)


@retry_conflicts
def _close_run(db_path: str, run_id: str, *, status: str) -> None:
    with writer(db_path) as con, transaction(con):
        con.execute(
            """
            UPDATE runs SET status = $status, ended_at = $ended_at,
                discovered = t.discovered, fetched = t.fetched, unchanged = t.unchanged,
                failed = t.failed, articles = t.articles, facts = t.facts
            FROM (SELECT COALESCE(sum(discovered), 0) AS discovered, COALESCE(sum(fetched), 0) AS fetched,
                         COALESCE(sum(unchanged), 0) AS unchanged, COALESCE(sum(failed), 0) AS failed,
                         COALESCE(sum(articles), 0) AS articles, COALESCE(sum(facts), 0) AS facts
                  FROM source_runs WHERE run_id = $run_id) AS t
            WHERE runs.run_id = $run_id
            """,
            {"status": status, "ended_at": datetime.now(), "run_id": run_id},
        )


@retry_conflicts
def register_sources(db_path: str, sources: Iterable[tuple[str, str, str, str | None]]) -> None:
    """Upsert source definitions ``(name, kind, location, language)``."""
    rows = list(sources)
    if not rows:
        return
    with writer(db_path) as con, transaction(con):
        con.execute(
            "MERGE INTO sources USING (SELECT unnest($names) AS name, unnest($kinds) AS kind,"
            " unnest($locations) AS location, unnest(CAST($languages AS VARCHAR[])) AS language) AS excluded"
            " ON sources.name = excluded.name"
            " WHEN MATCHED THEN UPDATE SET kind = excluded.kind, location = excluded.location,"
            " language = excluded.language"
            " WHEN NOT MATCHED THEN INSERT (name, kind, location, language)"
            " VALUES (excluded.name, excluded.kind, excluded.location, excluded.language)",
            {
                "names": [row[0] for row in rows],
                "kinds": [row[1] for row in rows],
                "locations": [row[2] for row in rows],
                "languages": [row[3] for row in rows],
            },
        )


@retry_conflicts
def record_source_run(db_path: str, run_id: str, stats: SourceRunStats) -> None:
    """Store a source's figures for this run and update its health."""
    values = asdict(stats)
    values["failed_by_reason"] = json.dumps(stats.failed_by_reason)
    columns = ["run_id", *values]
    now = datetime.now()
    with writer(db_path) as con, transaction(con):
        con.execute("DELETE FROM source_runs WHERE run_id = ? AND source = ?", [run_id, stats.source])
        con.execute(
            f"INSERT INTO source_runs ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [run_id, *values.values()],
        )
        if stats.status == "ok":
            con.execute(
                "UPDATE sources SET last_success_at = ?, consecutive_failures = 0, run_id = ? WHERE name = ?",
                [now, run_id, stats.source],
            )
        elif stats.status in ("failed", "failing"):
            con.execute(
                "UPDATE sources SET last_error = ?, last_error_at = ?,"
                " consecutive_failures = consecutive_failures + 1, run_id = ? WHERE name = ?",
                [stats.error, now, run_id, stats.source],
            )


@dataclass(frozen=True, slots=True)
class KnownPage:
    """What the warehouse remembers of a URL fetched before."""

    etag: str | None
    last_modified: str | None
    content_hash: str | None


def known_pages(db_path: str, urls: Iterable[str]) -> dict[str, KnownPage]:
    """Validators and content hash of URLs stored before (conditional GET, change check)."""
    wanted = list(dict.fromkeys(urls))
    if not wanted or not exists(db_path):
        return {}
    # The pipeline's own process holds the file read-write between batches, and
    # DuckDB refuses a second, read-only configuration in the same process.
    with writer(db_path) as con:
        rows = con.execute(
            "SELECT url, etag, last_modified, content_hash FROM pages"
            " WHERE url IN (SELECT unnest(?)) AND content_hash IS NOT NULL AND article_id IS NOT NULL",
            [wanted],
        ).fetchall()
    return {row[0]: KnownPage(row[1], row[2], row[3]) for row in rows}


def source_health(db_path: str, *, min_failures: int = 0) -> list[dict[str, Any]]:
    """Every source with its status and recent yields, worst first."""
    with writer(db_path) as con:
        rows = con.execute(
            """
            SELECT s.name, s.kind, s.enabled, s.consecutive_failures, s.last_success_at,
                   s.last_error, s.last_error_at,
                   list(r.new_articles ORDER BY ru.started_at DESC)[1:5] AS recent_yield
            FROM sources s
            LEFT JOIN source_runs r ON r.source = s.name
            LEFT JOIN runs ru ON ru.run_id = r.run_id
            WHERE s.consecutive_failures >= ?
            GROUP BY ALL
            ORDER BY s.consecutive_failures DESC, s.name
            """,
            [min_failures],
        ).fetchall()
        names = [d[0] for d in con.description or []]
    return [dict(zip(names, row, strict=True)) for row in rows]


def recent_source_runs(
    db_path: str, source: str, *, before_run: str, limit: int = 10
) -> list[dict[str, Any]]:
    """The source's figures in its last ``limit`` completed runs before ``before_run``, newest first."""
    with writer(db_path) as con:
        result = con.execute(
            """
            SELECT r.* FROM source_runs r JOIN runs u USING (run_id)
            WHERE r.source = ? AND r.run_id <> ? AND r.status = 'ok' AND u.status = 'completed'
            ORDER BY u.started_at DESC LIMIT ?
            """,
            [source, before_run, limit],
        )
        names = [d[0] for d in result.description or []]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


@retry_conflicts
def set_source_enabled(db_path: str, name: str, *, enabled: bool) -> bool:
    """Enable (resetting its failure count) or disable a source; False if unknown."""
    with writer(db_path) as con, transaction(con):
        found = con.execute("SELECT count(*) FROM sources WHERE name = ?", [name]).fetchone()
        if not found or not found[0]:
            return False
        con.execute(
            "UPDATE sources SET enabled = ?,"
            " consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures END WHERE name = ?",
            [enabled, enabled, name],
        )
    return True
