"""Conversion of amounts to US dollars at dated reference rates (``data/fx_rates.toml``).

The table holds annual averages from a public release (cited in the file's
header, each row with its release). A fact uses the row of its article's
publication year, or the row nearest in time, and records that row's date in ``fx_rate_date`` so a figure can
always be traced to the rate behind it. The original amount is never replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from extractors.facts.errors import RulesError
from extractors.facts.resources import load_table

FX_FILE = "fx_rates.toml"


@dataclass(frozen=True, slots=True)
class RateRow:
    """One dated row: units of each currency per US dollar."""

    day: date
    units_per_usd: dict[str, float]


@cache
def _rows() -> dict[date, RateRow]:
    table = load_table(FX_FILE)
    rows: dict[date, RateRow] = {}
    direct = table.get("units_per_usd", {})
    inverse = table.get("usd_per_unit", {})
    for year_text, values in direct.items():
        day = values.get("date")
        if not isinstance(day, date):
            raise RulesError(f"row {year_text} needs a date", path=FX_FILE)
        units = {str(k): float(v) for k, v in values.items() if k != "date"}
        for code, usd in inverse.get(year_text, {}).items():
            units[str(code)] = 1.0 / float(usd)
        units["USD"] = 1.0
        rows[day] = RateRow(day, units)
    if not rows:
        raise RulesError("no rates", path=FX_FILE)
    return rows


def rate_row(on: date | None) -> RateRow:
    """The row of ``on``'s year, else the row nearest in time; the latest row without a date."""
    rows = _rows()
    if on is None:
        return rows[max(rows)]
    same_year = [day for day in rows if day.year == on.year]
    if same_year:
        return rows[max(same_year)]
    return rows[min(rows, key=lambda day: (abs((day - on).days), -day.toordinal()))]


def to_usd(value: float, currency: str, on: date | None) -> tuple[float, date] | None:
    """``value`` in ``currency`` as US dollars, with the rate's date; None if unknown."""
    row = rate_row(on)
    rate = row.units_per_usd.get(currency)
    if rate is None:
        return None
    return value / rate, row.day


def convert(value: float, currency: str, target: str, on: date | None) -> float | None:
    """``value`` from ``currency`` into ``target`` through the dollar; None if unknown."""
    if currency == target:
        return value
    row = rate_row(on)
    source_rate = row.units_per_usd.get(currency)
    target_rate = row.units_per_usd.get(target)
    if source_rate is None or target_rate is None:
        return None
    return value / source_rate * target_rate
