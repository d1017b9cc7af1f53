"""``python -m bench.realnews``: the real-news evaluation set's commands.

  stats                      what the set holds: languages, types, negatives, outlets, checked
  missing                    articles whose text is not in the cache, with query, rank and URL
  check                      fail unless every article's text is cached
  blank BATCH                the batch's articles without labels: the start of a second reading
  compare BATCH              where the first and second readings of a batch disagree
  split                      the tuning and frozen validation parts, by event group
  score --part PART          FACTS.md scores on the tuning part, the validation part or all

The validation part prints totals only: its errors are never listed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

from bench import evaluate_facts
from bench import realnews as rn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.realnews",
        description="The real-news evaluation set: labels in bench/realnews/labels, texts in a local cache.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n")[1],
    )
    parser.add_argument("--labels", type=Path, default=rn.LABELS_DIR, help="labels folder")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("stats", help="what the set holds")
    commands.add_parser("missing", help="articles whose text is not cached")
    commands.add_parser("check", help="fail unless every text is cached")
    blank = commands.add_parser("blank", help="a batch's articles without labels, for a second reading")
    blank.add_argument("batch", help="batch name, e.g. en-inv")
    compare = commands.add_parser("compare", help="disagreements between the two readings of a batch")
    compare.add_argument("batch", help="batch name, e.g. en-inv")
    commands.add_parser("split", help="the two parts, by event group")
    score = commands.add_parser("score", help="FACTS.md scores on one part")
    score.add_argument("--part", choices=["tuning", "validation", "all"], default="tuning")
    score.add_argument("--errors", action="store_true", help="list misses and false positives (tuning only)")
    score.add_argument(
        "--unchecked", action="store_true", help="also score articles whose second reading is not done"
    )
    score.add_argument("--speed", action="store_true", help="also measure articles per second on one core")
    score.add_argument(
        "--calibration",
        action="store_true",
        help="also compare each fact's confidence with how often it is right",
    )
    args = parser.parse_args(argv)
    try:
        articles = rn.load_labels(args.labels)
    except rn.LabelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    handler = {
        "stats": _stats,
        "missing": _missing,
        "check": _check,
        "blank": _blank,
        "compare": _compare,
        "split": _split,
        "score": _score,
    }[args.command]
    return handler(articles, args)


def _stats(articles: list[rn.RealArticle], args: argparse.Namespace) -> int:
    languages = Counter(article.language for article in articles)
    main_types: Counter[str] = Counter()
    with_type: Counter[str] = Counter()
    for article in articles:
        for kind in {fact.type for fact in article.facts}:
            with_type[kind] += 1
        main = [fact.type for fact in article.facts if not fact.background]
        if main:
            main_types[main[0]] += 1
    print(f"articles: {len(articles)} ({', '.join(f'{k} {v}' for k, v in sorted(languages.items()))})")
    print(f"checked by a second reading: {sum(a.checked for a in articles)}")
    print(f"negatives: {sum(a.negative for a in articles)}")
    print(f"facts: {sum(len(a.facts) for a in articles)}")
    print(f"outlets: {len({a.host for a in articles})}")
    print("articles holding each type (first main type):")
    for kind in sorted(rn.FACT_TYPES):
        print(f"  {kind:<26} {with_type[kind]:>4}  ({main_types[kind]})")
    parts = rn.split(articles)
    print(f"tuning: {len(parts['tuning'])} articles; validation: {len(parts['validation'])} articles")
    return 0


def _missing(articles: list[rn.RealArticle], args: argparse.Namespace) -> int:
    cache = rn.cache_dir()
    absent = [article for article in articles if rn.cached_text(article, cache) is None]
    for article in absent:
        print(f"{article.id}\trank {article.rank}\t{article.url}\tquery: {article.query}")
    print(f"{len(absent)} of {len(articles)} articles have no text in {cache}", file=sys.stderr)
    return 0


def _check(articles: list[rn.RealArticle], args: argparse.Namespace) -> int:
    cache = rn.cache_dir()
    absent = [article.id for article in articles if rn.cached_text(article, cache) is None]
    if absent:
        print(
            f"error: {len(absent)} of {len(articles)} articles have no text in {cache} "
            f"(first: {', '.join(absent[:5])}); rebuild it as bench/realnews/LABELLING.md says",
            file=sys.stderr,
        )
        return 1
    print(f"all {len(articles)} articles have their text in {cache}")
    return 0


def _blank(articles: list[rn.RealArticle], args: argparse.Namespace) -> int:
    chosen = [article for article in articles if article.batch == args.batch]
    if not chosen:
        print(f"error: no batch {args.batch!r} in {args.labels}", file=sys.stderr)
        return 2
    for article in chosen:
        print("[[articles]]")
        print(f"id = {json.dumps(article.id)}")
        print(f"query = {json.dumps(article.query, ensure_ascii=False)}")
        print(f"rank = {article.rank}")
        print(f"url = {json.dumps(article.url)}")
        print(f'language = "{article.language}"')
        if article.published:
            print(f"published = {article.published.isoformat()}")
        print(f"event = {json.dumps(article.event)}")
        print('reader = "b"')
        print("negative = false  # set true for a negative, else add [[articles.facts]]\n")
    return 0


def _compare(articles: list[rn.RealArticle], args: argparse.Namespace) -> int:
    first = [article for article in articles if article.batch == args.batch]
    second_path = rn.SECOND_DIR / f"{args.batch}.toml"
    if not first:
        print(f"error: no batch {args.batch!r} in {args.labels}", file=sys.stderr)
        return 2
    if not second_path.is_file():
        print(f"error: {second_path} does not exist: the second reading comes first", file=sys.stderr)
        return 2
    second = rn.load_batch(second_path)
    shared, n_first, n_second, disagreements = rn.compare_readings(first, second)
    agreement = 2 * shared / (n_first + n_second) if n_first + n_second else 1.0
    print(
        f"{args.batch}: {len(first)} articles; facts first {n_first}, second {n_second}, "
        f"shared {shared} (agreement F1 {agreement:.3f})"
    )
    for item in disagreements:
        print(f"  {item.article_id}  only in {item.reading}: {item.what}")
    return 0


def _split(articles: list[rn.RealArticle], args: argparse.Namespace) -> int:
    for name, part in rn.split(articles).items():
        languages = Counter(article.language for article in part)
        print(
            f"{name}: {len(part)} articles, {len(rn.event_groups(part))} event groups "
            f"({', '.join(f'{k} {v}' for k, v in sorted(languages.items()))}); "
            f"negatives {sum(a.negative for a in part)}; facts {sum(len(a.facts) for a in part)}"
        )
    return 0


def _score(articles: list[rn.RealArticle], args: argparse.Namespace) -> int:
    if args.errors and args.part != "tuning":
        print(
            "error: errors are listed for the tuning part only; the validation part is scored whole",
            file=sys.stderr,
        )
        return 2
    chosen = articles if args.part == "all" else rn.split(articles)[args.part]
    if not args.unchecked:
        chosen = [article for article in chosen if article.checked]
    cache = rn.cache_dir()
    labelled = []
    for article in chosen:
        text = rn.cached_text(article, cache)
        if text is not None:
            labelled.append(rn.as_labelled(article, text))
    absent = len(chosen) - len(labelled)
    if not labelled:
        print(
            f"error: no scorable articles (texts cached in {cache}: none of {len(chosen)})", file=sys.stderr
        )
        return 1
    report = evaluate_facts.score(labelled)
    negatives_hit = len(report.negatives_with_facts)
    if not args.errors:
        report.negatives_with_facts = []  # which ones is an error listing: tuning with --errors only
    print(
        f"part: {args.part}{' (unchecked included)' if args.unchecked else ''}; "
        f"{absent} articles skipped for want of cached text"
    )
    text = evaluate_facts.format_report(report, quiet=not args.errors)
    total = f"negatives with facts: {negatives_hit} of {sum(a.negative for a in labelled)}"
    print(text if args.errors else text.replace("negatives with facts: none", total))
    if args.errors:
        print(total)
    if args.calibration:
        print("\n" + _calibration(labelled))
    if args.speed:
        print(f"\nspeed: {evaluate_facts.measure_speed(labelled):.0f} articles/s on one core")
    return 0


_BINS = (0.0, 0.5, 0.7, 0.85, 1.01)


def _calibration(articles: list[evaluate_facts.LabelledArticle]) -> str:
    """Per confidence band: facts, their mean confidence and the share that match a label; Brier score."""
    pairs: list[tuple[float, bool]] = []
    for article in articles:
        predicted = evaluate_facts.predict(article)
        matched = {i for i, _ in evaluate_facts.match_article(predicted, article.facts, article.published)}
        pairs += [(fact.confidence, i in matched) for i, fact in enumerate(predicted)]
    if not pairs:
        return "calibration: no facts predicted"
    lines = ["calibration (confidence band: facts, mean confidence, share right):"]
    for low, high in itertools.pairwise(_BINS):
        band = [(c, r) for c, r in pairs if low <= c < high]
        if band:
            mean = sum(c for c, _ in band) / len(band)
            right = sum(r for _, r in band) / len(band)
            lines.append(f"  [{low:.2f}, {min(high, 1.0):.2f}]  {len(band):4d}  {mean:.2f}  {right:.2f}")
    brier = sum((c - r) ** 2 for c, r in pairs) / len(pairs)
    lines.append(f"  Brier score {brier:.3f} over {len(pairs)} facts")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
