"""extract_article on the bundled demo pages, on small built pages (one per rule or date layer),
and on the real third-party benchmark pages (the evaluation gates)."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bench import article_quality
from bench.article_quality import (
    FUNDUS,
    FUNDUS_COMMIT,
    FUNDUS_DATA,
    DateScore,
    Extracted,
    body_scores,
    date_scores,
    difference_line,
    fundus_problem,
    is_validation,
    iter_news_fixtures,
    iter_wide_body,
    iter_wide_dates,
    paired_difference,
    part_indices,
    product_path,
    snippet_counts,
    snippet_scores,
    summed,
    without_structured_dates,
)
from extractors import extract_article
from extractors.article import find_published_in_page
from extractors.dates import newsroom_day, site_zone
from extractors.datetext import find_dates, parse_timestamp
from extractors.errors import EmptyPage, ErrorPage, IndexPage, NotAnArticle, PaywallStub, TooShort
from extractors.language import detect_language
from extractors.models import Article
from tests.conftest import DEMO, require_benchmark

BOILERPLATE = ("We use cookies", "fictional publisher", "All rights reserved", "Cookie settings", "©")


def demo_page(entry: dict[str, Any]) -> tuple[bytes, str]:
    url = f"http://demo.test/{entry['path']}"
    raw = (DEMO / "site" / entry["path"]).read_bytes().replace(b"{{BASE_URL}}", b"http://demo.test")
    return raw, url


def test_demo_pages_extract_title_date_language_and_body(demo_manifest: list[dict[str, Any]]) -> None:
    for entry in demo_manifest:
        raw, url = demo_page(entry)
        article = extract_article(raw, url, fetched_at=datetime(2026, 11, 25))
        where = entry["path"]
        assert article.title == entry["title"], where
        assert article.published == date.fromisoformat(entry["published"]), where
        assert article.language == entry["language"], where
        assert article.canonical_url == url, where
        for fact in entry["facts"]:
            assert fact["evidence"] in article.text, f"{where}: evidence missing from main text"
        for junk in BOILERPLATE:
            assert junk not in article.text, f"{where}: boilerplate {junk!r} in main text"
        assert "\n" in article.text, f"{where}: paragraph breaks lost"


def test_legacy_encoded_pages_come_out_clean(demo_manifest: list[dict[str, Any]]) -> None:
    legacy = [e for e in demo_manifest if e["encoding"] in ("shift_jis", "euc_kr")]
    assert {e["encoding"] for e in legacy} == {"shift_jis", "euc_kr"}
    for entry in legacy:
        raw, url = demo_page(entry)
        article = extract_article(raw, url)  # bytes in: charset from <meta>
        assert article.language == entry["language"]
        assert article.title == entry["title"]
        assert "\ufffd" not in article.text and "\ufffd" not in article.title
        script = r"[\u3040-\u30ff]" if entry["language"] == "ja" else r"[\uac00-\ud7af]"
        assert len(re.findall(script, article.text)) > 100


def test_dates_never_in_the_future() -> None:
    html = (
        """<html><head><meta property="article:published_time" content="2031-01-01T00:00:00Z">
    <title>Later</title></head><body><article><p>"""
        + ("Text about data centres. " * 40)
        + """</p>
    </article></body></html>"""
    )
    article = extract_article(html, "https://news.example/2024/04/10/story", fetched_at=datetime(2024, 5, 1))
    assert article.published is None or article.published <= date(2024, 5, 2)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2024年4月10日 18:05 更新", date(2024, 4, 10)),
        ("令和6年4月10日（水）", date(2024, 4, 10)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("２０２４年４月１０日", date(2024, 4, 10)),
        ("입력 2024.04.10 09:30", date(2024, 4, 10)),
        ("2024년 4월 10일 오전 9시", date(2024, 4, 10)),
    ],
)
def test_cjk_date_lines(line: str, expected: date) -> None:
    from extractors.dates import find_cjk_dates

    assert find_cjk_dates(line)[0] == expected


def _article_html(body: str, title: str = "A story", extra_head: str = "") -> str:
    return (
        f"<html><head><title>{title}</title>{extra_head}</head><body><article>{body}</article></body></html>"
    )


def test_rejections_are_typed_with_reasons() -> None:
    with pytest.raises(EmptyPage) as empty:
        extract_article(b"", "https://x.example/a")
    assert empty.value.reason == "empty_page"
    with pytest.raises(EmptyPage):
        extract_article(bytes(range(256)) * 100, "https://x.example/binary")
    with pytest.raises(TooShort) as short:
        extract_article(_article_html("<p>Only a line.</p>"), "https://x.example/short")
    assert "fewer than" in str(short.value)
    with pytest.raises(ErrorPage):
        extract_article(_article_html("<p>Sorry.</p>", title="404 Not Found"), "https://x.example/missing")
    paywall = (
        '<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":false}</script>'
    )
    with pytest.raises(PaywallStub):
        extract_article(_article_html("<p>Subscribe to read.</p>", extra_head=paywall), "https://x.example/p")
    links = "".join(f'<li><a href="/s/{i}">Headline number {i}</a></li>' for i in range(60))
    with pytest.raises(IndexPage):
        extract_article(f"<html><body><ul>{links}</ul></body></html>", "https://x.example/")
    for exc in (EmptyPage, TooShort, ErrorPage, PaywallStub, IndexPage):
        assert issubclass(exc, NotAnArticle)


def test_xhtml_text_with_an_xml_declaration_parses() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>' + _article_html(
        f"<p>{'Data centres in Japan. ' * 30}</p>"
    )
    assert "Data centres in Japan." in extract_article(page, "https://x.example/xhtml").text


def test_a_front_page_is_an_index_page() -> None:
    raw = (DEMO / "site" / "index.html").read_bytes().replace(b"{{BASE_URL}}", b"http://demo.test")
    with pytest.raises(IndexPage) as index:
        extract_article(raw, "http://demo.test/")
    assert index.value.reason == "index_page"


def _linked_page(body: str, url_extra: str = "", og_type: str | None = "article") -> str:
    og = f'<meta property="og:type" content="{og_type}">' if og_type else ""
    menu = "".join(f'<li><a href="/s/{i}">Section or story number {i}</a></li>' for i in range(50))
    return (
        f"<html><head><title>A short notice</title>{og}</head><body><nav><ul>{menu}</ul></nav>"
        f"<article><h1>A short notice</h1>{body}</article><footer>{url_extra}</footer></body></html>"
    )


SHORT_NOTICE = (
    "<p>The council will meet on Tuesday at the town hall to vote on the new budget.</p>"
    "<p>Residents may speak for three minutes each before the vote, the clerk said in a statement.</p>"
)


def test_a_short_real_article_among_many_links_is_kept() -> None:
    body = SHORT_NOTICE
    for og_type in ("article", None):
        article = extract_article(
            _linked_page(body, og_type=og_type), "https://town.example/news/council-meets"
        )
        assert "The council will meet on Tuesday" in article.text


def test_a_short_text_at_a_listing_address_is_an_index_page() -> None:
    body = SHORT_NOTICE
    for url in ("https://town.example/", "https://town.example/category/politics/"):
        with pytest.raises(IndexPage):
            extract_article(_linked_page(body), url)


STANDFIRST = "The regulator fined the cloud provider 12 million euros for moving customer data abroad."


def _scripted_article(head: str) -> str:
    """A news page whose story is drawn by a script: headline and summaries in the head, no text."""
    return (
        f"<html><head><title>Cloud provider fined</title>{head}</head><body><div id='app'></div>"
        "<script>window.render()</script></body></html>"
    )


def test_a_declared_article_without_text_in_its_html_keeps_its_standfirst() -> None:
    stub = '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Cloud provider fined",'
    stub += '"datePublished":"2024-04-10T08:00:00+02:00","description":"Cloud provider"}</script>'
    head = stub + f'<meta property="og:description" content="{STANDFIRST}">'
    article = extract_article(_scripted_article(head), "https://news.example/2024/04/10/fined")
    assert article.text == STANDFIRST  # the fullest summary, not the JSON-LD stub
    assert article.published == date(2024, 4, 10)
    og_only = f'<meta property="og:type" content="article"><meta name="description" content="{STANDFIRST}">'
    assert extract_article(_scripted_article(og_only), "https://news.example/fined").text == STANDFIRST
    # Not declared an article, or at a listing's address: still too short.
    with pytest.raises(TooShort):
        extract_article(
            _scripted_article(f'<meta name="description" content="{STANDFIRST}">'), "https://x.example/a"
        )
    with pytest.raises(TooShort):
        extract_article(_scripted_article(og_only), "https://news.example/")


def test_a_paywalled_article_keeps_its_free_teaser() -> None:
    paywall = (
        '<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":"False"}</script>'
    )
    teaser = "<p>The regulator fined the cloud provider 12 million euros on Tuesday.</p>"
    teaser += "<p>Subscribe to read on.</p>"
    article = extract_article(_article_html(teaser, extra_head=paywall), "https://x.example/2024/fined")
    assert "12 million euros" in article.text
    assert article.metadata["isAccessibleForFree"] == "False"


def test_a_declared_article_made_of_headline_lines_is_kept() -> None:
    """A roundup whose lines are link texts is still an article when the page says it is one."""
    headline = "Regulators in country number {} opened an inquiry into cloud contracts today"
    items = "".join(f'<p><a href="/s/{i}">{headline.format(i)}</a></p>' for i in range(12))
    page = (
        "<html><head><title>Roundup</title><meta property='og:type' content='article'></head>"
        f"<body><article><h1>Roundup</h1>{items}</article></body></html>"
    )
    assert extract_article(page, "https://news.example/2024/04/10/roundup").text
    undeclared = page.replace("<meta property='og:type' content='article'>", "")
    links = "".join(f'<a href="/x/{i}">Other {i}</a>' for i in range(40))
    with pytest.raises(IndexPage):
        extract_article(
            undeclared.replace("</body>", f"{links}</body>"), "https://news.example/2024/04/10/roundup"
        )


def test_demo_ja_ko_date_lines_parse_without_structured_data(demo_manifest: list[dict[str, Any]]) -> None:
    """With JSON-LD, date <meta> and <time> tags gone, the printed date line alone gives the date."""
    cjk = [e for e in demo_manifest if e["language"] in ("ja", "ko")]
    assert cjk
    for entry in cjk:
        raw, url = demo_page(entry)
        stripped = without_structured_dates(raw)
        assert b"ld+json" not in stripped
        found = find_published_in_page(stripped, url, fetched_at=datetime(2026, 11, 25))
        assert found == date.fromisoformat(entry["published"]), entry["path"]


# --- dates written in text and in structured fields ------------------------------


def test_an_article_body_that_holds_the_story_twice_is_not_fuller() -> None:
    """Fuller means more distinct text: some publishers' JSON-LD repeats the whole story."""
    story = " ".join(f"{PARAGRAPH} Part {i}." for i in range(6))
    paragraphs = "".join(f"<p>{PARAGRAPH} Part {i}.</p>" for i in range(6))
    article = _with_article_body(paragraphs, story * 2)
    assert article.text.count("Part 5.") == 1
    assert len(article.text.splitlines()) == 6  # the page's paragraphs, not one long doubled line


def test_a_japanese_teaser_in_the_article_body_does_not_replace_the_story() -> None:
    """Japanese puts no spaces between words: its text is measured a character at a time, else a
    story of long unbroken sentences counts as less text than a teaser made of a list of words."""
    rng = random.Random(7)
    words = [
        "政府",
        "半導体",
        "工場",
        "建設",
        "投資",
        "計画",
        "発表",
        "国内",
        "支援",
        "企業",
        "技術",
        "生産",
        "拠点",
        "地域",
        "経済",
        "雇用",
        "電力",
        "人材",
    ]
    sentences = ["".join(rng.choice(words) for _ in range(12)) + "を進めると発表した。" for _ in range(48)]
    paragraphs = "".join(f"<p>{''.join(sentences[i : i + 6])}</p>" for i in range(0, 48, 6))
    teaser = "、".join(f"{word}{i}" for i in range(8) for word in words)  # long, but a list of words
    ld = json.dumps({"@type": "NewsArticle", "headline": "半導体工場に一兆円", "articleBody": teaser})
    page = (
        f'<html lang="ja"><head><title>半導体工場に一兆円</title><script type="application/ld+json">{ld}'
        f"</script></head><body><main><article><h1>半導体工場に一兆円</h1><div class='article-body'>"
        f"{paragraphs}</div></article></main></body></html>"
    )
    article = extract_article(page, "https://n.example/ja")
    assert sentences[-1] in article.text and "政府0、" not in article.text


def test_a_plain_text_article_body_has_its_entities_decoded() -> None:
    article = _with_article_body(
        f"<p>{PARAGRAPH * 5}</p>", "&nbsp;".join(f"{PARAGRAPH} Part {i}." for i in range(24))
    )
    assert "Part 23." in article.text
    assert "&nbsp;" not in article.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13 Oct 2020 18:29", date(2020, 10, 13)),
        ("Published October 13, 2020", date(2020, 10, 13)),
        ("Sept. 5, 2019 at 3pm", date(2019, 9, 5)),
        ("13. Oktober 2020", date(2020, 10, 13)),
        ("lundi 24 août 2020", date(2020, 8, 24)),
        ("17 de febrero de 2020", date(2020, 2, 17)),
        ("Publicado em 05/10/2018", date(2018, 10, 5)),
        ("2020-03-04 16:52:59", date(2020, 3, 4)),
        ("기사입력 2018.08.25 15:24", date(2018, 8, 25)),
        ("2020/7/11-12 の結果 2020年07月12日", date(2020, 7, 12)),  # a range is not a date
    ],
)
def test_dates_in_text(text: str, expected: date) -> None:
    assert find_dates(text)[0].value == expected


def test_ambiguous_numeric_dates_follow_the_locale() -> None:
    assert find_dates("04/10/2024")[0].value == date(2024, 10, 4)
    assert find_dates("04/10/2024", month_first=True)[0].value == date(2024, 4, 10)
    assert find_dates("13/10/2024", month_first=True)[0].value == date(2024, 10, 13)


@pytest.mark.parametrize(
    ("value", "day", "utc"),
    [
        ("2020-08-25T00:23:33.312Z", date(2020, 8, 25), True),
        ("2020-12-05T23:15:0Z", date(2020, 12, 5), True),
        ("2020-04-29T15:32:37+0500", date(2020, 4, 29), False),
        ("20200316T13:00:00Z", date(2020, 3, 16), True),
        ("Sun, 11 Oct 2020 07:34:36 GMT", date(2020, 10, 11), True),
        ("Tue, Sep 15 2020 10:01:41 EDT", date(2020, 9, 15), False),
        ("2020/10/04 15:05:21", date(2020, 10, 4), False),
    ],
)
def test_structured_timestamps(value: str, day: date, utc: bool) -> None:
    stamp = parse_timestamp(value)
    assert stamp is not None
    assert (stamp.day, stamp.utc) == (day, utc)


@pytest.mark.parametrize(
    "line",
    ["April 10, 2024 11:30 PM EDT", "10 April 2024, 23:30 BST", "Published 2024-04-10 23:30 -04:00"],
)
def test_a_printed_date_line_with_a_zone_keeps_the_publishers_day(line: str) -> None:
    """Late evening in New York or London is the next day in UTC: the page's own day is kept."""
    body = "<p>" + "The regulator fined the cloud provider for moving data abroad. " * 10 + "</p>"
    page = f"<html><head><title>Fined</title></head><body><article><h1>Cloud provider fined</h1><p>{line}</p>"
    article = extract_article(f"{page}{body}</article></body></html>", "https://news.example/fined")
    assert article.published == date(2024, 4, 10)


def test_utc_timestamps_take_the_newsrooms_day() -> None:
    late_utc = parse_timestamp("2024-04-10T02:30:00Z")
    assert late_utc is not None
    toronto = site_zone("https://ici.example.ca/story", None)
    assert newsroom_day(late_utc, toronto, None) == date(2024, 4, 9)
    assert newsroom_day(late_utc, site_zone("https://news.example.com/a", "en_US"), None) == date(2024, 4, 9)
    assert newsroom_day(late_utc, site_zone("https://news.example.com/a", "en"), None) == date(2024, 4, 10)
    # the URL's own date settles it, in either direction
    assert newsroom_day(late_utc, None, date(2024, 4, 9)) == date(2024, 4, 9)
    assert newsroom_day(late_utc, toronto, date(2024, 4, 10)) == date(2024, 4, 10)
    # ...but not a day back from mid-morning UTC (a CMS that dates URLs on creation)
    morning = parse_timestamp("2024-04-10T10:04:00Z")
    assert morning is not None
    assert newsroom_day(morning, None, date(2024, 4, 9)) == date(2024, 4, 10)
    # an explicit local offset is the newsroom's own
    local = parse_timestamp("2024-04-10T00:16:00+03:00")
    assert local is not None
    assert newsroom_day(local, toronto, None) == date(2024, 4, 10)


def _dated_page(head: str, dateline: str, url_path: str = "story") -> tuple[str, str]:
    body = "<p>" + "Officials announced a new data centre programme for the region. " * 8 + "</p>"
    html = (
        f"<html><head><title>Officials announce a data centre programme</title>{head}</head><body>"
        f"<article><h1>Officials announce a data centre programme</h1><div class='meta'>{dateline}</div>"
        f"{body}{body}</article></body></html>"
    )
    return html, f"https://news.example.org/{url_path}"


@pytest.mark.parametrize(
    ("head", "dateline", "path", "expected", "source"),
    [
        (
            '<script type="application/ld+json">{"@type": "NewsArticle",'
            ' "datePublished": "2024-04-10T09:00:00+09:00",'
            ' "dateModified": "2024-04-12T09:00:00+09:00"}</script>',
            "",
            "story",
            date(2024, 4, 10),
            "jsonld",
        ),
        (
            '<meta property="article:published_time" content="2024-04-10T09:00:00">',
            "",
            "story",
            date(2024, 4, 10),
            "meta",
        ),
        (
            "",
            '<time datetime="2024-04-10T09:00:00+02:00">3 hours ago</time>',
            "story",
            date(2024, 4, 10),
            "htmldate",  # without structured data, htmldate searches first outside CJK pages
        ),
        ("", "Updated April 12, 2024 · Published April 10, 2024", "story", date(2024, 4, 10), "dateline"),
        ("", "입력 2024.04.10 09:30 | 수정 2024.04.11 11:02", "story", date(2024, 4, 10), "dateline"),
        ("", "令和6年4月10日 18時05分", "story", date(2024, 4, 10), "dateline"),
        ("", "", "2024/04/10/story", date(2024, 4, 10), "htmldate"),
    ],
)
def test_publication_date_layers(head: str, dateline: str, path: str, expected: date, source: str) -> None:
    html, url = _dated_page(head, dateline, path)
    article = extract_article(html, url, fetched_at=datetime(2024, 5, 1))
    assert (article.published, article.date_source) == (expected, source)


def test_a_future_date_falls_through_to_the_next_layer() -> None:
    head = '<meta property="article:published_time" content="2031-01-01T00:00:00Z">'
    html, url = _dated_page(head, "April 10, 2024", "story")
    article = extract_article(html, url, fetched_at=datetime(2024, 5, 1, tzinfo=UTC))
    assert article.published == date(2024, 4, 10)


# --- main text -------------------------------------------------------------------

PARAGRAPH = "The regulator said the company had transferred personal data without adequate safeguards. "


def _story(body: str, head: str = "") -> str:
    return (
        f"<html><head><title>Regulator fines platform over data transfers</title>{head}</head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/world'>World</a></nav></header>"
        f"<main><article><h1>Regulator fines platform over data transfers</h1>{body}</article></main>"
        "<footer><p>© 2024 Example Media. All rights reserved.</p></footer></body></html>"
    )


def _with_article_body(paragraphs: str, article_body: str) -> Article:
    """A story page with ``paragraphs`` in its body and ``article_body`` in its JSON-LD, extracted."""
    ld = json.dumps(
        {"@type": "NewsArticle", "headline": "Regulator fines platform", "articleBody": article_body}
    )
    body = f"<div class='article-body'>{paragraphs}</div>"
    return extract_article(
        _story(body, f'<script type="application/ld+json">{ld}</script>'), "https://n.example/x"
    )


def test_main_text_keeps_paragraphs_and_drops_teasers() -> None:
    teasers = "".join(
        f"<li><h3><a href='/s/{i}'>Other story {i}</a></h3><span>Teaser {i} for another story</span></li>"
        for i in range(4)
    )
    body = (
        "<div class='article-body'>"
        '<h2 class="dek">Record penalty for cross-border transfers</h2>'
        f"<p>{PARAGRAPH * 3}</p>"
        "<p>Read more: <a href='/other'>Another regulator opens an inquiry into cloud contracts</a></p>"
        f"<p>{PARAGRAPH * 2}</p><p>Sign up for our daily newsletter</p>"
        f"<ul class='latest'>{teasers}</ul><p>{PARAGRAPH * 2}</p></div>"
    )
    head = '<meta name="description" content="Record penalty for cross-border transfers">'
    article = extract_article(_story(body, head), "https://news.example.org/fine")
    lines = article.text.splitlines()
    # The standfirst stays in the text (both untuned benchmark sets count it as the story's), then
    # the paragraphs with their breaks, nothing else.
    assert lines[0] == "Record penalty for cross-border transfers"
    assert len(lines) == 4, lines
    assert all(line.startswith("The regulator said") for line in lines[1:])
    assert article.description == "Record penalty for cross-border transfers"
    junk = (
        "Regulator fines",
        "Read more",
        "Another regulator",
        "newsletter",
        "Other story",
        "©",
    )
    for fragment in junk:
        assert fragment not in article.text


def test_json_ld_article_body_fills_in_when_the_page_text_is_thin() -> None:
    article = _with_article_body(
        f"<p>{PARAGRAPH * 5}</p>", "".join(f"<p>{PARAGRAPH} Part {i}.</p>" for i in range(12))
    )
    assert "Part 11." in article.text
    assert "<p>" not in article.text
    assert len(article.text.splitlines()) == 12
    assert "articleBody" not in article.metadata


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The committee approved the budget for the new data centre on Tuesday after a long debate.", "en"),
        (
            "Der Ausschuss hat am Dienstag nach langer Debatte das Budget für das Rechenzentrum gebilligt.",
            "de",
        ),
        ("Le comité a approuvé mardi le budget du nouveau centre de données après un long débat.", "fr"),
        ("委員会は火曜日、長い議論の末に新しいデータセンターの予算を承認した。", "ja"),
        ("위원회는 화요일 긴 논의 끝에 새 데이터센터 예산을 승인했다고 밝혔다.", "ko"),
        ("委员会周二经过长时间辩论后批准了新数据中心的预算。", "zh"),
    ],
)
def test_language_detection(text: str, expected: str) -> None:
    assert detect_language(text) == expected


# --- real third-party pages ------------------------------------------------------

# Pinned floors, just under what the extractor reaches (P 0.963, R 0.978, F1 0.970
# on the 181 pages; trafilatura.extract 0.953, with include_comments=False 0.960).
# The gate fails CI when main-text quality regresses; raise the floors with the scores.
# (Lowered from 0.963 / 0.982 / 0.973 with article-2026.12.3, which dropped three layers
# tuned on these pages that did not pay on pages they were not tuned on: README.)
ARTICLE_BODY_FLOORS = {"precision": 0.959, "recall": 0.974, "f1": 0.966}


@pytest.mark.benchmarks
def test_article_body_gate(article_body_bench: list[dict[str, Any]]) -> None:
    pairs = []
    for page in article_body_bench:
        try:
            text = extract_article(page["html"], page["url"]).text
        except NotAnArticle:
            text = ""
        pairs.append((page["truth"], text))
    assert len(pairs) == 181
    precision, recall, f1 = body_scores(pairs)
    scores = {"precision": precision, "recall": recall, "f1": f1}
    for name, floor in ARTICLE_BODY_FLOORS.items():
        assert scores[name] >= floor, f"{name} {scores[name]:.3f} below the floor {floor} ({scores})"


# Pinned floor for publication dates on the 200 real pages (htmldate scoring), through
# extract_article as the pipeline calls it (a rejected page has no date): measured 0.905;
# htmldate's extensive search gets 0.890 on the same pages and must not beat us.
PUBLISH_DATE_ACCURACY_FLOOR = 0.900


@pytest.mark.benchmarks
def test_publish_date_gate(publish_date_bench: list[dict[str, Any]]) -> None:
    import htmldate

    ours, reference = [], []
    for page in publish_date_bench:
        found = product_path(page, datetime(2020, 12, 31)).published
        ours.append((page["date"], found))
        text = page["html"].decode("utf-8", "replace")
        theirs = htmldate.find_date(text, url=page["url"], original_date=True, extensive_search=True)
        reference.append((page["date"], str(theirs) if theirs else None))
    accuracy, baseline = date_scores(ours).accuracy, date_scores(reference).accuracy
    assert accuracy >= PUBLISH_DATE_ACCURACY_FLOOR, f"date accuracy {accuracy:.3f}"
    assert accuracy >= baseline, f"date accuracy {accuracy:.3f} below htmldate's {baseline:.3f}"


# --- the wide sets: pages the extractor was not first tuned on ----------------------


def test_snippet_scoring_follows_trafilaturas_method() -> None:
    counts = snippet_counts(
        "The  first\nparagraph. Share this",
        ["The first paragraph.", "A missing one"],
        ["Share this", "Cookie banner"],
    )
    assert (counts.tp, counts.fn, counts.fp, counts.tn) == (1, 1, 1, 1)
    page = {"with": ["a b"], "without": ["c"]}
    total = snippet_scores([(page, "a  b"), (page, "c")])
    assert (total.tp, total.fn, total.fp) == (1, 1, 1)
    assert total.f1 == pytest.approx(2 / 4)


def test_body_scores_weigh_every_page_the_same() -> None:
    long_story = " ".join(f"word{i}" for i in range(40))
    short_story = "one two three four five six seven eight"
    # A long page found whole and a short one missed: precision over the one page with a
    # prediction, recall averaged over both pages (pooling their 4-grams would give 37/42).
    precision, recall, f1 = body_scores([(long_story, long_story), (short_story, "")])
    assert (precision, recall) == (1.0, 0.5)
    assert f1 == pytest.approx(2 / 3)
    assert body_scores([(short_story, "")]) == (0.0, 0.0, 0.0)


def _accuracy(scores: list[DateScore]) -> float:
    return summed(DateScore, scores).accuracy


def test_a_paired_difference_says_tie_ahead_or_behind() -> None:
    labels = ["2024-04-10"] * 60
    right = [date_scores([(label, label)]) for label in labels]
    wrong = [date_scores([(label, "2024-04-11")]) for label in labels]
    half = right[:30] + wrong[30:]
    value, low, high = paired_difference(right, half, _accuracy)
    # Half of sixty pages right: the 95 % interval of the share is about 0.5 +- 1.96 * 0.065.
    assert value == pytest.approx(0.5)
    assert low == pytest.approx(0.37, abs=0.03) and high == pytest.approx(0.63, abs=0.03)
    assert "ahead" in difference_line("dates", (value, low, high))
    assert paired_difference(right, half, _accuracy) == (value, low, high)  # seeded: the same each run
    assert paired_difference(half, half, _accuracy) == (0.0, 0.0, 0.0)
    assert "a tie" in difference_line("dates", (0.0, 0.0, 0.0))
    # One page apart in sixty: the interval spans 0.
    one_more = right[:31] + wrong[31:]
    value, low, high = paired_difference(one_more, half, _accuracy)
    assert low <= 0 <= high and "a tie" in difference_line("dates", (value, low, high))
    assert "behind" in difference_line("dates", paired_difference(wrong, half, _accuracy))
    with pytest.raises(ValueError, match="same, non-empty"):
        paired_difference(right, right[:10], _accuracy)
    with pytest.raises(ValueError, match="same, non-empty"):
        paired_difference(right, half, _accuracy, groups=["a"])


def test_a_paired_difference_draws_whole_groups() -> None:
    """Pages that fail together (one publisher's template) count as one draw, not ten."""
    labels = ["2024-04-10"] * 60
    right = [date_scores([(label, label)]) for label in labels]
    half = right[:30] + [date_scores([(label, None)]) for label in labels[30:]]
    _, page_low, page_high = paired_difference(right, half, _accuracy)
    groups = [f"publisher{i // 10}" for i in range(60)]  # six publishers, three of them missed
    value, low, high = paired_difference(right, half, _accuracy, groups=groups)
    assert value == pytest.approx(0.5)
    assert high - low > 1.5 * (page_high - page_low)


def test_the_validation_split_is_a_frozen_hash_of_the_page_id() -> None:
    ids = [f"https://site{i}.example/story/{i}" for i in range(2000)]
    chosen = [page_id for page_id in ids if is_validation(page_id)]
    assert 0.22 < len(chosen) / len(ids) < 0.28
    assert chosen == [page_id for page_id in ids if is_validation(page_id)]
    # the split never moves: these ids were assigned when it was made
    assert [is_validation(f"https://site{i}.example/story/{i}") for i in range(8)] == [
        False,
        True,
        False,
        False,
        False,
        False,
        False,
        False,
    ]


# Floors on the wide sets, just under what extract_article reaches through the product path
# (rejections count as empty text / no date). Measured beside the libraries in one run of
# `python -m bench.article_quality`:
#   wide-body, validation part (123 pages): ours F1 0.925; trafilatura 0.925, no comments 0.928
#   wide-body, tuning part (388 pages):     ours F1 0.928; trafilatura 0.922, no comments 0.924
#   wide-dates, validation part (105):      ours 0.876; htmldate extensive 0.905
#   wide-dates, tuning part (312):          ours 0.926; htmldate extensive 0.913
# The gate scores ours only (the libraries' figures are fixed by their pinned versions).
WIDE_BODY_F1_FLOORS = {"validation": 0.920, "tuning": 0.922}
WIDE_DATES_ACCURACY_FLOORS = {"validation": 0.866, "tuning": 0.918}


def _extracted_one_by_one(pages: Iterator[dict[str, Any]]) -> list[tuple[dict[str, Any], Extracted]]:
    """Each page's expectations (its bytes dropped) with what extract_article gives it.

    Pages are read one at a time: holding a whole set in the test process would
    raise the memory that later tests measure in the processes it starts.
    """
    results = []
    for page in pages:
        results.append(({k: v for k, v in page.items() if k != "html"}, product_path(page)))
    return results


@pytest.mark.benchmarks
def test_wide_body_gate() -> None:
    results = _extracted_one_by_one(iter_wide_body(require_benchmark("wide-body")))
    pages = [page for page, _ in results]
    for part, floor in WIDE_BODY_F1_FLOORS.items():
        score = snippet_scores((pages[i], results[i][1].text) for i in part_indices(pages, part))
        assert score.f1 >= floor, f"wide-body {part} F1 {score.f1:.3f} below the floor {floor} ({score})"


@pytest.mark.benchmarks
def test_wide_dates_gate() -> None:
    results = _extracted_one_by_one(iter_wide_dates(require_benchmark("wide-dates")))
    pages = [page for page, _ in results]
    for part, floor in WIDE_DATES_ACCURACY_FLOORS.items():
        score = date_scores((pages[i]["date"], results[i][1].published) for i in part_indices(pages, part))
        assert score.accuracy >= floor, f"wide-dates {part} accuracy {score.accuracy:.3f} below {floor}"


# Floors on the news fixtures (fundus's parser tests: 257 news pages of 181 publishers, split
# by publisher), which no layer here was tuned on before article-2026.12.3. One run of
# `python -m bench.article_quality --sets news-fixtures`:
#   validation part (149 pages): text F1 0.944 (trafilatura 0.938, no comments 0.943,
#                                 comments set apart 0.945);
#                                 dates 0.966 (htmldate extensive 0.953)
#   tuning part (108 pages):     text F1 0.958 (0.947 / 0.952 / 0.954); dates 0.981 (0.991)
NEWS_FIXTURES_FLOORS = {
    "validation": {"f1": 0.940, "dates": 0.955},
    "tuning": {"f1": 0.954, "dates": 0.970},
}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed here")
def test_a_fundus_checkout_at_another_commit_is_named_not_scored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "no fundus checkout at" in (fundus_problem(tmp_path / "absent") or "")
    checkout = tmp_path / "fundus"
    (checkout / FUNDUS_DATA).mkdir(parents=True)
    assert "is not a git checkout" in (fundus_problem(checkout) or "")
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    (checkout / FUNDUS_DATA / "meta.info").write_text("{}")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "other"], check=True)
    commit = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert f"is at {commit[:12]}, not {FUNDUS_COMMIT[:12]}" in (fundus_problem(checkout) or "")
    # A copy of the test data inside another repository is not a checkout of fundus.
    (checkout / "copy" / FUNDUS_DATA).mkdir(parents=True)
    assert "is not a git checkout" in (fundus_problem(checkout / "copy") or "")
    monkeypatch.setattr(article_quality, "FUNDUS_COMMIT", commit)
    assert fundus_problem(checkout) is None
    (checkout / FUNDUS_DATA / "meta.info").write_text('{"edited": true}')
    assert "has changes in" in (fundus_problem(checkout) or "")


@pytest.mark.benchmarks
def test_news_fixtures_gate() -> None:
    problem = fundus_problem(FUNDUS)
    if problem:
        pytest.skip(f"the news fixtures are not available: {problem}")
    results = [
        ({k: v for k, v in page.items() if k != "html"}, product_path(page, page["fetched_at"]))
        for page in iter_news_fixtures(FUNDUS)
    ]
    pages = [page for page, _ in results]
    for part, floors in NEWS_FIXTURES_FLOORS.items():
        chosen = part_indices(pages, part)
        f1 = body_scores((pages[i]["truth"], results[i][1].text) for i in chosen)[2]
        dates = date_scores((pages[i]["date"], results[i][1].published) for i in chosen).accuracy
        assert f1 >= floors["f1"], f"news fixtures {part} text F1 {f1:.3f} below {floors['f1']}"
        assert dates >= floors["dates"], (
            f"news fixtures {part} date accuracy {dates:.3f} below {floors['dates']}"
        )
