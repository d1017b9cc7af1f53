"""Score the fact extractor against the labelled dev set (tests/fixtures/facts/**/*.toml).

The rule is FACTS.md's: per article, predicted facts are matched one-to-one
with labelled facts; a pair matches when the type is equal, the actor is equal
after alias resolution, the target country is equal (both null counts as
equal) and the amount is within 2 % after converting the prediction into the
labelled currency (both null counts as equal). Precision, recall and F1 are
summed over articles and reported overall, per type and per language, with
every miss and false positive listed so a rule change can be judged.

Run ``python -m bench.evaluate_facts`` (``--quiet`` for the summary only).
``load_devset`` and ``score`` are importable so the gate test reuses them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from extractors.facts import extract_facts
from extractors.facts.entities import canonical_name
from extractors.facts.fx import convert
from extractors.models import Fact

DEVSET_ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "facts"
DEMO_ROOT = Path(__file__).resolve().parent.parent / "demo"
AMOUNT_TOLERANCE = 0.02


@dataclass(frozen=True)
class LabelledFact:
    """One labelled fact; missing keys are None."""

    type: str
    actor: str | None
    target_country: str | None
    amount: float | None
    currency: str | None
    background: bool
    evidence: str


@dataclass(frozen=True)
class LabelledArticle:
    """One dev-set article and its labelled facts."""

    id: str
    language: str
    title: str | None
    published: date | None
    text: str
    negative: bool
    facts: tuple[LabelledFact, ...]
    path: Path


@dataclass
class Counts:
    """Matched, predicted and labelled fact counts, with the derived scores."""

    matched: int = 0
    predicted: int = 0
    labelled: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.labelled if self.labelled else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Scores overall, per type and per language, and the errors behind them."""

    overall: Counts = field(default_factory=Counts)
    by_type: dict[str, Counts] = field(default_factory=dict)
    by_language: dict[str, Counts] = field(default_factory=dict)
    misses: list[tuple[str, LabelledFact]] = field(default_factory=list)
    false_positives: list[tuple[str, Fact]] = field(default_factory=list)
    negatives_with_facts: list[str] = field(default_factory=list)
    articles: int = 0


def load_devset(root: Path = DEVSET_ROOT) -> list[LabelledArticle]:
    """Every labelled article under ``root``, sorted by path."""
    articles = []
    for path in sorted(root.glob("**/*.toml")):
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
        articles.append(_article(raw, path))
    return articles


def _article(raw: dict[str, Any], path: Path) -> LabelledArticle:
    published = raw.get("published")
    facts = tuple(
        LabelledFact(
            type=str(item["type"]),
            actor=item.get("actor"),
            target_country=item.get("target_country"),
            amount=float(item["amount"]) if item.get("amount") is not None else None,
            currency=item.get("currency"),
            background=bool(item.get("background", False)),
            evidence=str(item.get("evidence", "")),
        )
        for item in raw.get("facts", [])
    )
    return LabelledArticle(
        id=str(raw.get("id", path.stem)),
        language=str(raw.get("language", "")),
        title=raw.get("title"),
        published=published if isinstance(published, date) else None,
        text=str(raw.get("text", "")),
        negative=bool(raw.get("negative", False)),
        facts=facts,
        path=path,
    )


def load_demo(root: Path = DEMO_ROOT) -> list[LabelledArticle]:
    """The demo corpus's 28 pages as the pipeline reads them, with their labels from ``corpus.json``.

    The text, title and date come from ``extract_article`` on the page's HTML,
    so the score is the product path's, not a hand-cleaned text's.
    """
    from extractors.article import extract_article

    articles = []
    for entry in json.loads((root / "corpus.json").read_text("utf-8")):
        path = root / "site" / entry["path"]
        page = extract_article(path.read_bytes(), f"http://demo.invalid/{entry['path']}")
        raw = {
            "id": entry["path"],
            "language": entry["language"],
            "title": page.title,
            "published": page.published,
            "text": page.text,
            "negative": entry.get("negative", False),
            "facts": entry.get("facts", []),
        }
        articles.append(_article(raw, path))
    return articles


def predict(article: LabelledArticle) -> list[Fact]:
    """The extractor's facts for one dev-set article."""
    return extract_facts(
        article.text, language=article.language, published=article.published, title=article.title
    )


class FactLike(Protocol):
    """The fields the matching rule reads: a predicted ``Fact`` or another reading's label."""

    @property
    def type(self) -> str: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def target_country(self) -> str | None: ...
    @property
    def amount(self) -> float | None: ...
    @property
    def currency(self) -> str | None: ...


def facts_match(predicted: FactLike, labelled: LabelledFact, published: date | None) -> bool:
    """FACTS.md's matching rule for one pair."""
    if predicted.type != labelled.type:
        return False
    if _actor_key(predicted.actor) != _actor_key(labelled.actor):
        return False
    if predicted.target_country != labelled.target_country:
        return False
    if predicted.amount is None or labelled.amount is None:
        return predicted.amount is None and labelled.amount is None
    value = predicted.amount
    if labelled.currency and predicted.currency and predicted.currency != labelled.currency:
        converted = convert(predicted.amount, predicted.currency, labelled.currency, published)
        if converted is None:
            return False
        value = converted
    return abs(value - labelled.amount) <= AMOUNT_TOLERANCE * abs(labelled.amount)


def _actor_key(actor: str | None) -> str | None:
    return None if actor is None else canonical_name(actor).casefold()


def match_article(
    predicted: Sequence[FactLike], labelled: Iterable[LabelledFact], published: date | None
) -> list[tuple[int, int]]:
    """A maximum one-to-one matching as (predicted index, labelled index) pairs."""
    labels = list(labelled)
    edges = [
        [j for j, label in enumerate(labels) if facts_match(fact, label, published)] for fact in predicted
    ]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(predicted)):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def score(
    articles: list[LabelledArticle], extract: Callable[[LabelledArticle], list[Fact]] = predict
) -> Report:
    """Run ``extract`` on every article and score it by FACTS.md's rule."""
    report = Report()
    for article in articles:
        predicted = extract(article)
        pairs = match_article(predicted, article.facts, article.published)
        matched_pred = {i for i, _ in pairs}
        matched_label = {j for _, j in pairs}
        report.articles += 1
        if article.negative and predicted:
            report.negatives_with_facts.append(article.id)
        buckets = [report.overall, report.by_language.setdefault(article.language, Counts())]
        for counts in buckets:
            counts.matched += len(pairs)
            counts.predicted += len(predicted)
            counts.labelled += len(article.facts)
        for i, fact in enumerate(predicted):
            by_type = report.by_type.setdefault(fact.type, Counts())
            by_type.predicted += 1
            if i in matched_pred:
                by_type.matched += 1
            else:
                report.false_positives.append((article.id, fact))
        for j, label in enumerate(article.facts):
            report.by_type.setdefault(label.type, Counts()).labelled += 1
            if j not in matched_label:
                report.misses.append((article.id, label))
    return report


def measure_speed(articles: list[LabelledArticle], rounds: int = 5) -> float:
    """Articles per second on one core, after a warm-up pass."""
    for article in articles:
        predict(article)
    started = time.perf_counter()
    for _ in range(rounds):
        for article in articles:
            predict(article)
    elapsed = time.perf_counter() - started
    return rounds * len(articles) / elapsed if elapsed else float("inf")


def _line(name: str, counts: Counts) -> str:
    return (
        f"{name:<26} P {counts.precision:5.3f}  R {counts.recall:5.3f}  F1 {counts.f1:5.3f}"
        f"   ({counts.matched} matched / {counts.predicted} predicted / {counts.labelled} labelled)"
    )


def miss_cause(label: LabelledFact, unmatched: Sequence[FactLike]) -> str:
    """Why a label was missed: no unmatched prediction of its type, or the fields that differ in the
    nearest one (fewest differing fields among actor, country and amount)."""
    best: list[str] | None = None
    for fact in unmatched:
        if fact.type != label.type:
            continue
        differ = [
            name
            for name, same in (
                ("actor", _actor_key(fact.actor) == _actor_key(label.actor)),
                ("country", fact.target_country == label.target_country),
                ("amount", (fact.amount is None) == (label.amount is None)),
            )
            if not same
        ] or ["amount value"]
        if best is None or len(differ) < len(best):
            best = differ
    return "no candidate of its type" if best is None else "other " + " + ".join(best)


def miss_causes(report: Report) -> Counter[str]:
    """How many misses each :func:`miss_cause` explains."""
    unmatched: dict[str, list[Fact]] = {}
    for article_id, fact in report.false_positives:
        unmatched.setdefault(article_id, []).append(fact)
    return Counter(miss_cause(label, unmatched.get(article_id, [])) for article_id, label in report.misses)


def format_report(report: Report, *, quiet: bool = False) -> str:
    """The report as text: summary lines, then misses and false positives."""
    lines = [f"articles: {report.articles}", _line("overall", report.overall), "", "per type:"]
    lines += [_line(f"  {name}", counts) for name, counts in sorted(report.by_type.items())]
    lines += ["", "per language:"]
    lines += [_line(f"  {name}", counts) for name, counts in sorted(report.by_language.items())]
    lines += ["", f"negatives with facts: {report.negatives_with_facts or 'none'}"]
    if quiet:
        return "\n".join(lines)
    causes = miss_causes(report)
    lines += ["", "misses by cause (the nearest unmatched prediction in the same article):"]
    lines += [f"  {cause:<28} {n:4d}" for cause, n in causes.most_common()]
    lines += ["", f"misses ({len(report.misses)}):"]
    for article_id, label in report.misses:
        lines.append(
            f"  {article_id}: {label.type} {label.actor} {label.target_country} {label.amount}"
            f" {label.currency}{' [bg]' if label.background else ''} | {label.evidence[:90]}"
        )
    lines += ["", f"false positives ({len(report.false_positives)}):"]
    for article_id, fact in report.false_positives:
        lines.append(
            f"  {article_id}: {fact.type} {fact.actor} {fact.target_country} {fact.amount} {fact.currency}"
            f"{' [bg]' if fact.background else ''} | {fact.evidence[:90]}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEVSET_ROOT, help="dev-set directory")
    parser.add_argument(
        "--demo", action="store_true", help="score the demo corpus's pages and labels instead"
    )
    parser.add_argument("--quiet", action="store_true", help="summary only")
    parser.add_argument("--speed", action="store_true", help="also measure articles per second")
    args = parser.parse_args(argv)
    articles = load_demo() if args.demo else load_devset(args.root)
    report = score(articles)
    print(format_report(report, quiet=args.quiet))
    if args.speed:
        print(f"\nspeed: {measure_speed(articles):.0f} articles/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
