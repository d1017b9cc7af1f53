"""Fixtures shared by the extractor tests."""

from __future__ import annotations

import pytest

from bench import evaluate_facts as evaluate
from bench.evaluate_facts import LabelledArticle


@pytest.fixture(scope="module")
def devset() -> list[LabelledArticle]:
    """The labelled fact dev set (tests/fixtures/facts)."""
    articles: list[LabelledArticle] = evaluate.load_devset(evaluate.DEVSET_ROOT)
    if not articles:
        pytest.skip(f"no labelled articles under {evaluate.DEVSET_ROOT}")
    return articles
