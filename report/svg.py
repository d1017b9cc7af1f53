"""SVG drawing primitives for the trend report, written by hand as text.

Why hand-written SVG and not a charting library: the report is one file that
is mailed around and opened offline, and evidence in it comes from third-party
pages. Inline SVG needs no JavaScript, no fonts and no assets; its text stays
text (searchable, copyable, sharp when zoomed or printed); and the four shapes
the report needs (stacked columns, horizontal bars, a heatmap, lanes of small
columns) take a few hundred lines. matplotlib would add tens of megabytes and a
compiled dependency to draw the same static pictures, and a JavaScript library
would put hundreds of kilobytes of script in every mailed file.

Every mark carries its exact figure twice: in a ``<title>`` (shown on hover)
and in ``data-x``/``data-series``/``data-value`` attributes, so tests can check
what was drawn against the trend views. All text passes through
:func:`html.escape`; colours and numbers are ours.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

# Tableau 10: distinct in print and for the common colour-vision deficiencies.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#79706e",
)  # fmt: skip
OTHER_COLOUR = "#c9c9c9"
INK = "#333333"
GRID = "#e4e4e4"
WIDTH = 1120.0
FONT_SIZE = 12.0
_EMPTY_CELL = "#f4f4f4"
_HEAT_LOW = (0xD6, 0xE4, 0xF0)
_HEAT_HIGH = (0x08, 0x30, 0x6B)


@dataclass(frozen=True, slots=True)
class Series:
    """One named, coloured row of values, one per x category; ``notes`` add detail to tooltips."""

    name: str
    colour: str
    values: tuple[float, ...]
    notes: tuple[str, ...] = ()

    def note(self, i: int) -> str:
        return self.notes[i] if i < len(self.notes) and self.notes[i] else ""


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate of rendered width: the page has no layout engine, so CJK counts as a full em."""
    return sum(size * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.56) for ch in text)


def shorten(text: str, max_px: float, size: float = FONT_SIZE) -> str:
    """``text`` cut with an ellipsis to fit ``max_px``."""
    if text_width(text, size) <= max_px + 0.01:
        return text
    while text and text_width(text + "…", size) > max_px:
        text = text[:-1]
    return text.rstrip() + "…"


def nice_ticks(top: float, *, integer: bool, count: int = 5) -> list[float]:
    """Axis ticks from 0 to at least ``top`` in steps of 1, 2, 2.5 or 5 times a power of ten."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, math.ceil(step))
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def format_tick(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}".rstrip("0").rstrip(".")


def heat_colour(value: float, top: float) -> str:
    """Light to dark blue by ``value / top``; zero is a neutral grey so gaps read as gaps."""
    if value <= 0 or top <= 0:
        return _EMPTY_CELL
    t = 0.2 + 0.8 * min(1.0, value / top)
    r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(_HEAT_LOW, _HEAT_HIGH, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: float = FONT_SIZE,
    fill: str = INK,
    cls: str = "",
    extra: str = "",
) -> str:
    attrs = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size:g}" fill="{fill}"{attrs}'
        f"{extra}>{escape(text)}</text>"
    )


def _svg(height: float, body: Sequence[str], *, label: str, width: float = WIDTH) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:.0f}" role="img"'
        f' aria-label="{escape(label)}" font-family="inherit">' + "".join(body) + "</svg>"
    )


def _mark(x_label: str, series: str, value: float) -> str:
    return f' data-x="{escape(x_label)}" data-series="{escape(series)}" data-value="{value:g}"'


def _tooltip(*parts: str) -> str:
    return "<title>" + escape(" · ".join(p for p in parts if p)) + "</title>"


def _x_labels(labels: Sequence[str], left: float, slot: float, y: float) -> list[str]:
    """Category labels under the plot, thinned so that none overlap."""
    widest = max((text_width(label, 11) for label in labels), default=0.0)
    step = max(1, math.ceil((widest + 10) / slot))
    return [
        _text(left + slot * (i + 0.5), y, label, anchor="middle", size=11)
        for i, label in enumerate(labels)
        if i % step == 0
    ]


def _axis_titles(
    *, x_title: str, y_title: str, left: float, plot_w: float, top: float, plot_h: float, x_y: float
) -> list[str]:
    mid_y = top + plot_h / 2
    return [
        _text(left + plot_w / 2, x_y, x_title, anchor="middle", cls="axis-title", size=12.5),
        _text(
            16,
            mid_y,
            y_title,
            anchor="middle",
            cls="axis-title",
            size=12.5,
            extra=f' transform="rotate(-90 16 {mid_y:.1f})"',
        ),
    ]


def stacked_columns(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    x_title: str,
    y_title: str,
    value_format: Callable[[float], str],
    integer: bool,
    markers: Series | None = None,
    show_totals: bool = False,
    label: str = "",
) -> str:
    """Columns per x category, stacked by series, with optional dots (``markers``) on the same axis."""
    left, right, top, bottom = 70.0, 16.0, 18.0, 56.0
    plot_h = 300.0
    plot_w = WIDTH - left - right
    n = max(1, len(x_labels))
    totals = [sum(s.values[i] for s in series) for i in range(len(x_labels))]
    highest = max([*totals, *(markers.values if markers else ())], default=0.0)
    ticks = nice_ticks(highest, integer=integer)
    scale = plot_h / ticks[-1]
    slot = plot_w / n
    bar_w = min(slot * 0.8, 64.0)
    body: list[str] = []
    for tick in ticks:
        y = top + plot_h - tick * scale
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 8, y + 4, format_tick(tick), anchor="end", size=11))
    for i, x_label in enumerate(x_labels):
        x = left + slot * i + (slot - bar_w) / 2
        base = top + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = value * scale
            base -= h
            body.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{s.colour}"'
                f"{_mark(x_label, s.name, value)}>"
                + _tooltip(x_label, s.name, value_format(value), s.note(i))
                + "</rect>"
            )
        total_text = value_format(totals[i])
        if show_totals and totals[i] > 0 and text_width(total_text, 11) < slot:
            body.append(_text(x + bar_w / 2, base - 5, total_text, anchor="middle", size=11))
    if markers is not None:
        for i, x_label in enumerate(x_labels):
            value = markers.values[i]
            if value > 0:
                cx, cy = left + slot * (i + 0.5), top + plot_h - value * scale
                body.append(
                    f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{markers.colour}" stroke="#fff"'
                    f' stroke-width="1"{_mark(x_label, markers.name, value)}>'
                    + _tooltip(x_label, markers.name, value_format(value))
                    + "</circle>"
                )
    body.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{INK}"/>'
    )
    return _finish_columns(body, x_labels, left, slot, top, plot_w, plot_h, bottom, x_title, y_title, label)


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colour: str,
    x_title: str,
    y_title: str,
    value_format: Callable[[float], str],
    integer: bool,
    series: str,
    notes: Sequence[str] = (),
    width: float = WIDTH,
    label: str = "",
) -> str:
    """One bar per label, longest first as given; the value is written at the end of each bar."""
    row_h, left_pad, right, top, bottom = 24.0, 30.0, 80.0, 8.0, 50.0
    label_w = min(380.0, max((text_width(lb) for lb in labels), default=0.0)) + 8
    left = left_pad + label_w
    plot_w = width - left - right
    plot_h = row_h * max(1, len(labels))
    ticks = nice_ticks(max(values, default=0.0), integer=integer, count=4)
    scale = plot_w / ticks[-1]
    body: list[str] = []
    for tick in ticks:
        x = left + tick * scale
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{GRID}"/>')
        body.append(_text(x, top + plot_h + 15, format_tick(tick), anchor="middle", size=11))
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = top + row_h * i
        body.append(
            _text(
                left - 8,
                y + row_h / 2 + 4,
                shorten(name, label_w - 8),
                anchor="end",
                extra=f' data-full="{escape(name)}"',
            )
        )
        w = value * scale
        note = notes[i] if i < len(notes) else ""
        body.append(
            f'<rect x="{left}" y="{y + 4:.1f}" width="{w:.1f}" height="{row_h - 8:.1f}" fill="{colour}"'
            f"{_mark(name, series, value)}>" + _tooltip(name, value_format(value), note) + "</rect>"
        )
        body.append(_text(left + w + 5, y + row_h / 2 + 4, value_format(value), size=11))
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{INK}"/>')
    body += _axis_titles(
        x_title=x_title,
        y_title=y_title,
        left=left,
        plot_w=plot_w,
        top=top,
        plot_h=plot_h,
        x_y=top + plot_h + 38,
    )
    return _svg(top + plot_h + bottom, body, label=label, width=width)


def heatmap(
    row_labels: Sequence[str],
    x_labels: Sequence[str],
    cells: Sequence[Sequence[float]],
    *,
    x_title: str,
    y_title: str,
    unit: str,
    label: str = "",
) -> str:
    """A grid of rows by x categories, darker for more; counts are written in cells wide enough."""
    row_h, right, top, bottom = 22.0, 16.0, 8.0, 56.0
    label_w = min(220.0, max((text_width(r) for r in row_labels), default=0.0))
    left = 34.0 + label_w + 8
    plot_w = WIDTH - left - right
    plot_h = row_h * max(1, len(row_labels))
    slot = plot_w / max(1, len(x_labels))
    highest = max((v for row in cells for v in row), default=0.0)
    body: list[str] = []
    for r, row_label in enumerate(row_labels):
        y = top + row_h * r
        body.append(_text(left - 8, y + row_h / 2 + 4, shorten(row_label, label_w), anchor="end"))
        for i, x_label in enumerate(x_labels):
            value = cells[r][i]
            fill = heat_colour(value, highest)
            body.append(
                f'<rect x="{left + slot * i + 0.5:.1f}" y="{y + 1:.1f}" width="{max(0.5, slot - 1):.1f}"'
                f' height="{row_h - 2:.1f}" fill="{fill}"{_mark(x_label, row_label, value)}>'
                + _tooltip(x_label, row_label, f"{format_tick(value)} {unit}")
                + "</rect>"
            )
            if value > 0 and slot >= text_width(format_tick(value), 10) + 4:
                ink = "#ffffff" if value / highest > 0.45 else INK
                body.append(
                    _text(
                        left + slot * (i + 0.5),
                        y + row_h / 2 + 3.5,
                        format_tick(value),
                        anchor="middle",
                        size=10,
                        fill=ink,
                    )
                )
    return _finish_columns(body, x_labels, left, slot, top, plot_w, plot_h, bottom, x_title, y_title, label)


def lanes(
    lane_labels: Sequence[str],
    x_labels: Sequence[str],
    lane_series: Sequence[Sequence[Series]],
    *,
    x_title: str,
    y_title: str,
    unit: str,
    label: str = "",
) -> str:
    """One lane of stacked columns per row label, on a shared x axis and a shared height scale.

    The total is written over each column, so the small lanes need no y ticks of their own.
    """
    lane_h, right, top, bottom = 44.0, 16.0, 8.0, 56.0
    label_w = min(200.0, max((text_width(lb) for lb in lane_labels), default=0.0))
    left = 34.0 + label_w + 8
    plot_w = WIDTH - left - right
    slot = plot_w / max(1, len(x_labels))
    bar_w = min(slot * 0.7, 40.0)
    highest = max(
        (sum(s.values[i] for s in ss) for ss in lane_series for i in range(len(x_labels))), default=0.0
    )
    scale = (lane_h - 18) / highest if highest else 0.0
    body: list[str] = []
    for r, (lane_label, series) in enumerate(zip(lane_labels, lane_series, strict=True)):
        base_y = top + lane_h * (r + 1) - 3
        if r % 2:
            body.append(
                f'<rect x="{left}" y="{base_y - lane_h + 3:.1f}" width="{plot_w}" height="{lane_h}"'
                ' fill="#fafafa"/>'
            )
        body.append(_text(left - 8, base_y - 8, shorten(lane_label, label_w), anchor="end"))
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{base_y:.1f}" y2="{base_y:.1f}" stroke="{GRID}"/>'
        )
        for i, x_label in enumerate(x_labels):
            x = left + slot * i + (slot - bar_w) / 2
            y = base_y
            for s in series:
                value = s.values[i]
                if value <= 0:
                    continue
                h = value * scale
                y -= h
                body.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{s.colour}"'
                    f' data-lane="{escape(lane_label)}"{_mark(x_label, s.name, value)}>'
                    + _tooltip(lane_label, x_label, s.name, f"{format_tick(value)} {unit}", s.note(i))
                    + "</rect>"
                )
            total = sum(s.values[i] for s in series)
            if total > 0:
                body.append(_text(x + bar_w / 2, y - 3, format_tick(total), anchor="middle", size=10))
    plot_h = lane_h * max(1, len(lane_labels))
    body.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{INK}"/>'
    )
    return _finish_columns(body, x_labels, left, slot, top, plot_w, plot_h, bottom, x_title, y_title, label)


def _finish_columns(
    body: list[str],
    x_labels: Sequence[str],
    left: float,
    slot: float,
    top: float,
    plot_w: float,
    plot_h: float,
    bottom: float,
    x_title: str,
    y_title: str,
    label: str,
) -> str:
    """x labels under the plot, both axis titles, and the closed ``<svg>`` of a column chart."""
    body += _x_labels(x_labels, left, slot, top + plot_h + 16)
    body += _axis_titles(
        x_title=x_title,
        y_title=y_title,
        left=left,
        plot_w=plot_w,
        top=top,
        plot_h=plot_h,
        x_y=top + plot_h + 40,
    )
    return _svg(top + plot_h + bottom, body, label=label)
