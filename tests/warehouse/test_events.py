"""Events across articles, versions, and the trend views that read them (in-memory DuckDB)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb

from extractors.models import Article, Fact
from warehouse import PageRecord, load_records, rebuild_events

NOW = datetime(2026, 11, 25, 2, 0)


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
