"""Turning a triggered rule into Fact records: figures, countries, flags and evidence.

Given a clause where a rule fired and the actors chosen for it, this module
decides how many facts there are (one per actor, per figure that introduces a
new recipient or item, per site for single-site facts), which country each
points at, and fills every field of ``Fact``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from extractors.facts.actors import Actor, ActorMention, Choice
from extractors.facts.amounts import find_amounts
from extractors.facts.confidence import CandidateSituation
from extractors.facts.entities import entity_named
from extractors.facts.fx import to_usd
from extractors.facts.horizons import Horizon, find_horizon
from extractors.facts.places_choice import CountryChoice, choose_country, located_codes
from extractors.facts.rules import FactRule, LanguageRules
from extractors.facts.sentences import Sentence
from extractors.facts.timing import is_background
from extractors.facts.view import ArticleView, places_within
from extractors.models import Amount, Fact


@dataclass(frozen=True, slots=True)
class Found:
    """A fact, with what tells repeated mentions apart: the background flag and the other parties named."""

    fact: Fact
    cue_background: bool
    keep_apart: bool
    sentence: int
    parties: frozenset[str]
    situation: CandidateSituation


@dataclass(frozen=True, slots=True)
class Clause:
    """A clause in which a rule fired, with its names and figures and where its evidence ends."""

    start: int
    end: int
    mentions: list[ActorMention]
    amounts: list[Amount]
    evidence_end: int


def next_sentence_amounts(
    article: ArticleView, sentence: Sentence, rule: FactRule
) -> tuple[list[Amount], int] | None:
    """The figure of a deal stated in the following sentence ("... 2억5000만 달러를 지급한다").

    Only a sentence that is not itself another deal of the same kind lends its figure.
    """
    following = sentence.index + 1
    if following >= len(article.sentences):
        return None
    nxt = article.sentences[following]
    if nxt.paragraph != sentence.paragraph or not article.rules.grammar.payment.search(
        article.folded, nxt.start, nxt.end
    ):
        return None
    if rule.trigger.search(article.folded, nxt.start, nxt.end):
        return None
    amounts = selected_amounts(article.folded, nxt.start, nxt.end, article.rules)
    return (amounts[:1], nxt.end) if amounts else None


def _into_company(folded: str, mentions: list[ActorMention], lo: int, hi: int, rules: LanguageRules) -> bool:
    """Whether ``folded[lo:hi]`` puts money into a company ("$2.75 billion in Anthropic"): a stake."""
    grammar = rules.grammar
    for mention in mentions:
        if mention.kind != "company" or mention.coreference or not lo <= mention.start < hi:
            continue
        before = folded[max(0, mention.start - 12) : mention.start]
        after = folded[mention.end : mention.end + 40]
        if grammar.equity_after.match(after) and (
            grammar.equity_before is None or grammar.equity_before.search(before)
        ):
            return True
    return False


def selected_amounts(folded: str, start: int, end: int, rules: LanguageRules) -> list[Amount]:
    """The sentence's money figures, minus the "from" side of a change ("298억원에서 752억원으로")."""
    found = find_amounts(folded, start, end, language=rules.language)
    kept = []
    for index, amount in enumerate(found):
        following = found[index + 1] if index + 1 < len(found) else None
        if following is not None and rules.grammar.change.match(folded[amount.end : following.start]):
            continue
        kept.append(amount)
    return kept


def _amounts_for(
    rule: FactRule, clause: Clause, folded: str, rules: LanguageRules
) -> list[tuple[Amount | None, int, int]]:
    """The figures of one fact rule in a clause, each with the span its place words are read from.

    Several figures make several facts only when the text between them
    introduces a new recipient or a new item ("구글에 692억원, 메타에 308억원",
    "$10 billion for Mississippi and a further $5.3 billion for Saudi Arabia"),
    never when it sums them up ("合計で", "in total").
    """
    if rule.amount == "none" or not clause.amounts:
        return [(None, clause.start, clause.end)]
    chosen = [clause.amounts[0]]
    if rule.multi_amount:
        for previous, current in itertools.pairwise(clause.amounts):
            gap = folded[previous.end : current.start]
            if rules.grammar.amount_separator.search(gap) and not rules.grammar.totals.search(gap):
                chosen.append(current)
    spans: list[tuple[Amount | None, int, int]] = []
    for index, amount in enumerate(chosen):
        seg_start = clause.start if index == 0 else amount.start
        seg_end = chosen[index + 1].start if index + 1 < len(chosen) else clause.end
        spans.append((amount, seg_start, seg_end))
    return spans


def _country_for(
    article: ArticleView,
    rule: FactRule,
    actor: Actor,
    segment: tuple[int, int],
    clause: Clause,
    sentence: Sentence,
    mentions: list[ActorMention],
) -> CountryChoice:
    """The fact's country from the narrowest span that decides it, else the article's country."""
    spans = [segment]
    if rule.country in ("target", "owner_home"):
        spans += [(clause.start, clause.end), (sentence.start, sentence.end)]
    places = places_within(article, sentence)
    for index, (lo, hi) in enumerate(spans):
        choice = choose_country(
            rule.country,
            actor,
            article.folded[lo:hi],
            article.folded,
            [p for p in places if lo <= p.start < hi],
            [m for m in mentions if lo <= m.start < hi],
            article.rules,
            demonyms=index < 2,
        )
        if choice.decided:
            return choice
    if rule.country == "owner_home":
        owners = [m.entity for m in article.title_entities + article.entities if m.entity.kind == "company"]
        foreign = [e.country for e in owners if e.country and e.country != actor.jurisdiction]
        return CountryChoice(foreign[0] if foreign else None, True)
    return CountryChoice(article.country, True)


def _several_named(article: ArticleView, clause: Clause, choice: Choice) -> bool:
    """Whether the figure belongs to several bodies: more than one actor chosen, or the one chosen
    stands in a list of names the tables do not know ("AWS, Renault and Siemens")."""
    if len(choice.actors) > 1:
        return True
    grammar = article.rules.grammar
    for mention in clause.mentions:
        if mention.actor is not None and mention.actor in choice.actors and not mention.coreference:
            after = article.folded[mention.end : mention.end + 60]
            before = article.folded[max(clause.start, mention.start - 40) : mention.start]
            if grammar.name_list_after.match(after) or grammar.name_list_before.search(before):
                return True
    return False


def facts_for(
    article: ArticleView,
    sentence: Sentence,
    clause: Clause,
    rule: FactRule,
    choice: Choice,
    mentions: list[ActorMention],
    trigger: re.Match[str],
) -> list[Found]:
    rules = article.rules
    folded = article.folded
    horizon = find_horizon(folded, clause.start, clause.end, rules, article.published) or find_horizon(
        folded, sentence.start, sentence.end, rules, article.published
    )
    cue_background = is_background(folded[clause.start : clause.end], rules, article.published)
    stage = next((stage for pattern, stage in rule.stages if pattern.search(trigger.group())), None)
    revises = bool(rules.grammar.revision.search(folded, clause.start, clause.end))
    draft = _Draft(
        article, rule, sentence, clause, horizon, stage, cue_background, choice.from_context, revises
    )
    if rule.amount == "required" and not rule.all_actors and _several_named(article, clause, choice):
        return []  # "AWS, Renault and Siemens will invest $9 billion": a sum is no single actor's figure
    found = []
    named = {
        m.actor.name for m in mentions if m.actor is not None and m.kind == "company" and not m.coreference
    }
    for actor in choice.actors:
        for amount, seg_start, seg_end in _amounts_for(rule, clause, folded, rules):
            if rule.not_into_company and _into_company(folded, clause.mentions, seg_start, seg_end, rules):
                continue
            if (
                rule.not_aid
                and amount is not None
                and rules.grammar.aid_after.match(folded[amount.end : amount.end + 60])
            ):
                continue  # "€10 billion in German subsidies" is the government's money, not the company's
            countries = _per_place_codes(article, rule, clause, mentions) if amount is None else []
            if not countries:
                countries = [
                    _country_for(article, rule, actor, (seg_start, seg_end), clause, sentence, mentions)
                ]
            for country in countries:
                fact = draft.fact(actor, amount, country)
                found.append(
                    Found(
                        fact,
                        cue_background,
                        not rule.merge_into_amount or rule.distinct,
                        sentence.index,
                        frozenset(named - {actor.name}),
                        _situation(article, sentence, clause, rule, choice, actor, fact, amount, country),
                    )
                )
    return found


_QUOTES = ("“", '"', "「", "‘")


def _situation(
    article: ArticleView,
    sentence: Sentence,
    clause: Clause,
    rule: FactRule,
    choice: Choice,
    actor: Actor,
    fact: Fact,
    amount: Amount | None,
    country: CountryChoice,
) -> CandidateSituation:
    """What the confidence model reads about this candidate (see ``confidence.py``)."""
    own = next((m for m in clause.mentions if m.actor == actor), None)
    headline = {m.actor.name for m in article.title_mentions if m.actor is not None}
    text = article.folded[sentence.start : sentence.end]
    return CandidateSituation(
        fact_type=rule.type,
        language=article.rules.language,
        rule_confidence=rule.confidence,
        actor_from_context=choice.from_context,
        actor_role="" if own is None else own.role,
        actor_coreference=own is not None and own.coreference,
        actor_in_table=entity_named(actor.name) is not None,
        actor_by_place=own is not None and own.by_place,
        actor_in_headline=actor.name in headline,
        country_from_context=country.from_context,
        country_known=country.code is not None,
        has_amount=amount is not None,
        amount_up_to=amount is not None and amount.up_to,
        cue_background=fact.background,
        sentence_index=sentence.index,
        actors_in_clause=len(
            {m.actor.name for m in clause.mentions if m.actor is not None and m.kind in rule.actor_kinds}
        ),
        amounts_in_clause=len(clause.amounts),
        has_horizon=fact.horizon is not None,
        quoted=any(mark in text for mark in _QUOTES),
    )


def _per_place_codes(
    article: ArticleView, rule: FactRule, clause: Clause, mentions: list[ActorMention]
) -> list[CountryChoice]:
    """One country per located place, for single-site facts ("offices in London and Dublin")."""
    if not rule.per_place:
        return []
    places = [p for p in article.places if clause.start <= p.start < clause.end]
    codes = located_codes(
        article.folded, places, [m for m in mentions if clause.start <= m.start < clause.end]
    )
    return [CountryChoice(code, False) for code in codes] if len(codes) > 1 else []


@dataclass(frozen=True, slots=True)
class _Draft:
    """What the facts of one trigger share; ``fact`` fills in actor, amount and country."""

    article: ArticleView
    rule: FactRule
    sentence: Sentence
    clause: Clause
    horizon: Horizon | None
    stage: str | None
    cue_background: bool
    actor_from_context: bool
    revises: bool

    def fact(self, actor: Actor, amount: Amount | None, country: CountryChoice) -> Fact:
        article, rule = self.article, self.rule
        headline = {m.actor.name for m in article.title_mentions if m.actor and m.kind in rule.actor_kinds}
        background = self.cue_background or bool(headline and actor.name not in headline)
        confidence = (
            rule.confidence
            - (0.2 if self.actor_from_context else 0.0)
            - (0.1 if country.from_context else 0.0)
        )
        usd = to_usd(amount.value, amount.currency, article.published) if amount else None
        return Fact(
            type=rule.type,
            actor=actor.name or None,
            evidence=article.text[self.sentence.start : self.clause.evidence_end],
            evidence_start=self.sentence.start,
            evidence_end=self.clause.evidence_end,
            target_country=country.code,
            jurisdiction=None if rule.type in _PRIVATE else actor.jurisdiction,
            amount=amount.value if amount else None,
            currency=amount.currency if amount else None,
            amount_usd=round(usd[0], 2) if usd else None,
            fx_rate_date=usd[1] if usd else None,
            horizon=self.horizon.text if self.horizon else None,
            period_end=self.horizon.period_end if self.horizon else None,
            stage=self.stage,
            revises=self.revises,
            background=background,
            confidence=round(max(0.1, min(1.0, confidence)), 2),
            extractor_version=article.version,
        )


_PRIVATE = frozenset({"investment", "facility", "data_access_restriction", "data_licensing"})
