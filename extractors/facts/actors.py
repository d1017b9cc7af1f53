"""Who acts in a sentence: entity mentions, coreference and the subject/recipient roles.

A fact's actor is chosen among the names in its clause whose kind fits the
fact type (a regulator for enforcement, a company for an investment). The
language rules say what marks a subject (は, 은/는, "will invest"), a passive
agent ("by the DPC", 로부터), a recipient (に対し, 에게, "to") or a mere
modifier ("the publisher of Politico", "WSJ의 모회사"). Subjects win;
recipients and modifiers are skipped (the company fined is not the one fining);
coordinated names ("総務省と経済産業省", "CNN, the Guardian and Bloomberg") each
get a fact. When the clause names no fitting actor, words like 同社 / "the
company" / 회사는 point back to an earlier actor, and a clause with no subject
of its own borrows the actor of the article's previous fact of the same type
(sub-components of a programme) or the most recent fitting subject. A clause
whose subject, before the trigger, is of the wrong kind yields no fact rather
than borrowing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.facts.entities import Entity, Mention
from extractors.facts.places import find_places
from extractors.facts.prefilter import Spots, finditer
from extractors.facts.rules import FactRule, LanguageRules

ROLE_SUBJECT = "subject"
ROLE_RECIPIENT = "recipient"
ROLE_AGENT = "agent"
ROLE_MODIFIER = "modifier"
ROLE_OTHER = "other"
ANY_KIND = {"company", "government", "ministry", "regulator", "legislature"}
_DATELINE = re.compile(r"^[A-Z][A-Za-z .,'-]{1,40}\s[—–-]\s")


@dataclass(frozen=True, slots=True)
class Actor:
    """A body that can act in a fact: a table entity or an organisation named only in the text."""

    name: str
    kind: str
    country: str | None
    jurisdiction: str | None
    roles: frozenset[str]

    @classmethod
    def of(cls, entity: Entity) -> Actor:
        return cls(entity.name, entity.kind, entity.country, entity.jurisdiction, entity.roles)


@dataclass(frozen=True, slots=True)
class ActorMention:
    """An actor (or a coreference word standing for one) at ``start:end``, with its role."""

    start: int
    end: int
    actor: Actor | None
    kind: str
    role: str
    coreference: bool
    sentence: int = -1
    unknown: bool = False
    by_place: bool = False  # a country's name standing for its government ("Germany will provide")


NO_ACTOR = Actor("", "none", None, None, frozenset())  # a fact whose text names no actor (FACTS.md)


@dataclass(frozen=True, slots=True)
class Choice:
    """Actors chosen for one fact and whether they came from context rather than the sentence."""

    actors: tuple[Actor, ...]
    from_context: bool


def sentence_mentions(
    text: str,
    start: int,
    end: int,
    entities: list[Mention],
    earlier: list[ActorMention],
    rules: LanguageRules,
    sentence: int,
    home: dict[str, Actor] | None = None,
    coreference_spots: Spots | None = None,
    ahead: list[Mention] | None = None,
) -> list[ActorMention]:
    """Entity and coreference mentions in ``text[start:end]``, with roles, in order.

    ``earlier`` holds the article's mentions before this sentence; coreference
    words resolve against it. "The government" ("Parliament") with no government
    (legislature) named yet is the one of the country the article is about: ``home``, by kind.
    ``coreference_spots`` (per coreference pattern, from ``rules.article_filter``)
    says where each pattern may match; None tries them everywhere. A lead that
    describes a body before naming it ("The state antitrust regulator slapped a
    fine ...", then "The Fair Trade Commission said") resolves forward to the
    first body of that kind in ``ahead`` (the next sentences' names).
    """
    found: list[ActorMention] = []
    previous: Mention | None = None
    for mention in entities:
        if (
            previous is not None
            and previous.entity == mention.entity
            and _restates(text, previous.end, mention.start)
        ):
            continue  # "아마존웹서비스(AWS)": one mention, not two
        previous = mention
        role = role_of(
            text, start, mention.start, mention.end, end, rules, company=mention.entity.kind == "company"
        )
        if mention.by_place == "adjective" and role == ROLE_RECIPIENT:
            role = ROLE_OTHER  # "in German subsidies": the adjective names whose money it is
        actor = Actor.of(mention.entity)
        found.append(
            ActorMention(
                mention.start,
                mention.end,
                actor,
                actor.kind,
                role,
                False,
                sentence,
                by_place=bool(mention.by_place),
            )
        )
    present = None if coreference_spots is None else coreference_spots.within(start, end)
    for index, (pattern, kind) in enumerate(rules.coreference):
        if present is not None and index not in present:
            continue
        starts = None if coreference_spots is None else coreference_spots.starts[index]
        for match in finditer(pattern, text, starts, start, end):
            if any(m.start <= match.start() < m.end or match.start() <= m.start < match.end() for m in found):
                continue
            if any(not m.coreference and text[m.end : match.start()] in (", ", "、", ",") for m in found):
                continue  # "G42, the Abu Dhabi AI firm": an apposition repeats its name
            role = role_of(text, start, match.start(), match.end(), end, rules)
            if match.group().endswith(("は", "が", "는", "가", "은", "이")):
                role = ROLE_SUBJECT
            elif text.startswith(("'s ", "’s "), match.end()):
                role = ROLE_MODIFIER  # "the company's plant": the company is not acting here
            kinds = ANY_KIND if kind == "any" else {kind}
            countries = {p.code for p in find_places(text, match.start(), match.end())}
            referent = _referent(earlier + found, kinds, match.start(), countries)
            if referent is None and home is not None and kind in home:
                referent = home[kind]
            if referent is None and kind in ("regulator", "ministry", "legislature") and ahead:
                referent = _named_ahead(ahead, kind, countries)
            resolved_kind = referent.kind if referent is not None and kind == "any" else kind
            found.append(
                ActorMention(match.start(), match.end(), referent, resolved_kind, role, True, sentence)
            )
    found.sort(key=lambda m: m.start)
    return found


def unknown_mentions(
    text: str, start: int, end: int, known: list[ActorMention], rules: LanguageRules, sentence: int
) -> list[ActorMention]:
    """Organisations missing from the entity table, found by their shape ("Tata Electronics",
    "GMOインターネットグループは"), as companies under their surface name.

    Only computed for clauses where a fact is triggered: the patterns are slow
    to run on every sentence and rarely needed.
    """
    found: list[ActorMention] = []
    for match in rules.grammar.unknown_org.finditer(text, start, end):
        spans = [match.span(group) for group, value in match.groupdict().items() if value is not None]
        name_start, name_end = spans[0] if spans else match.span()
        if any(m.start < name_end and name_start < m.end for m in known + found):
            continue
        role = role_of(text, start, name_start, name_end, end, rules)
        actor = Actor(text[name_start:name_end].strip(), "company", None, None, frozenset())
        found.append(
            ActorMention(name_start, name_end, actor, "company", role, False, sentence, unknown=True)
        )
    return found


def _restates(text: str, end: int, start: int) -> bool:
    gap = text[end:start]
    return gap in ("(", "（", " (") or (gap.startswith(("(", "（")) and len(gap) <= 3)


def role_of(
    text: str, floor: int, start: int, end: int, ceiling: int, rules: LanguageRules, *, company: bool = True
) -> str:
    """The grammatical role of the name at ``start:end`` in the clause ``floor:ceiling``.

    A company name used as a noun adjunct ("the Samsung award") is a modifier;
    a government's ("a Treasury Department tax credit") names its own programme.
    """
    grammar = rules.grammar
    after = text[end : min(ceiling, end + 120)]
    before = text[max(floor, start - 30) : start]
    if grammar.source_after.match(after) or grammar.source_before.search(before):
        return ROLE_MODIFIER  # "according to Reuters", "WSJ에 따르면": who reports the news never acts in it
    if (company and grammar.modifier_after.match(after)) or grammar.modifier_before.search(before):
        return ROLE_MODIFIER
    if grammar.agent_after.match(after) or grammar.agent_before.search(before):
        return ROLE_AGENT
    if grammar.subject_after.match(after):
        return ROLE_SUBJECT
    if grammar.subject_at_start and _at_clause_start(text, floor, start) and not after.startswith("'s"):
        return ROLE_SUBJECT
    if grammar.recipient_after.match(after) or grammar.recipient_before.search(before):
        return ROLE_RECIPIENT
    return ROLE_OTHER


def _at_clause_start(text: str, floor: int, start: int) -> bool:
    head = text[floor:start]
    dateline = _DATELINE.match(head)
    if dateline:
        head = head[dateline.end() :]
    return not head.strip() or head.strip() in {"The", "the"}


def _named_ahead(ahead: list[Mention], kind: str, countries: set[str]) -> Actor | None:
    named = [m.entity for m in ahead if m.entity.kind == kind and not m.by_place]
    if countries:
        named = [e for e in named if e.country in countries] or named
    return Actor.of(named[0]) if named else None


def _referent(
    mentions: list[ActorMention], kinds: set[str], before: int, countries: set[str]
) -> Actor | None:
    """The actor a coreference word stands for: the most recent fitting subject, else mention.

    A country in the phrase ("the Dutch watchdog") narrows the search to actors of that country.
    """
    earlier = [m for m in mentions if m.start < before and m.actor is not None and m.actor.kind in kinds]
    if countries:
        earlier = [m for m in earlier if m.actor is not None and m.actor.country in countries] or earlier
    if not earlier:
        return None
    latest_sentence = earlier[-1].sentence
    subjects = [m for m in earlier if m.role == ROLE_SUBJECT and m.sentence >= latest_sentence - 1]
    chosen = subjects[-1] if subjects else earlier[-1]
    return chosen.actor


def choose_actors(
    rule: FactRule,
    mentions: list[ActorMention],
    trigger_start: int,
    earlier: list[ActorMention],
    text: str,
    rules: LanguageRules,
    sentence: int,
    previous_actor: Actor | None,
) -> Choice | None:
    """The actor(s) of a fact of ``rule`` whose trigger starts at ``trigger_start``.

    ``previous_actor`` is the actor of the article's last fact of the same type.
    """
    # A name found only by its shape ("Tata Electronics") acts only as a subject or an agent.
    # A country's name stands for its government only in acts a government can do: elsewhere
    # ("Germany will receive Intel's plant") it is the place it always was.
    usable = [
        m
        for m in mentions
        if m.role != ROLE_MODIFIER
        and (not m.unknown or m.role in (ROLE_SUBJECT, ROLE_AGENT))
        and not (
            m.by_place
            and m.kind not in rule.actor_kinds
            and not (m.role == ROLE_SUBJECT and m.start < trigger_start)
        )
    ]
    if rule.counterpart_role and not any(
        m.actor is not None and rule.counterpart_role in m.actor.roles for m in (*mentions, *earlier)
    ):
        return None  # a licence needs a licensee: no AI developer named, no deal
    fitting = [m for m in usable if m.actor is not None and m.actor.kind in rule.actor_kinds]
    if rule.avoid_role:
        preferred = [m for m in fitting if m.actor is not None and rule.avoid_role not in m.actor.roles]
        fitting = preferred if (preferred or rule.counterpart_role or rule.strict_avoid) else fitting
    preferred_kind = (
        [m for m in fitting if m.kind == rule.prefer_kind and m.role != ROLE_MODIFIER]
        if rule.prefer_kind
        else []
    )
    if preferred_kind:
        # "과기정통부는 ... 국회 본회의에서 의결됐다고 밝혔다": the Assembly passed it, the ministry told it
        return Choice(
            tuple(dict.fromkeys(m.actor for m in preferred_kind[:1] if m.actor)), from_context=False
        )
    if rule.all_actors:
        subjects = [m for m in fitting if m.role == ROLE_SUBJECT]
        candidates = subjects or fitting
    else:
        candidates = [m for m in fitting if m.role != ROLE_RECIPIENT or rule.allow_recipient]
        leading_subject = any(m.role == ROLE_SUBJECT and m.start < trigger_start for m in usable)
        if leading_subject and not rule.past_subject:
            # whose money it is may be said by an adjective ("a Commission-approved Italian measure")
            candidates = [m for m in candidates if m.role in (ROLE_SUBJECT, ROLE_AGENT) or m.by_place]
    if rule.prefer_role:
        preferred = [m for m in candidates if m.actor is not None and rule.prefer_role in m.actor.roles]
        candidates = preferred or candidates
    if rule.subject_first:
        # "The government will invest ...": only a subject named before the verb acts; nothing is borrowed
        subjects = [m for m in candidates if m.role == ROLE_SUBJECT and m.start < trigger_start]
        return (
            Choice(tuple(dict.fromkeys(m.actor for m in subjects[:1] if m.actor)), False)
            if subjects
            else None
        )
    if candidates:
        primary = _primary(candidates, trigger_start)
        if rule.all_actors and primary.role != ROLE_SUBJECT:
            group = candidates
        elif primary.role == ROLE_AGENT:
            group = [
                m for m in candidates if m.role == ROLE_AGENT
            ]  # "approved by the Parliament and by the Council"
        else:
            group = _coordinated(primary, fitting, text, rules)
        actors = tuple(dict.fromkeys(m.actor for m in group if m.actor is not None))
        return Choice(actors, from_context=False)
    if rule.no_actor_ok:
        return Choice((NO_ACTOR,), from_context=False)  # "The AI Act entered into force": no body acts
    if not rule.past_subject:
        leading = [m for m in usable if m.role == ROLE_SUBJECT and m.start < trigger_start]
        if any(m.kind not in rule.actor_kinds or m.actor is None for m in leading):
            return None  # the clause is about someone else
    if previous_actor is not None and previous_actor.kind in rule.actor_kinds:
        return Choice((previous_actor,), from_context=True)
    window = rules.grammar.fallback_window
    recent = [m for m in earlier if m.sentence >= sentence - window] if window else earlier
    referent = _most_recent_fitting(recent, rule)
    return None if referent is None else Choice((referent,), from_context=True)


def _primary(candidates: list[ActorMention], trigger_start: int) -> ActorMention:
    """Named subjects first, then agents, then pronoun subjects ("It is the third fine the
    Dutch watchdog has issued"), then the nearest name before the trigger. Within a kind,
    the subject nearest before the trigger ("X announced that Y has awarded ...": Y)."""
    for role, coreference in (
        (ROLE_SUBJECT, False),
        (ROLE_AGENT, False),
        (ROLE_SUBJECT, True),
        (ROLE_AGENT, True),
    ):
        marked = [m for m in candidates if m.role == role and m.coreference == coreference]
        if marked:
            before = [m for m in marked if m.start < trigger_start]
            return before[-1] if before else marked[0]
    before = [m for m in candidates if m.start < trigger_start]
    if before:
        return before[-1]
    return candidates[0]


def _coordinated(
    primary: ActorMention, candidates: list[ActorMention], text: str, rules: LanguageRules
) -> list[ActorMention]:
    ordered = sorted(candidates, key=lambda m: m.start)
    index = ordered.index(primary)
    group = [primary]
    for step in (-1, 1):
        current = index
        while 0 <= current + step < len(ordered):
            left, right = sorted((ordered[current], ordered[current + step]), key=lambda m: m.start)
            gap = text[left.end : right.start]
            if text.startswith(("'s", "’s"), right.end) or gap.startswith(("'s", "’s")):
                break  # "Microsoft, OpenAI's biggest backer": an apposition, not a list
            gap = re.sub(r"^\s?[(（][^)）]{0,30}[)）]", "", gap)
            if not rules.grammar.coordination.match(gap):
                break
            current += step
            group.append(ordered[current])
    return sorted(group, key=lambda m: m.start)


def _most_recent_fitting(earlier: list[ActorMention], rule: FactRule) -> Actor | None:
    fitting = [
        m.actor
        for m in earlier
        if m.actor is not None and m.actor.kind in rule.actor_kinds and m.role == ROLE_SUBJECT
    ]
    if rule.avoid_role:
        avoided = [a for a in fitting if rule.avoid_role not in a.roles]
        fitting = avoided if (avoided or rule.counterpart_role or rule.strict_avoid) else fitting
    if rule.prefer_role:
        fitting = [a for a in fitting if rule.prefer_role in a.roles] or fitting
    return fitting[-1] if fitting else None
