"""Backfills from web archives inside a flow run: one Prefect task per WARC file.

The nightly flow hands its ``warc`` sources to :func:`ingest_warc_sources`:
listings are expanded, files an earlier run finished are skipped, and every
other file becomes one ``warc-<source>-<n>`` task (two in flight), which
reads, extracts and loads it (:func:`ingest.warc.ingest_warc_file`) and then
records it in ``warc_files``. A task receives only plain data (source spec,
location, policy, paths), so it can run on any worker.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from crawler import FetchPolicy
from ingest.sources import SourceSpec
from ingest.warc import (
    WarcFileOutcome,
    ingest_warc_file,
    listing_record,
    timed_progress,
    warc_locations,
)
from warehouse import SourceRunStats
from warehouse.warc_files import WarcFileRecord, done_warc_files, record_warc_file

FILES_IN_FLIGHT = 2
ARTIFACT_EVERY_S = 5.0


# No task timeout: Prefect cannot interrupt a task in a worker thread, and a 1 GB file takes as long as
# its download; a stalled download ends on the read timeout instead.
@task(task_run_name="warc-{spec.name}-{file_no}")
def warc_file_task(
    spec: SourceSpec,
    location: str,
    file_no: int,
    files_total: int,
    policy: FetchPolicy,
    db_path: str,
    run_id: str,
    batch_size: int,
    progress_id: str | None,
) -> WarcFileOutcome:
    """Read one WARC file, load its pages, record it as done (or failed, with the reason)."""
    logger = get_run_logger()
    log_line = timed_progress(
        lambda text: logger.info("%s file %d/%d: %s", spec.name, file_no, files_total, text)
    )
    shown = [0.0]

    def progress(rec: WarcFileRecord, fraction: float | None) -> None:
        log_line(rec, fraction)
        now = time.monotonic()
        if progress_id is None or (rec.status == "running" and now - shown[0] < ARTIFACT_EVERY_S):
            return
        shown[0] = now
        share = fraction if fraction is not None else 0.0
        update_progress_artifact(
            UUID(progress_id),
            min(100.0, 100.0 * (file_no - 1 + share) / max(files_total, 1)),
            description=(
                f"WARC file {file_no}/{files_total} ({Path(location).name}): {rec.status},"
                f" {rec.records_read:,} records read, {rec.pages_kept:,} pages kept"
            ),
        )

    outcome = ingest_warc_file(
        spec, location, policy, db_path, run_id, batch_size=batch_size, progress=progress
    )
    record_warc_file(db_path, outcome.file)  # after every page of the file is loaded: a killed run redoes it
    if outcome.file.status != "done":
        logger.error("%s: %s not read to its end: %s", spec.name, location, outcome.file.error)
    return outcome


def _merge(stats: SourceRunStats, outcome: WarcFileOutcome) -> SourceRunStats:
    rec, out = outcome.file, outcome.loaded
    reasons = Counter(stats.failed_by_reason)
    reasons.update(rec.failed_by_reason)
    return replace(
        stats,
        discovered=stats.discovered + rec.html_records,
        fetched=stats.fetched + out.fetched,
        unchanged=stats.unchanged + rec.skipped_by_reason.get("already_stored", 0),  # same bytes as stored
        rejected=stats.rejected + out.rejected,
        failed=stats.failed + rec.failures,
        articles=stats.articles + out.articles,
        new_articles=stats.new_articles + out.new_articles,
        facts=stats.facts + out.facts,
        no_date=stats.no_date + out.no_date,
        failed_by_reason=dict(reasons),
        error=stats.error if rec.status == "done" else (rec.error or stats.error),
    )


def ingest_warc_sources(
    logger: Any,
    specs: list[SourceSpec],
    policy: FetchPolicy,
    db_path: str,
    run_id: str,
    batch_size: int,
) -> dict[str, SourceRunStats]:
    """Every file of the ``warc`` sources, one task each; the figures per source."""
    stats: dict[str, SourceRunStats] = {}
    work: list[tuple[SourceSpec, FetchPolicy, str]] = []
    unusable: Counter[str] = Counter()
    for spec in specs:
        spec_policy = policy
        if spec.allow_hosts:
            spec_policy = replace(policy, allow_hosts=policy.allow_hosts | frozenset(spec.allow_hosts))
        files, failures = warc_locations(spec, spec_policy)
        reasons: Counter[str] = Counter()
        for failure in failures:
            logger.error("%s: listing %s could not be read: %s", spec.name, failure.location, failure.error)
            record_warc_file(db_path, listing_record(failure, spec, run_id))
            reasons[failure.reason] += 1
        done = done_warc_files(db_path, files)
        todo = [f for f in files if f not in done]
        logger.info(
            "%s: %d WARC files, %d done by earlier runs, %d to read",
            spec.name,
            len(files),
            len(done),
            len(todo),
        )
        stats[spec.name] = SourceRunStats(spec.name, failed=len(failures), failed_by_reason=dict(reasons))
        if failures and not files:
            unusable[spec.name] += 1
        work += [(spec, spec_policy, f) for f in todo]

    progress_id = None
    if work:
        progress_id = str(
            create_progress_artifact(
                0.0, key="ingest-progress", description=f"WARC files read in run {run_id}: 0/{len(work)}"
            )
        )
    in_flight: deque[tuple[SourceSpec, str, Any]] = deque()
    files_failed: Counter[str] = Counter()
    files_total: Counter[str] = Counter(spec.name for spec, _, _ in work)

    totals = Counter[str]()

    def collect(spec: SourceSpec, location: str, future: Any) -> None:
        totals["files"] += 1
        try:
            outcome: WarcFileOutcome = future.result()
        except Exception as exc:  # a bug or a warehouse error: the file stays not done
            logger.error("%s: WARC file %s failed: %s", spec.name, location, exc)
            stats[spec.name] = replace(stats[spec.name], error=str(exc)[:500])
            files_failed[spec.name] += 1
            return
        stats[spec.name] = _merge(stats[spec.name], outcome)
        if outcome.file.status != "done":
            files_failed[spec.name] += 1
        totals["records"] += outcome.file.records_read
        totals["kept"] += outcome.file.pages_kept
        if progress_id is not None:
            update_progress_artifact(
                UUID(progress_id),
                100.0 * totals["files"] / len(work),
                description=(
                    f"WARC files read: {totals['files']}/{len(work)}, {totals['records']:,} records read,"
                    f" {totals['kept']:,} pages kept; last: {Path(location).name} {outcome.file.status},"
                    f" {outcome.file.records_read:,} records read, {outcome.file.pages_kept:,} pages kept"
                ),
            )

    for n, (spec, spec_policy, location) in enumerate(work, start=1):
        future = warc_file_task.submit(
            spec, location, n, len(work), spec_policy, db_path, run_id, batch_size, progress_id
        )
        in_flight.append((spec, location, future))
        while len(in_flight) >= FILES_IN_FLIGHT:
            collect(*in_flight.popleft())
    while in_flight:
        collect(*in_flight.popleft())

    for name, stat in stats.items():
        every_file_failed = files_total[name] > 0 and files_failed[name] == files_total[name]
        if unusable[name] or every_file_failed:
            stats[name] = replace(stat, status="failed", error=stat.error or "no WARC file could be read")
        elif files_total[name] == 0 and not stat.failed:  # nothing new: no yield to judge drift by
            stats[name] = replace(stat, status="skipped", error="every WARC file was done by an earlier run")
    return stats
