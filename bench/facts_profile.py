"""Cost of fact extraction and topic tagging beside article extraction and trafilatura, on real pages.

On the 181 article-body pages (``<shared>/benchmarks/article-body``), measured
in one run so the ratios hold on whatever machine runs them: ms/page of
``trafilatura.extract`` (the page decoded as UTF-8), ``extract_article`` (the
page bytes), ``extract_facts`` + ``tag_topics`` (on the extracted article),
and the whole per-page processing as a ratio to trafilatura. Each figure is
the best of ``--passes`` passes over all pages.

``--dump PATH`` writes every fact and topic tag found on those pages and on
the demo corpus as JSON; ``--check PATH`` compares with such a dump, so a
speed-up can be shown to change nothing observable. ``--profile N`` prints
the N most expensive functions of fact extraction (cProfile, cumulative).

Run ``python -m bench.facts_profile``.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gzip
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from extractors import Article, extract_article, extract_facts, tag_topics
from extractors.errors import NotAnArticle

REPO = Path(__file__).resolve().parent.parent

SHARED = Path(os.environ.get("NEWSFACTS_SHARED", REPO.parent / "shared"))
BODY_ROOT = SHARED / "benchmarks" / "article-body"
DEMO = REPO / "demo"


@dataclasses.dataclass
class Page:
    """One page: its name, URL, bytes, UTF-8 text and (once extracted) its article."""

    name: str
    url: str
    raw: bytes
    text: str
    article: Article | None = None


def load_body_pages(root: Path = BODY_ROOT) -> list[Page]:
    """The article-body benchmark pages, sorted by id."""
    truth = json.loads((root / "ground-truth.json").read_text("utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        raw = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes())
        url = item.get("url") or f"https://example.invalid/{key}"
        pages.append(Page(key, url, raw, raw.decode("utf-8", "replace")))
    return pages


def load_demo_pages() -> list[Page]:
    """The demo corpus pages, as the demo site serves them."""
    manifest = json.loads((DEMO / "corpus.json").read_text("utf-8"))
    pages = []
    for entry in manifest:
        raw = (DEMO / "site" / entry["path"]).read_bytes().replace(b"{{BASE_URL}}", b"http://demo.test")
        pages.append(Page(entry["path"], f"http://demo.test/{entry['path']}", raw, ""))
    return pages


def _article(page: Page) -> Article | None:
    try:
        return extract_article(page.raw, page.url)
    except NotAnArticle:
        return None


def _facts_and_topics(article: Article | None) -> tuple[list[Any], tuple[str, ...]]:
    if article is None:
        return [], ()
    facts = extract_facts(
        article.text, language=article.language, published=article.published, title=article.title
    )
    topics = tag_topics(article.text, language=article.language, title=article.title)
    return facts, topics


def _best_of(passes: int, pages: list[Page], run: Callable[[Page], object]) -> float:
    """ms/page of ``run`` over ``pages``: the fastest of ``passes`` full passes."""
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for page in pages:
            run(page)
        best = min(best, time.perf_counter() - start)
    return 1000 * best / len(pages)


def timings(pages: list[Page], passes: int) -> dict[str, float]:
    """ms/page of the three stages, each the best of ``passes`` passes, all in this run."""
    import trafilatura

    for page in pages:
        page.article = _article(page)
    ms = {
        "trafilatura.extract": _best_of(passes, pages, lambda p: trafilatura.extract(p.text)),
        "extract_article": _best_of(passes, pages, lambda p: _article(p)),
        "extract_facts + tag_topics": _best_of(passes, pages, lambda p: _facts_and_topics(p.article)),
    }
    ms["total"] = ms["extract_article"] + ms["extract_facts + tag_topics"]
    return ms


def snapshot(groups: dict[str, list[Page]]) -> dict[str, list[Any]]:
    """Every fact (all fields) and the topic tags per page, as JSON-ready rows."""
    rows: dict[str, list[Any]] = {}
    for group, pages in groups.items():
        for page in pages:
            article = page.article if page.article is not None else _article(page)
            facts, topics = _facts_and_topics(article)
            rows[f"{group}:{page.name}"] = [
                list(topics),
                [json.loads(json.dumps(dataclasses.asdict(fact), default=str)) for fact in facts],
            ]
    return rows


def compare(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    """Pages whose facts or topics differ between two snapshots."""
    lines = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            lines.append(f"  differs: {key}")
    return lines


def profile(pages: list[Page], top: int) -> None:
    """cProfile of fact extraction and topic tagging over ``pages``, ``top`` functions by cumulative time."""
    for page in pages:  # warm up: rules and tables are compiled on first use
        _facts_and_topics(page.article)
    profiler = cProfile.Profile()
    profiler.enable()
    for page in pages:
        _facts_and_topics(page.article)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--passes", type=int, default=3, help="passes over the pages; the best counts")
    parser.add_argument("--dump", type=Path, help="write the facts and topics on all pages to this JSON file")
    parser.add_argument("--check", type=Path, help="compare the facts and topics with this JSON dump")
    parser.add_argument("--profile", type=int, metavar="N", help="print the N costliest functions")
    parser.add_argument("--no-timing", action="store_true", help="skip the timing run")
    args = parser.parse_args(argv)

    pages = load_body_pages()
    if not args.no_timing:
        ms = timings(pages, args.passes)
        baseline = ms["trafilatura.extract"]
        print(f"{len(pages)} article-body pages, best of {args.passes} passes:")
        for name, value in ms.items():
            label = "extract_article + extract_facts + tag_topics" if name == "total" else name
            print(f"  {label:<46} {value:6.2f} ms/page  ({value / baseline:.2f}x trafilatura)")
    else:
        for page in pages:
            page.article = _article(page)
    if args.profile:
        profile(pages, args.profile)
    if args.dump or args.check:
        rows = snapshot({"body": pages, "demo": load_demo_pages()})
        facts = sum(len(row[1]) for row in rows.values())
        print(f"{len(rows)} pages, {facts} facts")
        if args.dump:
            args.dump.write_text(json.dumps(rows, ensure_ascii=False, indent=0, sort_keys=True), "utf-8")
        if args.check:
            differences = compare(json.loads(args.check.read_text("utf-8")), rows)
            print("\n".join(differences) if differences else "facts and topics identical to the dump")
            if differences:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
