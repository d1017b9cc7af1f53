"""From article text to typed facts: the sentence loop that ties the rules together.

For each sentence and clause, every fact rule of the article's language is
tried: a trigger must match and no blocker may; ``actors`` picks who acts,
``drafting`` turns the match into facts. Finally mentions of one fact in
several sentences are merged, because scoring is one-to-one and the same
commitment told twice is still one fact. Last, the confidence model
(``confidence.py``) weighs each candidate: the unlikely ones are dropped and
the rest carry its probability.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from extractors.facts.actors import (
    Actor,
    ActorMention,
    Choice,
    choose_actors,
    sentence_mentions,
    unknown_mentions,
)
from extractors.facts.confidence import features, load_model
from extractors.facts.detector import Detector, load_detector, sentence_tokens
from extractors.facts.drafting import Clause, Found, facts_for, next_sentence_amounts, selected_amounts
from extractors.facts.entities import entity_named, government_of
from extractors.facts.prefilter import any_within, search_slice
from extractors.facts.rules import LanguageRules
from extractors.facts.sentences import Sentence
from extractors.facts.view import ArticleView, build_view, trigger_in, within
from extractors.models import Amount, Fact


def extract_facts(
    text: str,
    *,
    language: str | None = None,
    published: date | None = None,
    title: str | None = None,
    version: str,
) -> list[Fact]:
    """Facts in ``text`` under the rules for its language (see the package docstring)."""
    return _scored(candidates(text, language=language, published=published, title=title, version=version))


_SHIPPED = "shipped"


def candidates(
    text: str,
    *,
    language: str | None = None,
    published: date | None = None,
    title: str | None = None,
    version: str,
    detector: Detector | str | None = _SHIPPED,
) -> list[Found]:
    """Every candidate the rules propose, merged, not yet weighed: what the confidence model learns from.

    Where the rules found nothing of a type, the ``detector`` (the shipped one by default; None for
    rules alone) may point at sentences that report it, and the rules of that type run there too.
    """
    article = build_view(text, language=language, published=published, title=title, version=version)
    if article is None:
        return []
    found = _pass(article, {})
    model = load_detector() if detector == _SHIPPED else detector
    if isinstance(model, Detector):
        forced = _detected(article, model, found)
        if forced:
            found += [
                replace(item, situation=replace(item.situation, detected=True))
                for item in _pass(article, forced)
                if item.fact.type in forced.get(item.sentence, ())
            ]
    return _merge(
        _one_owner_per_figure(
            [
                _adequacy_by_commission(item)
                for item in (_named_regulator(article, item) for item in found)
                if not _government_enforcing(item)
            ]
        )
    )


def _detected(article: ArticleView, model: Detector, found: list[Found]) -> dict[int, frozenset[str]]:
    """The sentences in which no rule proposed anything and that the detector says report a fact of a
    type the rules found none of in the article, with those types."""
    found_types = {item.fact.type for item in found}
    missing = [t for t in model.types if t not in found_types]
    if not missing:
        return {}
    explained = {item.sentence for item in found}
    kinds = acting_kinds(article.rules)
    forced: dict[int, frozenset[str]] = {}
    for sentence in article.sentences:
        if sentence.index in explained:
            continue
        named = {m.entity.kind for m in within(article.entities, article.entity_starts, sentence)}
        wanted = [t for t in missing if named & kinds.get(t, frozenset())]
        if not wanted:
            continue
        tokens = sentence_tokens(article.folded[sentence.start : sentence.end], article.rules.language)
        fired = frozenset(t for t in wanted if model.types[t].fires(tokens))
        if fired:
            forced[sentence.index] = fired
    return forced


def acting_kinds(rules: LanguageRules) -> dict[str, frozenset[str]]:
    """Per fact type, the kinds of body that may act for it (company, regulator...), over its rules:
    the sentences the detector reads, and trains on, are those that name one."""
    kinds: dict[str, set[str]] = {}
    for rule in rules.facts:
        kinds.setdefault(rule.type, set()).update(rule.actor_kinds)
    return {fact_type: frozenset(found) for fact_type, found in kinds.items()}


def _pass(article: ArticleView, forced: dict[int, frozenset[str]]) -> list[Found]:
    """One reading of the article, sentence by sentence; ``forced`` sentences also run the rules of
    the given types as if a trigger had matched."""
    found: list[Found] = []
    earlier: list[ActorMention] = list(article.title_mentions)
    last_actor: dict[str, Actor] = {}
    home = {
        kind: Actor.of(body)
        for kind in ("government", "legislature")
        if article.country and (body := government_of(article.country, kind)) is not None
    }
    sentences = article.sentences
    previous: list[Found] = []
    for sentence in sentences:
        following = sentences[min(sentence.index + 2, len(sentences) - 1)]
        ahead = article.entities[
            bisect_left(article.entity_starts, sentence.end) : bisect_left(
                article.entity_starts, following.end
            )
        ]
        mentions = sentence_mentions(
            article.folded,
            sentence.start,
            sentence.end,
            within(article.entities, article.entity_starts, sentence),
            earlier,
            article.rules,
            sentence.index,
            home,
            article.coreference_spots,
            ahead,
        )
        produced = _sentence_facts(
            article, sentence, mentions, earlier, last_actor, forced.get(sentence.index, frozenset())
        )
        if not produced and sentence.index > 0:
            produced = _listed_examples(article, sentence, mentions, previous)
        found.extend(produced)
        previous = produced
        earlier.extend(mentions)
    return found


def _adequacy_by_commission(item: Found) -> Found:
    """The EU finds a country adequate through the European Commission, whoever the text names."""
    fact = item.fact
    if fact.type == "regulation" and fact.actor == "European Union" and fact.target_country is not None:
        return replace(item, fact=replace(fact, actor="European Commission"))
    return item


_SPENDING = ("investment", "gov_program")
_AS_TRIGGERED = re.compile("")  # where the detector fired: an empty match at the clause's start


def _one_owner_per_figure(found: list[Found]) -> list[Found]:
    """A figure in one sentence is either a company's investment or a government's programme.

    "Micron will invest ¥500 billion, with government support" and "Japan will spend ¥732
    billion on TSMC's plant" each read as both; the one whose actor is the sentence's
    subject keeps the figure.
    """
    claims: dict[tuple[int, float], list[Found]] = {}
    for item in found:
        if item.fact.type in _SPENDING and item.fact.amount is not None:
            claims.setdefault((item.sentence, round(item.fact.amount, -3)), []).append(item)
    dropped: set[int] = set()
    for items in claims.values():
        if len({item.fact.type for item in items}) < 2:
            continue
        subjects = [i for i in items if i.situation.actor_role == "subject"]
        if len({i.fact.type for i in subjects}) == 1:
            dropped.update(id(i) for i in items if i.fact.type != subjects[0].fact.type)
    return [item for item in found if id(item) not in dropped]


def _listed_examples(
    article: ArticleView, sentence: Sentence, mentions: list[ActorMention], previous: list[Found]
) -> list[Found]:
    """A sentence that lists examples of the previous sentence's act ("Other publishers have blocked
    the crawler. Among them are CNN, Reuters and Bloomberg."): a fact for each company listed."""
    rules = article.rules
    if not rules.grammar.examples.search(article.folded, sentence.start, sentence.end):
        return []
    before = article.sentences[sentence.index - 1]
    told = {item.fact.actor for item in previous}
    found: list[Found] = []
    # the act is the previous sentence's, whether or not it named anyone ("Other publishers have
    # also blocked the crawler. Among them are ...")
    for index, rule in enumerate(rules.facts):
        trigger = trigger_in(article, index, before.start, before.end, before.end) if rule.listable else None
        if trigger is None:
            continue
        listed = [
            m
            for m in mentions
            if m.actor is not None
            and m.kind in rule.actor_kinds
            and m.role != "modifier"
            and m.actor.name not in told
            and not (rule.avoid_role and rule.avoid_role in m.actor.roles)
        ]
        actors = tuple(dict.fromkeys(m.actor for m in listed if m.actor is not None))
        if len(actors) < 2:
            continue
        clause = Clause(sentence.start, sentence.end, mentions, [], sentence.end)
        found.extend(facts_for(article, sentence, clause, rule, Choice(actors, False), mentions, trigger))
    return found


def _government_enforcing(item: Found) -> bool:
    """An enforcement act whose actor is a whole government, not its regulator (FACTS.md: "for
    enforcement, the regulator"): what a government orders is policy, not a regulator's decision."""
    if item.fact.type != "enforcement":
        return False
    body = entity_named(item.fact.actor or "")
    return body is not None and body.kind == "government"


def _named_regulator(article: ArticleView, item: Found) -> Found:
    """A state named for an enforcement act ("France fines Google") is its regulator the article names."""
    fact = item.fact
    if fact.type != "enforcement" or not item.situation.actor_by_place:
        return item
    government = entity_named(fact.actor or "")
    regulators = [
        m.entity
        for m in article.title_entities + article.entities
        if m.entity.kind == "regulator" and government is not None and m.entity.country == government.country
    ]
    if not regulators:
        return item
    body = regulators[0]
    return replace(item, fact=replace(fact, actor=body.name, jurisdiction=body.jurisdiction))


def _scored(found: list[Found]) -> list[Fact]:
    """The candidates the confidence model keeps, with its probability as their confidence."""
    model = load_model()
    if model is None:
        return [item.fact for item in found]
    kept = []
    for item in found:
        probability = model.probability(features(item.situation))
        if probability >= model.threshold:
            kept.append(replace(item.fact, confidence=round(probability, 3)))
    return kept


def _clauses(folded: str, sentence: Sentence, rules: LanguageRules) -> list[tuple[int, int]]:
    """Clause spans of a sentence ("..., while Amazon said ..."); one span when the language has none."""
    spans = []
    start = sentence.start
    for match in rules.grammar.clause_break.finditer(folded, sentence.start, sentence.end):
        if _inside_brackets(folded, sentence.start, match.start()):
            continue  # "a €290m (£246m; $324m) fine" is one clause
        if _ends_list(folded, start, match.start()) and folded.startswith(",", match.start()):
            continue  # "CNN, Bloomberg, and the Guardian have blocked ...": the list's last comma
        if match.start() - start >= 12 and sentence.end - match.end() >= 12:
            spans.append((start, match.start()))
            start = match.end()
    spans.append((start, sentence.end))
    return spans


def _ends_list(folded: str, start: int, at: int) -> bool:
    """Whether the text before ``at`` ends a list of short items ("CNN, the New York Times, Bloomberg")."""
    head = re.sub(r"\s?[(（][^)）]{0,40}[)）]", "", folded[start:at])
    items = head.split(",")
    return len(items) >= 3 and all(0 < len(item.split()) <= 4 for item in items[1:])


def _inside_brackets(folded: str, start: int, at: int) -> bool:
    """Whether ``at`` lies inside a bracket opened since ``start``."""
    opened = folded.count("(", start, at) + folded.count("（", start, at)
    closed = folded.count(")", start, at) + folded.count("）", start, at)
    return opened > closed


def _sentence_facts(
    article: ArticleView,
    sentence: Sentence,
    mentions: list[ActorMention],
    earlier: list[ActorMention],
    last_actor: dict[str, Actor],
    forced: frozenset[str] = frozenset(),
) -> list[Found]:
    if not forced and not any_within(article.any_trigger_starts, sentence.start, sentence.end):
        return []  # no rule fires here: nothing below would be read
    rules = article.rules
    folded = article.folded
    amounts: list[Amount] | None = None
    context = list(earlier)
    found: list[Found] = []
    unknown: list[ActorMention] | None = None
    for start, end in _clauses(folded, sentence, rules):
        clause_text = folded[start:end]
        clause_mentions = [m for m in mentions if start <= m.start < end]
        triggers = [
            trigger_in(article, index, start, end, sentence.end)
            or (_AS_TRIGGERED.match(folded, start) if rule.type in forced else None)
            for index, rule in enumerate(rules.facts)
        ]
        if any(trigger is not None for trigger in triggers) and not search_slice(
            rules.negative_sentence, clause_text, article.negative_starts, start
        ):
            if amounts is None:
                amounts = selected_amounts(folded, sentence.start, sentence.end, rules)
            clause_amounts = [a for a in amounts if start <= a.start < end]
            for index, rule in enumerate(rules.facts):
                trigger = triggers[index]
                if trigger is None or rule.blocker.search(clause_text):
                    continue
                if rule.blockers_in_sentence and rule.blocker.search(folded, sentence.start, sentence.end):
                    continue  # "... raises 160 billion won, and KT puts in 33 billion": one funding round
                if rule.topic is not None and not (
                    rule.topic.search(folded, sentence.start, sentence.end)
                    or rule.topic.search(article.title)
                ):
                    continue
                if rule.amount == "required" and not clause_amounts:
                    continue
                if unknown is None:
                    unknown = unknown_mentions(
                        folded, sentence.start, sentence.end, mentions, rules, sentence.index
                    )
                choice = choose_actors(
                    rule,
                    sorted(
                        clause_mentions + [m for m in unknown if start <= m.start < end],
                        key=lambda m: m.start,
                    ),
                    trigger.start(),
                    context,
                    folded,
                    rules,
                    sentence.index,
                    last_actor.get(rule.type),
                )
                if choice is not None:
                    evidence_end = sentence.end
                    if rule.amount_from_next and not clause_amounts:
                        borrowed = next_sentence_amounts(article, sentence, rule)
                        if borrowed:
                            clause_amounts, evidence_end = borrowed
                    clause = Clause(start, end, clause_mentions, clause_amounts, evidence_end)
                    found.extend(facts_for(article, sentence, clause, rule, choice, mentions, trigger))
                    if (clause_amounts or rule.amount == "none") and not rule.distinct:
                        last_actor[rule.type] = choice.actors[-1]
        context.extend(clause_mentions)
    return found


def _merge(found: list[Found]) -> list[Found]:
    """One fact per commitment: equal type, actor, country and amount are one mention.

    A figure-less mention of something already stated with a figure adds
    nothing and is dropped ("fined Meta 1.2 billion euros" and "also ordered
    Meta to suspend transfers" are one decision), unless it names other
    parties than every figured mention ("... and will look into Temu again" is
    another act); figure-less mentions are told apart by whether they read as
    background, since "fined again, as it did last year" is two events.
    """
    kept: dict[tuple[object, ...], Found] = {}
    for item in found:
        fact = item.fact
        if fact.amount is not None:
            if _restated(item, kept.values()):
                continue  # "3400억 원" then "2억5천만 달러(약 3417억 원)": one deal in two currencies
            key: tuple[object, ...] = (fact.type, fact.actor, fact.target_country, round(fact.amount, -3))
        else:
            key = (fact.type, fact.actor, fact.target_country, None, item.cue_background)
        kept.setdefault(key, item)
    parties_with_amount: dict[tuple[object, ...], set[str]] = {}
    for i in kept.values():
        if i.fact.amount is not None:
            key = (i.fact.type, i.fact.actor, i.fact.target_country, i.cue_background)
            parties_with_amount.setdefault(key, set()).update(i.parties)
    with_amount = set(parties_with_amount)
    same_sentence = {
        (i.fact.type, i.fact.actor, i.sentence) for i in kept.values() if i.fact.amount is not None
    }
    acted = {i.fact.type for i in kept.values() if i.fact.actor is not None and not i.cue_background}
    return [
        i
        for i in kept.values()
        if not (i.fact.actor is None and i.fact.type in acted)  # "it took effect": the act already told
        and (
            i.fact.amount is not None
            or (
                (i.fact.type, i.fact.actor, i.sentence) not in same_sentence
                and (
                    i.keep_apart
                    or (i.fact.type, i.fact.actor, i.fact.target_country, i.cue_background) not in with_amount
                    or _other_parties(i, parties_with_amount)
                )
            )
        )
    ]


RESTATED_WITHIN = 0.03  # two figures of one act in different currencies agree this closely in USD


def _restated(item: Found, kept: Iterable[Found]) -> bool:
    """Whether an earlier figure of the same type, actor and country is this one in another currency."""
    fact = item.fact
    if fact.amount_usd is None:
        return False
    for other in kept:
        earlier = other.fact
        if (
            earlier.currency != fact.currency
            and earlier.amount_usd is not None
            and (earlier.type, earlier.actor, earlier.target_country)
            == (fact.type, fact.actor, fact.target_country)
            and abs(earlier.amount_usd - fact.amount_usd) <= RESTATED_WITHIN * earlier.amount_usd
        ):
            return True
    return False


def _other_parties(item: Found, parties_with_amount: dict[tuple[object, ...], set[str]]) -> bool:
    """Whether a figure-less mention names parties that none of its figured mentions name."""
    fact = item.fact
    figured = parties_with_amount.get(
        (fact.type, fact.actor, fact.target_country, item.cue_background), set()
    )
    return bool(item.parties) and not item.parties & figured
