"""The trend report: its figures are the trend views, it loads nothing, and it renders in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import unicodedata
import zlib
from collections import Counter, defaultdict
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest

from extractors.models import Article, Fact
from report import ReportSummary, render_markdown, render_report, write_report
from report.charts import CHARTS
from report.page import render_events
from warehouse import PageRecord, load_records, publish, reader, rebuild_events, writer
from warehouse.errors import WarehouseError
from warehouse.reporting import EventRow, ReportData

NOW = datetime(2026, 11, 25, 2, 0)
HOSTILE = "Fine of <script>alert('x')</script> & <b>more</b>"
VIEWS = {chart.key: chart.view for chart in CHARTS}


def page(
    n: int, published: date, site: str, *facts: Fact, topics: tuple[str, ...] = (), language: str = "en"
) -> PageRecord:
    url = f"https://{site}.example/{n}"
    article = Article(url=url, canonical_url=url, title="t", text="x", published=published, language=language,
                      site_name=site)  # fmt: skip
    return PageRecord(url=url, source="s", status="fetched", checked_at=NOW, article=article, facts=facts,
                      topics=topics)  # fmt: skip


def fact(kind: str, actor: str, country: str | None = None, evidence: str = "", **kw: Any) -> Fact:
    return Fact(type=kind, actor=actor, target_country=country, evidence=evidence or f"{actor} {kind} {kw}",  # type: ignore[arg-type]
                evidence_start=0, evidence_end=1, **kw)  # fmt: skip


def usd(value: float, currency: str = "USD", amount: float | None = None) -> dict[str, Any]:
    return {"amount": amount if amount is not None else value, "currency": currency, "amount_usd": value}


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A published warehouse: money in three months (with a gap), sovereignty actions, topics."""
    path = str(tmp_path / "w.duckdb")
    with writer(path) as con:
        load_records(con, [
            page(1, date(2024, 1, 19), "wire", fact("investment", "Amazon Web Services", "JP",
                                                    **usd(14.32e9, "JPY", 2.26e12)), topics=("cloud",)),
            page(2, date(2024, 2, 24), "wire", fact("investment", "TSMC", "JP", **usd(20e9)),
                 topics=("semiconductors",)),
            page(3, date(2024, 4, 9), "wire", fact("investment", "Microsoft", "JP", **usd(2.9e9)),
                 topics=("cloud", "data_centres")),
            page(4, date(2024, 4, 10), "nikkei", fact("investment", "Microsoft", "JP", **usd(2.9e9)),
                 topics=("cloud",)),
            page(5, date(2024, 4, 18), "wire", fact("investment", "Oracle", "JP", **usd(8e9))),
            page(6, date(2024, 4, 30), "wire", fact("investment", "Microsoft", "ID", **usd(1.7e9))),
            page(7, date(2023, 5, 22), "wire", fact("enforcement", "Data Protection Commission",
                                                    jurisdiction="EU", evidence=HOSTILE,
                                                    **usd(1.3e9, "EUR", 1.2e9)), topics=("personal_data",)),
            page(8, date(2023, 7, 10), "wire", fact("regulation", "European Commission", jurisdiction="EU")),
            page(9, date(2023, 7, 1), "wire", fact("data_access_restriction", "X Corp")),
            page(10, date(2024, 4, 24), "wire", fact("ownership_action", "A&B <Government>", "CN",
                                                     jurisdiction="US")),
            page(11, date(2024, 4, 15), "wire", fact("facility", "OpenAI", "JP"), topics=("generative_ai",)),
        ], run_id="r1")  # fmt: skip
        rebuild_events(con, run_id="r1")
        # Distinct first sightings, so "newest first" and --since have something to tell apart.
        con.execute(
            "UPDATE events SET first_seen_at = t.at FROM (SELECT event_id, TIMESTAMP '2026-11-01'"
            " + to_days(CAST(row_number() OVER (ORDER BY event_id) AS INTEGER)) AS at FROM events) AS t"
            " WHERE events.event_id = t.event_id"
        )
        con.execute("UPDATE events SET first_seen_at = TIMESTAMP '2026-11-24 09:00' WHERE actor = 'OpenAI'")
    publish(path)
    return path


class Page(HTMLParser):
    """Every start tag with its attributes, the JSON blocks, and the events table's rows."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.json: dict[str, Any] = {}
        self.rows: list[list[str]] = []
        self._script: str | None = None
        self._in_events = False
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "script" and values.get("type") == "application/json":
            self._script = values["id"]
        self._in_events = self._in_events or (tag == "table" and values.get("class") == "events")
        if self._in_events and tag == "tr":
            self.rows.append([])
        if self._in_events and tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        self._in_events = self._in_events and tag != "table"

    def handle_data(self, data: str) -> None:
        if self._script:
            self.json[self._script] = json.loads(data)
            self._script = None
        if self._cell is not None:
            self._cell.append(data)

    def marks(self, tag: str = "rect") -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag and "data-value" in attrs]


def view_rows(db: str, sql: str) -> tuple[list[str], list[list[Any]]]:
    with reader(db) as con:
        result = con.execute(sql)
        columns = [d[0] for d in result.description or []]
        rows = json.loads(json.dumps(result.fetchall(), default=str))
    return columns, rows


def ordered(rows: list[list[Any]]) -> list[list[Any]]:
    return sorted(rows, key=json.dumps)


@pytest.fixture
def report(db: str, tmp_path: Path) -> tuple[ReportSummary, str]:
    summary = write_report(db, str(tmp_path / "out" / "report.html"))
    return summary, Path(summary.path).read_text("utf-8")


def test_every_chart_embeds_exactly_its_trend_view(db: str, report: tuple[ReportSummary, str]) -> None:
    parsed = Page(report[1])
    assert set(parsed.json) == {f"data-{key}" for key in VIEWS}
    for key, view in VIEWS.items():
        columns, rows = view_rows(db, f"SELECT * FROM {view}")
        embedded = parsed.json[f"data-{key}"]
        assert embedded["view"] == view
        assert embedded["columns"] == columns
        assert ordered(embedded["rows"]) == ordered(rows), view
        assert rows, f"the fixture should give {view} rows"


def test_drawn_marks_equal_the_views(db: str, report: tuple[ReportSummary, str]) -> None:
    parsed = Page(report[1])
    drawn: dict[tuple[str, str], float] = defaultdict(float)
    for mark in [*parsed.marks(), *parsed.marks("circle")]:
        drawn[(mark["data-x"], mark["data-series"])] += float(mark["data-value"])

    def expect(sql: str) -> None:
        for x, series, value in view_rows(db, sql)[1]:
            assert drawn[(x, series)] == pytest.approx(value), (sql, x, series)

    expect("SELECT month, country, usd_billions FROM trend_investment_by_country_month")
    expect("SELECT week, fact_type, new_events FROM trend_facts_by_type_week WHERE new_events > 0")
    expect("SELECT week, 'all fact mentions', sum(mentions) FROM trend_facts_by_type_week GROUP BY week")
    for kind in ("enforcement", "regulation", "ownership_action", "data_access_restriction"):
        per_month = f"SELECT month, '{kind}', sum({kind}) FROM trend_sovereignty_actions GROUP BY 1"
        expect(f"{per_month} HAVING sum({kind}) > 0")
    expect("SELECT actor, 'events', events FROM trend_top_actors")
    expect("SELECT actor, 'usd_billions', usd_billions FROM trend_top_actors WHERE usd_billions > 0")
    expect("SELECT week, topic, articles FROM trend_topics_week")
    months = [m["data-x"] for m in parsed.marks() if m["data-series"] == "JP"]
    assert months == ["2024-01", "2024-02", "2024-04"]
    investment = report[1].split('id="chart-investment"')[1].split("</section>")[0]
    assert ">2024-03<" in investment, "an empty month stays on the time axis as a gap"


def test_five_charts_with_titles_axes_captions_and_the_events_table(
    report: tuple[ReportSummary, str],
) -> None:
    summary, html = report
    assert (summary.charts, summary.charts_with_data, summary.events_shown) == (5, 5, 10)
    assert summary.size_bytes == Path(summary.path).stat().st_size
    parsed = Page(html)
    sections = [attrs["id"] for tag, attrs in parsed.tags if tag == "section"]
    assert sections == [*(f"chart-{key}" for key in VIEWS), "events"]
    assert html.count('class="axis-title"') >= 2 * 6  # x and y titles on every drawing (actors has two)
    assert html.count('<p class="caption">') == 6
    for unit in ("USD billions", "Count per week", "Month first reported", "Events (count)", "Topic"):
        assert f">{unit}<" in html
    assert "No data yet" not in html


def test_events_table_is_newest_first_with_linked_escaped_evidence(
    db: str, report: tuple[ReportSummary, str]
) -> None:
    html = report[1]
    parsed = Page(html)
    rows = parsed.rows[1:] if parsed.rows and not parsed.rows[0] else parsed.rows
    _, expected = view_rows(
        db,
        "SELECT CAST(first_seen_at AS DATE), actor, evidence_url, evidence FROM events"
        " WHERE is_current ORDER BY first_seen_at DESC, mention_count DESC",
    )
    assert len(rows) == len(expected) == 10
    assert [r[0][:10] for r in rows] == [e[0] for e in expected]
    assert rows[0][2] == "OpenAI"
    links = {attrs["href"] for tag, attrs in parsed.tags if tag == "a" and not attrs["href"].startswith("#")}
    assert links == {e[2] for e in expected}
    assert all(e[3] in "".join(r[-1] for r in rows) for e in expected)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "A&amp;B &lt;Government&gt;" in html
    assert "2.26 tn JPY" in html and "$14.32 bn" in html


def test_nothing_is_loaded_from_anywhere(report: tuple[ReportSummary, str]) -> None:
    html = report[1]
    parsed = Page(html)
    for tag, attrs in parsed.tags:
        if tag in {"script", "link", "img", "iframe", "source", "video", "audio", "embed", "object", "use",
                   "image"}:  # fmt: skip
            for attr in ("src", "href", "data", "xlink:href", "srcset"):
                value = attrs.get(attr, "").strip().lower()
                assert not value.startswith(("http:", "https:", "//")), (tag, attrs)
    assert not [attrs for tag, attrs in parsed.tags if tag == "script" and "src" in attrs]
    assert "url(" not in html.split("</style>")[0]
    assert "default-src 'none'" in html


def test_since_narrows_every_chart_and_the_events_table(db: str, tmp_path: Path) -> None:
    summary = write_report(db, str(tmp_path / "r.html"), since=date(2024, 2, 10))
    html = Path(summary.path).read_text("utf-8")
    parsed = Page(html)
    checks = {
        "investment": "SELECT * FROM trend_investment_by_country_month WHERE month >= '2024-02'",
        "facts": "SELECT * FROM trend_facts_by_type_week WHERE week >= '2024-02-05'",
        "sovereignty": "SELECT * FROM trend_sovereignty_actions WHERE month >= '2024-02'",
        "topics": "SELECT * FROM trend_topics_week WHERE week >= '2024-02-05'",
        # The view has no date column: its figures recounted over the events reported from then on.
        "actors": "SELECT actor, count(*), round(COALESCE(sum(amount_usd), 0) / 1e9, 2),"
        " string_agg(DISTINCT fact_type, ', ' ORDER BY fact_type), max(event_date) FROM events"
        " WHERE is_current AND actor IS NOT NULL AND event_date >= DATE '2024-02-10' GROUP BY actor",
    }
    for key, sql in checks.items():
        assert ordered(parsed.json[f"data-{key}"]["rows"]) == ordered(view_rows(db, sql)[1]), key
    assert [r[1] for r in parsed.json["data-investment"]["rows"]].count("2024-01") == 0
    actors = {r[0] for r in parsed.json["data-actors"]["rows"]}
    assert "Amazon Web Services" not in actors and "Data Protection Commission" not in actors
    assert "TSMC" in actors and "OpenAI" in actors

    _, expected = view_rows(
        db,
        "SELECT actor, CAST(event_date AS VARCHAR) FROM events WHERE is_current"
        " AND event_date >= DATE '2024-02-10' ORDER BY first_seen_at DESC",
    )
    _, everything = view_rows(db, "SELECT count(*) FROM events WHERE is_current")
    assert 0 < len(expected) < everything[0][0], "the fixture should have events on both sides of the date"
    rows = [r for r in parsed.rows if r]
    assert [r[2] for r in rows] == [e[0] for e in expected]
    assert all(r[0].endswith(e[1]) for r, e in zip(rows, expected, strict=True))  # "reported <date>"
    assert (summary.events_shown, summary.current_events) == (len(expected), len(expected))
    assert (
        f"The {len(expected)} newest of {len(expected)} current events first reported on or after 2024-02-10"
        in html
    )

    summary = write_report(db, str(tmp_path / "r.html"), since=date(2024, 4, 20))
    assert (summary.events_shown, summary.current_events) == (2, 2)  # Microsoft in ID; A&B <Government>


def markdown_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the markdown table under ``## heading``."""
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # past the header
    return [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_artifact_markdown_carries_the_key_tables(db: str, report: tuple[ReportSummary, str]) -> None:
    summary = report[0]
    text = render_markdown(summary.data, summary.path)
    assert f"]({Path(summary.path).resolve().as_uri()})" in text and "10 current events" in text
    _, investment = view_rows(db, "SELECT month, country, events, usd_billions, actors"
                                  " FROM trend_investment_by_country_month")  # fmt: skip
    assert markdown_rows(text, "AI-infrastructure investment by target country and month") == [
        [m, c, str(n), f"{usd:,.2f}", actors] for m, c, n, usd, actors in investment
    ]
    _, actors = view_rows(db, "SELECT actor, events, usd_billions, fact_types FROM trend_top_actors LIMIT 10")
    assert markdown_rows(text, "Top actors") == [[a, str(n), f"{usd:,.2f}", t] for a, n, usd, t in actors]
    assert f"All {len(actors)} rows of `trend_top_actors`." in text
    events = markdown_rows(text, "Newest events")
    _, expected = view_rows(db, "SELECT actor, mention_count, evidence_url FROM events WHERE is_current"
                                " ORDER BY first_seen_at DESC, mention_count DESC")  # fmt: skip
    assert [(e[3], e[6]) for e in events] == [(a, str(n)) for a, n, _ in expected]
    assert all(e[7].endswith(f"[article]({url})") for e, (_, _, url) in zip(events, expected, strict=True))
    hostile = next(e for e in events if e[3] == "Data Protection Commission")
    assert hostile[7].startswith(HOSTILE) and len(events[0]) == 8  # no cell broke the table
    assert "| 2.26 tn JPY (≈ $14.32 bn) |" in text and "| $2.90 bn |" in text  # as reported, and in USD


def test_artifact_markdown_follows_since(db: str, tmp_path: Path) -> None:
    summary = write_report(db, str(tmp_path / "r.html"), since=date(2024, 4, 20))
    text = render_markdown(summary.data, summary.path)
    assert "events first reported from 2024-04-20 on, 2 current events" in text
    assert {r[3] for r in markdown_rows(text, "Newest events")} == {"Microsoft", "A&B <Government>"}
    assert {r[0] for r in markdown_rows(text, "Top actors")} == {"Microsoft", "A&B <Government>"}


def test_since_on_a_database_from_before_the_actors_macro_says_what_to_do(db: str, tmp_path: Path) -> None:
    con = duckdb.connect(db)  # the published file as an older version left it: the view without the macro
    try:
        con.execute(
            "CREATE OR REPLACE VIEW trend_top_actors AS SELECT actor, count(*) AS events,"
            " round(COALESCE(sum(amount_usd), 0) / 1e9, 2) AS usd_billions,"
            " string_agg(DISTINCT fact_type, ', ') AS fact_types, max(event_date) AS latest"
            " FROM events WHERE is_current AND actor IS NOT NULL GROUP BY actor"
        )
        con.execute("DROP MACRO TABLE top_actors_since")
    finally:
        con.close()
    assert write_report(db, str(tmp_path / "all.html")).charts_with_data == 5  # all time: still fine
    with pytest.raises(WarehouseError, match=r"predates top_actors_since.*newsfacts ingest"):
        write_report(db, str(tmp_path / "since.html"), since=date(2024, 1, 1))
    assert not (tmp_path / "since.html").exists()


def test_empty_warehouse_says_no_data_yet(tmp_path: Path) -> None:
    path = str(tmp_path / "empty.duckdb")
    with writer(path):
        pass
    publish(path)
    summary = write_report(path, str(tmp_path / "r.html"))
    html = Path(summary.path).read_text("utf-8")
    assert (summary.charts, summary.charts_with_data, summary.events_shown) == (5, 0, 0)
    assert html.count("No data yet") == 6
    assert all(block["rows"] == [] for block in Page(html).json.values())


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no published database"):
        render_report(str(tmp_path / "none.duckdb"))


def test_reads_the_published_file_while_a_load_holds_the_working_file(db: str) -> None:
    with writer(db) as con:
        con.execute("BEGIN")
        con.execute("DELETE FROM events")
        html = render_report(db)  # the load's lock is on the working file; the report never waits for it
        con.execute("ROLLBACK")
    assert html.count("<tr><td>") == 10


def test_only_web_links_become_links() -> None:
    hostile = "</td></tr></table><script>alert(1)</script>"
    event = EventRow(datetime(2026, 1, 1), date(2026, 1, 1), "enforcement", "<b>x</b>", None, None, None,
                     "JP", "JP", 1, "javascript:alert(1)", hostile)  # fmt: skip
    html = render_events(ReportData({}, (event,), 1, None, "w.duckdb"))
    assert "javascript:" not in html and "<a " not in html
    assert "<script>" not in html and "&lt;/td&gt;&lt;/tr&gt;" in html and "&lt;b&gt;x&lt;/b&gt;" in html


# --- a real browser -------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium")


def screenshot(html: Path, png: Path, profile: Path, *, size: str = "1280,1600") -> None:
    """Render ``html`` in headless Chromium, offline in effect: nothing on the page may load anything."""
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size={size}", html.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and png.exists(), done.stderr[-2000:]


def png_rows(path: Path, rows: int) -> tuple[int, list[bytes]]:
    """The first ``rows`` scanlines of an 8-bit RGB(A) PNG as RGB bytes, decoded with zlib alone."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, bytearray(), b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IHDR":
            header = data[pos + 8 : pos + 8 + length]
        elif kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    rows = min(rows, height)
    raw = zlib.decompressobj().decompress(bytes(idat), (stride + 1) * rows)
    prev, out = bytearray(stride), []
    for y in range(rows):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out.append(bytes(v for i, v in enumerate(line) if i % bpp < 3))
        prev = line
    return width, out


NO_CHROMIUM = (
    "chromium is not installed (apt-get install chromium; `make test` installs it when run as root),"
    " so the report cannot be rendered in a real browser"
)


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_report_renders_in_headless_chromium(report: tuple[ReportSummary, str], tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    screenshot(Path(report[0].path), png, tmp_path / "profile")
    width, rows = png_rows(png, 700)  # the header and the first chart
    pixels = Counter(line[i : i + 3] for line in rows for i in range(0, len(line), 3))
    assert width == 1280
    assert len(pixels) > 50, "the page rendered as a handful of flat colours"
    assert pixels.most_common(1)[0][1] < 0.9 * sum(pixels.values()), "the page is almost all one colour"
    chart_blue = bytes.fromhex("4e79a7")  # the investment chart's first series
    assert pixels[chart_blue] > 500, "the first chart's columns are not on screen"


def test_report_since_through_the_command_line(db: str, tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "newsfacts"
    out = tmp_path / "since.html"
    command = [str(exe), "report", "--db", db, "--out", str(out), "--since", "2024-04-20"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "2 of 2 events" in done.stdout
    html = out.read_text("utf-8")
    assert "The 2 newest of 2 current events first reported on or after 2024-04-20" in html
    assert {r[2] for r in Page(html).rows if r} == {"Microsoft", "A&B <Government>"}
    bad = subprocess.run([*command[:-1], "April"], capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "--since takes a date like 2024-01-31" in bad.stderr


# --- Japanese and Korean text in a real browser ----------------------------------------------------------

JA_EVIDENCE = "米マイクロソフトは日本のクラウドとAIの計算基盤に今後2年間で29億ドルを投資すると発表した。"
KO_EVIDENCE = "아마존웹서비스는 2027년까지 한국 클라우드 인프라에 7조8500억원을 투자한다고 밝혔다."


def cjk_fonts_missing() -> str | None:
    """Why the CJK check cannot run here, or None (`make test` installs fonts-noto-cjk when root)."""
    if CHROMIUM is None:
        return NO_CHROMIUM
    for lang in ("ja", "ko"):
        listed = subprocess.run(
            ["fc-list", f":lang={lang}", "family"], capture_output=True, text=True, check=False
        )
        if not listed.stdout.strip():
            return f"no font for :lang={lang} (apt-get install fonts-noto-cjk; `make test` does it as root)"
    return None


def pdf_glyphs_by_font(pdf: bytes) -> dict[str, set[str]]:
    """Which characters a PDF draws with which font family, read from each font's ToUnicode map.

    Chromium (Skia) writes plain objects, no object streams: each font names its
    descriptor (``/FontFamily`` or ``/FontName``) and its ``/ToUnicode`` CMap stream.
    """
    objects = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S)}

    def stream(n: int) -> bytes:
        body = objects[n]
        data = body.split(b"stream", 1)[1].lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
        return zlib.decompressobj().decompress(data) if b"/FlateDecode" in body else data

    def family(n: int) -> str:
        body = objects[n]
        found = re.search(rb"/FontFamily \((.*?)\)", body) or re.search(
            rb"/FontName /(?:[A-Z]{6}\+)?(\S+)", body
        )
        return found.group(1).decode("latin-1") if found else "?"

    def unicode_text(hex_text: bytes) -> str:
        # NFKC: where one glyph serves two code points, the map may name the other one (a Kangxi
        # radical such as U+2F47 for 日 U+65E5).
        return unicodedata.normalize("NFKC", bytes.fromhex(hex_text.decode()).decode("utf-16-be"))

    drawn: dict[str, set[str]] = defaultdict(set)
    for body in objects.values():
        if b"/Type /Font" not in body or b"/ToUnicode" not in body:
            continue
        descriptor = re.search(rb"/FontDescriptor (\d+) 0 R", body)
        if descriptor is None:  # a Type0 font: its descriptor hangs off the descendant font
            child = re.search(rb"/DescendantFonts \[(\d+) 0 R\]", body)
            descriptor = (
                re.search(rb"/FontDescriptor (\d+) 0 R", objects[int(child.group(1))]) if child else None
            )
        name = family(int(descriptor.group(1))) if descriptor else "?"
        cmap = stream(int(re.search(rb"/ToUnicode (\d+) 0 R", body).group(1)))  # type: ignore[union-attr]
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            drawn[name].update(
                unicode_text(dst) for _, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block)
            )
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                first = ord(bytes.fromhex(dst.decode()).decode("utf-16-be")[0])
                span = range(int(hi, 16) - int(lo, 16) + 1)
                drawn[name].update(unicodedata.normalize("NFKC", chr(first + i)) for i in span)
    return drawn


def declared_stack(html: str, lang: str) -> list[str]:
    """The font families the page's CSS declares for ``:lang(…)``, in order."""
    rule = re.search(rf":lang\({lang}\)\{{font-family:(.*?)\}}", html, re.S)
    assert rule, f"the page declares no font stack for {lang}"
    return [name.strip().strip('"') for name in rule.group(1).split(",")]


def is_cjk(char: str) -> bool:
    return char >= "\u3040" and not ("\uff00" <= char <= "\uff0f")  # kana, Han, Hangul; not fullwidth ASCII


@pytest.mark.skipif(cjk_fonts_missing() is not None, reason=str(cjk_fonts_missing()))
def test_japanese_and_korean_events_render_with_real_cjk_glyphs(tmp_path: Path) -> None:
    path = str(tmp_path / "cjk.duckdb")
    with writer(path) as con:
        load_records(con, [
            page(1, date(2024, 4, 10), "nikkei", fact("investment", "Microsoft", "JP", evidence=JA_EVIDENCE,
                                                      **usd(2.9e9)), language="ja"),
            page(2, date(2023, 10, 12), "etnews", fact("investment", "Amazon Web Services", "KR",
                                                       evidence=KO_EVIDENCE, **usd(6.01e9, "KRW", 7.85e12)),
                 language="ko"),
            page(3, date(2024, 4, 30), "wire", fact("investment", "Microsoft", "ID", **usd(1.7e9))),
        ], run_id="r1")  # fmt: skip
        rebuild_events(con, run_id="r1")
    publish(path)
    report = Path(write_report(path, str(tmp_path / "cjk.html")).path)
    html = report.read_text("utf-8")
    assert f'<q lang="ja">{JA_EVIDENCE}</q>' in html and f'<q lang="ko">{KO_EVIDENCE}</q>' in html
    assert html.count("<q>") == 1, "the English event's evidence carries no CJK lang"

    pdf = tmp_path / "cjk.pdf"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
        report.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and pdf.exists(), done.stderr[-2000:]
    drawn = pdf_glyphs_by_font(pdf.read_bytes())
    for lang, text in (("ja", JA_EVIDENCE), ("ko", KO_EVIDENCE)):
        stack = declared_stack(html, lang)
        # Every Japanese/Korean character is drawn from a font the page declares for that language: a
        # character with no glyph would come from another font (a .notdef box) and be missing here.
        from_stack = set().union(*(chars for name, chars in drawn.items() if name in stack))
        missing = {c for c in text if is_cjk(c)} - from_stack
        assert not missing, (lang, sorted(missing), {name: len(chars) for name, chars in drawn.items()})
    families = {name for name, chars in drawn.items() if "투" in chars or "資" in chars}
    assert any("KR" in name for name in families) and any("JP" in name for name in families), families
