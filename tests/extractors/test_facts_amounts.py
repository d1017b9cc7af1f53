"""Money figures in every form FACTS.md and the issue list: value, currency, "up to", restatements."""

from __future__ import annotations

import pytest

from extractors.facts.amounts import find_amounts
from extractors.facts.textforms import fold_width


def _amounts(text: str, language: str = "en") -> list[tuple[float, str]]:
    return [(a.value, a.currency) for a in find_amounts(fold_width(text), language=language)]


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("$2.9B", 2.9e9, "USD"),
        ("US$2.9 billion", 2.9e9, "USD"),
        ("2.26 trillion yen ($15.2 billion)", 2.26e12, "JPY"),
        ("¥590 billion", 5.9e11, "JPY"),
        ("€1.2bn", 1.2e9, "EUR"),
        ("₩4 trillion", 4e12, "KRW"),
        ("Rs 2.5 billion", 2.5e9, "INR"),
        ("₹10,372 crore", 1.0372e11, "INR"),
        ("A$5 billion", 5e9, "AUD"),
        ("£2.5bn", 2.5e9, "GBP"),
        ("more than 8 billion dollars", 8e9, "USD"),
        ("33.7 billion Swedish crowns ($3.2 billion)", 3.37e10, "SEK"),
        ("14.7 billion reais", 1.47e10, "BRL"),
        ("$60 million a year", 6e7, "USD"),
        ("€600,000 in 2018", 6e5, "EUR"),
        ("2兆2600億円", 2.26e12, "JPY"),
        ("２．２６兆円", 2.26e12, "JPY"),
        ("約4000億円", 4e11, "JPY"),
        ("1兆円超", 1e12, "JPY"),
        ("29億ドル（約4400億円）", 2.9e9, "USD"),
        ("約102.4億円", 1.024e10, "JPY"),
        ("6000万ドル", 6e7, "USD"),
        ("12億ユーロ", 1.2e9, "EUR"),
        ("4조원", 4e12, "KRW"),
        ("7조8500억원(약 59억 달러)", 7.85e12, "KRW"),
        ("29억 달러(약 4조 원)", 2.9e9, "USD"),
        ("216억2320만원", 2.16232e10, "KRW"),
        ("3천억원", 3e11, "KRW"),
        ("2억5000만 달러", 2.5e8, "USD"),
        ("50억 달러(약 7조1200억원)", 5e9, "USD"),
        ("1천347억9천100만원", 1.34791e11, "KRW"),
        ("2천 500억원", 2.5e11, "KRW"),
        ("1千347億円", 1.347e11, "JPY"),
    ],
)
def test_amount_forms(text: str, value: float, currency: str) -> None:
    language = "ko" if any("\uac00" <= c <= "\ud7a3" for c in text) else "ja" if "円" in text else "en"
    found = _amounts(text, language)
    assert found, text
    assert found[0][0] == pytest.approx(value)
    assert found[0][1] == currency
    assert len(found) == 1, "a restatement in another currency must not count twice"


def test_bare_korean_units_are_won() -> None:
    assert _amounts("총 18.1조 규모의 투자", "ko") == [(pytest.approx(1.81e13), "KRW")]


def test_bare_korean_units_counting_things_are_not_money() -> None:
    assert _amounts("이용자 1억명", "ko") == []


def test_up_to_is_kept_and_flagged() -> None:
    (first,) = find_amounts(fold_width("up to ¥590 billion"))
    assert first.up_to and first.value == pytest.approx(5.9e11)
    (second,) = find_amounts(fold_width("最大5900億円を支援"), language="ja")
    assert second.up_to and second.value == pytest.approx(5.9e11)
    (third,) = find_amounts(fold_width("최대 10조원"), language="ko")
    assert third.up_to


def test_range_keeps_the_upper_figure() -> None:
    assert _amounts("$1-2 billion") == [(pytest.approx(2e9), "USD")]
    assert _amounts("$1 billion to $2 billion") == [(pytest.approx(2e9), "USD")]
    assert _amounts("1~2조원", "ko") == [(pytest.approx(2e12), "KRW")]


def test_years_and_counts_are_not_money() -> None:
    assert _amounts("invest $10 billion to 2030") == [(pytest.approx(1e10), "USD")]
    assert _amounts("in 2019 won the award") == []
    assert _amounts("2027年までに") == []


def test_offsets_point_at_the_figure() -> None:
    text = "Microsoft will spend US$2.9 billion in Japan."
    (amount,) = find_amounts(text)
    assert text[amount.start : amount.end] == "US$2.9 billion"
