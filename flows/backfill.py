"""The Prefect task of a backfill from web archives: one ``warc-<source>-<n>`` task per WARC file.

The run (:func:`ingest.run.run_ingest`) hands its ``warc`` sources to
:func:`ingest.backfill.ingest_warc_sources`, which gives every file to the
runner; the Prefect runner (:mod:`flows.nightly`) submits this task, which
reads, extracts and loads the file (:func:`ingest.backfill.read_warc_file`)
and moves the ``ingest-progress`` artifact as it goes.
"""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import update_progress_artifact

from ingest.backfill import WarcFileJob, read_warc_file
from ingest.warc import WarcFileOutcome, timed_progress
from warehouse.warc_files import WarcFileRecord

ARTIFACT_EVERY_S = 5.0


# No task timeout: Prefect cannot interrupt a task in a worker thread, and a 1 GB file takes as long as
# its download; a stalled download ends on the read timeout instead.
@task(task_run_name="warc-{job.source.name}-{job.file_no}")
def warc_file_task(job: WarcFileJob, progress_id: str | None) -> WarcFileOutcome:
    """Read one WARC file, load its pages, record it as done (or failed, with the reason)."""
    logger = get_run_logger()
    log_line = timed_progress(
        lambda text: logger.info("%s file %d/%d: %s", job.source.name, job.file_no, job.files_total, text)
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
            min(100.0, 100.0 * (job.file_no - 1 + share) / max(job.files_total, 1)),
            description=(
                f"WARC file {job.file_no}/{job.files_total} ({Path(job.location).name}): {rec.status},"
                f" {rec.records_read:,} records read, {rec.pages_kept:,} pages kept"
            ),
        )

    return read_warc_file(job, progress, logger)
