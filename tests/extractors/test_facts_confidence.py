"""The confidence model: candidate features, the logistic model's arithmetic, the threshold search."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from bench.train_confidence import best_threshold
from extractors.facts import extract_facts, extraction
from extractors.facts.confidence import CandidateSituation, ConfidenceModel, features, load_model

SITUATION = CandidateSituation(
    fact_type="investment",
    language="en",
    rule_confidence=0.85,
    actor_from_context=False,
    actor_role="subject",
    actor_coreference=False,
    actor_in_table=True,
    actor_by_place=False,
    actor_in_headline=True,
    country_from_context=False,
    country_known=True,
    has_amount=True,
    amount_up_to=False,
    cue_background=False,
    sentence_index=0,
    actors_in_clause=1,
    amounts_in_clause=1,
    has_horizon=True,
    quoted=False,
)
TEXT = (
    "Microsoft will invest $2.9 billion over two years in Japan, the company said on Tuesday. "
    "Amazon's cloud unit is also investing $10 billion in Mississippi."
)


def test_features_describe_the_situation_not_the_words() -> None:
    values = features(SITUATION)
    assert values["type:investment"] == 1.0 and values["lang:en"] == 1.0
    assert values["actor_subject"] == 1.0 and values["actor_from_context"] == 0.0
    borrowed = features(replace(SITUATION, actor_from_context=True, actor_role=""))
    assert borrowed["actor_from_context"] == 1.0 and borrowed["actor_subject"] == 0.0
    assert borrowed["type:investment:from_context"] == 1.0


def test_model_is_a_logistic_function_of_the_weights() -> None:
    model = ConfidenceModel(weights={"actor_from_context": -2.0, "has_amount": 1.0}, bias=0.5, threshold=0.5,
                            version="t")  # fmt: skip
    assert model.probability({"has_amount": 1.0}) == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert model.probability({"has_amount": 1.0, "actor_from_context": 1.0}) < 0.5
    assert model.probability({"unknown_feature": 9.0}) == pytest.approx(1 / (1 + math.exp(-0.5)))


def test_every_candidate_carries_its_situation() -> None:
    found = extraction.candidates(TEXT, language="en", version="t")
    assert {item.fact.actor for item in found} == {"Microsoft", "Amazon Web Services"}
    assert all(item.situation is not None for item in found)
    by_actor = {item.fact.actor: item.situation for item in found}
    assert by_actor["Microsoft"] is not None and by_actor["Microsoft"].actor_role == "subject"


def test_a_model_drops_unlikely_candidates_and_gives_the_rest_its_probability(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A model that distrusts borrowed actors drops the figure whose actor came from context."""
    text = (
        "Microsoft will invest $2.9 billion over two years in Japan, the company said on Tuesday. "
        "The plan also commits $1.2 billion to data centres in Japan by 2026."
    )
    found = extraction.candidates(text, language="en", version="t")
    assert [(i.fact.amount, i.situation.actor_from_context) for i in found if i.situation] == [
        (2.9e9, False),
        (1.2e9, True),
    ]
    model = ConfidenceModel(weights={"actor_from_context": -4.0}, bias=2.0, threshold=0.5, version="t")
    monkeypatch.setattr(extraction, "load_model", lambda: model)
    facts = extract_facts(text, language="en")
    assert [(f.amount, f.confidence) for f in facts] == [
        (2.9e9, pytest.approx(1 / (1 + math.exp(-2.0)), abs=1e-3))
    ]
    monkeypatch.setattr(extraction, "load_model", lambda: None)
    assert [f.amount for f in extract_facts(text, language="en")] == [2.9e9, 1.2e9]


def test_shipped_model_calibrates_and_drops_nothing() -> None:
    """The shipped model turns each fact's confidence into its probability; dropping candidates did not
    pay out of fold (threshold 0), so it keeps every fact the rules find (README, "Confidence")."""
    model = load_model()
    assert model is not None and model.threshold == 0.0
    text = (
        "Microsoft will invest $2.9 billion over two years in Japan, the company said on Tuesday. "
        "The plan also commits $1.2 billion to data centres in Japan by 2026."
    )
    found = extraction.candidates(text, language="en", version="t")
    facts = extract_facts(text, language="en")
    assert [f.amount for f in facts] == [i.fact.amount for i in found]
    expected = [model.probability(features(i.situation)) for i in found if i.situation is not None]
    assert [f.confidence for f in facts] == [pytest.approx(p, abs=1e-3) for p in expected]
    assert facts[0].confidence > facts[1].confidence  # the borrowed actor is the less likely


def test_threshold_search_weighs_misses_the_rules_never_proposed() -> None:
    probabilities = [0.9, 0.8, 0.4, 0.3, 0.2]
    right = [True, True, False, True, False]
    threshold, f1 = best_threshold(probabilities, right, labelled=4)
    # keeping the top two: P 1.0, R 0.5 -> F1 0.667; keeping four: P 0.75, R 0.75 -> F1 0.75
    assert threshold == pytest.approx(0.3) and f1 == pytest.approx(0.75)
