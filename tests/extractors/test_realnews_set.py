"""The real-news evaluation set: its labels files, the split by event, the comparison of readings.

The labels are committed and checked here in CI; the article texts live in a
local cache outside the repository (bench/realnews/LABELLING.md), so the
tests that score them skip, saying why, where the cache is absent.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench import realnews as rn


@pytest.fixture(scope="module")
def articles() -> list[rn.RealArticle]:
    loaded = rn.load_labels()
    if not loaded:
        pytest.skip(f"no labels files in {rn.LABELS_DIR}")
    return loaded


def _write(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


ARTICLE = """
[[articles]]
id = "{id}"
query = "q"
rank = 1
url = "https://news.example/{id}"
language = "en"
event = "{event}"
reader = "a"
{extra}
"""

FACT = """
  [[articles.facts]]
  type = "investment"
  actor = "Microsoft"
  target_country = "JP"
  amount = {amount}
  currency = "USD"
  background = {background}
  event = "{event}"
"""


def test_committed_labels_follow_the_format(articles: list[rn.RealArticle]) -> None:
    ids = [article.id for article in articles]
    assert len(ids) == len(set(ids))
    for article in articles:
        assert article.id.startswith(article.batch), article.id
        assert article.url.startswith(("http://", "https://")), article.id
        assert article.query and article.rank >= 1, article.id


def test_committed_labels_hold_no_article_text() -> None:
    """Labels only: no key of a labels file can carry a sentence of the article."""
    for path in sorted(rn.LABELS_DIR.glob("*.toml")) + sorted(rn.SECOND_DIR.glob("*.toml")):
        for article in rn.load_batch(path):
            for fact in article.facts:
                assert fact.horizon is None or len(fact.horizon) <= 60, (article.id, fact.horizon)
                assert fact.actor is None or len(fact.actor) <= 80, (article.id, fact.actor)


def test_split_keeps_each_event_on_one_side(articles: list[rn.RealArticle]) -> None:
    parts = rn.split(articles)
    assert len(parts["tuning"]) + len(parts["validation"]) == len(articles)
    tuning_keys = {key for article in parts["tuning"] for key in article.event_keys()}
    validation_keys = {key for article in parts["validation"] for key in article.event_keys()}
    assert not tuning_keys & validation_keys


def test_split_is_a_function_of_each_group_alone(articles: list[rn.RealArticle]) -> None:
    """A group keeps its side when articles outside it are dropped: adding labels moves no settled event."""

    def sides(items: list[rn.RealArticle]) -> dict[frozenset[str], bool]:
        return {
            frozenset(k for a in group for k in a.event_keys()): rn.is_validation(key)
            for key, group in rn.event_groups(items).items()
        }

    full = sides(articles)
    halved = sides(articles[::2])
    shared = full.keys() & halved.keys()
    assert shared
    assert all(full[keys] == halved[keys] for keys in shared)


def test_events_join_articles_through_main_facts(tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    body = ARTICLE.format(
        id="x-001", event="ms-jp", extra=FACT.format(amount=2.9e9, background="false", event="ms-jp")
    )
    body += ARTICLE.format(
        id="x-002", event="aws-jp", extra=FACT.format(amount=2.9e9, background="false", event="ms-jp")
    )
    body += ARTICLE.format(
        id="x-003", event="oracle-jp", extra=FACT.format(amount=2.9e9, background="true", event="ms-jp")
    )
    _write(labels / "x.toml", body)
    groups = rn.event_groups(rn.load_labels(labels))
    assert sorted(sorted(a.id for a in group) for group in groups.values()) == [
        ["x-001", "x-002"],
        ["x-003"],
    ]


def test_compare_lists_what_one_reading_lacks(tmp_path: Path) -> None:
    first = _write(
        tmp_path / "first.toml",
        ARTICLE.format(id="x-001", event="e", extra=FACT.format(amount=2.9e9, background="false", event="e"))
        + FACT.format(amount=1e9, background="true", event="f"),
    )
    second = _write(
        tmp_path / "second.toml",
        ARTICLE.format(
            id="x-001", event="e", extra=FACT.format(amount=2.91e9, background="false", event="e")
        ),
    )
    shared, n_first, n_second, disagreements = rn.compare_readings(
        rn.load_batch(first), rn.load_batch(second)
    )
    assert (shared, n_first, n_second) == (1, 2, 1)
    assert [(d.article_id, d.reading) for d in disagreements] == [("x-001", "first")]
    assert "1,000,000,000 USD" in disagreements[0].what


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('negative = true\nnote = "x"\n' + FACT.format(amount=1, background="false", event="e"), "negative"),
        ("", "no facts"),
        ('text = "a sentence"\nnegative = true', "unknown keys"),
        (FACT.format(amount=1, background="false", event="e").replace('"USD"', '"usd"'), "ISO 4217"),
    ],
)
def test_malformed_labels_are_refused_with_the_reason(tmp_path: Path, extra: str, message: str) -> None:
    path = _write(tmp_path / "bad.toml", ARTICLE.format(id="bad-001", event="e", extra=extra))
    with pytest.raises(rn.LabelError, match=message):
        rn.load_batch(path)


def test_cached_texts_score_by_the_facts_rule(articles: list[rn.RealArticle]) -> None:
    cache = rn.cache_dir()
    texts = {a.id: rn.cached_text(a, cache) for a in articles}
    present = [a for a in articles if texts[a.id] is not None]
    if not present:
        pytest.skip(
            f"the real-news texts are not cached in {cache}: bench/realnews/LABELLING.md rebuilds them"
        )
    from bench import evaluate_facts

    report = evaluate_facts.score([rn.as_labelled(a, texts[a.id] or "") for a in present])
    assert report.articles == len(present)
    assert report.overall.labelled == sum(len(a.facts) for a in present)
    assert Counter(a.language for a in present).keys() <= rn.LANGUAGES


def test_the_corpus_date_field_is_not_article_text() -> None:
    excerpt = " date 2024-04-20 The House approved the bill on Saturday. Its date 2024-04-21 vote follows."
    assert (
        rn.article_text(excerpt)
        == "The House approved the bill on Saturday. Its date 2024-04-21 vote follows."
    )
    assert rn.article_text("The House approved it.") == "The House approved it."


def test_a_miss_is_explained_by_the_nearest_unmatched_prediction() -> None:
    from bench.evaluate_facts import LabelledFact, miss_cause

    label = LabelledFact("investment", "Microsoft", "JP", 2.9e9, "USD", False, "")
    same_but_country = LabelledFact("investment", "Microsoft", None, 2.9e9, "USD", False, "")
    other_actor_and_country = LabelledFact("investment", "Oracle", None, 8e9, "USD", False, "")
    other_type = LabelledFact("facility", "Microsoft", "JP", None, None, False, "")

    assert miss_cause(label, []) == "no candidate of its type"
    assert miss_cause(label, [other_type]) == "no candidate of its type"
    assert miss_cause(label, [other_actor_and_country, same_but_country]) == "other country"
    assert miss_cause(label, [other_actor_and_country]) == "other actor + country"
