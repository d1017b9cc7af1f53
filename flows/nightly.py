"""The nightly ingest flow: the Prefect shell around :func:`ingest.run.run_ingest`.

Task layout (what the Prefect UI shows):

* ``discover-<source>``: fetch the source's feed/sitemap; retried by Prefect,
  but only for transient errors (the fetch error tree decides);
* per batch of URLs: ``ingest-<source>-<n>``, which fetches (async httpx),
  extracts (pure extractors, in a thread) and loads (one DuckDB transaction)
  with only URLs in and counts out (:func:`ingest.run.ingest_batch`). A
  bounded window of batches is in flight, so memory stays flat however many
  pages a run sees;
* per WARC file: ``warc-<source>-<n>`` (:mod:`flows.backfill`).

The run itself (sources, health skips, batches, stats, drift, events) is the
plain library function; :class:`PrefectShell` is its runner (units as
Prefect tasks) and its observer (progress, artifacts, drift events). Tasks
receive plain data (jobs and batch specs), never open connections or
clients, so they can run on any worker.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from crawler import TransientFetchError
from flows.backfill import warc_file_task
from flows.monitoring import (
    Progress,
    emit_drift,
    library_logs_at_info,
    publish_new_events,
    publish_report,
    publish_run_summary,
    publish_source_health,
)
from flows.pool import PoolRunner
from ingest.backfill import WarcFileJob
from ingest.config import build_config, options_from
from ingest.discovery import Discovery
from ingest.health import Drift
from ingest.pipeline import BatchOutcome
from ingest.run import (
    TASK_WORKERS,
    BatchSpec,
    DiscoveryJob,
    RunSummary,
    discover_urls_async,
    ingest_batch_async,
    new_run_id,
    run_ingest,
)
from ingest.warc import WarcFileOutcome
from report import ReportSummary

__all__ = ["PrefectShell", "discover_source", "ingest_batch", "nightly_ingest"]


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
    task_run_name="discover-{job.source.name}",
    retries=2,
    retry_delay_seconds=[30, 120],
    retry_jitter_factor=0.5,
    retry_condition_fn=_retry_only_transient,
    timeout_seconds=900,
)
async def discover_source(job: DiscoveryJob) -> Discovery:
    """The article URLs a source lists now."""
    return await discover_urls_async(job)


@task(task_run_name="ingest-{spec.source.name}-{spec.batch_no}", timeout_seconds=3600)
async def ingest_batch(spec: BatchSpec) -> BatchOutcome:
    """Fetch, extract and load one batch of URLs; only counts out (:func:`ingest.run.ingest_batch`)."""
    return await ingest_batch_async(spec)


class PrefectShell:
    """The run's runner and observer under Prefect: units as tasks, progress and results as artifacts."""

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._warc_progress: str | None = None

    def discover(self, job: DiscoveryJob) -> PrefectFuture[Discovery]:
        return discover_source.submit(job)

    def ingest(self, spec: BatchSpec) -> PrefectFuture[BatchOutcome]:
        return ingest_batch.submit(spec)

    def read_warc(self, job: WarcFileJob) -> PrefectFuture[WarcFileOutcome]:
        return warc_file_task.submit(job, self._warc_progress)

    def progress_started(self, total: int, description: str) -> None:
        self._progress = Progress(total, description)

    def progress_advanced(self, amount: int) -> None:
        if self._progress is not None:
            self._progress.advance(amount)

    def warc_started(self, files: int, description: str) -> None:
        self._warc_progress = str(
            create_progress_artifact(0.0, key="ingest-progress", description=description)
        )

    def warc_advanced(self, percent: float, description: str) -> None:
        if self._warc_progress is not None:
            update_progress_artifact(UUID(self._warc_progress), percent, description=description)

    def run_finished(
        self,
        summary: RunSummary,
        new_events: Sequence[Mapping[str, Any]],
        drifts: Sequence[Drift],
        health: Sequence[Mapping[str, Any]],
    ) -> None:
        publish_run_summary(
            summary.run_id,
            [asdict(s) for s in summary.sources],
            Counter(e["source"] for e in new_events),
            drifts,
        )
        publish_source_health(health)
        publish_new_events(summary.run_id, new_events)
        emit_drift(summary.run_id, drifts)

    def report_written(self, report: ReportSummary) -> None:
        publish_report(report)


@flow(
    name="nightly-ingest",
    flow_run_name=_run_name,
    task_runner=ThreadPoolTaskRunner(max_workers=TASK_WORKERS),
    description="Fetch new articles from every source, extract facts, load them into DuckDB.",
)
def nightly_ingest(
    db_path: str | None = None,
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
    batch_size: int | None = None,
    max_consecutive_failures: int | None = None,
    published_after: date | None = None,
    published_before: date | None = None,
    report_path: str | None = None,
    run_label: str = "nightly",
    warcs: list[str] | None = None,
    warc_hosts: list[str] | None = None,
    warc_include: list[str] | None = None,
    warc_exclude: list[str] | None = None,
    warc_languages: list[str] | None = None,
    warehouse: str | None = None,
    batch_deployment: str | None = None,
) -> dict[str, Any]:
    """One ingest run over the sources file and/or inline sources, feeds, sitemaps and URLs.

    Settings come from these parameters, else the environment (``NEWSFACTS_*``), else the
    sources file's ``[defaults]``, else the built-in defaults (:mod:`ingest.config`).

    Args:
        db_path: DuckDB warehouse file (created and migrated if missing; default
            $NEWSFACTS_WAREHOUSE, else $NEWSFACTS_DB, else news.duckdb).
        sources_file: TOML sources file (see README "Sources").
        sources: sources given inline, as the file's ``[[source]]`` tables.
        feeds, sitemaps, urls: one-off sources, for quick runs.
        allow_hosts: internal hosts the crawler may reach (exact host or IP).
        delay: seconds between requests to one host (default 5, or the file's default).
        concurrency: requests in flight overall.
        user_agent: the User-Agent header (default names this crawler).
        timeout: total seconds allowed per request (default 60; connect/read limits shrink to fit).
        retries: retries of a transient failure per URL (default 3).
        batch_size: pages per fetch/extract/load batch (default 100).
        max_consecutive_failures: a source failing this many runs in a row is skipped (default 5).
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
        warehouse: the warehouse location, the same as db_path (which wins when both are given).
        batch_deployment: a deployment of the ``ingest-batch`` flow ("ingest-batch/<name>"); when
            given, each batch runs as its own flow run on that deployment's work pool (README
            "Scaling out"); discovery, events and the report stay in this run.
    """
    logger = get_run_logger()
    library_logs_at_info()
    options = options_from(
        {
            "warehouse": db_path or warehouse, "sources_file": sources_file, "sources": sources,
            "feeds": feeds, "sitemaps": sitemaps, "urls": urls, "allow_hosts": allow_hosts, "delay": delay,
            "concurrency": concurrency, "user_agent": user_agent, "timeout": timeout, "retries": retries,
            "batch_size": batch_size, "max_consecutive_failures": max_consecutive_failures,
            "published_after": published_after, "published_before": published_before,
            "report_path": report_path, "run_label": run_label, "warcs": warcs, "warc_hosts": warc_hosts,
            "warc_include": warc_include, "warc_exclude": warc_exclude, "warc_languages": warc_languages,
            "batch_deployment": batch_deployment,
        }
    )  # fmt: skip
    config = build_config(options, os.environ)
    shell = PrefectShell()
    runner: PrefectShell | PoolRunner = shell
    if config.batch_deployment:
        runner = PoolRunner(config.batch_deployment, local=shell, batch_timeout_s=config.batch_timeout)
        runner.check()
    summary = run_ingest(
        config,
        runner,
        shell,
        logger=logger,
        run_id=new_run_id(flow_run.id),
        flow_run_id=flow_run.id,
    )
    return summary.as_dict()
