"""Sentence splitting keeps offsets and knows abbreviations, 。 and Korean 다. endings."""

from __future__ import annotations

from extractors.facts.rules import language_rules
from extractors.facts.sentences import split_sentences


def _split(text: str, language: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text, language_rules(language).split)]


def test_english_abbreviations_do_not_end_sentences() -> None:
    text = "Microsoft Corp. will invest in the U.S. and Japan. Amazon.com Inc. said on Jan. 5 it agreed."
    assert _split(text, "en") == [
        "Microsoft Corp. will invest in the U.S. and Japan.",
        "Amazon.com Inc. said on Jan. 5 it agreed.",
    ]


def test_abbreviation_at_the_end_of_a_sentence() -> None:
    text = "Kishida visited the U.S. The company said it would invest."
    assert _split(text, "en") == ["Kishida visited the U.S.", "The company said it would invest."]


def test_quotes_stay_with_their_sentence() -> None:
    text = 'He said "the deal is done." Then he left.'
    assert _split(text, "en") == ['He said "the deal is done."', "Then he left."]


def test_japanese_sentences_end_at_maru() -> None:
    text = "米マイクロソフトは10日、投資を発表した。同社の対日投資としては過去最大だ。"
    assert _split(text, "ja") == [
        "米マイクロソフトは10日、投資を発表した。",
        "同社の対日投資としては過去最大だ。",
    ]


def test_korean_sentences_end_at_da() -> None:
    text = "AWS가 투자한다고 11일 밝혔다. 데이터센터를 짓는다."
    assert _split(text, "ko") == ["AWS가 투자한다고 11일 밝혔다.", "데이터센터를 짓는다."]


def test_paragraphs_are_counted_and_offsets_are_exact() -> None:
    text = "First para one. First para two.\n\nSecond para."
    sentences = split_sentences(text, language_rules("en").split)
    assert [s.paragraph for s in sentences] == [0, 0, 1]
    assert all(text[s.start : s.end].strip() == text[s.start : s.end] for s in sentences)
