"""The literal-key shortcut (extractors/facts/prefilter.py) finds exactly what the patterns find.

Patterns are tried only where one of their keys occurs in a lower-cased copy
of the text; these tests hold that shortcut to the plain ``re`` results on
the dev set (as written, and with letters recased and swapped for the
non-ASCII letters that ``(?i)`` matches to ASCII ones), and check that the
facts and topics do not change when the shortcut is switched off.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest

from bench.evaluate_facts import LabelledArticle
from extractors.facts import extract_facts, tag_topics
from extractors.facts.prefilter import Prefilter, finditer, lowered, pattern_keys, search, search_slice
from extractors.facts.rules import LANGUAGES, LanguageRules, language_rules
from extractors.facts.textforms import fold_width


def _every_pattern(rules: LanguageRules) -> list[re.Pattern[str]]:
    grammar = rules.grammar
    patterns = [rule.trigger for rule in rules.facts] + [rule.blocker for rule in rules.facts]
    patterns += [rule.topic for rule in rules.facts if rule.topic is not None]
    patterns += list(rules.topics.values()) + [pattern for pattern, _ in rules.coreference]
    patterns += [rules.negative_sentence, rules.background, rules.multi_country, rules.negative_title]
    patterns += [grammar.payment, grammar.revision, grammar.totals, grammar.clause_break, grammar.unknown_org]
    patterns += [horizon.pattern for horizon in rules.horizons]
    return patterns


def _texts(devset: list[LabelledArticle], language: str) -> Iterator[str]:
    rng = random.Random(7)
    swaps = ["İ", "ı", "ſ", "K", "É", "ß", "Σ"]
    for article in devset:
        if article.language != language:
            continue
        text = fold_width(article.text)
        yield text
        chars = list(text)
        for _ in range(len(chars) // 15):
            at = rng.randrange(len(chars))
            chars[at] = rng.choice([chars[at].upper(), chars[at].lower(), rng.choice(swaps)])
        yield "".join(chars)


def _spans(matches: Iterator[re.Match[str]]) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(match.span(), match.groups()) for match in matches]


@pytest.mark.parametrize("language", LANGUAGES)
def test_shortcut_finds_what_the_pattern_finds(devset: list[LabelledArticle], language: str) -> None:
    prefilter = Prefilter(_every_pattern(language_rules(language)))
    for text in _texts(devset, language):
        candidates = prefilter.candidates(lowered(text))
        for pattern, starts in zip(prefilter.patterns, candidates, strict=True):
            assert _spans(finditer(pattern, text, starts)) == _spans(pattern.finditer(text)), pattern.pattern
            for start in range(0, len(text), 211):
                end = min(len(text), start + 180)
                assert _spans(finditer(pattern, text, starts, start, end)) == _spans(
                    pattern.finditer(text, start, end)
                )
                expected = pattern.search(text, start, end)
                found = search(pattern, text, starts, start, end)
                assert (found and found.span()) == (expected and expected.span())
                piece = text[start:end]
                expected = pattern.search(piece)
                found = search_slice(pattern, piece, starts, start)
                assert (found and found.span()) == (expected and expected.span())


def test_keys_come_from_the_pattern() -> None:
    assert pattern_keys(re.compile(r"(?i:\binvest(?:s|ed|ing)?\b)|\bspend")) == {"invest", "spend"}
    assert pattern_keys(re.compile(r"\b[Tt]he (?:firm|company)\b")) == {"the firm", "the comp"}
    assert pattern_keys(re.compile(r"(?<=said )it\b(?= will)")) == {"it"}
    assert pattern_keys(re.compile(r"データセンター|데이터센터")) == {"データセンター", "데이터센터"}
    assert pattern_keys(re.compile(r"\bfoo|[A-Z]\w+")) is None  # one alternative starts with no literal
    assert pattern_keys(re.compile(r"(?i)évaluer")) is None  # a cased non-ASCII letter ends a key
    assert pattern_keys(re.compile(r"(?:ab)?cd")) == {"abcd", "cd"}


def test_lowered_keeps_offsets() -> None:
    text = "İstanbul ſtrasse KELVIN ΣΑΣ"
    low = lowered(text)
    assert low is not None and len(low) == len(text)
    assert low.startswith("istanbul strasse kelvin")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_always_run_pattern_has_keys(language: str) -> None:
    """Triggers, coreference words, negative cues and topics start with literal words, so the
    shortcut applies; a pattern starting with a class (``[A-Z]\\w+``) would be run on every character."""
    rules = language_rules(language)
    for filter_ in (rules.article_filter, rules.topic_filter):
        for pattern, keys in zip(filter_.patterns, filter_.keys, strict=True):
            assert keys, f"{language}: no literal start in {pattern.pattern[:120]!r}"


def test_facts_and_topics_unchanged_without_the_shortcut(
    devset: list[LabelledArticle], monkeypatch: pytest.MonkeyPatch
) -> None:
    def run() -> list[object]:
        results: list[object] = []
        for article in devset:
            facts = extract_facts(
                article.text, language=article.language, published=article.published, title=article.title
            )
            results.append((facts, tag_topics(article.text, language=article.language, title=article.title)))
        return results

    with_shortcut = run()
    monkeypatch.setattr(Prefilter, "candidates", lambda self, low: [None] * len(self.patterns))
    assert run() == with_shortcut
