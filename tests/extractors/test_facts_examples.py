"""One small hand-written case per fact type and language, and the negatives FACTS.md lists."""

from __future__ import annotations

from datetime import date

import pytest

from extractors import extract_facts, tag_topics

PUBLISHED = date(2024, 5, 1)


def _keys(
    text: str, language: str, title: str | None = None
) -> set[tuple[str, str | None, str | None, float | None]]:
    facts = extract_facts(text, language=language, published=PUBLISHED, title=title)
    for fact in facts:
        assert text[fact.evidence_start : fact.evidence_end] == fact.evidence
    return {(f.type, f.actor, f.target_country, f.amount) for f in facts}


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "Ireland's Data Protection Commission fined Meta €1.2 billion for transferring data to the US.",
            ("enforcement", "Data Protection Commission (Ireland)", None, 1.2e9),
        ),
        (
            "en",
            "Japan's Ministry of Economy, Trade and Industry said it will provide up to ¥590 billion "
            "in subsidies to Rapidus.",
            ("gov_program", "Ministry of Economy, Trade and Industry (Japan)", "JP", 5.9e11),
        ),
        (
            "en",
            "Reddit has struck a content licensing deal with Google worth about $60 million a year.",
            ("data_licensing", "Reddit", None, 6e7),
        ),
        (
            "en",
            "OpenAI has opened an office in Tokyo, its first in Asia.",
            ("facility", "OpenAI", "JP", None),
        ),
        (
            "ja",
            "総務省は5日、ＬＩＮＥヤフーに行政指導を行った。韓国ネイバーとの資本関係の見直しを求めた。",
            ("ownership_action", "Ministry of Internal Affairs and Communications (Japan)", "KR", None),
        ),
        (
            "ja",
            "米オラクルは18日、今後10年間で日本に80億ドル超を投資すると発表した。",
            ("investment", "Oracle", "JP", 8e9),
        ),
        (
            "ko",
            "개인정보보호위원회는 메타에 과징금 216억2320만원을 부과했다고 5일 밝혔다.",
            ("enforcement", "Personal Information Protection Commission (South Korea)", None, 2.16232e10),
        ),
        (
            "ko",
            "아마존웹서비스(AWS)가 2027년까지 국내 클라우드 인프라에 7조8500억원을 투입한다고 11일 밝혔다.",
            ("investment", "Amazon Web Services", "KR", 7.85e12),
        ),
        (
            "ko",
            "레딧이 외부 기업의 데이터 접근 통로인 API를 유료로 전환한다.",
            ("data_access_restriction", "Reddit", None, None),
        ),
    ],
)
def test_fact_types(
    language: str, text: str, expected: tuple[str, str | None, str | None, float | None]
) -> None:
    assert expected in _keys(text, language)


@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        (
            "en",
            "Nvidia quarterly revenue triples",
            "Nvidia reported revenue of $22.1 billion for the quarter.",
        ),
        ("en", "Mistral AI raises €600m in Series B round", "Mistral AI raised €600 million from investors."),
        (
            "en",
            "Arm prices IPO at $51 a share",
            "Arm Holdings priced its IPO at $51, valuing it at $54.5 billion.",
        ),
        ("ja", "ソフトバンクG、最終赤字3691億円", "ソフトバンクグループは3527億円の投資損失を計上した。"),
        ("ko", "리벨리온, 1700억원 시리즈B 유치", "리벨리온이 1700억원 규모의 시리즈B 투자를 유치했다."),
        ("ko", "삼성전자 3분기 영업이익 2조4000억원", "삼성전자가 영업이익 2조4000억원을 올렸다."),
    ],
)
def test_negatives_yield_nothing(language: str, title: str, text: str) -> None:
    assert extract_facts(text, language=language, published=PUBLISHED, title=title) == []


def test_language_is_guessed_when_missing() -> None:
    text = "米オラクルは18日、今後10年間で日本に80億ドル超を投資すると発表した。"
    assert ("investment", "Oracle", "JP", 8e9) in {
        (f.type, f.actor, f.target_country, f.amount) for f in extract_facts(text)
    }


def test_topics() -> None:
    tags = tag_topics(
        "AWS will invest in data centres and GPUs for generative AI in Japan's cloud market.", language="en"
    )
    assert {"data_centres", "ai_chips", "generative_ai", "cloud"} <= set(tags)
    assert "personal_data" in tag_topics("개인정보보호위원회가 과징금을 부과했다.", language="ko")
    assert tag_topics("", language="ja") == ()


def test_unknown_organisations_keep_their_surface_name() -> None:
    keys = _keys("Tata Electronics will invest $11 billion to build a chip fab in Gujarat.", "en")
    assert ("investment", "Tata Electronics", "IN", 1.1e10) in keys


def test_money_into_a_company_is_a_stake_not_an_investment() -> None:
    text = "Amazon has invested a further $2.75 billion in Anthropic, bringing its total to $4 billion."
    assert not any(key[0] == "investment" for key in _keys(text, "en"))


def test_one_fact_per_recipient_and_figure() -> None:
    keys = _keys("개인정보위는 14일 구글에 692억원, 메타에 308억원의 과징금을 부과하기로 의결했다.", "ko")
    actor = "Personal Information Protection Commission (South Korea)"
    assert {("enforcement", actor, None, 6.92e10), ("enforcement", actor, None, 3.08e10)} <= keys


def test_one_fact_per_place_for_separate_commitments() -> None:
    text = (
        "Amazon's cloud arm has earmarked $10 billion for data centres in Mississippi and a further "
        "$5.3 billion for facilities in Saudi Arabia."
    )
    keys = _keys(text, "en")
    actor = "Amazon Web Services"
    assert {("investment", actor, "US", 1e10), ("investment", actor, "SA", 5.3e9)} <= keys


def test_coordinated_actors_each_get_a_fact() -> None:
    text = "総務省と経済産業省は19日、「AI事業者ガイドライン（第1.0版）」を公表した。"
    actors = {key[1] for key in _keys(text, "ja") if key[0] == "regulation"}
    assert actors == {
        "Ministry of Internal Affairs and Communications (Japan)",
        "Ministry of Economy, Trade and Industry (Japan)",
    }


def test_passive_agent_is_the_actor() -> None:
    text = "TikTok has been fined €345 million by Ireland's Data Protection Commission."
    assert ("enforcement", "Data Protection Commission (Ireland)", None, 3.45e8) in _keys(text, "en")


def test_background_and_revision_flags() -> None:
    facts = extract_facts(
        "Last year, Amazon Web Services raised its investment plan to $15 billion in Japan.",
        language="en",
        published=PUBLISHED,
    )
    (fact,) = [f for f in facts if f.type == "investment"]
    assert fact.background and fact.revises


def test_fx_conversion_is_dated() -> None:
    (fact,) = [
        f
        for f in extract_facts("Oracle will invest ¥1 trillion in Japan.", language="en", published=PUBLISHED)
        if f.type == "investment"
    ]
    assert fact.currency == "JPY" and fact.amount == 1e12
    assert fact.amount_usd is not None and fact.fx_rate_date is not None
    assert 6e9 < fact.amount_usd < 7e9
