"""The three steps of a batch, as plain functions: fetch, extract, load.

The nightly flow runs them inside one Prefect task per batch (or one flow run
on a work pool); the benchmark runs them without Prefect as the baseline for
Prefect's overhead. Fetching and extracting overlap within a batch
(:func:`fetch_and_extract`); the load is one transaction per batch.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, TypeVar

from crawler import Fetcher, FetchPolicy
from ingest.processing import records_for
from ingest.sources import SourceSpec
from warehouse import BatchMark, KnownPage, LoadResult, PageRecord, SourceRunStats, known_pages, load_pages


@dataclass(frozen=True, slots=True)
class FetchedBatch:
    results: list[PageRecord]
    known: dict[str, KnownPage]


@dataclass(frozen=True, slots=True)
class BatchKey:
    """A planned batch whose figures are kept in the warehouse: its number, size and flow run."""

    batch_no: int
    pages: int
    flow_run_id: str | None = None


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What one batch did, for the run summary."""

    source: str
    pages: int = 0
    fetched: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    rejected: int = 0
    articles: int = 0
    new_articles: int = 0
    facts: int = 0
    no_date: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    new_article_ids: tuple[str, ...] = ()


_COUNTS = tuple(f.name for f in fields(BatchOutcome) if isinstance(f.default, int))
Totals = TypeVar("Totals", "BatchOutcome", SourceRunStats)


def add_outcome(total: Totals, out: BatchOutcome, *, reasons_field: str = "reasons") -> Totals:
    """``total`` with a batch's counts added: another batch outcome (a WARC file's batches), or a
    source's run totals (``SourceRunStats``, whose failure reasons are ``failed_by_reason``).
    Counters ``total`` lacks are left out."""
    reasons = Counter(getattr(total, reasons_field))
    reasons.update(out.reasons)
    changes: dict[str, Any] = {
        name: getattr(total, name) + getattr(out, name) for name in _COUNTS if hasattr(total, name)
    }
    changes[reasons_field] = dict(reasons)
    return replace(total, **changes)


# A batch is fetched in chunks of this many pages, each extracted in a thread while the next one is
# fetched: a worker that runs one batch at a time keeps its core busy while it waits on the network.
PIPELINE_CHUNK = 50


async def fetch_and_extract(
    spec: SourceSpec, urls: list[str], policy: FetchPolicy, db_path: str, run_id: str
) -> list[PageRecord]:
    """Fetch a batch (conditionally where the warehouse has validators) and extract it, overlapped:
    chunk n is extracted while chunk n + 1 is fetched. Records come out in the order of ``urls``."""
    known = await asyncio.to_thread(known_pages, db_path, urls)  # DuckDB blocks: keep the loop free
    validators = {u: (k.etag, k.last_modified) for u, k in known.items()}
    records: list[PageRecord] = []
    extracting: asyncio.Future[list[PageRecord]] | None = None
    try:
        async with Fetcher(policy, run_key=run_id) as fetcher:
            for start in range(0, len(urls), PIPELINE_CHUNK):
                chunk = urls[start : start + PIPELINE_CHUNK]
                results = await fetcher.fetch_many(chunk, validators=validators, delay_s=spec.delay)
                if extracting is not None:
                    records += await extracting
                fetched = FetchedBatch(results, {u: known[u] for u in chunk if u in known})
                extracting = asyncio.ensure_future(asyncio.to_thread(extract_pages, spec.name, fetched))
        if extracting is not None:
            records += await extracting
    finally:
        if extracting is not None and not extracting.done():
            await asyncio.wait([extracting])  # a thread cannot be cancelled: let it end before leaving
    return records


# Extraction is pure CPU under the GIL. A process pool puts more cores to work, but each worker
# carries its own ~230 MB (parsers, language model, rules), so it is opt-in: set
# NEWSFACTS_EXTRACT_PROCESSES=N on a machine with memory to spare. The default keeps a run
# (fetch, extract, load) in one process under 600 MB.
_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
# In-process, one batch is extracted at a time. Extraction holds the GIL, so two batches extracted
# at once take as long as one after the other, plus the cost of switching between them (2,000
# pages: ~63 s with four at once, ~50 s one at a time) and with a parsed page each in memory.
# Fetching and loading of the other batches in flight still overlap with it.
_EXTRACT_LOCK = threading.Lock()
_MIN_PAGES_FOR_POOL = 8  # below this, shipping pages to a worker costs more than it saves


def _main_reimportable() -> bool:
    """Worker processes re-import ``__main__``: impossible for ``python -`` or a pasted script."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        return True
    path = getattr(main, "__file__", None)
    return path is None or os.path.exists(path)


def _pool() -> ProcessPoolExecutor | None:
    global _POOL
    try:
        workers = int(os.environ.get("NEWSFACTS_EXTRACT_PROCESSES", "0"))
    except ValueError:
        workers = 0
    if workers < 1 or not _main_reimportable():
        return None
    with _POOL_LOCK:
        if _POOL is None:
            # Not fork: the parent runs threads (Prefect, event loops) that fork would copy mid-flight.
            # A fork server preloaded with the extractors (and never __main__, which may be a notebook
            # or stdin) starts clean workers quickly.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["ingest.processing"])
            _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        return _POOL


def extract_pages(source: str, fetched: FetchedBatch) -> list[PageRecord]:
    """Article, facts and topics for every fetched page; rejections recorded.

    Pages are split into one chunk per core and extracted in worker processes;
    only fetch results go in and records come out, in input order.
    """
    pool = _pool()
    bodies = sum(1 for r in fetched.results if r.body is not None)
    if pool is None or bodies < _MIN_PAGES_FOR_POOL:
        with _EXTRACT_LOCK:
            return records_for(fetched.results, source, fetched.known)
    workers = pool._max_workers
    size = -(-len(fetched.results) // workers)
    chunks = [fetched.results[i : i + size] for i in range(0, len(fetched.results), size)]
    jobs = [
        pool.submit(
            records_for, chunk, source, {r.url: fetched.known[r.url] for r in chunk if r.url in fetched.known}
        )
        for chunk in chunks
    ]
    return [record for job in jobs for record in job.result()]


def _outcome(source: str, records: list[PageRecord], loaded: LoadResult) -> BatchOutcome:
    status = Counter(r.status for r in records)
    reasons = Counter(r.reason or r.status for r in records if r.status in ("failed", "skipped", "rejected"))
    return BatchOutcome(
        source=source,
        pages=len(records),
        fetched=status["fetched"] + status["rejected"],
        unchanged=status["unchanged"],
        skipped=status["skipped"],
        failed=status["failed"],
        rejected=status["rejected"],
        articles=loaded.articles,
        new_articles=loaded.new_articles,
        facts=loaded.facts,
        no_date=sum(1 for r in records if r.article is not None and r.article.published is None),
        reasons=dict(reasons),
        new_article_ids=loaded.new_article_ids,
    )


def load_batch(
    source: str, records: list[PageRecord], db_path: str, run_id: str, *, mark: BatchKey | None = None
) -> BatchOutcome:
    """Write one batch in one transaction and count what it did.

    With ``mark``, the batch's figures go into ``batch_runs`` in that same
    transaction, for the run that planned the batch to read back.
    """
    batch = None
    if mark is not None:
        batch = BatchMark(
            run_id=run_id, source=source, batch_no=mark.batch_no, pages=mark.pages,
            figures=lambda loaded: asdict(_outcome(source, records, loaded)), flow_run_id=mark.flow_run_id,
        )  # fmt: skip
    return _outcome(source, records, load_pages(db_path, records, run_id=run_id, batch=batch))
