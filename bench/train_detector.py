"""Train the sentence detector (``extractors/data/detector.json``) on the real-news tuning part.

For each fact type, the sentences that name a body of a kind that may act for
it (a company for an investment, a regulator for an enforcement act...) are
examples; a sentence is a positive one where it names the actor of a labelled
fact of that type in its article (the labels say who acts, not in which
sentence). A logistic regression (scikit-learn) over the sentence's words
(``detector.sentence_tokens``) learns each type. The probability from which
the detector proposes is the one that gives the best fact-level F1 out of
fold, the extractor run whole on held-out event groups. The project's own-words
dev set and the demo corpus's labels are added to every fold's training
examples, never held out. The validation part is never read here.

    python -m bench.train_detector            # checked articles of the tuning part
    python -m bench.train_detector --dry-run  # print the figures, write nothing

Needs the dev extra (scikit-learn) and the real-news texts in the local cache.
Retrain it after a rule change, then the confidence model (``bench.train_confidence``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench import realnews as rn
from bench.evaluate_facts import LabelledArticle, load_demo, load_devset, match_article
from extractors.facts import EXTRACTOR_VERSION, extraction
from extractors.facts.detector import MODEL_FILE, Detector, detector_from, sentence_tokens
from extractors.facts.entities import canonical_name
from extractors.facts.view import build_view, within

MODEL_PATH = Path(__file__).resolve().parent.parent / "extractors" / "data" / MODEL_FILE
FOLDS = 5
REGULARISATION = 0.5  # scikit-learn's C
THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8)
MIN_POSITIVES = 5  # a type with fewer positive sentences gets no detector
MIN_WEIGHT = 0.05  # smaller weights are left out of the shipped file (they barely move a sentence)


@dataclass(frozen=True)
class Example:
    """One sentence as a detector example for one type."""

    tokens: Counter[str]
    fact_type: str
    positive: bool
    group: str


def examples(article: LabelledArticle, group: str) -> list[Example]:
    """The article's sentences that name a body of a kind that may act for a type, per type."""
    view = build_view(
        article.text,
        language=article.language,
        published=article.published,
        title=article.title,
        version=EXTRACTOR_VERSION,
    )
    if view is None:
        return []
    kinds = extraction.acting_kinds(view.rules)
    actors: dict[str, set[str]] = {}
    for fact in article.facts:
        if fact.actor:
            actors.setdefault(fact.type, set()).add(canonical_name(fact.actor))
    found = []
    for sentence in view.sentences:
        mentions = within(view.entities, view.entity_starts, sentence)
        if not mentions:
            continue
        named = {m.entity.name for m in mentions}
        named_kinds = {m.entity.kind for m in mentions}
        tokens = sentence_tokens(view.folded[sentence.start : sentence.end], view.rules.language)
        for fact_type, acting in kinds.items():
            if named_kinds & acting:
                positive = bool(named & actors.get(fact_type, set()))
                found.append(Example(tokens, fact_type, positive, group))
    return found


def fit(found: list[Example], threshold: float = 0.5) -> dict[str, Any]:
    """One logistic model per type with enough positives, as the JSON document's ``types`` table."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    types: dict[str, Any] = {}
    for fact_type in sorted({e.fact_type for e in found}):
        rows = [e for e in found if e.fact_type == fact_type]
        if sum(e.positive for e in rows) < MIN_POSITIVES:
            continue
        vectorizer = DictVectorizer()
        x = vectorizer.fit_transform([e.tokens for e in rows])
        model = LogisticRegression(C=REGULARISATION, max_iter=2000).fit(x, [e.positive for e in rows])
        names = vectorizer.get_feature_names_out()
        weights = {
            str(n): round(float(w), 5)
            for n, w in zip(names, model.coef_[0], strict=True)
            if abs(w) >= MIN_WEIGHT
        }
        types[fact_type] = {"bias": float(model.intercept_[0]), "threshold": threshold, "weights": weights}
    return types


def _with_threshold(types: dict[str, Any], threshold: float) -> Detector:
    return detector_from(
        {"version": "oof", "types": {t: {**m, "threshold": threshold} for t, m in types.items()}}
    )


def fact_counts(articles: list[LabelledArticle], detector: Detector | None) -> tuple[int, int, int]:
    """Matched, predicted and labelled facts of the extractor with ``detector`` over ``articles``."""
    matched = predicted = labelled = 0
    for article in articles:
        facts = extraction._scored(  # the product path: candidates, then the confidence model
            extraction.candidates(
                article.text,
                language=article.language,
                published=article.published,
                title=article.title,
                version=EXTRACTOR_VERSION,
                detector=detector,
            )
        )
        matched += len(match_article(facts, article.facts, article.published))
        predicted += len(facts)
        labelled += len(article.facts)
    return matched, predicted, labelled


def f1(counts: tuple[int, int, int]) -> float:
    matched, predicted, labelled = counts
    precision = matched / predicted if predicted else 0.0
    recall = matched / labelled if labelled else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    parser.add_argument("--output", type=Path, default=MODEL_PATH, help="where the model goes")
    args = parser.parse_args(argv)
    articles = rn.tuning_with_groups()
    if len(articles) < 20:
        print(f"error: only {len(articles)} tuning articles have cached text", file=sys.stderr)
        return 1
    by_article = [(article, group, examples(article, group)) for article, group in articles]
    # The own-words dev set and the demo labels add examples to every fold's training (never held
    # out: the folds score real news): out of fold, tuning F1 0.626 without them, 0.637 with them.
    own_words = [e for article in load_devset() + load_demo() for e in examples(article, "own-words")]
    groups = sorted({group for _, group, _ in by_article})
    fold_of = {group: index % FOLDS for index, group in enumerate(groups)}
    base = fact_counts([a for a, _, _ in by_article], None)
    out_of_fold: dict[float, list[int]] = {t: [0, 0, 0] for t in THRESHOLDS}
    for fold in range(FOLDS):
        trained = fit(own_words + [e for _, g, found in by_article if fold_of[g] != fold for e in found])
        held_out = [a for a, g, _ in by_article if fold_of[g] == fold]
        for threshold in THRESHOLDS:
            counts = fact_counts(held_out, _with_threshold(trained, threshold))
            out_of_fold[threshold] = [x + y for x, y in zip(out_of_fold[threshold], counts, strict=True)]
    print(f"rules alone: F1 {f1(base):.4f} ({base[0]} matched / {base[1]} predicted / {base[2]} labelled)")
    for threshold, counts in out_of_fold.items():
        matched, predicted, labelled = counts
        print(f"out of fold, threshold {threshold:.1f}: F1 {f1((matched, predicted, labelled)):.4f}"
              f" ({matched} matched / {predicted} predicted)")  # fmt: skip
    best = max(THRESHOLDS, key=lambda t: (round(f1(tuple(out_of_fold[t])), 4), t))  # type: ignore[arg-type]
    if f1(tuple(out_of_fold[best])) <= f1(base):  # type: ignore[arg-type]
        print("the detector adds nothing out of fold: no model written")
        return 0
    document = {
        "version": f"detector-{date.today().isoformat()}",
        "extractor_version": EXTRACTOR_VERSION,
        "trained_on": {"articles": len(articles), "examples": sum(len(f) for _, _, f in by_article),
                       "own_words_examples": len(own_words)},
        "cross_validation": {"folds": FOLDS, "f1_rules_alone": round(f1(base), 4),
                             "f1_with_detector": round(f1(tuple(out_of_fold[best])), 4)},  # type: ignore[arg-type]
        "types": fit(own_words + [e for _, _, found in by_article for e in found], best),
    }  # fmt: skip
    print(f"threshold {best}; {sum(len(m['weights']) for m in document['types'].values())} weights")
    if not args.dry_run:
        args.output.write_text(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n", "utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
