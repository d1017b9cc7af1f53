"""Train the confidence model (``extractors/data/confidence.json``) on the real-news tuning part.

Every candidate the rules propose for a tuning article (``extraction.candidates``)
is labelled right or wrong by FACTS.md's matching rule against the article's
labels, and described by ``confidence.features``. A logistic regression
(scikit-learn) learns the probability that a candidate is right. The threshold
below which candidates are dropped is the one that maximises F1 over
out-of-fold probabilities, folds split by event group so that no event is
scored by a model that saw it; misses the rules never proposed count against
every threshold alike. Where no threshold adds ``MIN_GAIN`` of F1 out of
fold, the threshold is 0: the model then only turns each fact's confidence
into a calibrated probability. The validation part is never read here.

    python -m bench.train_confidence            # checked articles of the tuning part
    python -m bench.train_confidence --dry-run  # print the figures, write nothing

Needs the dev extra (scikit-learn) and the real-news texts in the local cache.
Re-run it after any rule change: the model describes the rules' candidates.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench import realnews as rn
from bench.evaluate_facts import LabelledArticle, match_article
from extractors.facts import EXTRACTOR_VERSION, extraction
from extractors.facts.confidence import MODEL_FILE, features

MODEL_PATH = Path(__file__).resolve().parent.parent / "extractors" / "data" / MODEL_FILE
FOLDS = 5
REGULARISATION = 0.5  # scikit-learn's C: smaller is a simpler model, for a few hundred candidates
MIN_GAIN = 0.01  # out-of-fold F1 a threshold must add before the model may drop candidates


@dataclass(frozen=True)
class Sample:
    """One candidate: its features, whether it matched a label, and its event group (the fold key)."""

    values: dict[str, float]
    right: bool
    group: str


def samples(articles: list[tuple[LabelledArticle, str]]) -> tuple[list[Sample], int]:
    """Candidates of every article, and the number of labels (the recall denominator)."""
    found: list[Sample] = []
    labelled = 0
    for article, group in articles:
        proposed = extraction.candidates(
            article.text, language=article.language, published=article.published, version=EXTRACTOR_VERSION
        )
        pairs = match_article([item.fact for item in proposed], article.facts, article.published)
        right = {i for i, _ in pairs}
        labelled += len(article.facts)
        for index, item in enumerate(proposed):
            found.append(Sample(features(item.situation), index in right, group))
    return found, labelled


def best_threshold(probabilities: list[float], right: list[bool], labelled: int) -> tuple[float, float]:
    """The threshold with the highest F1 (ties go to the higher, more precise threshold), and that F1."""
    best = (0.0, -1.0)
    for step in range(0, 96, 2):
        threshold = step / 100
        kept = [r for p, r in zip(probabilities, right, strict=True) if p >= threshold]
        matched = sum(kept)
        precision = matched / len(kept) if kept else 1.0
        recall = matched / labelled if labelled else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 >= best[1] - 1e-9:
            best = (threshold, f1)
    return best


def train(found: list[Sample], labelled: int) -> dict[str, object]:
    """Out-of-fold threshold, then the model fitted on everything; returns the JSON document."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    vectorizer = DictVectorizer(sparse=False)
    x = vectorizer.fit_transform([s.values for s in found])
    y = [int(s.right) for s in found]
    groups = [s.group for s in found]
    out_of_fold = [0.0] * len(found)
    for train_index, test_index in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        model = LogisticRegression(C=REGULARISATION, max_iter=2000)
        model.fit(x[train_index], [y[i] for i in train_index])
        for i, p in zip(test_index, model.predict_proba(x[test_index])[:, 1], strict=True):
            out_of_fold[i] = float(p)
    threshold, f1 = best_threshold(out_of_fold, [bool(v) for v in y], labelled)
    _, f1_all = best_threshold([1.0] * len(found), [bool(v) for v in y], labelled)
    if f1 - f1_all < MIN_GAIN:
        threshold = 0.0  # dropping candidates does not pay out of fold: the model only calibrates
    brier = sum((p - v) ** 2 for p, v in zip(out_of_fold, y, strict=True)) / len(y)
    final = LogisticRegression(C=REGULARISATION, max_iter=2000).fit(x, y)
    names = vectorizer.get_feature_names_out()
    return {
        "version": f"confidence-{date.today().isoformat()}",
        "extractor_version": EXTRACTOR_VERSION,
        "trained_on": {"candidates": len(found), "right": sum(y), "labels": labelled},
        "cross_validation": {
            "folds": FOLDS,
            "f1_keeping_all": round(f1_all, 4),
            "f1_at_threshold": round(f1, 4),
            "brier": round(brier, 4),
        },
        "threshold": threshold,
        "bias": float(final.intercept_[0]),
        "weights": {str(n): round(float(w), 6) for n, w in zip(names, final.coef_[0], strict=True)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unchecked", action="store_true", help="also learn from unchecked articles")
    parser.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    parser.add_argument("--output", type=Path, default=MODEL_PATH, help="where the model goes")
    args = parser.parse_args(argv)
    articles = rn.tuning_with_groups(checked_only=not args.unchecked)
    if len(articles) < 20:
        print(f"error: only {len(articles)} tuning articles have cached text (20 needed)", file=sys.stderr)
        return 1
    found, labelled = samples(articles)
    document = train(found, labelled)
    print(json.dumps({k: v for k, v in document.items() if k != "weights"}, indent=2))
    if not args.dry_run:
        args.output.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
