"""The report page: one HTML file, self-contained and inert.

CSS is inline, charts are inline SVG, there is no JavaScript, and a
Content-Security-Policy forbids loading anything, so the file opens offline and
can be mailed. Evidence sentences come from third-party pages: every string is
escaped, only http(s) evidence URLs become links (``rel="noopener
noreferrer"``), and the JSON beside each chart has ``<``, ``>`` and ``&``
escaped so no text can close its ``<script>`` block.

Japanese and Korean evidence sentences carry ``lang="ja"`` / ``lang="ko"``
(the language of their article), and the CSS gives each language a font
stack naming the fonts that ship with macOS, Windows and common Linux
distributions (Hiragino, Yu Gothic, Meiryo, Noto Sans CJK JP; Apple SD Gothic
Neo, Malgun Gothic, Noto Sans CJK KR, NanumGothic). No font file is bundled:
a CJK font is megabytes, and the page must stay small enough to mail. The
``lang`` also picks the right glyph shapes where Japanese and Korean (and
Chinese) forms of one Han character differ.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlsplit

from report import svg
from report.charts import CHARTS, FACT_COLOURS, Chart
from warehouse.reporting import EventRow, ReportData, ViewRows


def money(value: float | None, currency: str | None) -> str:
    """``50.10 bn JPY``, ``$317.4 m``: short, with the exact figure left to the database."""
    if value is None:
        return ""
    if abs(value) >= 1e12:
        text = f"{value / 1e12:,.2f} tn"
    elif abs(value) >= 1e9:
        text = f"{value / 1e9:,.2f} bn"
    elif abs(value) >= 1e6:
        text = f"{value / 1e6:,.1f} m"
    else:
        text = f"{value:,.0f}"
    return f"${text}" if currency == "USD" else f"{text} {currency or ''}".rstrip()


def _json_block(key: str, rows: ViewRows) -> str:
    """A view's rows as inert JSON; ``<``, ``>`` and ``&`` escaped so no text can close the script."""
    payload = json.dumps(
        {"view": rows.view, "columns": rows.columns, "rows": rows.rows}, default=str, ensure_ascii=False
    )
    payload = payload.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="data-{key}">{payload}</script>'


def _legend(items: list[tuple[str, str]]) -> str:
    if not items:
        return ""
    return (
        '<ul class="legend">'
        + "".join(
            f'<li><span class="swatch" style="background:{colour}"></span>{escape(label)}</li>'
            for colour, label in items
        )
        + "</ul>"
    )


def render_chart(chart: Chart, rows: ViewRows) -> str:
    """A chart's section: title, caption, legend, drawing, and the view's rows as JSON."""
    if rows.rows:
        figure, legend = chart.draw(rows)
    else:
        figure, legend = '<p class="nodata">No data yet: the view has no rows for this period.</p>', []
    return (
        f'<section class="chart" id="chart-{chart.key}" data-view="{chart.view}">'
        f"<h2>{escape(chart.title)}</h2>"
        f'<p class="caption">{escape(chart.caption)} <span class="source">From <code>{chart.view}</code>.'
        f"</span></p>{_legend(legend)}<figure>{figure}</figure>{_json_block(chart.key, rows)}</section>"
    )


def _evidence_link(url: str | None) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return (
        f' <a href="{escape(url or "")}" rel="noopener noreferrer" title="{escape(url or "")}">'
        f"{escape(parts.netloc)} ↗</a>"
    )


def _country(event: EventRow) -> str:
    place = escape(event.target_country or event.jurisdiction or "")
    if event.jurisdiction and event.target_country and event.jurisdiction != event.target_country:
        place += f' <span class="muted">by {escape(event.jurisdiction)}</span>'
    return place


def _amount(event: EventRow) -> str:
    original = escape(money(event.amount, event.currency))
    if event.amount_usd is None or event.currency == "USD":
        return original
    return f'{original}<br><span class="muted">{escape(money(event.amount_usd, "USD"))}</span>'


# Languages whose text gets a ``lang`` attribute and its own font stack in the CSS.
CJK_LANGUAGES = ("ja", "ko", "zh")


def _lang(language: str | None) -> str:
    code = (language or "").split("-")[0].lower()
    return f' lang="{code}"' if code in CJK_LANGUAGES else ""


def render_events(data: ReportData) -> str:
    """The newest current events, each with its evidence sentence and a link to its article."""
    head = ("First seen", "Type", "Actor", "Amount", "Country", "Mentions", "Evidence")
    rows = [
        "<tr>"
        f'<td>{e.first_seen_at:%Y-%m-%d}<br><span class="muted">reported {e.event_date:%Y-%m-%d}</span></td>'
        f'<td><span class="chip" style="border-color:{FACT_COLOURS.get(e.fact_type, svg.OTHER_COLOUR)}">'
        f"{escape(e.fact_type)}</span></td><td>{escape(e.actor or '')}</td>"
        f'<td class="num">{_amount(e)}</td><td>{_country(e)}</td><td class="num">{e.mentions}</td>'
        f'<td class="evidence"><q{_lang(e.language)}>{escape(e.evidence)}</q>'
        f"{_evidence_link(e.evidence_url)}</td>"
        "</tr>"
        for e in data.events
    ]
    if not rows:
        rows = [f'<tr><td colspan="{len(head)}" class="nodata">No data yet: no current events.</td></tr>']
    since = f" first reported on or after {data.since.isoformat()}" if data.since else ""
    return (
        '<section id="events"><h2>Newest events</h2>'
        f'<p class="caption">The {len(data.events)} newest of {data.current_events} current events{since},'
        " by when the pipeline first saw them (and the date first reported); each links to the article its"
        " evidence sentence comes from. Amounts as first reported, and in US dollars below."
        ' <span class="source">From <code>events</code>.</span></p>'
        '<div class="scroll"><table class="events"><colgroup>'
        + "".join(f'<col class="c{i}">' for i in range(len(head)))
        + "</colgroup><thead><tr>"
        + "".join(f"<th{' class=num' if h in ('Amount', 'Mentions') else ''}>{h}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div></section>"
    )


_CSS = """
:root{color-scheme:light;--ink:#222;--muted:#666;--line:#e2e2e2}
*{box-sizing:border-box}
body{margin:0;background:#f6f6f4;color:var(--ink);
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP",sans-serif}
:lang(ja){font-family:"Hiragino Kaku Gothic ProN","Hiragino Sans","Yu Gothic UI","Yu Gothic",YuGothic,Meiryo,
 "Noto Sans CJK JP","Noto Sans JP","Source Han Sans JP","IPAexGothic","IPAGothic","TakaoGothic",sans-serif}
:lang(ko){font-family:"Apple SD Gothic Neo","Malgun Gothic","Noto Sans CJK KR","Noto Sans KR",
 "Source Han Sans KR",NanumGothic,"UnDotum",sans-serif}
:lang(zh){font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",
 sans-serif}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:24px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:0 0 4px}
h3{font-size:14px;margin:12px 0 4px;color:var(--muted);font-weight:600}
.meta,.caption,footer{color:var(--muted)}
.caption{margin:0 0 8px;max-width:90ch}
nav a{margin-right:14px}
a{color:#1f5fa8}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:16px 0}
figure{margin:0}
svg{display:block;width:100%;height:auto}
svg text.axis-title{font-weight:600}
.legend{list-style:none;margin:0 0 6px;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px}
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px;
 border:1px solid rgba(0,0,0,.15)}
.nodata{color:var(--muted);font-style:italic;padding:24px 0;text-align:center}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;min-width:900px;table-layout:fixed;font-size:13px}
.c0{width:120px}.c1{width:190px}.c2{width:170px}.c3{width:110px}.c4{width:80px}.c5{width:80px}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#fafafa;white-space:nowrap}
td:first-child{white-space:nowrap}
.num{text-align:right;white-space:nowrap}
.chip{border-left:4px solid;padding-left:6px;white-space:nowrap}
.muted{color:var(--muted)}
.evidence q{quotes:"\\201C" "\\201D"}
.evidence a{white-space:nowrap;font-size:12px}
footer{padding-bottom:24px;font-size:12px}
@media print{body{background:#fff}section{break-inside:avoid;border:0;padding:0}nav{display:none}
 .scroll{overflow:visible}table{min-width:0}}
"""

# Nothing on the page may load anything; links (navigation) still work.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def render_html(data: ReportData, *, generated_at: datetime | None = None) -> str:
    """The page for data already read; ``generated_at`` defaults to now (UTC)."""
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    since = f"events first reported from {data.since.isoformat()} on" if data.since else "all periods"
    nav = " ".join(f'<a href="#chart-{c.key}">{escape(c.title)}</a>' for c in CHARTS)
    body = "".join(render_chart(chart, data.views[chart.view]) for chart in CHARTS)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        "<title>newsfacts trend report</title>"
        f"<style>{_CSS}</style></head><body>"
        "<header><h1>AI race and data sovereignty: trend report</h1>"
        f'<p class="meta">Generated {when} from <code>{escape(data.db_name)}</code> · {since} ·'
        f" {data.current_events} current events</p>"
        f'<nav>{nav} <a href="#events">Newest events</a></nav></header>'
        f"<main>{body}{render_events(data)}</main>"
        "<footer>Made by <code>newsfacts report</code>. Every chart's figures are the rows of the named"
        " trend view, embedded beside it as JSON; the warehouse was read read-only.</footer>"
        "</body></html>\n"
    )
