"""Per-language rules, loaded from ``data/rules/<language>.toml`` and compiled once.

Everything that says *how a fact is phrased* lives in those files: trigger
patterns per fact type, blockers, the particles that mark a subject or a
recipient, coreference words, background cues, article-level negative cues,
horizons and topic words. This module only validates and compiles them, so a
new phrasing is a data change and a malformed file fails loudly (RulesError
naming the file) instead of silently matching nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from extractors.facts.errors import RulesError
from extractors.facts.prefilter import Prefilter
from extractors.facts.resources import load_table, string_list
from extractors.facts.sentences import SplitRules
from extractors.models import FACT_TYPES, FactType

LANGUAGES = ("en", "ja", "ko")
_NEVER = re.compile(r"(?!x)x")
_AMOUNT_MODES = frozenset({"required", "optional", "none"})
_COUNTRY_MODES = frozenset({"target", "actor_home", "owner_home", "adequacy", "none"})
_HORIZON_KINDS = frozenset({"duration", "until", "fiscal_until", "recurring", "open"})


@dataclass(frozen=True, slots=True)
class FactRule:
    """One way of stating a fact type: triggers, blockers and how to fill the fields."""

    type: FactType
    trigger: re.Pattern[str]
    blocker: re.Pattern[str]
    actor_kinds: frozenset[str]
    amount: str
    country: str
    multi_amount: bool
    distinct: bool
    topic: re.Pattern[str] | None
    stages: tuple[tuple[re.Pattern[str], str], ...]
    prefer_role: str | None
    avoid_role: str | None
    past_subject: bool
    counterpart_role: str | None
    all_actors: bool
    amount_from_next: bool
    merge_into_amount: bool
    per_place: bool
    allow_recipient: bool
    not_into_company: bool
    not_aid: bool
    subject_first: bool
    blockers_in_sentence: bool
    strict_avoid: bool
    no_actor_ok: bool
    listable: bool
    prefer_kind: str | None
    confidence: float


@dataclass(frozen=True, slots=True)
class HorizonRule:
    """A period pattern and how its ``period_end`` is computed."""

    pattern: re.Pattern[str]
    kind: str


@dataclass(frozen=True, slots=True)
class Grammar:
    """What around a name makes it a subject, a recipient or an agent."""

    subject_after: re.Pattern[str]
    recipient_after: re.Pattern[str]
    agent_after: re.Pattern[str]
    recipient_before: re.Pattern[str]
    coordination: re.Pattern[str]
    change: re.Pattern[str]
    amount_separator: re.Pattern[str]
    agent_before: re.Pattern[str]
    modifier_before: re.Pattern[str]
    modifier_after: re.Pattern[str]
    subject_at_start: bool
    equity_before: re.Pattern[str] | None
    unknown_org: re.Pattern[str]
    revision: re.Pattern[str]
    equity_after: re.Pattern[str]
    clause_break: re.Pattern[str]
    totals: re.Pattern[str]
    payment: re.Pattern[str]
    aid_after: re.Pattern[str]
    source_before: re.Pattern[str]
    source_after: re.Pattern[str]
    examples: re.Pattern[str]
    name_list_after: re.Pattern[str]
    name_list_before: re.Pattern[str]
    fallback_window: int


@dataclass(frozen=True, slots=True)
class LanguageRules:
    """Everything language-specific the extractor needs, compiled."""

    language: str
    split: SplitRules
    grammar: Grammar
    numbers: dict[str, int]
    coreference: tuple[tuple[re.Pattern[str], str], ...]
    background: re.Pattern[str]
    month_cue: re.Pattern[str]
    year_cue: re.Pattern[str]
    negative_title: re.Pattern[str]
    negative_title_unless: re.Pattern[str]
    hard_negative_title: re.Pattern[str]
    negative_sentence: re.Pattern[str]
    multi_country: re.Pattern[str]
    horizons: tuple[HorizonRule, ...]
    facts: tuple[FactRule, ...]
    topics: dict[str, re.Pattern[str]]
    # Where the patterns run on every article can match, in one scan (see prefilter.py):
    # the fact triggers, then the coreference patterns, then the negative-sentence cues.
    article_filter: Prefilter
    topic_filter: Prefilter  # the topic patterns, in the order of ``topics``


def _compile(patterns: list[str], *, path: str, what: str) -> re.Pattern[str]:
    if not patterns:
        return _NEVER
    try:
        return re.compile(
            "|".join(f"(?:{p})" if not p.startswith("(?i)") else f"(?i:{p[4:]})" for p in patterns)
        )
    except re.error as exc:
        raise RulesError(f"bad pattern in {what}: {exc}", path=path) from exc


def _single(value: Any, *, path: str, what: str) -> re.Pattern[str]:
    if value in (None, ""):
        return _NEVER
    if not isinstance(value, str):
        raise RulesError(f"{what} must be a string", path=path)
    return _compile([value], path=path, what=what)


def _fact_rule(raw: dict[str, Any], *, path: str) -> FactRule:
    fact_type = raw.get("type")
    if fact_type not in FACT_TYPES:
        raise RulesError(f"unknown fact type {fact_type!r}", path=path)
    amount = raw.get("amount", "optional")
    country = raw.get("country", "none")
    if amount not in _AMOUNT_MODES or country not in _COUNTRY_MODES:
        raise RulesError(f"{fact_type}: amount/country mode not understood", path=path)
    topic_words = string_list(raw, "topic", path=path)
    stages = []
    for pair in raw.get("stages", []):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise RulesError(f"{fact_type}: stages are [pattern, stage] pairs", path=path)
        stages.append((_compile([str(pair[0])], path=path, what="stage"), str(pair[1])))
    return FactRule(
        type=fact_type,
        trigger=_compile(string_list(raw, "triggers", path=path), path=path, what=f"{fact_type} triggers"),
        blocker=_compile(string_list(raw, "blockers", path=path), path=path, what=f"{fact_type} blockers"),
        actor_kinds=frozenset(string_list(raw, "actor_kinds", path=path)),
        amount=str(amount),
        country=str(country),
        multi_amount=bool(raw.get("multi_amount", False)),
        distinct=bool(raw.get("distinct", False)),
        topic=_compile(topic_words, path=path, what="topic") if topic_words else None,
        stages=tuple(stages),
        prefer_role=raw.get("prefer_role"),
        avoid_role=raw.get("avoid_role"),
        past_subject=bool(raw.get("past_subject", False)),
        counterpart_role=raw.get("counterpart_role"),
        all_actors=bool(raw.get("all_actors", False)),
        amount_from_next=bool(raw.get("amount_from_next", False)),
        merge_into_amount=bool(raw.get("merge_into_amount", True)),
        per_place=bool(raw.get("per_place", False)),
        allow_recipient=bool(raw.get("allow_recipient", False)),
        not_into_company=bool(raw.get("not_into_company", False)),
        not_aid=bool(raw.get("not_aid", False)),
        subject_first=bool(raw.get("subject_first", False)),
        blockers_in_sentence=bool(raw.get("blockers_in_sentence", False)),
        strict_avoid=bool(raw.get("strict_avoid", False)),
        no_actor_ok=bool(raw.get("no_actor_ok", False)),
        listable=bool(raw.get("listable", False)),
        prefer_kind=raw.get("prefer_kind"),
        confidence=float(raw.get("confidence", 0.6)),
    )


@cache
def language_rules(language: str) -> LanguageRules:
    """The compiled rules for ``en``, ``ja`` or ``ko``."""
    if language not in LANGUAGES:
        raise RulesError(f"no rules for language {language!r}", path=f"rules/{language}.toml")
    path = f"rules/{language}.toml"
    table = load_table(path)
    sentences = table.get("sentences", {})
    grammar = table.get("grammar", {})
    background = table.get("background", {})
    negatives = table.get("negatives", {})
    horizons = []
    for raw in table.get("horizon", []):
        kind = raw.get("kind")
        if kind not in _HORIZON_KINDS:
            raise RulesError(f"horizon kind {kind!r} not understood", path=path)
        horizons.append(HorizonRule(_single(raw.get("pattern"), path=path, what="horizon"), str(kind)))
    coreference = []
    for kind, patterns in table.get("coreference", {}).items():
        for pattern in patterns:
            coreference.append((_compile([pattern], path=path, what="coreference"), str(kind)))
    topics = load_table("topics.toml").get(language, {})
    facts = tuple(_fact_rule(raw, path=path) for raw in table.get("fact", []))
    negative_sentence = _compile(
        string_list(negatives, "sentence", path=path), path=path, what="negative sentence"
    )
    compiled_topics = {
        tag: _compile(list(words), path="topics.toml", what=tag) for tag, words in topics.items()
    }
    return LanguageRules(
        language=language,
        split=SplitRules(
            abbreviations=frozenset(string_list(sentences, "abbreviations", path=path)),
            closing_abbreviations=frozenset(string_list(sentences, "closing_abbreviations", path=path)),
            sentence_starters=frozenset(string_list(sentences, "sentence_starters", path=path)),
        ),
        grammar=Grammar(
            subject_after=_single(grammar.get("subject_after"), path=path, what="subject_after"),
            recipient_after=_single(grammar.get("recipient_after"), path=path, what="recipient_after"),
            agent_after=_single(grammar.get("agent_after"), path=path, what="agent_after"),
            recipient_before=_single(grammar.get("recipient_before"), path=path, what="recipient_before"),
            coordination=_single(grammar.get("coordination"), path=path, what="coordination"),
            change=_single(grammar.get("change"), path=path, what="change"),
            amount_separator=_single(grammar.get("amount_separator"), path=path, what="amount_separator"),
            agent_before=_single(grammar.get("agent_before"), path=path, what="agent_before"),
            modifier_before=_single(grammar.get("modifier_before"), path=path, what="modifier_before"),
            modifier_after=_single(grammar.get("modifier_after"), path=path, what="modifier_after"),
            subject_at_start=bool(grammar.get("subject_at_start", False)),
            equity_before=(
                _single(grammar["equity_before"], path=path, what="equity_before")
                if grammar.get("equity_before")
                else None
            ),
            equity_after=_single(grammar.get("equity_after"), path=path, what="equity_after"),
            unknown_org=_single(grammar.get("unknown_org"), path=path, what="unknown_org"),
            revision=_single(grammar.get("revision"), path=path, what="revision"),
            clause_break=_single(grammar.get("clause_break"), path=path, what="clause_break"),
            totals=_single(grammar.get("totals"), path=path, what="totals"),
            payment=_single(grammar.get("payment"), path=path, what="payment"),
            aid_after=_single(grammar.get("aid_after"), path=path, what="aid_after"),
            source_before=_single(grammar.get("source_before"), path=path, what="source_before"),
            source_after=_single(grammar.get("source_after"), path=path, what="source_after"),
            examples=_single(grammar.get("examples"), path=path, what="examples"),
            name_list_after=_single(grammar.get("name_list_after"), path=path, what="name_list_after"),
            name_list_before=_single(grammar.get("name_list_before"), path=path, what="name_list_before"),
            fallback_window=int(grammar.get("fallback_window", 0)),
        ),
        numbers={str(k): int(v) for k, v in table.get("numbers", {}).items()},
        coreference=tuple(coreference),
        background=_compile(string_list(background, "cues", path=path), path=path, what="background"),
        month_cue=_single(background.get("month_cue"), path=path, what="month_cue"),
        year_cue=_single(background.get("year_cue"), path=path, what="year_cue"),
        negative_title=_compile(string_list(negatives, "title", path=path), path=path, what="negative title"),
        negative_title_unless=_compile(
            string_list(negatives, "title_unless", path=path), path=path, what="title_unless"
        ),
        hard_negative_title=_compile(
            string_list(negatives, "hard_title", path=path), path=path, what="hard_title"
        ),
        negative_sentence=negative_sentence,
        multi_country=_compile(
            string_list(table.get("scope", {}), "multi_country", path=path), path=path, what="scope"
        ),
        horizons=tuple(horizons),
        facts=facts,
        topics=compiled_topics,
        article_filter=Prefilter(
            [rule.trigger for rule in facts] + [pattern for pattern, _ in coreference] + [negative_sentence]
        ),
        topic_filter=Prefilter(list(compiled_topics.values())),
    )
