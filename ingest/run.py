"""The whole ingest run as a plain function: :func:`run_ingest`. No Prefect here.

A run: take the warehouse's run lock, register the sources, skip the disabled
and the failing ones, discover every source's article URLs, ingest them in
batches (fetch, extract, load) with a bounded window in flight, read the
``warc`` sources file by file, record each source's figures, detect drift,
rebuild the events, finish the run, write the trend report.

Two seams let a caller decide *where* the work runs and *what it shows*:

* a :class:`Runner` executes the units of work: one discovery per source
  (:class:`DiscoveryJob` -> :func:`discover_urls`), one batch of URLs
  (:class:`BatchSpec` -> :func:`ingest_batch`), one WARC file
  (:class:`ingest.backfill.WarcFileJob` -> :func:`ingest.backfill.read_warc_file`).
  Every job is picklable plain data and every unit a plain importable
  function, so a runner may execute them in threads (:class:`ThreadRunner`),
  as Prefect tasks (:mod:`flows.nightly`) or as flow runs on a work pool;
* an :class:`Observer` hears progress and the run's results (the Prefect
  shell turns them into artifacts and events; :class:`LogObserver` logs).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from functools import partial
from typing import Any, Protocol, TypeVar

from crawler import Fetcher, FetchPolicy
from ingest.backfill import WarcFileJob, ingest_warc_sources, read_warc_file
from ingest.config import IngestConfig
from ingest.discovery import Discovery, discover
from ingest.errors import RunFailed
from ingest.health import Drift, detect_drift, settle_status
from ingest.pipeline import BatchKey, BatchOutcome, add_outcome, fetch_and_extract, load_batch
from ingest.sources import SourceSpec
from ingest.warc import WarcFileOutcome
from report import ReportSummary, write_report
from warehouse import (
    SourceRunStats,
    WarehouseError,
    finish_run,
    new_events,
    read_batch,
    recent_source_runs,
    record_source_run,
    refresh_events,
    register_sources,
    run_lock,
    source_health,
    start_run,
)

BATCHES_IN_FLIGHT = 4
TASK_WORKERS = 4
RUN_LOCK_WAIT_S = 600.0  # a run that finds another loading the same warehouse waits this long

T = TypeVar("T", covariant=True)


@dataclass(frozen=True, slots=True)
class DiscoveryJob:
    """One source's discovery: plain data."""

    source: SourceSpec
    policy: FetchPolicy
    run_id: str


@dataclass(frozen=True, slots=True)
class BatchSpec:
    """One batch of URLs to fetch, extract and load: plain data, so any worker can take it."""

    source: SourceSpec
    urls: tuple[str, ...]
    batch_no: int
    policy: FetchPolicy
    warehouse: str
    run_id: str

    def to_params(self) -> dict[str, Any]:
        """The spec as JSON-able data (flow-run parameters); :meth:`from_params` reads it back."""
        source = {
            k: v.isoformat() if isinstance(v, date) else list(v) if isinstance(v, tuple) else v
            for k, v in asdict(self.source).items()
        }
        policy = {**asdict(self.policy), "allow_hosts": sorted(self.policy.allow_hosts)}
        return {"source": source, "urls": list(self.urls), "batch_no": self.batch_no, "policy": policy,
                "warehouse": self.warehouse, "run_id": self.run_id}  # fmt: skip

    @classmethod
    def from_params(cls, data: Mapping[str, Any]) -> BatchSpec:
        policy = dict(data["policy"])
        policy["allow_hosts"] = frozenset(policy.get("allow_hosts") or ())
        return cls(
            source=SourceSpec.from_param(dict(data["source"])),
            urls=tuple(data["urls"]),
            batch_no=int(data["batch_no"]),
            policy=FetchPolicy(**policy),
            warehouse=str(data["warehouse"]),
            run_id=str(data["run_id"]),
        )


def policy_for(policy: FetchPolicy, spec: SourceSpec) -> FetchPolicy:
    """The run's policy plus the internal hosts this source may reach."""
    if not spec.allow_hosts:
        return policy
    return replace(policy, allow_hosts=policy.allow_hosts | frozenset(spec.allow_hosts))


async def discover_urls_async(job: DiscoveryJob) -> Discovery:
    """The article URLs a source lists now."""
    async with Fetcher(policy_for(job.policy, job.source), run_key=job.run_id) as fetcher:
        return await discover(fetcher, job.source)


def discover_urls(job: DiscoveryJob) -> Discovery:
    """:func:`discover_urls_async` on an event loop of its own."""
    return asyncio.run(discover_urls_async(job))


async def ingest_batch_async(
    spec: BatchSpec, *, record: bool = False, flow_run_id: str | None = None
) -> BatchOutcome:
    """Fetch, extract and load one batch of URLs; returns only the counts.

    URLs in and counts out: page bodies never leave the unit of work, so run
    memory stays flat and the batch can run on any worker. Fetch faults are
    retried inside the fetcher, per URL; extraction runs in a thread, a chunk
    at a time while the next chunk is fetched, so the event loop stays
    responsive and the core busy. With ``record``, the batch's figures are kept
    in the warehouse, in the load's own transaction, for the run that planned
    it to read back (:func:`recorded_outcome`).
    """
    policy = policy_for(spec.policy, spec.source)
    records = await fetch_and_extract(spec.source, list(spec.urls), policy, spec.warehouse, spec.run_id)
    mark = BatchKey(spec.batch_no, len(spec.urls), flow_run_id) if record else None
    return await asyncio.to_thread(
        partial(load_batch, mark=mark), spec.source.name, records, spec.warehouse, spec.run_id
    )


def ingest_batch(spec: BatchSpec, *, record: bool = False, flow_run_id: str | None = None) -> BatchOutcome:
    """:func:`ingest_batch_async` on an event loop of its own: the plain unit of work."""
    return asyncio.run(ingest_batch_async(spec, record=record, flow_run_id=flow_run_id))


def recorded_outcome(spec: BatchSpec) -> BatchOutcome | None:
    """The figures a worker recorded for ``spec`` (``ingest_batch(record=True)``), or None if none has."""
    data = read_batch(spec.warehouse, spec.run_id, spec.source.name, spec.batch_no)
    if data is None:
        return None
    known = {f.name for f in fields(BatchOutcome)}
    values = {k: v for k, v in data.items() if k in known}
    values["new_article_ids"] = tuple(values.get("new_article_ids") or ())
    return BatchOutcome(**values)


class Pending(Protocol[T]):
    """A unit of work submitted to a runner (a Future, a Prefect future, ...)."""

    def result(self) -> T: ...


class Runner(Protocol):
    """Executes the units of work of a run; ``result()`` raises what the unit raised.

    A runner may say how many batches it wants in flight with a ``window``
    attribute (default :data:`BATCHES_IN_FLIGHT`): a work pool takes many.
    """

    def discover(self, job: DiscoveryJob) -> Pending[Discovery]: ...

    def ingest(self, spec: BatchSpec) -> Pending[BatchOutcome]: ...

    def read_warc(self, job: WarcFileJob) -> Pending[WarcFileOutcome]: ...


class Observer(Protocol):
    """Hears a run's progress and results."""

    def progress_started(self, total: int, description: str) -> None: ...

    def progress_advanced(self, amount: int) -> None: ...

    def warc_started(self, files: int, description: str) -> None: ...

    def warc_advanced(self, percent: float, description: str) -> None: ...

    def run_finished(
        self,
        summary: RunSummary,
        new_events: Sequence[Mapping[str, Any]],
        drifts: Sequence[Drift],
        health: Sequence[Mapping[str, Any]],
    ) -> None: ...

    def report_written(self, report: ReportSummary) -> None: ...


class ThreadRunner:
    """Runs every unit in a thread of one pool (each with its own event loop)."""

    def __init__(self, max_workers: int = TASK_WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="newsfacts")

    def discover(self, job: DiscoveryJob) -> Pending[Discovery]:
        return self._pool.submit(discover_urls, job)

    def ingest(self, spec: BatchSpec) -> Pending[BatchOutcome]:
        return self._pool.submit(ingest_batch, spec)

    def read_warc(self, job: WarcFileJob) -> Pending[WarcFileOutcome]:
        return self._pool.submit(read_warc_file, job)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> ThreadRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LogObserver:
    """Progress and results as log lines (the plain run's observer)."""

    def __init__(self, logger: logging.Logger | logging.LoggerAdapter[Any] | None = None) -> None:
        self.log = logger or logging.getLogger(__name__)
        self.total = 0
        self.done = 0

    def progress_started(self, total: int, description: str) -> None:
        self.total, self.done = total, 0

    def progress_advanced(self, amount: int) -> None:
        self.done += amount

    def warc_started(self, files: int, description: str) -> None:
        self.log.info(description)

    def warc_advanced(self, percent: float, description: str) -> None:
        pass

    def run_finished(
        self,
        summary: RunSummary,
        new_events: Sequence[Mapping[str, Any]],
        drifts: Sequence[Drift],
        health: Sequence[Mapping[str, Any]],
    ) -> None:
        for drift in drifts:
            self.log.warning("drift: %s", drift.message)

    def report_written(self, report: ReportSummary) -> None:
        pass


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run did: per-source figures, events, drift."""

    run_id: str
    warehouse: str
    sources: tuple[SourceRunStats, ...]
    events: int
    new_events: int
    drift: tuple[str, ...]
    failed: bool
    flow_run_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain data (the flow's return value; ``db_path`` is the warehouse location)."""
        return {
            "run_id": self.run_id,
            "flow_run_id": self.flow_run_id,
            "db_path": self.warehouse,
            "sources": {s.source: asdict(s) for s in self.sources},
            "events": self.events,
            "new_events": self.new_events,
            "drift": list(self.drift),
        }


def new_run_id(flow_run_id: str | None = None) -> str:
    """``20261205T013000-1a2b3c4d``: the start time and a short unique suffix."""
    return f"{datetime.now():%Y%m%dT%H%M%S}-{(flow_run_id or uuid.uuid4().hex)[:8]}"


def _batches(items: list[str], size: int) -> Iterable[tuple[int, list[str]]]:
    for start in range(0, len(items), size):
        yield start // size + 1, items[start : start + size]


def run_ingest(
    config: IngestConfig,
    runner: Runner | None = None,
    observer: Observer | None = None,
    *,
    logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
    run_id: str | None = None,
    flow_run_id: str | None = None,
) -> RunSummary:
    """One ingest run over ``config``'s sources; the trend report after it unless configured off.

    Without a runner the units run in a :class:`ThreadRunner`; without an
    observer progress goes to the log. Raises :class:`RunFailed` (its
    ``summary`` the run's as a dict) when every source failed, after the run
    is recorded and published, and a warehouse error if the warehouse is busy.
    """
    log = logger or logging.getLogger(__name__)
    watcher: Observer = observer or LogObserver(log)
    run_id = run_id or new_run_id(flow_run_id)
    own = runner is None
    work: Runner = runner or ThreadRunner()
    try:
        with run_lock(config.warehouse, wait_s=RUN_LOCK_WAIT_S):
            summary = _run(config, work, watcher, log, run_id, flow_run_id)
    finally:
        if own and isinstance(work, ThreadRunner):
            work.close()
    report_file = config.report_file
    if report_file is not None:
        _write_report(log, watcher, config.warehouse, report_file)
    return summary


def _write_report(log: Any, observer: Observer, warehouse: str, path: str) -> None:
    """The trend report after a load; a report that cannot be written costs the run nothing."""
    try:
        written = write_report(warehouse, path)
    except (OSError, WarehouseError, ValueError) as exc:
        log.error("the trend report could not be written to %s: %s", path, exc)
        return
    observer.report_written(written)
    log.info("trend report written to %s", written.path)


def _skip_unhealthy(config: IngestConfig, log: Any, stats: dict[str, SourceRunStats]) -> list[SourceSpec]:
    threshold = config.max_consecutive_failures
    health = {row["name"]: row for row in source_health(config.warehouse)}
    active = []
    for spec in config.sources:
        known = health.get(spec.name, {"enabled": True, "consecutive_failures": 0})
        if not spec.enabled or not known["enabled"] or known["consecutive_failures"] >= threshold:
            why = (
                "disabled"
                if not (spec.enabled and known["enabled"])
                else f"failed {threshold}+ runs in a row"
            )
            log.warning("source %s skipped: %s (newsfacts sources --enable %s)", spec.name, why, spec.name)
            stats[spec.name] = SourceRunStats(spec.name, status="skipped", error=why)
        else:
            active.append(spec)
    return active


def _ingest_listed(
    config: IngestConfig,
    runner: Runner,
    observer: Observer,
    log: Any,
    run_id: str,
    active: list[SourceSpec],
    stats: dict[str, SourceRunStats],
) -> None:
    """Discover every listed source, then its batches with a bounded window in flight."""
    discoveries = {spec.name: runner.discover(DiscoveryJob(spec, config.policy, run_id)) for spec in active}
    work: list[tuple[SourceSpec, int, list[str]]] = []
    for spec in active:
        try:
            found = discoveries[spec.name].result()
        except Exception as exc:
            log.error("source %s: discovery failed: %s", spec.name, exc)
            stats[spec.name] = SourceRunStats(spec.name, status="failed", error=str(exc)[:500])
            continue
        urls_found = [e.url for e in found.entries]
        stats[spec.name] = SourceRunStats(spec.name, discovered=len(urls_found))
        work += [(spec, n, chunk) for n, chunk in _batches(urls_found, config.batch_size)]

    observer.progress_started(sum(len(chunk) for _, _, chunk in work), f"Pages processed in run {run_id}")
    window = max(1, int(getattr(runner, "window", BATCHES_IN_FLIGHT)))
    in_flight: deque[tuple[SourceSpec, int, Pending[BatchOutcome]]] = deque()

    def collect(spec: SourceSpec, size: int, pending: Pending[BatchOutcome]) -> None:
        try:
            outcome = pending.result()
        except Exception as exc:
            log.error("source %s: a batch of %d pages failed: %s", spec.name, size, exc)
            stats[spec.name] = replace(stats[spec.name], error=str(exc)[:500])
        else:
            stats[spec.name] = add_outcome(stats[spec.name], outcome, reasons_field="failed_by_reason")
        observer.progress_advanced(size)

    for spec, batch_no, chunk in work:
        batch = BatchSpec(spec, tuple(chunk), batch_no, config.policy, config.warehouse, run_id)
        in_flight.append((spec, len(chunk), runner.ingest(batch)))
        while len(in_flight) >= window:
            collect(*in_flight.popleft())
    while in_flight:
        collect(*in_flight.popleft())


def _run(
    config: IngestConfig,
    runner: Runner,
    observer: Observer,
    log: Any,
    run_id: str,
    flow_run_id: str | None,
) -> RunSummary:
    db = config.warehouse
    specs = config.sources
    start_run(
        db,
        run_id,
        flow_name=config.run_label,
        flow_run_id=flow_run_id,
        parameters={"sources": [s.name for s in specs], "db_path": db},
    )
    register_sources(db, [(s.name, s.kind, s.location, s.language) for s in specs])
    stats: dict[str, SourceRunStats] = {}
    active = _skip_unhealthy(config, log, stats)
    archived = [spec for spec in active if spec.kind == "warc"]  # read from files, not discovered
    listed = [spec for spec in active if spec.kind != "warc"]
    _ingest_listed(config, runner, observer, log, run_id, listed, stats)
    if archived:
        stats.update(
            ingest_warc_sources(
                log, archived, config.policy, db, run_id, config.batch_size, runner=runner, observer=observer
            )
        )

    stats = {name: settle_status(stat) for name, stat in stats.items()}
    drifts: list[Drift] = []
    for name, stat in stats.items():
        record_source_run(db, run_id, stat)
        drifts += detect_drift(asdict(stat), recent_source_runs(db, name, before_run=run_id))
        log.info(
            "%s: %s, discovered %d, fetched %d, unchanged %d, skipped %d, failed %d, rejected %d,"
            " articles %d (%d new), facts %d%s",
            name, stat.status, stat.discovered, stat.fetched, stat.unchanged, stat.skipped, stat.failed,
            stat.rejected, stat.articles, stat.new_articles, stat.facts,
            f", reasons {stat.failed_by_reason}" if stat.failed_by_reason else "",
        )  # fmt: skip
    run_failed = bool(stats) and all(s.status in ("failed", "failing") for s in stats.values())
    event_count = refresh_events(db, run_id=run_id)
    fresh = new_events(db, run_id)
    log.info("%d events in the warehouse, %d first seen in this run", event_count, len(fresh))
    finish_run(db, run_id, status="failed" if run_failed else "completed")

    summary = RunSummary(
        run_id=run_id,
        warehouse=db,
        sources=tuple(stats.values()),
        events=event_count,
        new_events=len(fresh),
        drift=tuple(d.message for d in drifts),
        failed=run_failed,
        flow_run_id=flow_run_id,
    )
    observer.run_finished(summary, fresh, drifts, source_health(db))
    if run_failed:
        raise RunFailed(
            f"every source failed in run {run_id}; the reasons per source: newsfacts sources",
            summary=summary.as_dict(),
        )
    return summary


__all__ = [
    "BATCHES_IN_FLIGHT",
    "TASK_WORKERS",
    "BatchSpec",
    "DiscoveryJob",
    "LogObserver",
    "Observer",
    "Pending",
    "RunSummary",
    "Runner",
    "ThreadRunner",
    "discover_urls",
    "ingest_batch",
    "policy_for",
    "recorded_outcome",
    "run_ingest",
]
