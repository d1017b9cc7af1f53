"""Per-page processing cost (parse, main text, date, language, facts, topics) against trafilatura alone.

Both are timed on the same 181 real article-body pages, best of three passes,
in the same run (see :func:`bench.facts_profile.timings`), so the ratio holds
on a noisy machine.
"""

from __future__ import annotations

from bench.facts_profile import load_body_pages, timings


def page_cost(passes: int = 3) -> dict[str, float]:
    pages = load_body_pages()
    if not pages:
        raise FileNotFoundError("the real article-body pages are not available (../shared/benchmarks)")
    ms = timings(pages, passes)
    baseline = ms["trafilatura.extract"]
    return {
        "pages": len(pages),
        "ours_ms": ms["total"],
        "trafilatura_ms": baseline,
        "ratio": ms["total"] / baseline,
    }
