"""Records the extractors produce: frozen dataclasses, safe to pickle between tasks.

`Article` is what a fetched page becomes; `Fact` follows the field rules of the
fact model (FACTS.md in the project's shared notes): one typed statement with
its actor, place, money and verbatim evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

FactType = Literal[
    "investment",
    "facility",
    "gov_program",
    "enforcement",
    "regulation",
    "ownership_action",
    "data_access_restriction",
    "data_licensing",
]

FACT_TYPES: tuple[FactType, ...] = (
    "investment",
    "facility",
    "gov_program",
    "enforcement",
    "regulation",
    "ownership_action",
    "data_access_restriction",
    "data_licensing",
)


@dataclass(frozen=True, slots=True)
class Article:
    """A news article taken out of one HTML page."""

    url: str
    canonical_url: str
    title: str
    text: str
    published: date | None
    language: str | None
    authors: tuple[str, ...] = ()
    description: str | None = None
    site_name: str | None = None
    date_source: str | None = None
    encoding: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Amount:
    """A money figure as printed, as a full number in its first-stated currency."""

    value: float
    currency: str
    start: int
    end: int
    up_to: bool = False


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact of the fact model, with the evidence it rests on."""

    type: FactType
    actor: str | None
    evidence: str
    evidence_start: int
    evidence_end: int
    target_country: str | None = None
    jurisdiction: str | None = None
    amount: float | None = None
    currency: str | None = None
    amount_usd: float | None = None
    fx_rate_date: date | None = None
    horizon: str | None = None
    period_end: date | None = None
    stage: str | None = None
    revises: bool = False  # the sentence revises an earlier figure or stage ("raises", "上方修正", "증액")
    background: bool = False
    confidence: float = 0.5
    extractor_version: str = ""
