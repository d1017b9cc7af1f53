"""Horizons are kept as written and give an end date where the text allows."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.facts.horizons import find_horizon
from extractors.facts.rules import language_rules

PUBLISHED = date(2024, 4, 10)


@pytest.mark.parametrize(
    ("language", "text", "horizon", "end"),
    [
        ("en", "will spend $2.9 billion over two years", "over two years", date(2026, 4, 10)),
        ("en", "invest 2.26 trillion yen by 2027", "by 2027", date(2027, 12, 31)),
        ("en", "over the next ten years", "over the next ten years", date(2034, 4, 10)),
        ("en", "through 2028", "through 2028", date(2028, 12, 31)),
        ("en", "by March 2027", "by March 2027", date(2027, 3, 31)),
        ("en", "worth $60 million per year", "per year", None),
        ("en", "within 270 days", "within 270 days", date(2025, 1, 5)),
        ("ja", "2027年までに投資", "2027年までに", date(2027, 12, 31)),
        ("ja", "今後2年間で29億ドル", "今後2年間で", date(2026, 4, 10)),
        ("ja", "2024年度に最大5900億円", "2024年度に", date(2025, 3, 31)),
        ("ko", "향후 10년간 투자", "향후 10년간", date(2034, 4, 10)),
        ("ko", "2027년까지 투자", "2027년까지", date(2027, 12, 31)),
    ],
)
def test_horizons(language: str, text: str, horizon: str, end: date | None) -> None:
    found = find_horizon(text, 0, len(text), language_rules(language), PUBLISHED)
    assert found is not None
    assert found.text == horizon
    assert found.period_end == end


def test_duration_without_publication_date_has_no_end() -> None:
    found = find_horizon("over two years", 0, 14, language_rules("en"), None)
    assert found is not None and found.period_end is None
