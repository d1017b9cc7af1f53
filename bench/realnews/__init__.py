"""The real-news evaluation set: labels kept here, article texts in a local cache.

``labels/<batch>.toml`` holds what is ours to keep of each article (query,
rank, URL, language, our labels); the texts are search-result excerpts cached
outside the repository (``LABELLING.md`` says how they are rebuilt). This
module loads both, compares two independent readings of a batch, splits the
set by real-world event into a tuning part and a frozen validation part, and
turns articles into ``bench.evaluate_facts.LabelledArticle`` so they are
scored by the same FACTS.md rule as the own-words dev set.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.evaluate_facts import LabelledArticle, LabelledFact, match_article
from extractors.models import FACT_TYPES as MODEL_FACT_TYPES

HERE = Path(__file__).resolve().parent
LABELS_DIR = HERE / "labels"
SECOND_DIR = HERE / "second"
FACT_TYPES = frozenset(MODEL_FACT_TYPES)
LANGUAGES = frozenset({"en", "ja", "ko"})
ARTICLE_KEYS = frozenset(
    {"id", "query", "rank", "url", "language", "published", "negative", "event", "reader", "checked", "facts"}
    | {"note"}
)
FACT_KEYS = frozenset(
    {
        "type",
        "actor",
        "target_country",
        "jurisdiction",
        "amount",
        "currency",
        "horizon",
        "background",
        "event",
    }
)
# About one event group in three is frozen for validation: a property of the
# group's key alone, so adding articles never moves an existing group.
VALIDATION_SHARE = 1 / 3


class LabelError(ValueError):
    """A labels file breaks the format of LABELLING.md."""


@dataclass(frozen=True)
class RealFact:
    """One labelled fact of a real article."""

    type: str
    actor: str | None
    target_country: str | None
    jurisdiction: str | None
    amount: float | None
    currency: str | None
    horizon: str | None
    background: bool
    event: str | None


@dataclass(frozen=True)
class RealArticle:
    """One real article's record: where its text comes from, and its labels."""

    id: str
    batch: str
    query: str
    rank: int
    url: str
    language: str
    published: date | None
    negative: bool
    event: str
    checked: bool
    facts: tuple[RealFact, ...]

    @property
    def host(self) -> str:
        host = urlsplit(self.url).hostname or ""
        return host.removeprefix("www.").removeprefix("m.")

    def event_keys(self) -> set[str]:
        """The main event and every non-background fact's event: what ties articles together."""
        keys = {self.event}
        keys.update(fact.event for fact in self.facts if fact.event and not fact.background)
        return keys


def cache_dir() -> Path:
    """Where the article texts live: ``$NEWSFACTS_REALNEWS_CACHE`` or ``~/.cache/newsfacts/realnews``."""
    configured = os.environ.get("NEWSFACTS_REALNEWS_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "newsfacts" / "realnews"


def load_batch(path: Path) -> list[RealArticle]:
    """The articles of one labels file, checked against the format."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise LabelError(f"{path}: not valid TOML ({exc})") from exc
    return [_article(item, path) for item in raw.get("articles", [])]


def load_labels(root: Path = LABELS_DIR) -> list[RealArticle]:
    """Every article of every batch under ``root``; ids and URLs must be unique."""
    articles: list[RealArticle] = []
    seen: dict[str, Path] = {}
    for path in sorted(root.glob("*.toml")):
        for article in load_batch(path):
            for key in (article.id, article.url):
                if key in seen:
                    raise LabelError(f"{path}: {key} is already in {seen[key]}")
                seen[key] = path
            articles.append(article)
    return articles


def _article(item: dict[str, Any], path: Path) -> RealArticle:
    where = f"{path.name}: article {item.get('id', '?')}"
    unknown = set(item) - ARTICLE_KEYS
    if unknown:
        raise LabelError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "query", "rank", "url", "language", "event"):
        if key not in item:
            raise LabelError(f"{where}: missing {key!r}")
    if item["language"] not in LANGUAGES:
        raise LabelError(f"{where}: language {item['language']!r} is not one of {sorted(LANGUAGES)}")
    facts = tuple(_fact(fact, where) for fact in item.get("facts", []))
    negative = bool(item.get("negative", False))
    if negative and facts:
        raise LabelError(f"{where}: a negative has no facts")
    if not negative and not facts:
        raise LabelError(f"{where}: an article with no facts is a negative (negative = true)")
    published = item.get("published")
    return RealArticle(
        id=str(item["id"]),
        batch=path.stem,
        query=str(item["query"]),
        rank=int(item["rank"]),
        url=str(item["url"]),
        language=str(item["language"]),
        published=published if isinstance(published, date) else None,
        negative=negative,
        event=str(item["event"]),
        checked=bool(item.get("checked", False)),
        facts=facts,
    )


def _fact(item: dict[str, Any], where: str) -> RealFact:
    unknown = set(item) - FACT_KEYS
    if unknown:
        raise LabelError(f"{where}: fact has unknown keys {sorted(unknown)}")
    if item.get("type") not in FACT_TYPES:
        raise LabelError(f"{where}: fact type {item.get('type')!r} is not one of the eight")
    amount = item.get("amount")
    currency = item.get("currency")
    if (amount is None) != (currency is None):
        raise LabelError(f"{where}: amount and currency go together")
    for key in ("target_country", "jurisdiction"):
        value = item.get(key)
        if value is not None and not (len(value) == 2 and value.isupper()):
            raise LabelError(f"{where}: {key} {value!r} is not an ISO alpha-2 code (or EU)")
    if currency is not None and not (len(currency) == 3 and currency.isupper()):
        raise LabelError(f"{where}: currency {currency!r} is not an ISO 4217 code")
    return RealFact(
        type=str(item["type"]),
        actor=item.get("actor"),
        target_country=item.get("target_country"),
        jurisdiction=item.get("jurisdiction"),
        amount=float(amount) if amount is not None else None,
        currency=currency,
        horizon=item.get("horizon"),
        background=bool(item.get("background", False)),
        event=item.get("event"),
    )


def cached_text(article: RealArticle, cache: Path | None = None) -> str | None:
    """The article's cached excerpt, or None where the cache lacks it."""
    path = (cache or cache_dir()) / f"{article.id}.txt"
    return article_text(path.read_text(encoding="utf-8")) if path.is_file() else None


_CORPUS_DATE = re.compile(r"\A\s*date \d{4}-\d{2}-\d{2}\s+")


def article_text(excerpt: str) -> str:
    """The article as the pipeline would read it: some excerpts open with the corpus's own
    ``date YYYY-MM-DD`` field, which is not the page's text and would hide the first sentence's
    subject from the extractor."""
    return _CORPUS_DATE.sub("", excerpt, count=1)


def as_labelled(article: RealArticle, text: str) -> LabelledArticle:
    """The article in the dev set's shape, so ``bench.evaluate_facts.score`` scores it."""
    return LabelledArticle(
        id=article.id,
        language=article.language,
        title=None,
        published=article.published,
        text=text,
        negative=article.negative,
        facts=tuple(_labelled(fact) for fact in article.facts),
        path=LABELS_DIR / f"{article.batch}.toml",
    )


def _labelled(fact: RealFact) -> LabelledFact:
    return LabelledFact(
        type=fact.type,
        actor=fact.actor,
        target_country=fact.target_country,
        amount=fact.amount,
        currency=fact.currency,
        background=fact.background,
        evidence="",
    )


# ----------------------------------------------------------------- the split


def event_groups(articles: Iterable[RealArticle]) -> dict[str, list[RealArticle]]:
    """Articles grouped by real-world event: union of articles that share an event key.

    Keyed by the smallest event key of each group.
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    items = list(articles)
    for article in items:
        keys = sorted(article.event_keys())
        for key in keys[1:]:
            a, b = find(keys[0]), find(key)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[RealArticle]] = {}
    for article in items:
        groups.setdefault(find(article.event), []).append(article)
    return {min(k for a in group for k in a.event_keys()): group for group in groups.values()}


def tuning_with_groups(*, checked_only: bool = True) -> list[tuple[LabelledArticle, str]]:
    """The tuning part's articles with cached text, each with its event group (the key of a fold):
    what the learned layers of the extractor train on."""
    tuning = split(load_labels())["tuning"]
    if checked_only:
        tuning = [a for a in tuning if a.checked]
    group_of = {a.id: key for key, group in event_groups(tuning).items() for a in group}
    articles = []
    for article in tuning:
        text = cached_text(article)
        if text is not None:
            articles.append((as_labelled(article, text), group_of[article.id]))
    return articles


def is_validation(group_key: str) -> bool:
    """Whether an event group belongs to the frozen validation part (a hash of its key)."""
    digest = hashlib.sha256(group_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < VALIDATION_SHARE


def split(articles: Iterable[RealArticle]) -> dict[str, list[RealArticle]]:
    """``{"tuning": [...], "validation": [...]}``, each sorted by id."""
    parts: dict[str, list[RealArticle]] = {"tuning": [], "validation": []}
    for key, group in event_groups(articles).items():
        parts["validation" if is_validation(key) else "tuning"].extend(group)
    for part in parts.values():
        part.sort(key=lambda article: article.id)
    return parts


# ------------------------------------------------------- agreement of readings


@dataclass(frozen=True)
class Disagreement:
    """A fact one reading has and the other does not, or a negative flag they differ on."""

    article_id: str
    reading: str  # "first" or "second"
    what: str


def compare_readings(
    first: list[RealArticle], second: list[RealArticle]
) -> tuple[int, int, int, list[Disagreement]]:
    """(shared facts, first's facts, second's facts, disagreements) over the articles both read."""
    by_id = {article.id: article for article in second}
    shared = total_first = total_second = 0
    disagreements: list[Disagreement] = []
    for article in first:
        other = by_id.get(article.id)
        if other is None:
            disagreements.append(Disagreement(article.id, "second", "article not read"))
            continue
        if article.negative != other.negative:
            disagreements.append(
                Disagreement(article.id, "first", f"negative={article.negative} vs {other.negative}")
            )
        a_facts = [_labelled(fact) for fact in article.facts]
        b_facts = [_labelled(fact) for fact in other.facts]
        pairs = match_article(b_facts, a_facts, article.published)
        shared += len(pairs)
        total_first += len(a_facts)
        total_second += len(b_facts)
        matched_a = {j for _, j in pairs}
        matched_b = {i for i, _ in pairs}
        for j, fact in enumerate(article.facts):
            if j not in matched_a:
                disagreements.append(Disagreement(article.id, "first", describe(fact)))
        for i, fact in enumerate(other.facts):
            if i not in matched_b:
                disagreements.append(Disagreement(article.id, "second", describe(fact)))
    return shared, total_first, total_second, disagreements


def describe(fact: RealFact) -> str:
    """One line for a fact: type, actor, country, amount."""
    amount = f" {fact.amount:,.0f} {fact.currency}" if fact.amount is not None else ""
    return (
        f"{fact.type} | {fact.actor} | {fact.target_country or '-'}{amount}"
        f"{' [bg]' if fact.background else ''}"
    )
