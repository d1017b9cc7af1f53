"""The learned sentence detector: it proposes only where no rule fired; the rules still fill the fields."""

from __future__ import annotations

from collections import Counter

from extractors.facts import EXTRACTOR_VERSION
from extractors.facts.detector import Detector, TypeDetector, load_detector, sentence_tokens
from extractors.facts.extraction import candidates

# A sentence no facility trigger matches: "is home to a new ... hub" names no verb the rules know.
TEXT = (
    "Microsoft said on Monday that Osaka is now home to its newest artificial intelligence hub. "
    "The company did not say how many people would work there."
)


def _facility_detector(threshold: float) -> Detector:
    hub = TypeDetector(weights={"hub": 4.0, "home to": 2.0}, bias=-3.0, threshold=threshold)
    return Detector(types={"facility": hub}, version="test")


def _facts(detector: Detector | None) -> set[tuple[str, str | None, str | None]]:
    found = candidates(TEXT, language="en", version=EXTRACTOR_VERSION, detector=detector)
    return {(item.fact.type, item.fact.actor, item.fact.target_country) for item in found}


def test_where_no_rule_fires_the_detector_points_and_the_rules_fill_the_fields() -> None:
    assert _facts(None) == set()
    assert _facts(_facility_detector(0.5)) == {("facility", "Microsoft", "JP")}
    found = candidates(TEXT, language="en", version=EXTRACTOR_VERSION, detector=_facility_detector(0.5))
    assert all(item.situation.detected for item in found)  # the confidence model can tell them apart


def test_an_unsure_detector_proposes_nothing() -> None:
    assert _facts(_facility_detector(0.99)) == set()


def test_a_sentence_a_rule_already_read_is_left_to_the_rules() -> None:
    text = "Microsoft will invest $2.9 billion in a new AI hub in Osaka, the company said."
    with_rules = candidates(text, language="en", version=EXTRACTOR_VERSION, detector=None)
    with_detector = candidates(
        text, language="en", version=EXTRACTOR_VERSION, detector=_facility_detector(0.1)
    )
    assert [i.fact.type for i in with_rules] == ["investment"]
    assert [i.fact for i in with_detector] == [
        i.fact for i in with_rules
    ]  # no facility: the sentence was read
    assert not any(item.situation.detected for item in with_detector)


def test_the_detector_reads_words_in_english_and_character_pairs_in_japanese_and_korean() -> None:
    english = sentence_tokens("Microsoft opens an AI hub in Osaka", "en")
    assert english["hub"] == 1 and english["ai hub"] == 1 and english["LANG=en"] == 1
    japanese = sentence_tokens("マイクロソフトが大阪に拠点を開設", "ja")
    assert japanese["拠点"] == 1 and japanese["開設"] == 1
    assert sentence_tokens("2025년 서울", "ko") == Counter({"서울": 1, "LANG=ko": 1})


def test_the_shipped_detector_loads_and_is_unsure_of_an_empty_sentence() -> None:
    shipped = load_detector()
    assert shipped is not None and shipped.types
    for model in shipped.types.values():
        assert 0.0 < model.threshold < 1.0
        assert not model.fires(Counter())
