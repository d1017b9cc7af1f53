"""Re-run the extractors over pages already stored, without the network.

When the extraction rules change (``EXTRACTOR_VERSION``), stored pages whose
articles were produced by another version are extracted again from their raw
bytes and their derived rows (article, facts) replaced atomically per batch;
events are then rebuilt. No HTTP and no Prefect: the CLI calls
:func:`reextract_pages` directly, and :func:`flows.reextract.reextract` wraps
it as a flow for the ``reextract`` deployment.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from extractors import EXTRACTOR_VERSION
from ingest.processing import record_for
from warehouse import finish_run, load_pages, refresh_events, start_run
from warehouse.stored import iter_stored_pages, stale_page_urls

log = logging.getLogger(__name__)


def reextract_pages(
    db_path: str,
    *,
    everything: bool = False,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Re-extract stale stored pages; returns counts."""
    run_id = f"{datetime.now():%Y%m%dT%H%M%S}-reextract-{uuid.uuid4().hex[:6]}"
    urls = stale_page_urls(db_path, EXTRACTOR_VERSION, everything=everything)
    counts = {"run_id": run_id, "pages": len(urls), "articles": 0, "rejected": 0, "facts": 0, "events": 0,
              "missing": 0}  # fmt: skip
    if not urls:
        log.info("every stored page is already extracted by %s", EXTRACTOR_VERSION)
        return counts
    start_run(db_path, run_id, flow_name="reextract", parameters={"everything": everything})
    done = 0
    for batch in iter_stored_pages(db_path, urls, batch_size=batch_size):
        lost = [p.url for p in batch if p.body is None]
        if lost:
            log.warning("%d stored pages have no body in the archive, kept as they are: %s", len(lost),
                        ", ".join(lost[:5]) + (" …" if len(lost) > 5 else ""))  # fmt: skip
            counts["missing"] += len(lost)
        records = [record_for(p, p.source) for p in batch if p.body is not None]
        loaded = load_pages(db_path, records, run_id=run_id, drop_rejected=True)
        counts["articles"] += loaded.articles
        counts["facts"] += loaded.facts
        counts["rejected"] += sum(1 for r in records if r.status == "rejected")
        done += len(batch)
        if progress:
            progress(done, len(urls))
    counts["events"] = refresh_events(db_path, run_id=run_id)
    finish_run(db_path, run_id, status="completed")
    return counts
