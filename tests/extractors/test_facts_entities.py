"""Aliases in three languages resolve to one canonical actor."""

from __future__ import annotations

import pytest

from extractors.facts.entities import canonical_name, entity_named, find_mentions
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
    ],
)
def test_aliases(alias: str, canonical: str) -> None:
    assert canonical_name(alias) == canonical
    found = find_mentions(fold_width(alias))
    assert [m.entity.name for m in found] == [canonical]


def test_unknown_names_pass_through() -> None:
    assert canonical_name("  Clearview AI ") == "Clearview AI"


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
