"""Place names -> ISO 3166-1 alpha-2 codes, in English, Japanese and Korean.

pycountry supplies the English ISO names; ``data/places.toml`` adds short
forms, demonyms, Japanese and Korean names, regions and major cities, and
context patterns for one-character abbreviations (米, 日, 韓, 美). "EU" is a
code of its own here: it is a jurisdiction, and as a target it means "several
countries".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry

from extractors.facts.errors import RulesError
from extractors.facts.gazetteer import Gazetteer
from extractors.facts.resources import load_table, string_list

PLACES_FILE = "places.toml"
_DEMONYM = "demonym:"


@dataclass(frozen=True, slots=True)
class Place:
    """A place mention: ``code`` is ISO alpha-2 or ``EU``; ``demonym`` for "Japanese"."""

    start: int
    end: int
    code: str
    demonym: bool


@cache
def _gazetteer() -> Gazetteer:
    table = load_table(PLACES_FILE)
    skip = set(string_list(table.get("skip", {}), "names", path=PLACES_FILE))
    override = {str(k): str(v) for k, v in table.get("override", {}).items()}
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if isinstance(value, str) and value not in skip and "," not in value:
                names[value] = override.get(value, country.alpha_2)
    patterns: list[tuple[str, str]] = []
    countries = table.get("country", {})
    if not isinstance(countries, dict):
        raise RulesError("[country.XX] tables expected", path=PLACES_FILE)
    for code, entry in countries.items():
        for name in string_list(entry, "names", path=PLACES_FILE):
            names[name] = code
        for name in string_list(entry, "demonyms", path=PLACES_FILE):
            names.setdefault(name, _DEMONYM + code)
        for pattern in string_list(entry, "patterns", path=PLACES_FILE):
            patterns.append((pattern, code))
    for name, code in override.items():
        names[name] = code
    return Gazetteer(names, patterns)


def find_places(text: str, start: int = 0, end: int | None = None) -> list[Place]:
    """Place mentions in ``text[start:end]`` (width-folded text), in order."""
    places = []
    for hit in _gazetteer().find(text, start, end):
        demonym = hit.key.startswith(_DEMONYM)
        code = hit.key.removeprefix(_DEMONYM)
        places.append(Place(hit.start, hit.end, code, demonym))
    return places


def country_of(name: str) -> str | None:
    """The code a literal place name maps to (``"Tokyo"`` -> ``"JP"``), if any."""
    key = _gazetteer().key_of(name)
    return None if key is None else key.removeprefix(_DEMONYM)
