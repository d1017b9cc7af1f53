"""Places in English, Japanese and Korean resolve to ISO codes."""

from __future__ import annotations

import pytest

from extractors.facts.places import country_of, find_places
from extractors.facts.textforms import fold_width


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Tokyo", "JP"),
        ("Kumamoto", "JP"),
        ("Hokkaido", "JP"),
        ("도쿄", "JP"),
        ("東京", "JP"),
        ("熊本", "JP"),
        ("Seoul", "KR"),
        ("서울", "KR"),
        ("ソウル", "KR"),
        ("the US", "US"),
        ("U.S.", "US"),
        ("미국", "US"),
        ("米国", "US"),
        ("Mississippi", "US"),
        ("Saudi Arabia", "SA"),
        ("EU", "EU"),
        ("Japan", "JP"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("Sweden", "SE"),
    ],
)
def test_country_of(name: str, code: str) -> None:
    assert country_of(name) == code


def _codes(text: str) -> list[str]:
    return [p.code for p in find_places(fold_width(text))]


def test_one_character_abbreviations_need_context() -> None:
    assert _codes("日米韓の首脳が会談") == ["JP", "US", "KR"]
    assert _codes("米政府は") == ["US"]
    assert _codes("10日に発表") == []
    assert _codes("英語の記事") == []
    assert _codes("美 정부는") == ["US"]


def test_boundaries() -> None:
    assert _codes("USD 5") == []
    assert _codes("東日本") == []
    assert _codes("in the U.S. and South Korea") == ["US", "KR"]


def test_demonyms_are_marked() -> None:
    (place,) = find_places("Japanese cloud")
    assert place.code == "JP" and place.demonym
