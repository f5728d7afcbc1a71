"""Server-rendered SVG charts: no charting library, no script, readable by a screen reader.

Every chart is an `<svg role="img">` with a `<title>` and a `<desc>` that states the figures, and
the page shows the same figures in a table next to it: the chart is for the eye, the table for
everyone. Colours are from a palette that keeps 3:1 contrast against white.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Okabe–Ito-like, darkened where needed for ≥ 3:1 against white.
PALETTE = ("#0b5cad", "#b35900", "#007a5e", "#a3317a", "#5b4db7", "#6b6b00", "#b3261e")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _n(value: float) -> str:
    """SVG coordinates as text: format_html escapes its arguments, so numbers go in formatted."""
    return f"{value:.1f}"


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, chart_id: str, width: int = 560) -> SafeString:
    """Horizontal bars, one per row, longest scaled to the width."""
    if not rows:
        return SafeString("")
    label_w, bar_h, gap = 170, 20, 8
    top = max((v for _, v in rows), default=0) or 1
    plot_w = width - label_w - 70
    height = len(rows) * (bar_h + gap) + gap
    bars = format_html_join(
        "", '<g><text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
            '<text x="{}" y="{}" class="chart-value">{}</text></g>',
        (
            (label_w - 8, _n(gap + i * (bar_h + gap) + bar_h * 0.72), label[:28],
             label_w, gap + i * (bar_h + gap), max(1, round(plot_w * value / top)), bar_h, PALETTE[0],
             label_w + max(1, round(plot_w * value / top)) + 6, _n(gap + i * (bar_h + gap) + bar_h * 0.72),
             _fmt(value))
            for i, (label, value) in enumerate(rows)
        ),
    )
    desc = "; ".join(f"{label}: {_fmt(value)}" for label, value in rows)
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{0}-t {0}-d" viewBox="0 0 {1} {2}" width="{1}" height="{2}">'
        '<title id="{0}-t">{3}</title><desc id="{0}-d">{4}</desc>{5}</svg>',
        chart_id, width, height, title, desc, bars,
    )


def stacked_columns(
    columns: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str, chart_id: str,
    width: int = 640, height: int = 240,
) -> SafeString:
    """One column per x value (e.g. week), stacked by series (e.g. kind), with a legend."""
    if not columns or not series:
        return SafeString("")
    left, bottom, legend_h = 40, 28, 40  # the legend, then room for the tallest column's total
    plot_h = height - bottom - legend_h
    totals = [sum(values[i] for _, values in series) for i in range(len(columns))]
    top = max(totals) or 1
    slot = (width - left - 10) / len(columns)
    bar_w = min(max(4.0, slot * 0.7), 56.0)
    parts: list[SafeString] = []
    for i, column in enumerate(columns):
        x = left + i * slot + (slot - bar_w) / 2
        y: float = legend_h + plot_h
        for s, (name, values) in enumerate(series):
            h = plot_h * values[i] / top
            if h > 0:
                y -= h
                parts.append(format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                                         '<title>{} {}: {}</title></rect>',
                                         _n(x), _n(y), _n(bar_w), _n(h), PALETTE[s % len(PALETTE)], column, name,
                                         _fmt(values[i])))
        parts.append(format_html('<text x="{}" y="{}" text-anchor="middle" class="chart-label">{}</text>',
                                 _n(x + bar_w / 2), height - 8, column[5:] if len(column) == 10 else column))
        parts.append(format_html('<text x="{}" y="{}" text-anchor="middle" class="chart-value">{}</text>',
                                 _n(x + bar_w / 2), _n(y - 4), _fmt(totals[i])))
    legend_items, x_legend = [], 0
    for k, (name, _) in enumerate(series):
        legend_items.append((x_legend, PALETTE[k % len(PALETTE)], x_legend + 16, name))
        x_legend += 16 + 7 * len(name) + 14  # ~7 px per character at 12 px
    legend = format_html_join(
        "", '<rect x="{}" y="4" width="12" height="12" fill="{}"></rect><text x="{}" y="14" class="chart-label">{}</text>',
        legend_items,
    )
    desc = "; ".join(
        f"{column}: " + ", ".join(f"{name} {_fmt(values[i])}" for name, values in series)
        for i, column in enumerate(columns)
    )
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{0}-t {0}-d" viewBox="0 0 {1} {2}" width="{1}" height="{2}">'
        '<title id="{0}-t">{3}</title><desc id="{0}-d">{4}</desc>{5}{6}</svg>',
        chart_id, width, height, title, desc, legend, SafeString("".join(parts)),
    )
