"""Events across articles, versions, and the trend views that read them (in-memory DuckDB)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pytest

from extractors.models import Article, Fact
from warehouse import PageRecord, load_records, rebuild_events

NOW = datetime(2026, 11, 25, 2, 0)


@pytest.fixture
def con(memory_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """In-memory only: the rebuild on a lake is exercised by tests/warehouse/test_lake.py."""
    return memory_con


def page(n: int, published: date, site: str, *facts: Fact) -> PageRecord:
    url = f"https://{site}.example/{n}"
    article = Article(url=url, canonical_url=url, title="t", text="x", published=published, language="en",
                      site_name=site)  # fmt: skip
    return PageRecord(url=url, source="s", status="fetched", checked_at=NOW, article=article, facts=facts)


def fact(kind: str = "investment", actor: str = "Microsoft", country: str | None = "JP", **kw: Any) -> Fact:
    return Fact(type=kind, actor=actor, target_country=country, evidence=f"e{kw}", evidence_start=0,  # type: ignore[arg-type]
                evidence_end=1, **kw)  # fmt: skip


def usd(value: float, currency: str = "USD", amount: float | None = None) -> dict[str, Any]:
    return {"amount": amount if amount is not None else value, "currency": currency, "amount_usd": value}


def events(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT fact_type, actor, target_country, amount, currency, mention_count, article_count, sources,"
        " event_date, is_current FROM events ORDER BY fact_type, event_date, amount"
    ).fetchall()


def test_same_pledge_in_three_currencies_is_one_event(con: duckdb.DuckDBPyConnection) -> None:
    load_records(con, [
        page(1, date(2024, 4, 9), "wire", fact(**usd(2.9e9))),
        page(2, date(2024, 4, 10), "nikkei", fact(**usd(2.93e9, "JPY", 4.4e11))),
        page(3, date(2024, 4, 10), "yonhap", fact(**usd(2.96e9, "KRW", 4e12))),
        page(4, date(2024, 5, 2), "later", fact(background=True, **usd(2.9e9))),
        page(5, date(2024, 4, 18), "wire", fact(actor="Oracle", **usd(8e9))),
    ], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    assert events(con) == [
        ("investment", "Microsoft", "JP", 2.9e9, "USD", 4, 4, ["later", "nikkei", "wire", "yonhap"],
         date(2024, 4, 9), True),
        ("investment", "Oracle", "JP", 8e9, "USD", 1, 1, ["wire"], date(2024, 4, 18), True),
    ]  # fmt: skip
    assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM fact_mentions").fetchone() == (5, 2)


def test_different_amounts_or_countries_stay_apart(con: duckdb.DuckDBPyConnection) -> None:
    load_records(con, [
        page(1, date(2024, 4, 9), "a", fact(**usd(2.9e9))),
        page(2, date(2024, 4, 30), "a", fact(country="ID", **usd(1.7e9))),
        page(3, date(2024, 4, 30), "b", fact(**usd(2.2e9))),
    ], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    assert [(e[2], e[3]) for e in events(con)] == [("JP", 2.9e9), ("ID", 1.7e9), ("JP", 2.2e9)]


def test_facts_without_amount_join_by_time_window(con: duckdb.DuckDBPyConnection) -> None:
    office = {"kind": "facility", "actor": "OpenAI"}
    load_records(con, [
        page(1, date(2024, 4, 15), "a", fact(**office)),
        page(2, date(2024, 4, 20), "b", fact(**office)),
        page(3, date(2024, 11, 1), "c", fact(background=True, **office)),  # a later look back
        page(4, date(2025, 9, 1), "d", fact(**office)),  # a new office, a year later
    ], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    assert [(e[5], e[8]) for e in events(con)] == [(3, date(2024, 4, 15)), (1, date(2025, 9, 1))]


def test_stage_progression_and_revisions_keep_history(con: duckdb.DuckDBPyConnection) -> None:
    act = {"kind": "regulation", "actor": "European Commission", "country": None, "jurisdiction": "EU"}
    load_records(con, [
        page(1, date(2023, 1, 10), "a", fact(stage="proposed", **act)),
        page(2, date(2023, 7, 10), "b", fact(stage="adopted", **act)),
        page(3, date(2024, 4, 1), "c", fact(actor="TSMC", country="US", **usd(40e9))),
        page(4, date(2024, 12, 6), "d", fact(actor="TSMC", country="US", revises=True, **usd(65e9))),
    ], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    rows = con.execute(
        "SELECT actor, stage, amount, valid_from, valid_to, is_current, superseded_by IS NOT NULL FROM events"
        " ORDER BY actor, valid_from"
    ).fetchall()
    assert rows == [
        ("European Commission", "proposed", None, date(2023, 1, 10), date(2023, 7, 10), False, True),
        ("European Commission", "adopted", None, date(2023, 7, 10), None, True, False),
        ("TSMC", None, 40e9, date(2024, 4, 1), date(2024, 12, 6), False, True),
        ("TSMC", None, 65e9, date(2024, 12, 6), None, True, False),
    ]
    money = con.execute("SELECT sum(usd_billions) FROM trend_investment_by_country_month").fetchone()
    assert money == (65.0,)  # only the current version counts


def test_rebuild_is_deterministic_and_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    load_records(con, [page(i, date(2024, 4, 9 + i % 3), f"s{i}", fact(**usd(2.9e9 + i * 1e6)))
                       for i in range(10)], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    first = con.execute("SELECT * EXCLUDE (run_id) FROM events ORDER BY event_id").fetchall()
    mentions = con.execute("SELECT fact_id, event_id FROM fact_mentions ORDER BY 1").fetchall()
    rebuild_events(con, run_id="r2")
    assert con.execute("SELECT * EXCLUDE (run_id) FROM events ORDER BY event_id").fetchall() == first
    assert con.execute("SELECT fact_id, event_id FROM fact_mentions ORDER BY 1").fetchall() == mentions


def test_trend_views_count_each_event_once(con: duckdb.DuckDBPyConnection) -> None:
    load_records(con, [
        page(1, date(2024, 4, 9), "a", fact(**usd(2.9e9))),
        page(2, date(2024, 4, 10), "b", fact(**usd(2.9e9))),
        page(3, date(2024, 4, 18), "c", fact(actor="Oracle", **usd(8e9))),
        page(4, date(2023, 5, 22), "d", fact(kind="enforcement", actor="DPC", country=None, jurisdiction="EU",
                                             **usd(1.3e9, "EUR", 1.2e9))),
    ], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    assert con.execute("SELECT country, month, events, usd_billions FROM trend_investment_by_country_month")\
        .fetchall() == [("JP", "2024-04", 2, 10.9)]  # fmt: skip
    assert con.execute("SELECT jurisdiction, month, enforcement, total FROM trend_sovereignty_actions")\
        .fetchall() == [("EU", "2023-05", 1, 1)]  # fmt: skip
    top = con.execute("SELECT actor, events, usd_billions FROM trend_top_actors").fetchall()
    assert top == [("Oracle", 1, 8.0), ("Microsoft", 1, 2.9), ("DPC", 1, 1.3)]
    # Loaded just now, so every event is new this week; an old first sighting is not.
    assert con.execute("SELECT count(*) FROM trend_new_events").fetchone() == (3,)
    con.execute("UPDATE events SET first_seen_at = now() - INTERVAL 8 DAY WHERE actor = 'Oracle'")
    assert con.execute("SELECT actor FROM trend_new_events ORDER BY actor").fetchall() == [
        ("DPC",),
        ("Microsoft",),
    ]


def test_mention_without_country_joins_the_event_it_agrees_with(con: duckdb.DuckDBPyConnection) -> None:
    """AWS's 2.26 trillion yen told without "Japan" is the Japan commitment, not a second event."""
    aws = {"actor": "Amazon Web Services"}
    load_records(con, [
        page(1, date(2024, 1, 19), "wire", fact(**aws, **usd(1.53e10, "JPY", 2.26e12))),
        page(2, date(2024, 1, 19), "nikkei", fact(country=None, **aws, **usd(1.53e10, "JPY", 2.26e12))),
        page(3, date(2024, 1, 20), "other", fact(country=None, **aws, **usd(4e9))),  # another figure: apart
    ], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    assert [(e[2], e[3], e[5]) for e in events(con)] == [("JP", 2.26e12, 2), (None, 4e9, 1)]


def test_figure_less_mention_joins_its_articles_figure(con: duckdb.DuckDBPyConnection) -> None:
    """A fine and the order that comes with it, in one article, are one enforcement event."""
    dpc = {"kind": "enforcement", "actor": "Data Protection Commission (Ireland)", "country": None,
           "jurisdiction": "EU"}  # fmt: skip
    load_records(con, [
        page(1, date(2023, 5, 22), "a", fact(**dpc, **usd(1.3e9, "EUR", 1.2e9)), fact(**dpc)),
        page(2, date(2023, 5, 23), "b", fact(**dpc)),  # no figure in its own article: stays apart
    ], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    assert sorted((e[3] or 0, e[5]) for e in events(con)) == [(0, 1), (1.2e9, 2)]


def test_parts_of_a_total_are_linked_and_not_summed(con: duckdb.DuckDBPyConnection) -> None:
    meti = {"kind": "gov_program", "actor": "Ministry of Economy, Trade and Industry (Japan)"}
    load_records(con, [
        page(1, date(2024, 4, 19), "a",
             fact(**meti, **usd(4.8e8, "JPY", 7.25e10)), fact(**meti, **usd(3.3e8, "JPY", 5.01e10)),
             fact(**meti, **usd(6.7e7, "JPY", 1.02e10)),
             fact(background=True, **meti, **usd(3.5e7, "JPY", 5.3e9))),  # last year's: no part
        page(2, date(2024, 4, 19), "b", fact(**meti, **usd(3.3e8, "JPY", 5.01e10))),
    ], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    rows = con.execute(
        "SELECT e.amount, t.amount FROM events e LEFT JOIN events t ON t.event_id = e.part_of"
        " ORDER BY e.amount"
    ).fetchall()
    assert rows == [(5.3e9, None), (1.02e10, 7.25e10), (5.01e10, 7.25e10), (7.25e10, None)]
    top = con.execute("SELECT events, usd_billions FROM trend_top_actors").fetchone()
    by_hand = con.execute(
        "SELECT count(*), round(sum(amount_usd) FILTER (WHERE part_of IS NULL) / 1e9, 2) FROM events"
    ).fetchone()
    assert top == by_hand == (4, 0.52)


def test_two_separate_figures_are_not_parts(con: duckdb.DuckDBPyConnection) -> None:
    """Figures of one key that add up to more than the largest are separate commitments."""
    load_records(con, [
        page(1, date(2024, 4, 9), "a", fact(**usd(2.9e9)), fact(**usd(2.0e9)), fact(**usd(1.5e9))),
    ], run_id="r1")  # fmt: skip
    rebuild_events(con, run_id="r1")
    assert con.execute("SELECT count(*) FROM events WHERE part_of IS NOT NULL").fetchone() == (0,)
