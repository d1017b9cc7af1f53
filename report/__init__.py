"""The trend report: one self-contained HTML file to open in a browser, mail around or click from a run.

``newsfacts report`` and the nightly flow call :func:`write_report`. The page
shows five trend views as charts and the newest current events as a table:

    warehouse.reporting  reads the views and events from the published warehouse, read-only, in one snapshot
    charts.py    the five charts: view, title, caption, axes, legend
    svg.py       hand-written SVG primitives (why not a charting library: see there)
    page.py      the HTML page: inline CSS, no JavaScript, nothing loaded from anywhere
    markdown.py  the key tables as markdown, for the flow's ``trend-report`` artifact

Each chart embeds its view's rows as ``<script type="application/json"
id="data-…">`` beside the drawing, so the report equals ``SELECT * FROM trend_…``
by construction and anyone can check it.

``since`` narrows every part of the page: the months and weeks that contain
or follow it in the time charts, and the events first reported on or after it
in the top-actors chart and in the events table (with its count).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from report.charts import CHARTS
from report.markdown import render_markdown
from report.page import render_html
from warehouse.reporting import ReportData, read_report

__all__ = ["ReportSummary", "read_report_data", "render_markdown", "render_report", "write_report"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What :func:`write_report` wrote: for the CLI's one line and the flow's artifact link."""

    path: str
    charts: int
    charts_with_data: int
    events_shown: int
    current_events: int
    since: date | None
    size_bytes: int
    data: ReportData = field(repr=False, compare=False)  # what the page shows, for the artifact's tables


def read_report_data(db_path: str, *, since: date | None = None) -> ReportData:
    """What the report shows, read from the published database at ``db_path``."""
    return read_report(db_path, {chart.view: chart.period for chart in CHARTS}, since=since)


def render_report(db_path: str, *, since: date | None = None) -> str:
    """The report for the published database at ``db_path``, as one HTML string."""
    return render_html(read_report_data(db_path, since=since))


def write_report(db_path: str, out_path: str, *, since: date | None = None) -> ReportSummary:
    """Write the report to ``out_path`` (atomically: a reader never sees half a file)."""
    data = read_report_data(db_path, since=since)
    page = render_html(data)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(page, "utf-8")
    os.replace(tmp, out)
    summary = ReportSummary(
        path=str(out),
        charts=len(CHARTS),
        charts_with_data=sum(1 for chart in CHARTS if data.views[chart.view].rows),
        events_shown=len(data.events),
        current_events=data.current_events,
        since=since,
        size_bytes=out.stat().st_size,
        data=data,
    )
    log.info(
        "wrote %s: %d charts (%d with data), %d of %d current events, %.0f KB",
        summary.path,
        summary.charts,
        summary.charts_with_data,
        summary.events_shown,
        summary.current_events,
        summary.size_bytes / 1024,
    )
    return summary
