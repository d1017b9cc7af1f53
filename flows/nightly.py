"""The nightly ingest flow: discover → fetch → extract → load, batched per source.

Task layout (what the Prefect UI shows):

* ``discover-<source>``: fetch the source's feed/sitemap; retried by Prefect,
  but only for transient errors (the fetch error tree decides);
* per batch of URLs: ``ingest-<source>-<n>``, which fetches (async httpx),
  extracts (pure extractors, in a thread) and loads (one DuckDB transaction)
  with only URLs in and counts out (see :func:`ingest_batch`). A bounded
  window of batches is in flight, so memory stays flat however many pages a
  run sees.

Tasks receive plain data (source specs, policies, paths, ids), never open
connections or clients, so they can run on any worker.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import asdict, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from crawler import Fetcher, FetchPolicy, TransientFetchError
from flows.backfill import ingest_warc_sources
from flows.monitoring import (
    Progress,
    emit_drift,
    library_logs_at_info,
    publish_new_events,
    publish_report,
    publish_run_summary,
    publish_source_health,
)
from ingest.discovery import Discovery, discover
from ingest.errors import RunFailed
from ingest.health import detect_drift, settle_status
from ingest.pipeline import BatchOutcome, extract_pages, fetch_pages, load_batch
from ingest.sources import SourceSpec, load_sources, one_off_sources, warc_one_off
from report import write_report
from warehouse import (
    SourceRunStats,
    WarehouseError,
    finish_run,
    new_events,
    recent_source_runs,
    record_source_run,
    refresh_events,
    register_sources,
    run_lock,
    source_health,
    start_run,
)

DEFAULT_BATCH_SIZE = 100
BATCHES_IN_FLIGHT = 4
TASK_WORKERS = 4
RUN_LOCK_WAIT_S = 600.0  # a run that finds another loading the same warehouse waits this long


def _retry_only_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry when the task failed with a transient fetch error."""
    try:
        state.result()
    except TransientFetchError:
        return True
    except Exception:
        return False
    return False


def _run_name() -> str:
    """``nightly-2026-11-25``; a backfill names its range: ``backfill-2024-01-01-to-2024-03-31``."""
    params = flow_run.parameters
    prefix = params.get("run_label") or "nightly"
    after, before = params.get("published_after"), params.get("published_before")
    if after or before:
        return f"{prefix}-{after or 'start'}-to-{before or 'now'}"
    return f"{prefix}-{datetime.now():%Y-%m-%d}"


@task(
    task_run_name="discover-{spec.name}",
    retries=2,
    retry_delay_seconds=[30, 120],
    retry_jitter_factor=0.5,
    retry_condition_fn=_retry_only_transient,
    timeout_seconds=900,
)
async def discover_source(spec: SourceSpec, policy: FetchPolicy, run_id: str) -> Discovery:
    """The article URLs a source lists now."""
    async with Fetcher(_policy_for(policy, spec), run_key=run_id) as fetcher:
        return await discover(fetcher, spec)


@task(task_run_name="ingest-{spec.name}-{batch_no}", timeout_seconds=3600)
async def ingest_batch(
    spec: SourceSpec, urls: list[str], batch_no: int, policy: FetchPolicy, db_path: str, run_id: str
) -> BatchOutcome:
    """Fetch, extract and load one batch of URLs; returns only the counts.

    One task per batch, URLs in and counts out: page bodies never travel
    between tasks, so Prefect holds no page in memory (run memory stays flat)
    and the task can run on any worker. Fetch faults are retried inside the
    fetcher, per URL; extraction runs in a thread so the event loop (and the
    task timeout) stays responsive.
    """
    fetched = await fetch_pages(spec, urls, _policy_for(policy, spec), db_path, run_id)
    records = await asyncio.to_thread(extract_pages, spec.name, fetched)
    return await asyncio.to_thread(load_batch, spec.name, records, db_path, run_id)


def _policy_for(policy: FetchPolicy, spec: SourceSpec) -> FetchPolicy:
    if not spec.allow_hosts:
        return policy
    return replace(policy, allow_hosts=policy.allow_hosts | frozenset(spec.allow_hosts))


def _batches(items: list[str], size: int) -> Iterable[tuple[int, list[str]]]:
    for start in range(0, len(items), size):
        yield start // size + 1, items[start : start + size]


# The counters a batch outcome adds to its source's totals: the integer fields (default 0) that
# both share. Reasons merge as counts apart (``reasons`` vs ``failed_by_reason``).
_COUNTERS = tuple(
    f.name
    for f in fields(BatchOutcome)
    if isinstance(f.default, int) and f.name in {g.name for g in fields(SourceRunStats)}
)


def _merge(stats: SourceRunStats, out: BatchOutcome) -> SourceRunStats:
    reasons = Counter(stats.failed_by_reason)
    reasons.update(out.reasons)
    added = {name: getattr(stats, name) + getattr(out, name) for name in _COUNTERS}
    return replace(stats, **added, failed_by_reason=dict(reasons))


def resolve_sources(
    sources: list[dict[str, Any]] | None,
    sources_file: str | None,
    feeds: list[str] | None,
    sitemaps: list[str] | None,
    urls: list[str] | None,
    allow_hosts: list[str] | None,
) -> tuple[list[SourceSpec], dict[str, Any]]:
    """Sources from the file plus the one-offs, and the file's defaults."""
    specs: list[SourceSpec] = [SourceSpec.from_param(s) for s in sources or []]
    defaults: dict[str, Any] = {}
    if sources_file:
        config = load_sources(sources_file)
        specs += config.sources
        defaults = config.defaults
    specs += one_off_sources(feeds or [], sitemaps or [], urls or [], allow_hosts=allow_hosts or [])
    return specs, defaults


@flow(
    name="nightly-ingest",
    flow_run_name=_run_name,
    task_runner=ThreadPoolTaskRunner(max_workers=TASK_WORKERS),
    description="Fetch new articles from every source, extract facts, load them into DuckDB.",
)
def nightly_ingest(
    db_path: str = "news.duckdb",
    sources_file: str | None = None,
    sources: list[dict[str, Any]] | None = None,
    feeds: list[str] | None = None,
    sitemaps: list[str] | None = None,
    urls: list[str] | None = None,
    allow_hosts: list[str] | None = None,
    delay: float | None = None,
    concurrency: int | None = None,
    user_agent: str | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_consecutive_failures: int = 5,
    published_after: date | None = None,
    published_before: date | None = None,
    report_path: str | None = None,
    run_label: str = "nightly",
    warcs: list[str] | None = None,
    warc_hosts: list[str] | None = None,
    warc_include: list[str] | None = None,
    warc_exclude: list[str] | None = None,
    warc_languages: list[str] | None = None,
) -> dict[str, Any]:
    """One ingest run over the sources file and/or inline sources, feeds, sitemaps and URLs.

    Args:
        db_path: DuckDB warehouse file (created and migrated if missing).
        sources_file: TOML sources file (see README "Sources").
        sources: sources given inline, as the file's ``[[source]]`` tables.
        feeds, sitemaps, urls: one-off sources, for quick runs.
        allow_hosts: internal hosts the crawler may reach (exact host or IP).
        delay: seconds between requests to one host (default 5, or the file's default).
        concurrency: requests in flight overall.
        user_agent: the User-Agent header (default names this crawler).
        timeout: total seconds allowed per request (default 60; connect/read limits shrink to fit).
        retries: retries of a transient failure per URL (default 3).
        batch_size: pages per fetch/extract/load batch.
        max_consecutive_failures: a source failing this many runs in a row is skipped.
        published_after, published_before: keep only listed articles dated in this range
            (listings that carry dates: feeds, sitemaps); for backfills.
        report_path: where to write the HTML trend report (default: beside the database,
            news.duckdb -> news.report.html; "" for none).
        run_label: prefix of the flow run name.
        warcs: WARC or WARC.gz files (local paths or http(s) URLs) or CC-NEWS warc.paths.gz
            listings to backfill from, one task per file (see README "Backfill from web archives").
        warc_hosts, warc_include, warc_exclude, warc_languages: filters on the pages of ``warcs``:
            hosts (subdomains included), URL regexes, article languages; the date range is
            published_after/published_before (the page's date, else its WARC-Date).
    """
    logger = get_run_logger()
    library_logs_at_info()
    specs, defaults = resolve_sources(sources, sources_file, feeds, sitemaps, urls, allow_hosts)
    specs += warc_one_off(
        warcs or [], hosts=warc_hosts, include=warc_include, exclude=warc_exclude,
        languages=warc_languages, allow_hosts=allow_hosts,
    )  # fmt: skip
    if not specs:
        raise ValueError("no sources: give sources_file, sources, feeds, sitemaps, urls or warcs")
    if published_after or published_before:
        specs = [
            replace(s, published_after=published_after, published_before=published_before) for s in specs
        ]
    policy = FetchPolicy().with_overrides(
        per_host_delay_s=delay if delay is not None else defaults.get("delay"),
        concurrency=concurrency if concurrency is not None else defaults.get("concurrency"),
        user_agent=user_agent or os.environ.get("NEWSFACTS_USER_AGENT") or defaults.get("user_agent"),
        allow_hosts=frozenset(allow_hosts) if allow_hosts else None,
        total_timeout_s=timeout if timeout is not None else defaults.get("timeout"),
        max_retries=retries if retries is not None else defaults.get("retries"),
    )
    if timeout is not None:
        policy = replace(
            policy,
            connect_timeout_s=min(policy.connect_timeout_s, timeout),
            read_timeout_s=min(policy.read_timeout_s, timeout),
        )
    threshold = int(defaults.get("max_consecutive_failures", max_consecutive_failures))
    run_id = f"{datetime.now():%Y%m%dT%H%M%S}-{(flow_run.id or uuid.uuid4().hex)[:8]}"
    with run_lock(db_path, wait_s=RUN_LOCK_WAIT_S):
        summary = _ingest(logger, run_id, db_path, specs, policy, threshold, batch_size, run_label)
    if report_path != "":
        _write_report(logger, db_path, report_path or str(Path(db_path).with_suffix(".report.html")))
    return summary


def _write_report(logger: Any, db_path: str, path: str) -> None:
    """The trend report after a load; a report that cannot be written costs the run nothing."""
    try:
        written = write_report(db_path, path)
    except (OSError, WarehouseError, ValueError) as exc:
        logger.error("the trend report could not be written to %s: %s", path, exc)
        return
    publish_report(written)
    logger.info("trend report written to %s", written.path)


def _ingest(
    logger: Any,
    run_id: str,
    db_path: str,
    specs: list[SourceSpec],
    policy: FetchPolicy,
    threshold: int,
    batch_size: int,
    run_label: str,
) -> dict[str, Any]:
    start_run(
        db_path,
        run_id,
        flow_name=run_label,
        flow_run_id=flow_run.id,
        parameters={"sources": [s.name for s in specs], "db_path": db_path},
    )
    register_sources(db_path, [(s.name, s.kind, s.location, s.language) for s in specs])
    health = {row["name"]: row for row in source_health(db_path)}
    stats: dict[str, SourceRunStats] = {}
    active = []
    for spec in specs:
        known = health.get(spec.name, {"enabled": True, "consecutive_failures": 0})
        if not spec.enabled or not known["enabled"] or known["consecutive_failures"] >= threshold:
            why = (
                "disabled"
                if not (spec.enabled and known["enabled"])
                else f"failed {threshold}+ runs in a row"
            )
            logger.warning("source %s skipped: %s (newsfacts sources --enable %s)", spec.name, why, spec.name)
            stats[spec.name] = SourceRunStats(spec.name, status="skipped", error=why)
        else:
            active.append(spec)
    archived = [spec for spec in active if spec.kind == "warc"]  # read from files, not discovered
    active = [spec for spec in active if spec.kind != "warc"]

    discoveries = {spec.name: discover_source.submit(spec, policy, run_id) for spec in active}
    work: list[tuple[SourceSpec, int, list[str]]] = []
    for spec in active:
        try:
            found: Discovery = discoveries[spec.name].result()
        except Exception as exc:
            logger.error("source %s: discovery failed: %s", spec.name, exc)
            stats[spec.name] = SourceRunStats(spec.name, status="failed", error=str(exc)[:500])
            continue
        urls_found = [e.url for e in found.entries]
        stats[spec.name] = SourceRunStats(spec.name, discovered=len(urls_found))
        work += [(spec, n, chunk) for n, chunk in _batches(urls_found, batch_size)]

    progress = Progress(sum(len(chunk) for _, _, chunk in work), f"Pages processed in run {run_id}")
    in_flight: deque[tuple[SourceSpec, int, Any]] = deque()

    def collect(spec: SourceSpec, size: int, future: Any) -> None:
        try:
            outcome: BatchOutcome = future.result()
        except Exception as exc:
            logger.error("source %s: a batch of %d pages failed: %s", spec.name, size, exc)
            stats[spec.name] = replace(stats[spec.name], error=str(exc)[:500])
        else:
            stats[spec.name] = _merge(stats[spec.name], outcome)
        progress.advance(size)

    for spec, batch_no, chunk in work:
        in_flight.append(
            (spec, len(chunk), ingest_batch.submit(spec, chunk, batch_no, policy, db_path, run_id))
        )
        while len(in_flight) >= BATCHES_IN_FLIGHT:
            collect(*in_flight.popleft())
    while in_flight:
        collect(*in_flight.popleft())
    if archived:
        stats.update(ingest_warc_sources(logger, archived, policy, db_path, run_id, batch_size))

    stats = {name: settle_status(stat) for name, stat in stats.items()}
    drifts = []
    for name, stat in stats.items():
        record_source_run(db_path, run_id, stat)
        drifts += detect_drift(asdict(stat), recent_source_runs(db_path, name, before_run=run_id))
        logger.info(
            "%s: %s, discovered %d, fetched %d, unchanged %d, skipped %d, failed %d, rejected %d,"
            " articles %d (%d new), facts %d%s",
            name, stat.status, stat.discovered, stat.fetched, stat.unchanged, stat.skipped, stat.failed,
            stat.rejected, stat.articles, stat.new_articles, stat.facts,
            f", reasons {stat.failed_by_reason}" if stat.failed_by_reason else "",
        )  # fmt: skip
    run_failed = bool(stats) and all(s.status in ("failed", "failing") for s in stats.values())
    event_count = refresh_events(db_path, run_id=run_id)
    fresh = new_events(db_path, run_id)
    logger.info("%d events in the warehouse, %d first seen in this run", event_count, len(fresh))
    finish_run(db_path, run_id, status="failed" if run_failed else "completed")

    publish_run_summary(
        run_id, [asdict(s) for s in stats.values()], Counter(e["source"] for e in fresh), drifts
    )
    publish_source_health(source_health(db_path))
    publish_new_events(run_id, fresh)
    emit_drift(run_id, drifts)
    summary = {
        "run_id": run_id,
        "flow_run_id": flow_run.id,
        "db_path": db_path,
        "sources": {n: asdict(s) for n, s in stats.items()},
        "events": event_count,
        "new_events": len(fresh),
        "drift": [d.message for d in drifts],
    }
    if run_failed:
        raise RunFailed(
            f"every source failed in run {run_id}; the reasons per source: newsfacts sources", summary=summary
        )
    return summary
