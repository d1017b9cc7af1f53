"""Backfills from web archives: every file of the ``warc`` sources, one unit of work each.

:func:`ingest_warc_sources` expands listings, skips files an earlier run
finished, and hands every other file to the run's runner as a
:class:`WarcFileJob` (two in flight); :func:`read_warc_file` reads, extracts
and loads it (:func:`ingest.warc.ingest_warc_file`) and then records it in
``warc_files``. A job is plain data (source spec, location, policy, warehouse
location), so it can run on any worker.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler import FetchPolicy
from ingest.sources import SourceSpec
from ingest.warc import WarcFileOutcome, ingest_warc_file, listing_record, timed_progress, warc_locations
from warehouse import SourceRunStats
from warehouse.warc_files import WarcFileRecord, done_warc_files, record_warc_file

if TYPE_CHECKING:
    from ingest.run import Observer, Runner

FILES_IN_FLIGHT = 2

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WarcFileJob:
    """One WARC file to read and load: plain data."""

    source: SourceSpec
    location: str
    file_no: int
    files_total: int
    policy: FetchPolicy
    warehouse: str
    run_id: str
    batch_size: int


def read_warc_file(
    job: WarcFileJob,
    progress: Callable[[WarcFileRecord, float | None], None] | None = None,
    logger: Any = None,
) -> WarcFileOutcome:
    """Read one WARC file, load its pages, record it as done (or failed, with the reason).

    Without a ``progress`` callback, the file's figures are logged every 30 seconds and at its end.
    """
    logger = logger or log
    if progress is None:
        progress = timed_progress(
            lambda text: logger.info("%s file %d/%d: %s", job.source.name, job.file_no, job.files_total, text)
        )
    outcome = ingest_warc_file(
        job.source, job.location, job.policy, job.warehouse, job.run_id, batch_size=job.batch_size,
        progress=progress,
    )  # fmt: skip
    record_warc_file(job.warehouse, outcome.file)  # after every page is loaded: a killed run redoes it
    if outcome.file.status != "done":
        logger.error("%s: %s not read to its end: %s", job.source.name, job.location, outcome.file.error)
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
    *,
    runner: Runner,
    observer: Observer,
) -> dict[str, SourceRunStats]:
    """Every file of the ``warc`` sources, one unit each; the figures per source."""
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

    if work:
        observer.warc_started(len(work), f"WARC files read in run {run_id}: 0/{len(work)}")
    in_flight: deque[tuple[SourceSpec, str, Any]] = deque()
    files_failed: Counter[str] = Counter()
    files_total: Counter[str] = Counter(spec.name for spec, _, _ in work)

    totals = Counter[str]()

    def collect(spec: SourceSpec, location: str, pending: Any) -> None:
        totals["files"] += 1
        try:
            outcome: WarcFileOutcome = pending.result()
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
        observer.warc_advanced(
            100.0 * totals["files"] / len(work),
            f"WARC files read: {totals['files']}/{len(work)}, {totals['records']:,} records read,"
            f" {totals['kept']:,} pages kept; last: {Path(location).name} {outcome.file.status},"
            f" {outcome.file.records_read:,} records read, {outcome.file.pages_kept:,} pages kept",
        )

    for n, (spec, spec_policy, location) in enumerate(work, start=1):
        job = WarcFileJob(spec, location, n, len(work), spec_policy, db_path, run_id, batch_size)
        in_flight.append((spec, location, runner.read_warc(job)))
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
