"""Phrasings real news uses that the rules must read right: one own-words sentence per behaviour.

Each case names the general pattern it stands for (FACTS.md's "Edge cases,
decided" and the error patterns of real text), not an article.
"""

from __future__ import annotations

from datetime import date

import pytest

from extractors import extract_facts
from extractors.facts.amounts import find_amounts

PUBLISHED = date(2024, 6, 1)
Key = tuple[str, str | None, str | None, float | None]


def _keys(text: str, language: str = "en", title: str | None = None) -> set[Key]:
    facts = extract_facts(text, language=language, published=PUBLISHED, title=title)
    for fact in facts:
        assert text[fact.evidence_start : fact.evidence_end] == fact.evidence
    return {(f.type, f.actor, f.target_country, f.amount) for f in facts}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Germany will provide €9.9 billion in subsidies for the plant Intel is building in Magdeburg.",
            ("gov_program", "Government of Germany", "DE", 9.9e9),
            id="a country as the subject is its government",
        ),
        pytest.param(
            "The project relies on €5 billion in German subsidies, officials said.",
            ("gov_program", "Government of Germany", "DE", 5e9),
            id="a demonym names whose money it is",
        ),
        pytest.param(
            "France said on Monday it will provide 2.9 billion euros in state aid for a new chip plant.",
            ("gov_program", "Government of France", "FR", 2.9e9),
            id="a country that said",
        ),
        pytest.param(
            "The government of South Korea intends to invest 1.5 trillion won in next-generation chips.",
            ("gov_program", "Government of South Korea", "KR", 1.5e12),
            id="a government's own investment is its programme",
        ),
        pytest.param(
            "Uber has been hit with a €290m (£246m; $324m) fine, the Dutch data protection regulator said.",
            ("enforcement", "Dutch Data Protection Authority", None, 2.9e8),
            id="a regulator by description, a fine restated in brackets",
        ),
        pytest.param(
            "The state antitrust regulator slapped a fine of 42-point-one billion won on Google on Tuesday. "
            "The Korea Fair Trade Commission said the company had abused its market position.",
            ("enforcement", "Korea Fair Trade Commission", None, 4.21e10),
            id="a lead's description resolves to the body named next",
        ),
        pytest.param(
            "Canada has announced a $2 billion CAD investment fund for sovereign computing, "
            "the government said.",
            ("gov_program", "Government of Canada", "CA", 2e9),
            id="a dollar sign takes the currency code after the figure",
        ),
    ],
)
def test_phrasing_gives_the_fact(text: str, expected: Key) -> None:
    keys = _keys(text)
    assert expected in keys, keys


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "The data centre is expected to contribute $3.2 billion to the state's economy by 2030.",
            id="economic impact is no investment",
        ),
        pytest.param(
            "A new Data Protection Board will enforce the law and can impose penalties of up to 250 crore "
            "rupees per breach.",
            id="a statutory maximum is no fine",
        ),
        pytest.param(
            "TikTok had faced a fine of £27 million before the regulator settled on a lower figure.",
            id="a proposed fine is not the fine",
        ),
        pytest.param(
            "The authority set a daily fine of 50,000 reais in case of non-compliance.",
            id="a conditional daily penalty is no fine",
        ),
        pytest.param(
            "Sakura Internet will receive the largest portion of the aid, amounting to 50.1 billion yen.",
            id="receiving aid is no investment",
        ),
        pytest.param(
            "Google previously invested $400 million in Anthropic — which had raised more since — and holds "
            "a minority position.",
            id="money into a company is a stake",
        ),
    ],
)
def test_phrasing_gives_no_fact(text: str) -> None:
    assert not {k for k in _keys(text) if k[0] in ("investment", "enforcement", "gov_program")}


def test_subsidy_figure_is_the_governments_not_the_companys() -> None:
    keys = _keys("The deal to build two chip plants in Magdeburg involves €10 billion in German subsidies.")
    assert ("gov_program", "Government of Germany", "DE", 1e10) in keys
    assert not [k for k in keys if k[0] == "investment"]


def test_who_reports_the_news_does_not_act_in_it() -> None:
    text = (
        "22일 WSJ에 따르면 오픈AI는 뉴스코프와 5년 동안 2억5천만 달러 규모의 콘텐츠 라이선스 계약을 체결했다."
    )
    actors = {k[1] for k in _keys(text, "ko") if k[0] == "data_licensing"}
    assert actors == {"News Corp"}


def test_enforcement_is_a_regulators_act_not_a_governments() -> None:
    # FACTS.md: "for enforcement, the regulator". A government's own order is policy, and a country
    # named as the one that fines stands for its regulator when the article names one.
    policy = "The Canadian government ordered Hikvision to cease operations in Canada, the minister said."
    assert not {k for k in _keys(policy) if k[0] == "enforcement"}
    by_place = "France fined Google €150 million, the CNIL said on Thursday."
    assert ("enforcement", "CNIL (France)", None, 1.5e8) in _keys(by_place)


def test_a_headline_that_states_a_fact_is_no_negative() -> None:
    title = "Reddit signs AI content licensing deal with Google as it heads for IPO"
    text = "Reddit has struck a content licensing deal with Google worth about $60 million a year."
    assert ("data_licensing", "Reddit", None, 6e7) in _keys(text, title=title)


def test_the_seed_style_stake_demand() -> None:
    text = (
        "The row was triggered by the Japanese government's demands such as adjusting Naver's shareholding."
    )
    assert ("ownership_action", "Government of Japan", "KR", None) in _keys(text)


@pytest.mark.parametrize(
    ("written", "value", "currency"),
    [
        ("support valued at around ten billion euros", 1e10, "EUR"),
        ("a fine of 42-point-one billion won", 4.21e10, "KRW"),
        ("a penalty of 50 Million EUR", 5e7, "EUR"),
        ("fined 1,950,000 Turkish lira", 1.95e6, "TRY"),
        ("a $2 billion CAD fund", 2e9, "CAD"),
    ],
)
def test_amounts_as_news_writes_them(written: str, value: float, currency: str) -> None:
    found = find_amounts(written, 0, len(written), language="en")
    assert [(a.value, a.currency) for a in found][:1] == [(value, currency)]


def test_examples_listed_after_an_act_each_get_it() -> None:
    text = (
        "The Guardian has blocked OpenAI's crawler from scraping its website. "
        "Among the other publishers that did the same are CNN, Reuters and Bloomberg."
    )
    actors = {k[1] for k in _keys(text) if k[0] == "data_access_restriction"}
    assert actors == {"The Guardian", "CNN", "Reuters", "Bloomberg"}


def test_a_korean_list_closed_by_a_locative_names_each_country() -> None:
    text = "오픈AI는 앞서 영국·프랑스·일본 등 주요 거점에 지사를 설립했다."
    countries = {k[2] for k in _keys(text, "ko") if k[0] == "facility"}
    assert countries == {"GB", "FR", "JP"}


def test_a_law_in_force_with_no_body_named_has_no_actor() -> None:
    text = (
        "The Artificial Intelligence Act entered into force on August 1, its rules phased in over two years."
    )
    assert ("regulation", None, None, None) in _keys(text)


def test_the_assembly_passes_what_a_ministry_announces() -> None:
    text = "과학기술정보통신부는 AI 기본법 제정안이 26일 국회 본회의에서 의결됐다고 밝혔다."
    assert {k[1] for k in _keys(text, "ko") if k[0] == "regulation"} == {"National Assembly (South Korea)"}


@pytest.mark.parametrize(
    "text",
    [
        "France unveiled a $9 billion investment drive by AWS, Renault and Siemens to build data centres.",
        "AWS, Microsoft and Google will together invest $30 billion in Japan over five years.",
    ],
)
def test_a_sum_of_several_companies_is_no_single_actors_figure(text: str) -> None:
    assert not [k for k in _keys(text) if k[0] in ("investment", "gov_program")]


@pytest.mark.parametrize(
    ("written", "value"),
    [("19억7천8백만 원", 1.978e9), ("2조2600억원", 2.26e12), ("3천억 원", 3e11), ("780만 원", 7.8e6)],
)
def test_korean_small_units_add_up_before_the_big_one(written: str, value: float) -> None:
    assert [a.value for a in find_amounts(written, 0, len(written), language="ko")] == [value]


def test_one_deal_told_in_two_currencies_is_one_fact() -> None:
    text = (
        "오픈AI가 뉴스코프와 3400억 원 규모의 콘텐츠 라이선스 계약을 체결했다. "
        "오픈AI는 뉴스코프와 5년 동안 2억5천만 달러 규모의 콘텐츠 라이선스 계약을 맺었다."
    )
    facts = extract_facts(text, language="ko", published=date(2024, 5, 23))
    assert [(f.actor, f.amount, f.currency) for f in facts] == [("News Corp", 3.4e11, "KRW")]
