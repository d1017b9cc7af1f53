"""One article prepared for the rules: folded text, sentences, names, places, triggers.

Everything here is computed once per article (one pass of the entity and place
look-ups, one scan for the literal words the trigger, coreference and
negative-sentence patterns start with, and each trigger tried only where its
words occur: see ``prefilter.py``), so the sentence loop only slices
precomputed lists and skips sentences where no rule fires; this is what keeps
fact extraction at a few milliseconds for a long article.
An article whose headline reads like a negative (earnings, a funding round, a
model launch) gets no view at all: FACTS.md wants no facts from it, unless
the headline itself states a fact ("Reddit signs AI licensing deal with
Google as it heads for IPO": a fact rule's trigger, and an actor that rule
accepts, both in the headline).
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from datetime import date

from extractors.facts.actors import Actor, ActorMention, role_of
from extractors.facts.entities import Mention, find_mentions, in_country
from extractors.facts.places import Place, find_places
from extractors.facts.places_choice import main_country
from extractors.facts.prefilter import Spots, finditer, lowered
from extractors.facts.rules import LanguageRules, language_rules
from extractors.facts.sentences import Sentence, split_sentences
from extractors.facts.textforms import fold_width, normalise_language

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ArticleView:
    """An article as the rules see it; offsets in ``folded`` are offsets in ``text``."""

    text: str
    folded: str
    rules: LanguageRules
    published: date | None
    version: str
    sentences: list[Sentence]
    entities: list[Mention]
    entity_starts: list[int]
    places: list[Place]
    place_starts: list[int]
    title_mentions: list[ActorMention]
    triggers: tuple[list[re.Match[str]], ...]
    trigger_starts: tuple[list[int], ...]
    title_entities: list[Mention]
    title: str
    country: str | None
    # Where each coreference pattern and the negative-sentence cues may match (None: anywhere).
    coreference_spots: Spots
    negative_starts: list[int] | None
    any_trigger_starts: list[int]  # where any rule's trigger starts, sorted


def build_view(
    text: str, *, language: str | None, published: date | None, title: str | None, version: str
) -> ArticleView | None:
    """Everything the rules read, computed once per article; None for a negative article."""
    rules = language_rules(normalise_language(language, text))
    folded = fold_width(text)
    folded_title = fold_width(title or "")
    sentences = split_sentences(folded, rules.split)
    headline = folded_title or (folded[sentences[0].start : sentences[0].end] if sentences else "")
    if is_negative(headline, rules) and not states_fact(headline, rules):
        log.debug("negative article: %s", headline[:80])
        return None
    places = find_places(folded)
    country = main_country(find_places(folded_title), places)
    entities = in_country(find_mentions(folded), folded, country)
    title_entities = in_country(find_mentions(folded_title), folded_title, country)
    title_mentions = [
        mention
        for mention in (
            ActorMention(
                -1,
                -1,
                Actor.of(m.entity),
                m.entity.kind,
                role_of(folded_title, 0, m.start, m.end, len(folded_title), rules),
                False,
            )
            for m in title_entities
        )
        if mention.role not in ("recipient", "modifier")
    ]
    # One scan for the literal words the patterns start with, then each trigger tried only where
    # one of its words occurs: the same matches as a pass per rule over the whole article.
    candidates = rules.article_filter.candidates(lowered(folded))
    rule_count, coreference_count = len(rules.facts), len(rules.coreference)
    triggers = tuple(
        list(finditer(rule.trigger, folded, starts))
        for rule, starts in zip(rules.facts, candidates[:rule_count], strict=True)
    )
    article = ArticleView(
        text=text,
        folded=folded,
        rules=rules,
        published=published,
        version=version,
        sentences=sentences,
        entities=entities,
        entity_starts=[m.start for m in entities],
        places=places,
        place_starts=[p.start for p in places],
        title_mentions=title_mentions,
        triggers=triggers,
        trigger_starts=tuple([m.start() for m in hits] for hits in triggers),
        title_entities=title_entities,
        title=folded_title,
        country=country,
        coreference_spots=Spots(candidates[rule_count : rule_count + coreference_count]),
        negative_starts=candidates[rule_count + coreference_count],
        any_trigger_starts=sorted({match.start() for hits in triggers for match in hits}),
    )
    return article


def is_negative(headline: str, rules: LanguageRules) -> bool:
    """A hard negative cue, or a soft one not offset by a fact cue, in the headline."""
    if rules.hard_negative_title.search(headline):
        return True
    return bool(rules.negative_title.search(headline)) and not rules.negative_title_unless.search(headline)


def states_fact(headline: str, rules: LanguageRules) -> bool:
    """Whether a fact rule fires in the headline with an actor of a kind it accepts named there."""
    kinds = {mention.entity.kind for mention in find_mentions(headline)}
    return any(
        rule.actor_kinds & kinds and rule.trigger.search(headline) and not rule.blocker.search(headline)
        for rule in rules.facts
    )


def within(items: list[Mention], starts: list[int], sentence: Sentence) -> list[Mention]:
    """The items of a sorted list that start inside ``sentence``."""
    lo = bisect.bisect_left(starts, sentence.start)
    hi = bisect.bisect_left(starts, sentence.end)
    return items[lo:hi]


def places_within(article: ArticleView, sentence: Sentence) -> list[Place]:
    """The article's places inside ``sentence``."""
    lo = bisect.bisect_left(article.place_starts, sentence.start)
    hi = bisect.bisect_left(article.place_starts, sentence.end)
    return article.places[lo:hi]


def trigger_in(
    article: ArticleView, rule_index: int, start: int, end: int, limit: int
) -> re.Match[str] | None:
    """The rule's first trigger starting in ``start:end`` and ending inside the sentence."""
    starts = article.trigger_starts[rule_index]
    hits = article.triggers[rule_index]
    for position in range(bisect.bisect_left(starts, start), len(starts)):
        hit = hits[position]
        if hit.start() >= end:
            return None
        if hit.end() <= limit:
            return hit
    return None
