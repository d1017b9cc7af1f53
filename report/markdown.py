"""The report's key tables as markdown, for the ``trend-report`` artifact in the Prefect UI.

The HTML report is a file on the machine that ran the flow; a ``file://`` link
to it opens nowhere else. So the artifact carries the figures an analyst looks
at first (investment by country and month, top actors, the newest events)
inline, read from the same :class:`ReportData` as the page, and the file's
path beside them. Cells from third-party pages are flattened to one line and
their ``|`` escaped, so no evidence sentence can break a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from report.page import money
from warehouse.reporting import EventRow, ReportData

INVESTMENT_ROWS = 15
ACTOR_ROWS = 10
EVENT_ROWS = 10
EVIDENCE_CHARS = 160


def cell(value: Any) -> str:
    """One table cell: one line, ``|`` escaped, ``-`` for nothing."""
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        value = f"{value:,.2f}"
    return " ".join(str(value).split()).replace("|", "\\|")


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]


def _shown(total: int, limit: int, what: str) -> str:
    return f"All {total} {what}." if total <= limit else f"The first {limit} of {total} {what}."


def render_markdown(data: ReportData, path: str) -> str:
    """The artifact's text: where the full report is, then its key tables."""
    where = Path(path).resolve()
    period = f"events first reported from {data.since.isoformat()} on" if data.since else "all periods"
    lines = [
        "# Trend report",
        "",
        f"Full report (five charts, the newest events with their evidence): [{where.name}]({where.as_uri()})"
        f" at `{where}` on the machine that ran this flow. The tables below are its key figures, from"
        f" `{data.db_name}` ({period}, {data.current_events} current events).",
    ]
    investment = data.views["trend_investment_by_country_month"].records()
    lines += ["", "## AI-infrastructure investment by target country and month", ""]
    lines += table(
        ["month", "country", "events", "USD billions", "actors"],
        [[r["month"], r["country"], r["events"], r["usd_billions"], r["actors"]]
         for r in investment[:INVESTMENT_ROWS]],
    ) if investment else ["No investment events yet."]  # fmt: skip
    if investment:
        lines += ["", _shown(len(investment), INVESTMENT_ROWS, "rows of `trend_investment_by_country_month`")]

    actors = data.views["trend_top_actors"].records()
    lines += ["", "## Top actors", ""]
    lines += table(
        ["actor", "events", "USD billions", "fact types"],
        [[r["actor"], r["events"], r["usd_billions"], r["fact_types"]] for r in actors[:ACTOR_ROWS]],
    ) if actors else ["No actors yet."]  # fmt: skip
    if actors:
        lines += ["", _shown(len(actors), ACTOR_ROWS, "rows of `trend_top_actors`")]

    lines += ["", "## Newest events", ""]
    events = data.events[:EVENT_ROWS]
    lines += table(
        ["first seen", "reported", "type", "actor", "amount", "country", "mentions", "evidence"],
        [[f"{e.first_seen_at:%Y-%m-%d}", f"{e.event_date:%Y-%m-%d}", e.fact_type, e.actor,
          _amount(e), e.target_country or e.jurisdiction, e.mentions,
          _evidence(e.evidence, e.evidence_url)] for e in events],
    ) if events else ["No current events yet."]  # fmt: skip
    if events:
        lines += ["", _shown(data.current_events, EVENT_ROWS, "current events, newest first")]
    return "\n".join(lines) + "\n"


def _evidence(text: str, url: str | None) -> str:
    short = text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"
    short = cell(short)
    if url and url.startswith(("http://", "https://")):
        short += f" [article]({url.replace(')', '%29').replace(' ', '%20')})"
    return short


def _amount(event: EventRow) -> str:
    """As first reported, with the US-dollar figure beside any other currency."""
    text = money(event.amount, event.currency)
    if text and event.amount_usd is not None and event.currency != "USD":
        text += f" (≈ {money(event.amount_usd, 'USD')})"
    return text
