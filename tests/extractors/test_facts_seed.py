"""The seed article (shared samples): three Japan investment pledges with the right figures, and Japan's
demand on Naver's stake in LY Corp."""

from __future__ import annotations

from datetime import date

import pytest

from extractors import extract_facts
from extractors.facts import EXTRACTOR_VERSION
from extractors.models import Fact
from tests.conftest import SHARED

SEED = SHARED / "samples" / "asiae-2024-05-ai-ecosystem-data-sovereignty.txt"


@pytest.fixture(scope="module")
def seed_facts() -> tuple[str, list[Fact]]:
    if not SEED.exists():
        pytest.skip(f"seed article not available: {SEED} is missing (it lives in the shared folder)")
    text = SEED.read_text(encoding="utf-8")
    return text, extract_facts(text, language="en", published=date(2024, 5, 20))


def _investment(facts: list[Fact], actor: str) -> Fact:
    matches = [f for f in facts if f.type == "investment" and f.actor == actor]
    assert len(matches) == 1, [(f.type, f.actor, f.amount) for f in facts]
    return matches[0]


def test_microsoft(seed_facts: tuple[str, list[Fact]]) -> None:
    fact = _investment(seed_facts[1], "Microsoft")
    assert (fact.target_country, fact.amount, fact.currency) == ("JP", 2.9e9, "USD")
    assert fact.horizon is not None and "two years" in fact.horizon
    assert fact.period_end == date(2026, 5, 20)


def test_amazon_web_services(seed_facts: tuple[str, list[Fact]]) -> None:
    fact = _investment(seed_facts[1], "Amazon Web Services")
    assert (fact.target_country, fact.amount, fact.currency) == ("JP", 2.26e12, "JPY")
    assert fact.horizon == "by 2027" and fact.period_end == date(2027, 12, 31)
    assert fact.amount_usd is not None and 1.4e10 < fact.amount_usd < 1.6e10


def test_oracle(seed_facts: tuple[str, list[Fact]]) -> None:
    fact = _investment(seed_facts[1], "Oracle")
    assert (fact.target_country, fact.amount, fact.currency) == ("JP", 8e9, "USD")
    assert fact.horizon is not None and "ten years" in fact.horizon


def test_japan_demand_on_navers_stake(seed_facts: tuple[str, list[Fact]]) -> None:
    """The "Line incident": Japan's demand that Naver adjust its LY Corp stake (owner's home: KR)."""
    actions = [f for f in seed_facts[1] if f.type == "ownership_action"]
    assert [(f.actor, f.target_country) for f in actions] == [("Government of Japan", "KR")]
    assert "Naver" in actions[0].evidence


def test_evidence_is_a_real_span(seed_facts: tuple[str, list[Fact]]) -> None:
    text, facts = seed_facts
    assert facts
    for fact in facts:
        assert text[fact.evidence_start : fact.evidence_end] == fact.evidence
        assert fact.extractor_version == EXTRACTOR_VERSION
        assert 0.0 <= fact.confidence <= 1.0


def test_won_restatements_are_not_kept(seed_facts: tuple[str, list[Fact]]) -> None:
    assert all(f.currency != "KRW" for f in seed_facts[1])
