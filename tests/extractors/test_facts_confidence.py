"""The confidence model: candidate features, the logistic model's arithmetic, the threshold search."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from importlib import resources

import pytest

from bench.train_confidence import best_threshold
from extractors.facts import EXTRACTOR_VERSION, extract_facts, extraction
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


def test_shipped_model_gives_probabilities_and_keeps_what_it_should() -> None:
    model = load_model()
    if model is None:
        pytest.skip("no confidence model shipped in extractors/data")
    facts = extract_facts(TEXT, language="en")
    assert facts
    for fact in facts:
        assert model.threshold <= fact.confidence <= 1.0
    document = json.loads(
        resources.files("extractors").joinpath("data", "confidence.json").read_text("utf-8")
    )
    assert document["threshold"] == model.threshold and document["extractor_version"] == EXTRACTOR_VERSION


def test_threshold_search_weighs_misses_the_rules_never_proposed() -> None:
    probabilities = [0.9, 0.8, 0.4, 0.3, 0.2]
    right = [True, True, False, True, False]
    threshold, f1 = best_threshold(probabilities, right, labelled=4)
    # keeping the top two: P 1.0, R 0.5 -> F1 0.667; keeping four: P 0.75, R 0.75 -> F1 0.75
    assert threshold == pytest.approx(0.3) and f1 == pytest.approx(0.75)
