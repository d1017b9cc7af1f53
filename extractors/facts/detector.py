"""Where no rule fires: a learned detector of sentences that report a fact of a given type.

Most facts the rules miss on real news are missed because no trigger of their
type matches, not because a field comes out wrong (README, "Facts on real
news"). For each type the rules found nothing of in an article, this model
reads each sentence that names a body of a kind that may act for that type,
and says how likely the sentence reports such a fact. Where it is sure enough,
the rules of that type run on the sentence as if a trigger had matched: their
blockers, negative cues, actor, country and amount choice all still apply.

The model is one logistic regression per type over the sentence's words
(English: lower-case words and word pairs; Japanese and Korean: character
pairs), trained on the real-news tuning part by ``bench/train_detector.py``
and shipped as a JSON file of weights: a dictionary look-up per word at run
time, no library, no download.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from extractors.facts.confidence import LogisticModel, read_model_file

MODEL_FILE = "detector.json"
_WORD = re.compile(r"[a-z][a-z'-]+")
_NOT_CJK_PAIR = re.compile(r"[\s0-9０-９,.]+")


def sentence_tokens(text: str, language: str) -> Counter[str]:
    """What the detector reads of a sentence (width-folded text): word counts, or character pairs."""
    if language == "en":
        words = _WORD.findall(text.lower())
        found = Counter(words)
        found.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    else:
        squeezed = _NOT_CJK_PAIR.sub(" ", text)
        found = Counter(
            squeezed[i : i + 2] for i in range(len(squeezed) - 1) if " " not in squeezed[i : i + 2]
        )
    found[f"LANG={language}"] += 1
    return found


@dataclass(frozen=True, slots=True)
class TypeDetector(LogisticModel):
    """A logistic model for one fact type; its threshold is the probability from which it proposes."""

    def fires(self, tokens: Mapping[str, int]) -> bool:
        return self.probability(tokens) >= self.threshold


@dataclass(frozen=True, slots=True)
class Detector:
    """One :class:`TypeDetector` per fact type it was trained for."""

    types: Mapping[str, TypeDetector]
    version: str


def detector_from(raw: Mapping[str, object]) -> Detector:
    """A detector from its JSON document (as ``bench/train_detector.py`` writes it)."""
    types = raw["types"]
    if not isinstance(types, Mapping):
        raise TypeError("types must be a table")
    return Detector(
        types={
            str(name): TypeDetector(
                weights={str(k): float(v) for k, v in model["weights"].items()},
                bias=float(model["bias"]),
                threshold=float(model["threshold"]),
            )
            for name, model in types.items()
        },
        version=str(raw["version"]),
    )


@cache
def load_detector() -> Detector | None:
    """The shipped detector, or None where the data folder has none (then only rules propose)."""
    return read_model_file(MODEL_FILE, detector_from, "a detector model")
