"""Topic tags per article (FACTS.md "Topics"), from keyword patterns in ``data/topics.toml``.

Tags describe what an article is about, not what facts it holds, so negatives
get tags too. The order of the returned tuple follows FACTS.md's list.
"""

from __future__ import annotations

from extractors.facts.prefilter import lowered, search
from extractors.facts.rules import language_rules
from extractors.facts.textforms import fold_width, normalise_language

TOPICS = (
    "data_centres",
    "semiconductors",
    "ai_chips",
    "supercomputers",
    "generative_ai",
    "cloud",
    "data_sovereignty",
    "personal_data",
    "cross_border_transfer",
    "data_localisation",
    "ai_training_data",
    "platform_regulation",
)


def tag_topics(text: str, *, language: str | None = None, title: str | None = None) -> tuple[str, ...]:
    """The topic tags whose patterns occur in ``title`` or ``text``."""
    rules = language_rules(normalise_language(language, text))
    haystack = fold_width(f"{title}\n{text}" if title else text)
    # Each pattern is tried only where one of its literal words occurs (see prefilter.py).
    starts = dict(zip(rules.topics, rules.topic_filter.candidates(lowered(haystack)), strict=True))
    return tuple(
        tag
        for tag in TOPICS
        if (pattern := rules.topics.get(tag)) and search(pattern, haystack, starts[tag]) is not None
    )
