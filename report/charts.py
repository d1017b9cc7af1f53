"""The five charts: which trend view each draws, with what title, caption, axes and legend.

Each chart turns its view's rows into one picture and never changes a figure:
it only lays the rows out (a continuous time axis, the biggest groups first,
the rest folded into "other"). The drawing primitives live in
:mod:`report.svg`. Colours per fact type are fixed, so enforcement is
the same teal in every chart and in the events table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from extractors.models import FACT_TYPES
from report import svg
from report.svg import PALETTE, Series
from warehouse.reporting import ViewRows

TOP_ACTORS = 12
TOP_COUNTRIES = 9
TOP_JURISDICTIONS = 12
TOP_TOPICS = 15
FACT_COLOURS: dict[str, str] = dict(zip(FACT_TYPES, PALETTE, strict=False))
SOVEREIGNTY_TYPES = ("enforcement", "regulation", "ownership_action", "data_access_restriction")
MENTIONS_COLOUR = "#222222"


Drawing = tuple[str, list[tuple[str, str]]]  # (svg or html, legend as (colour, label))


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: its id in the page, its view, and how to draw it."""

    key: str
    view: str
    period: str | None  # the view's month/week column that ``since`` filters on
    title: str
    caption: str
    draw: Callable[[ViewRows], Drawing]


def month_range(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``: empty months stay on the axis as gaps."""
    year, month = map(int, first.split("-"))
    months: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def week_range(first: str, last: str) -> list[str]:
    """Every Monday (``YYYY-MM-DD``) from ``first`` to ``last``."""
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    weeks: list[str] = []
    while day <= end:
        weeks.append(day.isoformat())
        day += timedelta(days=7)
    return weeks


def usd_billions(value: float) -> str:
    """As the views store money: billions of US dollars to two decimals."""
    return f"${value:,.2f} bn"


def count(value: float) -> str:
    return f"{value:,.0f}"


def _ranked(totals: dict[str, float], limit: int) -> list[str]:
    return sorted(totals, key=lambda k: (-totals[k], k))[:limit]


# --- the five charts ----------------------------------------------------------------------------------


def draw_investment(view: ViewRows) -> Drawing:
    rows = view.records()
    months = month_range(min(r["month"] for r in rows), max(r["month"] for r in rows))
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["country"]] = totals.get(r["country"], 0.0) + (r["usd_billions"] or 0.0)
    shown = _ranked(totals, TOP_COUNTRIES)
    groups = [*shown, *(["other"] if len(totals) > len(shown) else [])]
    values = {g: [0.0] * len(months) for g in groups}
    notes = {g: [""] * len(months) for g in groups}
    for r in rows:
        group, i = (r["country"] if r["country"] in shown else "other"), months.index(r["month"])
        values[group][i] += r["usd_billions"] or 0.0
        notes[group][i] = "; ".join(filter(None, [notes[group][i], f"{r['events']} events: {r['actors']}"]))
    colours = {g: (PALETTE[n] if g != "other" else svg.OTHER_COLOUR) for n, g in enumerate(groups)}
    series = [Series(g, colours[g], tuple(values[g]), tuple(notes[g])) for g in groups]
    drawing = svg.stacked_columns(
        months,
        series,
        x_title="Month first reported",
        y_title="USD billions",
        value_format=usd_billions,
        integer=False,
        show_totals=True,
        label="AI-infrastructure investment by target country and month",
    )
    return drawing, [(colours[g], g) for g in groups]


def draw_facts(view: ViewRows) -> Drawing:
    rows = view.records()
    weeks = week_range(min(r["week"] for r in rows), max(r["week"] for r in rows))
    kinds = [k for k in FACT_TYPES if any(r["fact_type"] == k for r in rows)]
    kinds += sorted({r["fact_type"] for r in rows} - set(kinds))
    events = {k: [0.0] * len(weeks) for k in kinds}
    mentions = [0.0] * len(weeks)
    for r in rows:
        i = weeks.index(r["week"])
        events[r["fact_type"]][i] += r["new_events"]
        mentions[i] += r["mentions"]
    colour = {k: FACT_COLOURS.get(k, svg.OTHER_COLOUR) for k in kinds}
    series = [Series(k, colour[k], tuple(events[k])) for k in kinds]
    dots = Series("all fact mentions", MENTIONS_COLOUR, tuple(mentions))
    drawing = svg.stacked_columns(
        weeks,
        series,
        markers=dots,
        x_title="Week (starting Monday)",
        y_title="Count per week",
        value_format=count,
        integer=True,
        label="New events by fact type and fact mentions per week",
    )
    return drawing, [*((colour[k], k) for k in kinds), (MENTIONS_COLOUR, "all fact mentions (dots)")]


def draw_sovereignty(view: ViewRows) -> Drawing:
    rows = view.records()
    months = month_range(min(r["month"] for r in rows), max(r["month"] for r in rows))
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["jurisdiction"]] = totals.get(r["jurisdiction"], 0) + r["total"]
    shown = _ranked(totals, TOP_JURISDICTIONS)
    lane_series = []
    for place in shown:
        mine = {r["month"]: r for r in rows if r["jurisdiction"] == place}
        lane_series.append(
            [
                Series(
                    kind,
                    FACT_COLOURS[kind],
                    tuple(float(mine[m][kind]) if m in mine else 0.0 for m in months),
                    tuple(mine[m]["actors"] if m in mine else "" for m in months),
                )
                for kind in SOVEREIGNTY_TYPES
            ]
        )
    labels = [f"{place} ({totals[place]:g})" for place in shown]
    drawing = svg.lanes(
        labels,
        months,
        lane_series,
        x_title="Month first reported",
        y_title="Jurisdiction (total actions)",
        unit="actions",
        label="Data-sovereignty actions by jurisdiction and month",
    )
    legend = [(FACT_COLOURS[k], k) for k in SOVEREIGNTY_TYPES]
    if len(totals) > len(shown):
        legend.append(("#ffffff", f"+ {len(totals) - len(shown)} smaller jurisdictions in the data"))
    return drawing, legend


def draw_actors(view: ViewRows) -> Drawing:
    rows = view.records()
    by_events = sorted(rows, key=lambda r: (-r["events"], -(r["usd_billions"] or 0), r["actor"]))[:TOP_ACTORS]
    with_money = [r for r in rows if (r["usd_billions"] or 0) > 0]
    by_usd = sorted(with_money, key=lambda r: (-r["usd_billions"], r["actor"]))[:TOP_ACTORS]
    left = svg.horizontal_bars(
        [r["actor"] for r in by_events],
        [float(r["events"]) for r in by_events],
        colour=PALETTE[0],
        x_title="Events (count)",
        y_title="Actor",
        series="events",
        value_format=count,
        integer=True,
        notes=[r["fact_types"] for r in by_events],
        label="Top actors by number of events",
    )
    right = (
        svg.horizontal_bars(
            [r["actor"] for r in by_usd],
            [float(r["usd_billions"]) for r in by_usd],
            colour=PALETTE[4],
            x_title="USD billions",
            y_title="Actor",
            series="usd_billions",
            value_format=usd_billions,
            integer=False,
            notes=[r["fact_types"] for r in by_usd],
            label="Top actors by USD",
        )
        if by_usd
        else '<p class="nodata">No events with an amount yet.</p>'
    )
    html = f"<h3>By number of events</h3>{left}<h3>By USD (events that carry an amount)</h3>{right}"
    return html, []


def draw_topics(view: ViewRows) -> Drawing:
    rows = view.records()
    weeks = week_range(min(r["week"] for r in rows), max(r["week"] for r in rows))
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["topic"]] = totals.get(r["topic"], 0) + r["articles"]
    topics = _ranked(totals, TOP_TOPICS)
    cells = [[0.0] * len(weeks) for _ in topics]
    for r in rows:
        if r["topic"] in topics:
            cells[topics.index(r["topic"])][weeks.index(r["week"])] = float(r["articles"])
    drawing = svg.heatmap(
        topics,
        weeks,
        cells,
        x_title="Week of publication (starting Monday)",
        y_title="Topic",
        unit="articles",
        label="Articles per topic and week",
    )
    top = max((v for row in cells for v in row), default=0.0)
    steps = sorted({max(1, round(top * f)) for f in (0.0, 0.25, 0.5, 0.75, 1.0)}) if top else []
    legend = [(svg.heat_colour(0, top), "none"), *((svg.heat_colour(s, top), f"{s}") for s in steps)]
    legend[-1] = (legend[-1][0], f"{legend[-1][1]} articles")
    if len(totals) > len(topics):
        legend.append(("#ffffff", f"+ {len(totals) - len(topics)} rarer topics in the data"))
    return drawing, legend


CHARTS: tuple[Chart, ...] = (
    Chart(
        "investment",
        "trend_investment_by_country_month",
        "month",
        "AI-infrastructure money by target country",
        "Billions of US dollars of current investment events, by target country and month first reported;"
        " each event counted once (its latest version); events without an amount add nothing.",
        draw_investment,
    ),
    Chart(
        "facts",
        "trend_facts_by_type_week",
        "week",
        "Facts by type per week",
        "Columns: events first reported in the week, by fact type, each real-world fact counted once."
        " Dots: all fact mentions in articles published that week.",
        draw_facts,
    ),
    Chart(
        "sovereignty",
        "trend_sovereignty_actions",
        "month",
        "Data-sovereignty actions by jurisdiction",
        "Current enforcement, regulation, ownership_action and data_access_restriction events per"
        " jurisdiction and month first reported; the number over a column is its count of actions."
        " (private) means actions by companies, under no jurisdiction.",
        draw_sovereignty,
    ),
    Chart(
        "actors",
        "trend_top_actors",
        None,
        "Top actors by events and by USD",
        "Current events per actor, and the total in billions of US dollars of those that carry an amount;"
        " with a start date, the events first reported from that date on.",
        draw_actors,
    ),
    Chart(
        "topics",
        "trend_topics_week",
        "week",
        "Topics per week",
        "Articles tagged with each topic per week of publication; an article with two topics counts in both"
        " rows.",
        draw_topics,
    ),
)
