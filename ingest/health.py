"""Source health: drift of a source's figures against its own trailing runs.

A source that silently changes (a redesigned site whose pages no longer
parse, a feed that stops updating, a CDN that starts refusing us) shows up
as a sharp move in one of three rates, compared with the median of its last
runs:

* yield: new articles per run falls below ``YIELD_FLOOR`` of the usual;
* date-missing rate: the share of articles without a publication date jumps;
* error rate: the share of URLs that failed jumps.

Pure functions over plain dicts (rows of ``source_runs``), so they are tested
without Prefect or a database.

:func:`settle_status` also judges a source's run as a whole: a source that
listed pages but got none of them (every page refused, unreachable or
skipped) is ``failing``, not ``ok``: its run counts as a failure and gives
it no fresh "last success".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from statistics import median
from typing import Any

from crawler.errors import hint_for
from warehouse import SourceRunStats

MIN_HISTORY = 3  # runs needed before judging
YIELD_FLOOR = 0.25  # this run's yield below a quarter of the usual
MIN_USUAL_YIELD = 4  # ... when the usual yield is worth watching
RATE_JUMP = 0.3  # a rate 30 points above its usual level


@dataclass(frozen=True, slots=True)
class Drift:
    source: str
    metric: str  # yield | date_missing_rate | error_rate
    value: float
    usual: float
    message: str


def rates(row: Mapping[str, Any]) -> dict[str, float]:
    """yield, date_missing_rate and error_rate of one source run."""
    articles = row.get("articles") or 0
    attempted = (row.get("fetched") or 0) + (row.get("failed") or 0)
    return {
        "yield": float(row.get("new_articles") or 0),
        "date_missing_rate": (row.get("no_date") or 0) / articles if articles else 0.0,
        "error_rate": (row.get("failed") or 0) / attempted if attempted else 0.0,
    }


def detect_drift(current: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> list[Drift]:
    """Drifts of ``current`` (this run's ``source_runs`` row) against ``history`` (earlier rows)."""
    if len(history) < MIN_HISTORY or current.get("status") not in ("ok", "failing"):
        return []
    source = str(current.get("source"))
    now = rates(current)
    usual = {key: median(rates(row)[key] for row in history) for key in now}
    found = []
    if usual["yield"] >= MIN_USUAL_YIELD and now["yield"] < YIELD_FLOOR * usual["yield"]:
        found.append(
            Drift(
                source,
                "yield",
                now["yield"],
                usual["yield"],
                f"{source}: {now['yield']:.0f} new articles, usually {usual['yield']:.0f}",
            )
        )
    for key, label in (("date_missing_rate", "articles without a date"), ("error_rate", "URLs failing")):
        if now[key] >= usual[key] + RATE_JUMP:
            found.append(
                Drift(
                    source,
                    key,
                    now[key],
                    usual[key],
                    f"{source}: {now[key]:.0%} {label}, usually {usual[key]:.0%}",
                )
            )
    return found


def settle_status(stats: SourceRunStats) -> SourceRunStats:
    """``failing``, with the reasons and a hint as its error, when no listed page was fetched."""
    if stats.status != "ok" or not stats.discovered or stats.fetched or stats.unchanged:
        return stats
    reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(stats.failed_by_reason.items()))
    error = f"no page fetched of {stats.discovered}: {reasons or stats.error or 'every batch failed'}"
    hint = hint_for(stats.failed_by_reason)
    return replace(stats, status="failing", error=error + (f" (hint: {hint})" if hint else ""))
