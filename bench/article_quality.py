"""Article extraction on real pages, beside the reference tools measured in the same run.

Every figure of ours is the product path: ``extract_article(html, url)`` as
the pipeline calls it, where a rejected page counts as no text and no date.
Each set is printed with the baselines run on the same pages in the same
process, so the ratios hold on whatever machine runs them:

- ``article-body`` (181 Zyte pages): main text, precision, recall and F1 by
  the article-extraction-benchmark's method (:func:`body_scores`), and time
  per page (also with fact extraction and topic tagging: the whole per-page
  processing) against ``trafilatura.extract`` (defaults, and with
  ``include_comments=False``), and against trafilatura's own path to text and
  date together (``bare_extraction(with_metadata=True)``, which runs htmldate);
- ``wide-body`` (511 pages from trafilatura's own evaluation data): main text
  by trafilatura's method (:func:`snippet_scores`), against the same three
  settings;
- ``publish-date`` (200 Media Cloud pages) and ``wide-dates`` (417 pages from
  htmldate's evaluation data): publication day, scored as htmldate scores (a
  right day TP, a wrong one FP, none FN), against
  ``htmldate.find_date(html, url=url, original_date=True)`` in extensive mode;
- ``news-fixtures`` (257 news pages of 181 publishers, the parser tests of
  github.com/flairNLP/fundus, read from a checkout of it: ``--fundus``): main
  text as for ``article-body`` and the publisher's day as for the date sets,
  against the same libraries and trafilatura's text-and-date path; split by
  publisher (:func:`part_indices`);
- ``demo``: publication dates of the demo corpus (exact), and of its Japanese
  and Korean pages with the structured data removed.

Each comparison with the libraries is also printed as a difference with its
95 % interval from a paired bootstrap (:func:`paired_difference`; on the news
fixtures whole publishers are drawn): an interval that spans 0 is a tie.

The wide sets are split once and for all (:func:`is_validation`, one page in
four by a hash of its id): rules are studied on the tuning part only, and the
validation part is reported on its own. Zyte and Media Cloud are what the
extractor was first tuned on. The reference tools get the page's bytes and
decode them themselves, as their own evaluations do.

Times are the sum over pages of each page's fastest of ``--rounds`` runs,
tools interleaved page by page so that load on a shared machine falls on all.
Pages are read from the shared benchmark folder, never copied into the
repository. Run ``python -m bench.article_quality`` (``--sets`` to choose).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html as html_lib
import json
import math
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from extractors import extract_article  # noqa: E402
from extractors.article import find_published_in_page  # noqa: E402
from extractors.errors import NotAnArticle  # noqa: E402

T = TypeVar("T")
SHARED = Path(os.environ.get("NEWSFACTS_SHARED", REPO.parent / "shared"))
DEMO = REPO / "demo"
DEMO_FETCHED_AT = datetime(2026, 11, 25)
DATE_BENCH_FETCHED_AT = datetime(2020, 12, 31)

_STRUCTURED_DATES = re.compile(
    rb"<script[^>]+application/ld\+json.*?</script>|<meta[^>]+(?:published|modified|date)[^>]*>|<time[^>]*>",
    re.IGNORECASE | re.DOTALL,
)


# --- scoring -------------------------------------------------------------------


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The multiset of word 4-grams of ``text`` (words: the Unicode regex ``\\w+``)."""
    words = re.findall(r"\w+", text)
    return Counter(tuple(words[i : i + 4]) for i in range(len(words) - 3))


PrecisionRecall = tuple[float | None, float | None]


def page_precision_recall(truth: str, predicted: str) -> PrecisionRecall:
    """One page's precision and recall by word 4-grams (None where the page has no prediction or
    no truth), each page weighing the same: shared / extra / missed shingles divided by their sum."""
    t, p = shingles(truth), shingles(predicted)
    tp, fp, fn = sum((t & p).values()), sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    if total == 0:
        return None, None
    tp_share, fp_share, fn_share = tp / total, fp / total, fn / total
    precision = tp_share / (tp_share + fp_share) if tp_share + fp_share > 0 else None
    recall = tp_share / (tp_share + fn_share) if tp_share + fn_share > 0 else None
    return precision, recall


def combine_pages(pages: Iterable[PrecisionRecall]) -> tuple[float, float, float]:
    """Precision averaged over pages with a prediction, recall over pages with a truth, F1 of the two.

    A tool that predicts nothing on any page scores 0 precision (and 0 F1), not an error.
    """
    precisions, recalls = [], []
    for precision, recall in pages:
        if precision is not None:
            precisions.append(precision)
        if recall is not None:
            recalls.append(recall)
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def body_scores(pairs: Iterable[tuple[str, str]]) -> tuple[float, float, float]:
    """Precision, recall, F1 over ``(truth, predicted)`` pairs by the article-extraction-benchmark's method
    (:func:`page_precision_recall` per page, :func:`combine_pages` over pages)."""
    return combine_pages(page_precision_recall(truth, predicted) for truth, predicted in pairs)


def paired_difference(
    ours: Sequence[T],
    theirs: Sequence[T],
    combine: Callable[[list[T]], float],
    *,
    groups: Sequence[str] | None = None,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """``combine(ours) - combine(theirs)`` and its 95 % interval by a paired bootstrap.

    ``ours`` and ``theirs`` hold one scored item per page, in the same page
    order; each resample draws pages with replacement and scores both tools on
    the same draw, so the interval shows how far a difference could come from
    which pages happened to be in the set. An interval that spans 0 is a tie.
    With ``groups`` (one per page: the news fixtures' publishers), whole groups
    are drawn, since a publisher's pages share a template and fail together.
    """
    if len(ours) != len(theirs) or not ours or (groups is not None and len(groups) != len(ours)):
        raise ValueError("paired_difference needs the same, non-empty list of pages for both tools")
    if resamples < 40:
        raise ValueError(
            f"paired_difference needs at least 40 resamples for a 95 % interval, not {resamples}"
        )
    members: dict[str, list[int]] = {}
    for i, group in enumerate(groups if groups is not None else [str(i) for i in range(len(ours))]):
        members.setdefault(group, []).append(i)
    clusters = list(members.values())
    rng = random.Random(seed)
    deltas = []
    for _ in range(resamples):
        drawn = [i for _ in clusters for i in rng.choice(clusters)]
        deltas.append(combine([ours[i] for i in drawn]) - combine([theirs[i] for i in drawn]))
    deltas.sort()
    # The 2.5th and 97.5th percentiles: as many draws below the interval as above it.
    low, high = deltas[math.ceil(0.025 * resamples) - 1], deltas[math.ceil(0.975 * resamples) - 1]
    return combine(list(ours)) - combine(list(theirs)), low, high


def difference_line(label: str, delta: tuple[float, float, float], unit: str = "pages") -> str:
    """``delta`` from :func:`paired_difference` as a line: "a tie" when its interval spans 0."""
    value, low, high = delta
    verdict = "a tie" if low <= 0 <= high else ("ahead" if value > 0 else "behind")
    return f"  {label}: {value:+.3f} (95 % interval {low:+.3f} to {high:+.3f}, {unit} resampled: {verdict})"


class _Counted:
    """Precision, recall and F1 from the ``tp``, ``fp`` and ``fn`` counts of a score."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else 0.0


@dataclass(frozen=True)
class DateScore(_Counted):
    """htmldate's scoring: a right date is a TP, a wrong one a FP, none a FN."""

    tp: int
    fp: int
    fn: int

    @property
    def accuracy(self) -> float:
        return self.tp / (self.tp + self.fp + self.fn)


def date_scores(pairs: Iterable[tuple[str, str | None]]) -> DateScore:
    """Score ``(label, found)`` pairs of ISO dates; ``found`` None means no date."""
    tp = fp = fn = 0
    for label, found in pairs:
        if found is None:
            fn += 1
        elif found == label:
            tp += 1
        else:
            fp += 1
    return DateScore(tp, fp, fn)


@dataclass(frozen=True)
class SnippetScore(_Counted):
    """trafilatura's evaluation: expected passages found (TP) or missed (FN), unwanted ones found (FP)."""

    tp: int
    fn: int
    fp: int
    tn: int


def snippet_counts(text: str, with_: Iterable[str], without: Iterable[str]) -> SnippetScore:
    """One page's counts: whitespace runs collapsed to one space in the text and in every snippet."""
    flat = " ".join(text.split())
    found_with = [" ".join(s.split()) in flat for s in with_]
    found_without = [" ".join(s.split()) in flat for s in without]
    return SnippetScore(
        tp=sum(found_with),
        fn=len(found_with) - sum(found_with),
        fp=sum(found_without),
        tn=len(found_without) - sum(found_without),
    )


Counts = TypeVar("Counts", SnippetScore, DateScore)


def summed(kind: type[Counts], scores: Iterable[Counts]) -> Counts:
    """A set's counts from its pages' counts, added up."""
    names = [field.name for field in fields(kind)]
    totals = dict.fromkeys(names, 0)
    for score in scores:
        for name in names:
            totals[name] += getattr(score, name)
    return kind(**totals)


def snippet_scores(pages: Iterable[tuple[dict[str, Any], str]]) -> SnippetScore:
    """Counts summed over ``(page, extracted text)`` pairs; pages carry ``"with"`` and ``"without"``."""
    return summed(SnippetScore, (snippet_counts(text, page["with"], page["without"]) for page, text in pages))


# --- the frozen split of the wide sets -------------------------------------------

VALIDATION_SHARE = 0.25
NEWS_VALIDATION_SHARE = 0.5


def is_validation(page_id: str, share: float = VALIDATION_SHARE) -> bool:
    """Whether a page is in the frozen validation part (a ``share`` of ids, by a hash of the id).

    The id is the page's key in ``expectations.json`` (its URL). Rules are studied
    and tuned on the other pages only; the validation part is scored as a whole.
    """
    digest = hashlib.sha256(page_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def part_indices(pages: list[dict[str, Any]], part: str) -> list[int]:
    """Positions in ``pages`` of ``part`` ("tuning", "validation" or "all").

    Pages that carry a ``"group"`` (the news fixtures: their publisher) are split
    by group, half of the groups each side, so no publisher's template is on both.
    """

    def validation(page: dict[str, Any]) -> bool:
        if "group" in page:
            return is_validation(page["group"], NEWS_VALIDATION_SHARE)
        return is_validation(page["id"])

    return [i for i, page in enumerate(pages) if part == "all" or validation(page) == (part == "validation")]


def split_part(pages: list[dict[str, Any]], part: str) -> list[dict[str, Any]]:
    """``part`` "tuning", "validation" or "all" of a wide set's pages."""
    return [pages[i] for i in part_indices(pages, part)]


# --- pages ---------------------------------------------------------------------


def load_article_body(root: Path) -> list[dict[str, Any]]:
    """The article-body pages: ``{"id", "url", "html" (bytes), "truth"}``, sorted by id."""
    truth = json.loads((root / "ground-truth.json").read_text("utf-8"))
    return [
        {
            "id": key,
            "url": item.get("url") or f"https://example.invalid/{key}",
            "html": gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()),
            "truth": item["articleBody"],
        }
        for key, item in sorted(truth.items())
    ]


def load_publish_date(root: Path) -> list[dict[str, Any]]:
    """The publish-date pages: ``{"url", "html" (bytes), "date"}``, sorted by URL."""
    labels = json.loads((root / "labels.json").read_text("utf-8"))
    return [
        {
            "url": url,
            "html": gzip.decompress((root / "html" / f"{item['file']}.gz").read_bytes()),
            "date": item["date"],
        }
        for url, item in sorted(labels.items())
    ]


def _iter_wide(root: Path) -> Iterator[tuple[str, dict[str, Any], bytes]]:
    expectations = json.loads((root / "expectations.json").read_text("utf-8"))
    for key, item in sorted(expectations.items()):
        yield key, item, gzip.decompress((root / "html" / f"{item['file']}.gz").read_bytes())


def _wide_url(key: str, item: dict[str, Any]) -> str:
    return str(item.get("url") or f"https://example.invalid/{item['file']}")


def iter_wide_body(root: Path) -> Iterator[dict[str, Any]]:
    """The wide main-text pages one at a time, by id: ``{"id", "url", "html" (bytes), "with", "without"}``."""
    for key, item, raw in _iter_wide(root):
        yield {
            "id": key,
            "url": _wide_url(key, item),
            "html": raw,
            "with": list(item["with"]),
            "without": list(item["without"]),
        }


def iter_wide_dates(root: Path) -> Iterator[dict[str, Any]]:
    """The wide publication-date pages one at a time (``{"id", "url", "html" (bytes), "date"}``), by id."""
    for key, item, raw in _iter_wide(root):
        yield {"id": key, "url": _wide_url(key, item), "html": raw, "date": item["date"]}


def load_wide_body(root: Path) -> list[dict[str, Any]]:
    """All wide main-text pages (see :func:`iter_wide_body`)."""
    return list(iter_wide_body(root))


def load_wide_dates(root: Path) -> list[dict[str, Any]]:
    """All wide publication-date pages (see :func:`iter_wide_dates`)."""
    return list(iter_wide_dates(root))


# The news fixtures: a checkout of github.com/flairNLP/fundus at this commit (see iter_news_fixtures).
FUNDUS = Path(os.environ.get("NEWSFACTS_FUNDUS", REPO.parent / "fundus"))
FUNDUS_COMMIT = "18da6e53592f99cf0ac5770dc63d6ba99ba63ae8"
FUNDUS_DATA = Path("tests/resources/parser/test_data")


def _git(root: Path, *args: str) -> str | None:
    """``git -C root args`` output, or None when git fails there (or is missing)."""
    try:
        found = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found.stdout.strip() if found.returncode == 0 else None


def fundus_problem(root: Path) -> str | None:
    """Why the checkout at ``root`` cannot give the pinned news fixtures, or None when it can.

    The pages and labels change between fundus commits, so a checkout at another
    commit, or with its test data edited, would give other figures than those
    pinned in the README and the gate.
    """
    how = (
        f"clone github.com/flairNLP/fundus there at {FUNDUS_COMMIT[:12]},"
        " or point NEWSFACTS_FUNDUS or --fundus at one"
    )
    if not (root / FUNDUS_DATA).is_dir():
        return f"no fundus checkout at {root} ({how})"
    top = _git(root, "rev-parse", "--show-toplevel")
    commit = _git(root, "rev-parse", "HEAD")
    if top is None or commit is None or Path(top).resolve() != root.resolve():
        return f"{root} is not a git checkout of fundus ({how})"
    if commit != FUNDUS_COMMIT:
        return (
            f"the fundus checkout at {root} is at {commit[:12]}, not {FUNDUS_COMMIT[:12]}"
            f" (git -C {root} checkout {FUNDUS_COMMIT[:12]})"
        )
    if _git(root, "status", "--porcelain", "--", str(FUNDUS_DATA)):
        return f"the fundus checkout at {root} has changes in {FUNDUS_DATA} (git -C {root} stash them)"
    return None


def _fundus_truth(item: dict[str, Any]) -> str:
    """A fundus test case's article body as one text: summary, then each section's headline and paragraphs."""
    body = item.get("body") or {}
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n\n".join(parts)


def _flat(text: str) -> str:
    return " ".join(html_lib.unescape(text).split())


def load_news_fixtures(root: Path) -> list[dict[str, Any]]:
    """All fundus news pages (see :func:`iter_news_fixtures`)."""
    return list(iter_news_fixtures(root))


def iter_news_fixtures(root: Path) -> Iterator[dict[str, Any]]:
    """The fundus news pages one at a time, by id: ``{"id", "group", "url", "html" (bytes), "truth",
    "title", "date", "fetched_at"}``.

    ``root`` is a checkout of github.com/flairNLP/fundus (MIT). Its parser tests keep,
    per publisher, one or more crawled pages (``<Publisher>_<yyyy>_<mm>_<dd>.html.gz``
    and their URLs in ``meta.info``) and the parser's checked output for each
    (``<Publisher>.json``: body, title, publishing date with the publisher's zone).
    A page is paired with the case whose title it contains; pages whose case is
    missing or not found are left out. ``group`` is the publisher, so a split by
    group keeps each publisher's pages on one side.
    """
    for meta_path in sorted((root / FUNDUS_DATA).glob("*/meta.info")):
        folder = meta_path.parent
        meta = json.loads(meta_path.read_text("utf-8"))
        for case_path in sorted(folder.glob("*.json")):
            publisher = case_path.stem
            cases = list(json.loads(case_path.read_text("utf-8")).values())
            for html_path in sorted(folder.glob(f"{publisher}_*.html.gz")):
                if not re.fullmatch(rf"{re.escape(publisher)}_\d{{4}}_\d\d_\d\d\.html\.gz", html_path.name):
                    continue
                raw = gzip.decompress(html_path.read_bytes())
                flat = _flat(raw.decode("utf-8", "replace"))
                matches = [case for case in cases if case.get("title") and _flat(case["title"]) in flat]
                if len(matches) != 1 or html_path.name not in meta:
                    continue
                case = matches[0]
                yield (
                    {
                        "id": f"{folder.name}/{html_path.name}",
                        "group": f"{folder.name}/{publisher}",
                        "url": meta[html_path.name]["url"],
                        "html": raw,
                        "truth": _fundus_truth(case),
                        "title": case["title"],
                        "date": str(case["publishing_date"])[:10],
                        "fetched_at": datetime.fromisoformat(meta[html_path.name]["crawl_date"]),
                    }
                )


def load_demo() -> list[tuple[dict[str, Any], bytes, str]]:
    """The demo corpus: ``(manifest entry, page bytes, url)``."""
    manifest = json.loads((DEMO / "corpus.json").read_text("utf-8"))
    pages = []
    for entry in manifest:
        raw = (DEMO / "site" / entry["path"]).read_bytes().replace(b"{{BASE_URL}}", b"http://demo.test")
        pages.append((entry, raw, f"http://demo.test/{entry['path']}"))
    return pages


def without_structured_dates(page: bytes) -> bytes:
    """The page with JSON-LD, date ``<meta>`` tags and ``<time>`` tags removed: only printed dates remain."""
    return _STRUCTURED_DATES.sub(b"", page)


# --- the product path and the reference tools -------------------------------------


@dataclass(frozen=True)
class Extracted:
    """What ``extract_article`` gives a page, as the pipeline stores it: a rejection keeps no text or date."""

    text: str
    published: str | None
    rejection: str | None


def product_path(page: dict[str, Any], fetched_at: datetime | None = None) -> Extracted:
    """``extract_article(html, url)`` as the pipeline calls it, rejections included."""
    try:
        article = extract_article(page["html"], page["url"], fetched_at=fetched_at)
    except NotAnArticle as exc:
        return Extracted("", None, exc.reason)
    return Extracted(article.text, article.published.isoformat() if article.published else None, None)


def trafilatura_text(page: dict[str, Any], **options: Any) -> str:
    """``trafilatura.extract`` on the page's bytes (the library decodes them itself), "" for nothing."""
    import trafilatura

    return str(trafilatura.extract(page["html"], **options) or "")


def trafilatura_with_metadata(page: dict[str, Any]) -> Extracted:
    """trafilatura's own path to what ``extract_article`` returns: text with metadata (title, site
    name, date by htmldate's extensive search), for a like-for-like time.

    Its text is the main text with the comments found and set apart, not pruned
    beforehand as ``include_comments=False`` does: a third setting of the library.
    """
    import trafilatura
    from trafilatura.settings import Document

    found = trafilatura.bare_extraction(page["html"], url=page["url"], with_metadata=True)
    if not isinstance(found, Document):
        return Extracted("", None, None)
    return Extracted(str(found.text or ""), str(found.date)[:10] if found.date else None, None)


def htmldate_day(page: dict[str, Any]) -> str | None:
    """htmldate's extensive search for the original date on the page's bytes, with its URL."""
    import htmldate

    found = htmldate.find_date(page["html"], url=page["url"], original_date=True, extensive_search=True)
    return str(found) if found else None


def _article_and_facts(page: dict[str, Any]) -> str:
    """The whole per-page processing: article, then its facts and topic tags."""
    from extractors import extract_facts, tag_topics

    try:
        article = extract_article(page["html"], page["url"])
    except NotAnArticle:
        return ""
    extract_facts(article.text, language=article.language, published=article.published, title=article.title)
    tag_topics(article.text, language=article.language, title=article.title)
    return article.text


def _timed_interleaved(
    pages: list[dict[str, Any]], tools: dict[str, Callable[[dict[str, Any]], Any]], rounds: int
) -> tuple[dict[str, list[Any]], dict[str, float]]:
    """Each tool's output per page (first round) and its ms/page (per page, the fastest round)."""
    outputs: dict[str, list[Any]] = {name: [] for name in tools}
    best: dict[str, list[float]] = {name: [float("inf")] * len(pages) for name in tools}
    for round_no in range(rounds):
        for i, page in enumerate(pages):
            for name, tool in tools.items():
                start = time.perf_counter()
                result = tool(page)
                best[name][i] = min(best[name][i], time.perf_counter() - start)
                if round_no == 0:
                    outputs[name].append(result)
    return outputs, {name: 1000 * sum(times) / len(pages) for name, times in best.items()}


def rejections(results: Iterable[Extracted]) -> str:
    """``"none"`` or the rejection reasons with their counts (``"too_short 2, index_page 1"``)."""
    counts = Counter(result.rejection for result in results if result.rejection)
    return ", ".join(f"{reason} {n}" for reason, n in counts.most_common()) or "none"


HTMLDATE = "htmldate.find_date (extensive, original)"
WITH_METADATA = "trafilatura.bare_extraction(with_metadata=True)"
_TEXT_TOOLS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "extract_article": product_path,
    "trafilatura.extract": trafilatura_text,
    "trafilatura.extract(include_comments=False)": lambda p: trafilatura_text(p, include_comments=False),
    WITH_METADATA: trafilatura_with_metadata,
}


def _as_text(output: Any) -> str:
    if output is None:
        return ""
    return output.text if isinstance(output, Extracted) else str(output)


def _day(found: Any) -> str | None:
    return found.published if isinstance(found, Extracted) else found


_LIBRARY_TEXT = [name for name in _TEXT_TOOLS if name != "extract_article"]


def _text_f1(pages: list[PrecisionRecall]) -> float:
    return combine_pages(pages)[2]


def _snippet_f1(pages: list[SnippetScore]) -> float:
    return summed(SnippetScore, pages).f1


def _accuracy(pages: list[DateScore]) -> float:
    return summed(DateScore, pages).accuracy


def _best_library(per_page: dict[str, list[T]], combine: Callable[[list[T]], float]) -> str:
    """The library text setting that scores best on these pages."""
    return max(_LIBRARY_TEXT, key=lambda name: combine(per_page[name]))


def _difference(
    per_page: dict[str, list[T]],
    combine: Callable[[list[T]], float],
    what: str,
    other: str,
    groups: list[str] | None = None,
) -> str:
    """The line for extract_article minus ``other`` on the same pages (whole groups drawn, if given)."""
    delta = paired_difference(per_page["extract_article"], per_page[other], combine, groups=groups)
    return difference_line(f"{what}, extract_article - {other}", delta, "publishers" if groups else "pages")


def _text_pages(
    pages: list[dict[str, Any]], outputs: dict[str, list[Any]], chosen: list[int], names: Iterable[str]
) -> dict[str, list[PrecisionRecall]]:
    return {
        name: [page_precision_recall(pages[i]["truth"], _as_text(outputs[name][i])) for i in chosen]
        for name in names
    }


def _date_pages(
    pages: list[dict[str, Any]], outputs: dict[str, list[Any]], chosen: list[int], names: Iterable[str]
) -> dict[str, list[DateScore]]:
    return {
        name: [date_scores([(pages[i]["date"], _day(outputs[name][i]))]) for i in chosen] for name in names
    }


def run_article_body(pages: list[dict[str, Any]], rounds: int) -> list[str]:
    tools = dict(_TEXT_TOOLS)
    tools["extract_article + extract_facts + tag_topics"] = _article_and_facts
    outputs, ms = _timed_interleaved(pages, tools, rounds)
    baseline = ms["trafilatura.extract"]
    scored = _text_pages(pages, outputs, list(range(len(pages))), outputs)
    lines = [f"Main text, {len(pages)} article-body pages (P / R / F1 by word 4-grams, time per page):"]
    for name in outputs:
        p, r, f1 = combine_pages(scored[name])
        lines.append(
            f"  {name:<46} P {p:.3f}  R {r:.3f}  F1 {f1:.3f}   {ms[name]:6.1f} ms/page"
            f"  ({ms[name] / baseline:.2f}x trafilatura)"
        )
    lines.append(_difference(scored, _text_f1, "text F1", _best_library(scored, _text_f1)))
    lines.append(f"  extract_article rejections: {rejections(outputs['extract_article'])}")
    return lines


def run_wide_body(pages: list[dict[str, Any]], rounds: int) -> list[str]:
    outputs, ms = _timed_interleaved(pages, _TEXT_TOOLS, rounds)
    baseline = ms["trafilatura.extract"]
    lines = [f"Main text, {len(pages)} wide-body pages (P / R / F1 by expected passages, time per page):"]
    for part in ("validation", "tuning", "all"):
        chosen = part_indices(pages, part)
        lines.append(f" {part} part, {len(chosen)} pages:")
        counts = {
            name: [snippet_counts(_as_text(found[i]), pages[i]["with"], pages[i]["without"]) for i in chosen]
            for name, found in outputs.items()
        }
        for name in outputs:
            score = summed(SnippetScore, counts[name])
            timing = (
                f"   {ms[name]:6.1f} ms/page  ({ms[name] / baseline:.2f}x trafilatura)"
                if part == "all"
                else ""
            )
            lines.append(
                f"  {name:<46} P {score.precision:.3f}  R {score.recall:.3f}  F1 {score.f1:.3f}{timing}"
            )
        lines.append(_difference(counts, _snippet_f1, "text F1", _best_library(counts, _snippet_f1)))
        lines.append(
            f"  extract_article rejections: {rejections(outputs['extract_article'][i] for i in chosen)}"
        )
    return lines


def _date_lines(
    title: str,
    pages: list[dict[str, Any]],
    tools: dict[str, Callable[[dict[str, Any]], Any]],
    rounds: int,
    parts: tuple[str, ...],
) -> list[str]:
    outputs, ms = _timed_interleaved(pages, tools, rounds)
    baseline = ms[HTMLDATE]
    lines = [title]
    for part in parts:
        chosen = part_indices(pages, part)
        if len(parts) > 1:
            lines.append(f" {part} part, {len(chosen)} pages:")
        days = _date_pages(pages, outputs, chosen, outputs)
        for name in outputs:
            score = summed(DateScore, days[name])
            timing = (
                f"   {ms[name]:5.1f} ms/page  ({ms[name] / baseline:.2f}x htmldate)" if part == "all" else ""
            )
            lines.append(
                f"  {name:<46} accuracy {score.accuracy:.3f}  P {score.precision:.3f}  R {score.recall:.3f}"
                f"  F {score.f1:.3f}{timing}"
            )
        lines.append(_difference(days, _accuracy, "date accuracy", HTMLDATE))
        lines.append(
            f"  extract_article rejections: {rejections(outputs['extract_article'][i] for i in chosen)}"
        )
    return lines


def run_publish_date(pages: list[dict[str, Any]], rounds: int) -> list[str]:
    def alone(page: dict[str, Any]) -> str | None:
        found = find_published_in_page(page["html"], page["url"], fetched_at=DATE_BENCH_FETCHED_AT)
        return found.isoformat() if found else None

    tools: dict[str, Callable[[dict[str, Any]], Any]] = {
        "extract_article": lambda p: product_path(p, DATE_BENCH_FETCHED_AT),
        "find_published_in_page (date function alone)": alone,
        HTMLDATE: htmldate_day,
    }
    for page in pages:
        page.setdefault("id", page["url"])
    title = f"Publication date, {len(pages)} publish-date pages (htmldate's scoring):"
    return _date_lines(title, pages, tools, rounds, ("all",))


def run_wide_dates(pages: list[dict[str, Any]], rounds: int) -> list[str]:
    tools: dict[str, Callable[[dict[str, Any]], Any]] = {
        "extract_article": product_path,
        HTMLDATE: htmldate_day,
    }
    title = f"Publication date, {len(pages)} wide-dates pages (htmldate's scoring):"
    return _date_lines(title, pages, tools, rounds, ("validation", "tuning", "all"))


def run_news_fixtures(pages: list[dict[str, Any]], rounds: int) -> list[str]:
    tools = dict(_TEXT_TOOLS)
    tools["extract_article"] = lambda p: product_path(p, p["fetched_at"])
    tools[HTMLDATE] = htmldate_day
    outputs, ms = _timed_interleaved(pages, tools, rounds)
    baseline = ms["trafilatura.extract"]
    lines = [
        f"News fixtures, {len(pages)} pages of {len({p['group'] for p in pages})} publishers"
        " (main text P / R / F1 by word 4-grams; publisher's day, htmldate's scoring):"
    ]
    for part in ("validation", "tuning", "all"):
        chosen = part_indices(pages, part)
        lines.append(f" {part} part, {len(chosen)} pages:")
        texts = _text_pages(pages, outputs, chosen, _TEXT_TOOLS)
        for name in _TEXT_TOOLS:
            p, r, f1 = combine_pages(texts[name])
            timing = (
                f"   {ms[name]:6.1f} ms/page  ({ms[name] / baseline:.2f}x trafilatura)"
                if part == "all"
                else ""
            )
            lines.append(f"  text {name:<46} P {p:.3f}  R {r:.3f}  F1 {f1:.3f}{timing}")
        days = _date_pages(pages, outputs, chosen, ("extract_article", HTMLDATE, WITH_METADATA))
        for name, scores in days.items():
            score = summed(DateScore, scores)
            lines.append(
                f"  date {name:<46} accuracy {score.accuracy:.3f}"
                f"  P {score.precision:.3f}  R {score.recall:.3f}"
            )
        groups = [pages[i]["group"] for i in chosen]
        lines.append(_difference(texts, _text_f1, "text F1", _best_library(texts, _text_f1), groups))
        lines.append(_difference(days, _accuracy, "date accuracy", HTMLDATE, groups))
        lines.append(
            f"  extract_article rejections: {rejections(outputs['extract_article'][i] for i in chosen)}"
        )
    return lines


def run_demo() -> list[str]:
    pages = load_demo()
    exact = 0
    printed_only, printed_total = 0, 0
    for entry, raw, url in pages:
        expected = date.fromisoformat(entry["published"])
        exact += extract_article(raw, url, fetched_at=DEMO_FETCHED_AT).published == expected
        if entry["language"] in ("ja", "ko"):
            printed_total += 1
            found = find_published_in_page(without_structured_dates(raw), url, fetched_at=DEMO_FETCHED_AT)
            printed_only += found == expected
    return [
        f"Publication date, demo corpus: {exact}/{len(pages)} exact ({exact / len(pages):.3f});"
        f" Japanese and Korean pages from printed date lines alone: {printed_only}/{printed_total}"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds per page (fastest kept)")
    parser.add_argument(
        "--benchmarks", type=Path, default=SHARED / "benchmarks", help="shared benchmark folder"
    )
    parser.add_argument(
        "--fundus",
        type=Path,
        default=FUNDUS,
        help=f"a checkout of github.com/flairNLP/fundus at {FUNDUS_COMMIT[:12]}, for the news-fixtures set",
    )
    parser.add_argument(
        "--sets",
        default="article-body,publish-date,wide-body,wide-dates,news-fixtures,demo",
        help="comma-separated sets to run (default: all)",
    )
    args = parser.parse_args(argv)
    runs: dict[str, tuple[Callable[[Path], list[dict[str, Any]]], Callable[..., list[str]]]] = {
        "article-body": (load_article_body, run_article_body),
        "publish-date": (load_publish_date, run_publish_date),
        "wide-body": (load_wide_body, run_wide_body),
        "wide-dates": (load_wide_dates, run_wide_dates),
    }
    wanted = [name.strip() for name in args.sets.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in runs and name not in ("demo", "news-fixtures")]
    if unknown:
        choices = ", ".join([*runs, "news-fixtures", "demo"])
        print(f"unknown set(s) {', '.join(unknown)}; choose from {choices}", file=sys.stderr)
        return 2
    missing = [name for name in wanted if name in runs and not (args.benchmarks / name).is_dir()]
    if missing:
        print(f"benchmark pages not found: {', '.join(missing)} under {args.benchmarks}", file=sys.stderr)
        return 2
    for name in wanted:
        if name == "demo":
            lines = run_demo()
        elif name == "news-fixtures":
            problem = fundus_problem(args.fundus)
            if problem:
                lines = [f"News fixtures skipped: {problem}"]
            else:
                lines = run_news_fixtures(load_news_fixtures(args.fundus), args.rounds)
        else:
            load, run = runs[name]
            lines = run(load(args.benchmarks / name), args.rounds)
        for line in lines:
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
