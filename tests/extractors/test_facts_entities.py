"""Aliases in three languages resolve to one canonical actor."""

from __future__ import annotations

import pytest

from extractors.facts.entities import canonical_name, entity_named, find_mentions, in_country
from extractors.facts.textforms import fold_width


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("AWS", "Amazon Web Services"),
        ("Amazon's cloud unit", "Amazon Web Services"),
        ("アマゾン・ウェブ・サービス", "Amazon Web Services"),
        ("아마존웹서비스", "Amazon Web Services"),
        ("LINE Yahoo", "LY Corporation"),
        ("ＬＩＮＥヤフー", "LY Corporation"),
        ("라인야후", "LY Corporation"),
        ("Twitter", "X Corp"),
        ("日本政府", "Government of Japan"),
        ("経産省", "Ministry of Economy, Trade and Industry (Japan)"),
        ("METI", "Ministry of Economy, Trade and Industry (Japan)"),
        ("総務省", "Ministry of Internal Affairs and Communications (Japan)"),
        ("과기정통부", "Ministry of Science and ICT (South Korea)"),
        ("DPC", "Data Protection Commission (Ireland)"),
        ("個人情報保護委員会", "Personal Information Protection Commission (Japan)"),
        ("개인정보위", "Personal Information Protection Commission (South Korea)"),
        ("EDPB", "European Data Protection Board"),
        ("마이크로소프트", "Microsoft"),
        ("CoreWeave", "CoreWeave"),
        ("東京エレクトロン", "Tokyo Electron"),
        ("SK실트론", "SK Siltron"),
        ("카카오페이", "Kakao Pay"),
        ("조선일보", "Chosun Ilbo"),
        ("IMY", "Swedish Authority for Privacy Protection"),
        ("UODO", "Personal Data Protection Office (Poland)"),
        ("Swedish data protection authority", "Swedish Authority for Privacy Protection"),
        ("Bundeskartellamt", "Bundeskartellamt"),
        ("독일 연방카르텔청", "Bundeskartellamt"),
        ("CMA", "Competition and Markets Authority (United Kingdom)"),
        ("Competition Commission of India", "Competition Commission of India"),
        ("文部科学省", "Ministry of Education, Culture, Sports, Science and Technology (Japan)"),
        ("중기부", "Ministry of SMEs and Startups (South Korea)"),
        ("Legislative Yuan", "Legislative Yuan (Taiwan)"),
        ("Hungarian government", "Government of Hungary"),
    ],
)
def test_aliases(alias: str, canonical: str) -> None:
    assert canonical_name(alias) == canonical
    found = find_mentions(fold_width(alias))
    assert [m.entity.name for m in found] == [canonical]


def test_unknown_names_pass_through() -> None:
    assert canonical_name("  Northwind Compute ") == "Northwind Compute"
    assert entity_named("Northwind Compute") is None


def test_kinds_and_jurisdictions() -> None:
    dpc = entity_named("Data Protection Commission (Ireland)")
    assert dpc is not None and dpc.kind == "regulator" and dpc.jurisdiction == "EU"
    naver = entity_named("Naver")
    assert naver is not None and naver.country == "KR"


def test_script_boundaries() -> None:
    assert find_mentions("メタバース") == []
    assert [m.entity.name for m in find_mentions("메타는")] == ["Meta"]
    assert find_mentions("地方政府") == []
    assert find_mentions("MSFTX") == []
    assert find_mentions("楽天的な見方") == []
    assert [m.entity.name for m in find_mentions("楽天が発表")] == ["Rakuten"]
    assert find_mentions("ハイレゾ音源") == []
    assert find_mentions("AWS Lambda function")[0].entity.name == "Amazon Web Services"
    assert len(find_mentions("AWS Lambda function")) == 1


def test_names_shared_by_two_bodies_follow_the_article_country() -> None:
    text = (
        "Datatilsynet fined the company. The CNPD opened an inquiry. The National Assembly passed the bill."
    )
    mentions = find_mentions(text)
    plain = [m.entity.name for m in mentions]
    assert plain == [
        "Norwegian Data Protection Authority",
        "National Commission for Data Protection (Luxembourg)",
        "National Assembly (South Korea)",
    ]
    danish, portuguese, vietnamese = (
        [m.entity.name for m in in_country(mentions, text, code)] for code in ("DK", "PT", "VN")
    )
    assert danish[0] == "Danish Data Protection Agency"
    assert portuguese[1] == "National Data Protection Commission (Portugal)"
    assert vietnamese[2] == "Parliament of Vietnam"


def test_new_governments_act_through_their_country_names() -> None:
    found = find_mentions("Kazakhstan will provide land, and Hungarian subsidies were approved.")
    assert [(m.entity.name, m.by_place) for m in found] == [
        ("Government of Kazakhstan", "name"),
        ("Government of Hungary", "adjective"),
    ]
    assert find_mentions("Kazakhstan's capital") == []
