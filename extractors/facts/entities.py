"""The entity table: canonical actors, their kinds and aliases (``data/entities.toml``).

An alias resolves to exactly one canonical name; scoring compares actors after
this resolution, so "AWS", "Amazon's cloud unit" and "아마존웹서비스" are one
actor. Organisations missing from the table still become actors under their
surface name (see ``actors.py``); ``canonical_name`` leaves such names alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractors.facts.errors import RulesError
from extractors.facts.gazetteer import Gazetteer
from extractors.facts.resources import load_table, string_list

ENTITIES_FILE = "entities.toml"
_PLACE = "place:"  # gazetteer key prefix of a government named by its country: "place:name:<entity>"
KINDS = frozenset({"company", "government", "ministry", "regulator", "legislature"})


@dataclass(frozen=True, slots=True)
class Entity:
    """One canonical actor."""

    name: str
    kind: str
    country: str | None
    jurisdiction: str | None
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity named at ``start:end`` of the text; ``by_place`` says how a country stands for it:
    "name" ("Germany will provide") or "adjective" ("German subsidies"); "" for a name of its own."""

    start: int
    end: int
    entity: Entity
    by_place: str = ""


@dataclass(frozen=True, slots=True)
class _Table:
    entities: dict[str, Entity]
    gazetteer: Gazetteer
    by_alias_folded: dict[str, str]
    ambiguous: dict[str, dict[str, str]]


@cache
def _table() -> _Table:
    raw = load_table(ENTITIES_FILE).get("entity", [])
    if not isinstance(raw, list):
        raise RulesError("[[entity]] array expected", path=ENTITIES_FILE)
    entities: dict[str, Entity] = {}
    aliases: dict[str, str] = {}
    patterns: list[tuple[str, str]] = []
    acting = load_table(ENTITIES_FILE).get("acting_places", {})
    for item in raw:
        name = item.get("name")
        kind = item.get("kind")
        if not isinstance(name, str) or kind not in KINDS:
            raise RulesError(
                f"entity {name!r} needs a name and a kind in {sorted(KINDS)}", path=ENTITIES_FILE
            )
        if name in entities:
            raise RulesError(f"entity {name!r} listed twice", path=ENTITIES_FILE)
        entities[name] = Entity(
            name=name,
            kind=str(kind),
            country=item.get("country"),
            jurisdiction=item.get("jurisdiction"),
            roles=frozenset(string_list(item, "roles", path=ENTITIES_FILE)),
        )
        for alias in [name, *string_list(item, "aliases", path=ENTITIES_FILE)]:
            if aliases.get(alias, name) != name:
                raise RulesError(
                    f"alias {alias!r} given to {aliases[alias]!r} and {name!r}", path=ENTITIES_FILE
                )
            aliases[alias] = name
        patterns.extend((p, name) for p in string_list(item, "patterns", path=ENTITIES_FILE))
        patterns.extend(_acting_patterns(item, name, acting))
    folded = {alias.casefold(): name for alias, name in aliases.items()}
    ambiguous = {
        str(surface): {str(code): str(name) for code, name in by_country.items()}
        for surface, by_country in load_table(ENTITIES_FILE).get("ambiguous", {}).items()
    }
    for surface, by_country in ambiguous.items():
        for name in by_country.values():
            if name not in entities:
                raise RulesError(f"[ambiguous.{surface!r}] names no entity {name!r}", path=ENTITIES_FILE)
    return _Table(entities, Gazetteer(aliases, patterns), folded, ambiguous)


def _acting_patterns(item: dict[str, object], name: str, acting: dict[str, object]) -> list[tuple[str, str]]:
    """A government's patterns for its country named as the actor, keyed ``_PLACE + name``."""
    found = []
    for field, context, how in (
        ("acting_as", "subject_after", "name"),
        ("acting_demonyms", "money_after", "adjective"),
    ):
        names = string_list(item, field, path=ENTITIES_FILE)
        follow = acting.get(context)
        if names and isinstance(follow, str):
            alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            found.append((rf"(?P<name>{alternatives})(?![\w.-])(?={follow})", f"{_PLACE}{how}:{name}"))
    return found


def find_mentions(text: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Entity mentions in ``text[start:end]`` (width-folded text), in order."""
    table = _table()
    found = []
    for hit in table.gazetteer.find(text, start, end):
        how, key = "", hit.key
        if key.startswith(_PLACE):
            how, key = key.removeprefix(_PLACE).split(":", 1)
        found.append(Mention(hit.start, hit.end, table.entities[key], how))
    return found


def in_country(mentions: list[Mention], text: str, country: str | None) -> list[Mention]:
    """Mentions of a name several bodies share, resolved to the body of the article's ``country``."""
    table = _table()
    if country is None or not table.ambiguous:
        return mentions
    resolved = []
    for mention in mentions:
        choice = table.ambiguous.get(text[mention.start : mention.end], {}).get(country)
        if choice is not None and choice != mention.entity.name:
            mention = Mention(mention.start, mention.end, table.entities[choice], mention.by_place)
        resolved.append(mention)
    return resolved


def entity_named(name: str) -> Entity | None:
    """The entity whose canonical name or alias is ``name`` (any case), if any."""
    table = _table()
    canonical = table.by_alias_folded.get(name.strip().casefold())
    return None if canonical is None else table.entities[canonical]


def canonical_name(name: str) -> str:
    """``name`` resolved through the alias table; unknown names come back stripped."""
    entity = entity_named(name)
    return entity.name if entity is not None else name.strip()


def government_of(country: str, kind: str = "government") -> Entity | None:
    """The first entity of ``kind`` (the government, or the legislature) whose home is ``country``."""
    for entity in _table().entities.values():
        if entity.kind == kind and entity.country == country:
            return entity
    return None
