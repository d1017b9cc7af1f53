"""How likely a candidate fact is to be right: features of the candidate and a small learned model.

The rules propose candidates; this module describes each one by what the
rules knew when they proposed it (which rule fired, whether the actor was
named in the clause or borrowed from context, its grammatical role, whether
the country came from the sentence or the article, background cues, where in
the article it sits) and turns that into a probability with a logistic model
trained on the tuning part of the real-news set (``bench/train_confidence.py``).
The model is a JSON file of weights in ``data/``: no library and no download
at run time. Candidates below the model's threshold are dropped; the rest
carry the probability as ``Fact.confidence``. Without a model file the rules'
own confidence stands and nothing is dropped.

Features are deliberately about the candidate's situation, not its words, so
that what is learnt carries over to wordings the rules have never seen.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from extractors.facts.errors import RulesError

MODEL_FILE = "confidence.json"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CandidateSituation:
    """What the rules knew about one candidate when they proposed it."""

    fact_type: str
    language: str
    rule_confidence: float
    actor_from_context: bool
    actor_role: str  # subject, agent, other, recipient... of the actor's mention in the clause; "" if none
    actor_coreference: bool
    actor_in_table: bool
    actor_by_place: bool
    actor_in_headline: bool
    country_from_context: bool
    country_known: bool
    has_amount: bool
    amount_up_to: bool
    cue_background: bool
    sentence_index: int
    actors_in_clause: int
    amounts_in_clause: int
    has_horizon: bool
    quoted: bool
    detected: bool = False  # proposed where the detector, not a trigger, pointed


def features(situation: CandidateSituation) -> dict[str, float]:
    """The model's inputs for one candidate: named indicators and a few scaled numbers."""
    s = situation
    values = {
        f"type:{s.fact_type}": 1.0,
        f"lang:{s.language}": 1.0,
        "rule_confidence": s.rule_confidence,
        "actor_from_context": float(s.actor_from_context),
        "actor_subject": float(s.actor_role == "subject"),
        "actor_agent": float(s.actor_role == "agent"),
        "actor_other_role": float(s.actor_role not in ("subject", "agent", "")),
        "actor_coreference": float(s.actor_coreference),
        "actor_unknown": float(not s.actor_in_table),
        "actor_by_place": float(s.actor_by_place),
        "actor_in_headline": float(s.actor_in_headline),
        "country_from_context": float(s.country_from_context),
        "country_missing": float(not s.country_known and s.fact_type in ("investment", "facility")),
        "has_amount": float(s.has_amount),
        "amount_up_to": float(s.amount_up_to),
        "cue_background": float(s.cue_background),
        "lead_sentence": float(s.sentence_index == 0),
        "early_sentence": float(0 < s.sentence_index <= 2),
        "late_sentence": float(s.sentence_index > 6),
        "several_actors": float(s.actors_in_clause > 1),
        "several_amounts": float(s.amounts_in_clause > 1),
        "has_horizon": float(s.has_horizon),
        "quoted": float(s.quoted),
        "detected": float(s.detected),
    }
    values[f"type:{s.fact_type}:from_context"] = float(s.actor_from_context)
    values[f"type:{s.fact_type}:background"] = float(s.cue_background)
    return values


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """A logistic model: ``p = 1 / (1 + exp(-(bias + sum(weight * value))))``, and a threshold."""

    weights: Mapping[str, float]
    bias: float
    threshold: float

    def probability(self, values: Mapping[str, float]) -> float:
        return logistic(self.bias, self.weights, values)


@dataclass(frozen=True, slots=True)
class ConfidenceModel(LogisticModel):
    """The confidence model: candidates below its threshold are dropped."""

    version: str


def logistic(bias: float, weights: Mapping[str, float], values: Mapping[str, float]) -> float:
    """``1 / (1 + exp(-(bias + sum(weight * value))))``, names without a weight counting 0."""
    z = bias + sum(weights.get(name, 0.0) * value for name, value in values.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def read_model_file(name: str, build: Callable[[Any], T], what: str) -> T | None:
    """``build`` over the JSON file ``name`` of the data folder; None where there is none."""
    path = resources.files("extractors").joinpath("data", name)
    if not path.is_file():
        return None
    try:
        return build(json.loads(path.read_text("utf-8")))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RulesError(f"not {what}: {exc}", path=name) from exc


def _model_from(raw: Any) -> ConfidenceModel:
    return ConfidenceModel(
        weights={str(k): float(v) for k, v in raw["weights"].items()},
        bias=float(raw["bias"]),
        threshold=float(raw["threshold"]),
        version=str(raw["version"]),
    )


@cache
def load_model() -> ConfidenceModel | None:
    """The shipped model, or None where the data folder has none."""
    return read_model_file(MODEL_FILE, _model_from, "a confidence model")
