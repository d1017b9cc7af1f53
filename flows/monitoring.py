"""What a run shows in the Prefect UI: artifacts, progress, drift events.

Artifacts carry stable keys (lowercase, digits, dashes), so each appears on
the UI's Artifacts page with its history across runs:

* ``run-summary``: one row per source (discovered, fetched, unchanged,
  skipped by robots, failed by reason, articles, facts, new events, drift);
* ``source-health``: every known source's status, consecutive failures and
  recent yields;
* ``new-events``: the run's new events as markdown, linked to their evidence;
* ``ingest-progress``: a progress bar updated as batches finish;
* ``trend-report``: the HTML report's key tables inline (they show on any
  machine), with the path of the file written after the load.

Drift (see :mod:`ingest.health`) is also emitted as a Prefect event,
``newsfacts.source.drift``, which the automation in ``automations/`` watches.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.events import emit_event

from ingest.health import Drift
from report import ReportSummary, render_markdown
from report.markdown import table as markdown_table

log = logging.getLogger(__name__)

DRIFT_EVENT = "newsfacts.source.drift"
LIBRARY_LOGGERS = ("flows", "ingest", "crawler", "report", "cli", "extractors", "warehouse")


def library_logs_at_info() -> None:
    """Prefect forwards the library loggers to the UI (PREFECT_LOGGING_EXTRA_LOGGERS) but sets no level."""
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)


class Progress:
    """The ``ingest-progress`` artifact, updated at most every 2 % of the work."""

    def __init__(self, total: int, description: str) -> None:
        self.total = max(total, 1)
        self.done = 0
        self._shown = -1.0
        self._id: UUID = create_progress_artifact(0.0, key="ingest-progress", description=description)

    def advance(self, amount: int) -> None:
        self.done += amount
        percent = min(100.0, 100.0 * self.done / self.total)
        if percent - self._shown >= 2.0 or percent >= 100.0:
            update_progress_artifact(self._id, percent)
            self._shown = percent


def _reasons(failed_by_reason: Mapping[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in sorted(failed_by_reason.items())) or "-"


def publish_run_summary(
    run_id: str,
    stats: Iterable[Mapping[str, Any]],
    new_events_by_source: Mapping[str, int],
    drifts: Sequence[Drift],
) -> None:
    flagged: dict[str, list[str]] = {}
    for drift in drifts:
        flagged.setdefault(drift.source, []).append(drift.metric)
    rows = []
    for s in stats:
        reasons = dict(s["failed_by_reason"])
        robots = reasons.pop("robots", 0) + reasons.pop("robots_unreachable", 0)
        rows.append(
            {
                "source": s["source"],
                "status": s["status"] if not s.get("error") else f"{s['status']}: {str(s['error'])[:80]}",
                "discovered": s["discovered"],
                "fetched": s["fetched"],
                "unchanged (304)": s["unchanged"],
                "skipped by robots": robots,
                "failed": s["failed"],
                "rejected": s["rejected"],
                "failed by reason": _reasons(reasons),
                "articles": s["articles"],
                "new articles": s["new_articles"],
                "facts": s["facts"],
                "new events": new_events_by_source.get(s["source"], 0),
                "drift": ", ".join(flagged.get(s["source"], [])) or "-",
            }
        )
    create_table_artifact(rows, key="run-summary", description=f"Run {run_id}: what each source gave")


def publish_source_health(health: Sequence[Mapping[str, Any]]) -> None:
    rows = [
        {
            "source": h["name"],
            "kind": h["kind"],
            "status": "disabled" if not h["enabled"] else ("failing" if h["consecutive_failures"] else "ok"),
            "consecutive failures": h["consecutive_failures"],
            "last success": str(h["last_success_at"] or "-")[:19],
            "last error": str(h["last_error"] or "-")[:120],
            "new articles, recent runs (newest first)": " ".join(str(n) for n in (h["recent_yield"] or []))
            or "-",
        }
        for h in health
    ]
    create_table_artifact(rows, key="source-health", description="Every source: status and yield trend")


def _money(event: Mapping[str, Any]) -> str:
    amount, currency, usd = event.get("amount"), event.get("currency"), event.get("amount_usd")
    if amount is None:
        return "-"
    text = f"{amount:,.0f} {currency or ''}".strip()
    if usd is not None and currency != "USD":
        text += f" (≈ ${usd / 1e6:,.0f}M)"
    return text


def _evidence(event: Mapping[str, Any]) -> str:
    link = f" [article]({event['evidence_url']})" if event.get("evidence_url") else ""
    return str(event["evidence"])[:160] + link


def publish_new_events(run_id: str, events: Sequence[Mapping[str, Any]]) -> None:
    lines = [f"# New events in run {run_id}", ""]
    if not events:
        lines.append("No new events in this run.")
    else:
        lines += markdown_table(
            ["type", "actor", "amount", "country", "first reported", "mentions", "evidence"],
            [[e["fact_type"], e["actor"], _money(e), e.get("target_country") or e.get("jurisdiction"),
              e["event_date"], e["mention_count"], _evidence(e)] for e in events],
        )  # fmt: skip
    create_markdown_artifact("\n".join(lines), key="new-events", description=f"{len(events)} new events")


def publish_report(report: ReportSummary) -> None:
    """The ``trend-report`` artifact: the report's key tables as markdown, and where its file is."""
    create_markdown_artifact(
        render_markdown(report.data, report.path),
        key="trend-report",
        description=f"Trend report: {report.charts} charts, {report.events_shown} newest events",
    )


def emit_drift(run_id: str, drifts: Sequence[Drift]) -> None:
    for drift in drifts:
        emit_event(
            event=DRIFT_EVENT,
            resource={
                "prefect.resource.id": f"newsfacts.source.{drift.source}",
                "prefect.resource.name": drift.source,
            },
            payload={
                "run_id": run_id,
                "metric": drift.metric,
                "value": drift.value,
                "usual": drift.usual,
                "message": drift.message,
            },
        )
        log.warning("drift: %s", drift.message)
