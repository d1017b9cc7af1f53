"""Which country a fact points at (FACTS.md "target_country").

- ``target`` (investment, facility): the place the money or building goes.
  Places marked as locations ("in Japan", "日本国内に", "한국에") win; the
  actor's own home country is ignored unless so marked ("visit to the U.S."
  says nothing about where Microsoft invests); several countries, the EU, or
  a multi-country cue ("globally", "APEC 역내") mean no single target. With no
  place in the sentence, the article's main country stands in.
- ``actor_home`` (government programmes): the government's own country.
- ``owner_home`` (ownership actions): the home country of the company made to
  change its owners (Naver -> KR, ByteDance -> CN).
- ``adequacy`` (regulation): the country found adequate, only when the
  sentence is about adequacy.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extractors.facts.actors import Actor, ActorMention
from extractors.facts.places import Place
from extractors.facts.rules import LanguageRules

_LOCATIVE_BEFORE = re.compile(r"(?i)(?:\bin|\binto|\bacross|\bthroughout|\bwithin)\s(?:the\s)?(?:[a-z]+\s)?$")
_LOCATIVE_AFTER = re.compile(
    r"^\s?(?:国内|内|に|で|へ|にある|県|市|州|도|시|에|에서|내|국내|지역"
    # "영국·일본 등 주요 거점에", "英仏などの拠点に": a list closed by "etc." then the locative
    r"|등(?:\s?[가-힣]{1,4}){0,2}\s?(?:에|에서)|など(?:の[^\s、。]{1,6})?(?:に|で))"
)
_ADEQUACY = re.compile(r"(?i)adequa|十分性|적정성")
_NOT_A_TARGET = {"EU"}


@dataclass(frozen=True, slots=True)
class CountryChoice:
    """The chosen code (or None) and whether it came from the article rather than the sentence."""

    code: str | None
    from_context: bool
    decided: bool = True


def main_country(title_places: list[Place], text_places: list[Place]) -> str | None:
    """The country an article is mostly about: title places count three times."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for weight, places in ((3, title_places), (1, text_places)):
        for place in places:
            if place.code in _NOT_A_TARGET:
                continue
            counts[place.code] += weight if not place.demonym else max(1, weight - 1)
            first_seen.setdefault(place.code, len(first_seen))
    if not counts:
        return None
    return max(counts, key=lambda code: (counts[code], -first_seen[code]))


def choose_country(
    mode: str,
    actor: Actor,
    sentence_text: str,
    text: str,
    places: list[Place],
    mentions: list[ActorMention],
    rules: LanguageRules,
    *,
    demonyms: bool = True,
) -> CountryChoice:
    """The target country of a fact with ``actor``, per ``mode`` (see module docstring).

    For ``target``, a span with no place at all is undecided (``decided`` is
    False) so the caller can widen the span or fall back to the article.
    """
    if mode == "none":
        return CountryChoice(None, False)
    if mode == "actor_home":
        return CountryChoice(actor.country if actor.country not in _NOT_A_TARGET else None, False)
    if mode == "owner_home":
        for mention in mentions:
            owner = mention.actor
            if (
                owner is not None
                and owner.kind == "company"
                and mention.role != "modifier"  # "(Reuters) -": who reports is no owner
                and owner.country
                and owner.country != actor.jurisdiction
            ):
                return CountryChoice(owner.country, False)
        # "ordered a Chinese firm to sell Grindr": the owner named only by its nationality
        foreign = [
            p.code
            for p in places
            if p.demonym and p.code not in _NOT_A_TARGET and p.code != actor.jurisdiction
        ]
        if foreign:
            return CountryChoice(foreign[0], False)
        return CountryChoice(None, False, decided=False)
    outside = [p for p in places if not any(m.start <= p.start < m.end for m in mentions)]
    if not demonyms:
        outside = [p for p in outside if not p.demonym]
    if mode == "adequacy":
        if not _ADEQUACY.search(sentence_text):
            return CountryChoice(None, False)
        codes = [p.code for p in outside if p.code not in _NOT_A_TARGET and p.code != actor.country]
        return CountryChoice(codes[0] if codes else None, False)
    if rules.multi_country.search(sentence_text):
        return CountryChoice(None, False)
    located = [p for p in outside if _is_locative(text, p)]
    named = [p for p in outside if not p.demonym]
    for group in (located, named, outside):
        codes = list(dict.fromkeys(p.code for p in group))
        if len(codes) > 1:  # "in Germany, as part of its push in Europe": the region yields to the country
            codes = [c for c in codes if c not in _NOT_A_TARGET] or codes
        if group is not located:
            codes = [c for c in codes if c != actor.country]
        if len(codes) == 1:
            return CountryChoice(None if codes[0] in _NOT_A_TARGET else codes[0], False)
        if len(codes) > 1:
            others = [c for c in codes if c != actor.country]
            if len(others) == 1:
                return CountryChoice(None if others[0] in _NOT_A_TARGET else others[0], False)
            return CountryChoice(None, False)
    return CountryChoice(None, False, decided=False)


def located_codes(text: str, places: list[Place], mentions: list[ActorMention]) -> list[str]:
    """Distinct countries named as locations ("in London and Dublin"), in order, without the EU."""
    outside = [p for p in places if not any(m.start <= p.start < m.end for m in mentions)]
    located = [
        p
        for p in outside
        if _is_locative(text, p)
        or (not p.demonym and (_follows_locative(text, p, outside) or _precedes_locative(text, p, outside)))
    ]
    return [code for code in dict.fromkeys(p.code for p in located) if code not in _NOT_A_TARGET]


def _follows_locative(text: str, place: Place, places: list[Place]) -> bool:
    """A place listed after a located one ("in London and Dublin") is located too."""
    for other in places:
        if other.end <= place.start and _is_locative(text, other):
            gap = text[other.end : place.start]
            if re.fullmatch(r"(?:,\s?|\s?(?:and|or|&|과|와|や|と|、|·)\s?)", gap):
                return True
    return False


def _precedes_locative(text: str, place: Place, places: list[Place]) -> bool:
    """A place listed before a located one ("영국·프랑스·일본 등에", "英仏など") is located too."""
    current = place
    for other in sorted((p for p in places if p.start >= place.end), key=lambda p: p.start):
        if not _LIST_GAP.fullmatch(text[current.end : other.start]):
            return False
        if _is_locative(text, other):
            return True
        current = other
    return False


_LIST_GAP = re.compile(r"(?:,\s?|\s?(?:and|or|&|과|와|や|と|、|·|・)\s?)")


def _is_locative(text: str, place: Place) -> bool:
    before = text[max(0, place.start - 12) : place.start]
    after = text[place.end : place.end + 16]
    return bool(_LOCATIVE_BEFORE.search(before) or _LOCATIVE_AFTER.match(after))
