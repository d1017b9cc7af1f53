"""Typed facts and topic tags from news article text (the fact model in FACTS.md).

``extract_facts`` reads one article and returns ``Fact`` records; ``tag_topics``
returns the article's topic tags. Both are pure: text in, frozen records out.
Rules, aliases, places and exchange rates are data files under
``extractors/data`` (see ``rules.py``); bump ``EXTRACTOR_VERSION`` whenever
they change so stored facts can be traced to the rules that produced them.
"""

from __future__ import annotations

from datetime import date

from extractors.facts import extraction
from extractors.facts.topics import tag_topics
from extractors.models import Fact

EXTRACTOR_VERSION = "facts-2026.12.5"

__all__ = ["EXTRACTOR_VERSION", "extract_facts", "tag_topics"]


def extract_facts(
    text: str, *, language: str | None = None, published: date | None = None, title: str | None = None
) -> list[Fact]:
    """The facts stated in ``text``, each with verbatim evidence and character offsets.

    ``language`` (``en``, ``ja``, ``ko``; guessed from the script when None)
    picks the rules; ``published`` dates durations ("over two years") and the
    exchange rate; ``title`` helps decide the article's main actor and country
    and whether it is a negative (earnings, funding rounds, launches).
    """
    return extraction.extract_facts(
        text, language=language, published=published, title=title, version=EXTRACTOR_VERSION
    )
