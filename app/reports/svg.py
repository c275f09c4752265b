"""The report charts as inline SVG for the browser: no script, no external file, nothing loaded from elsewhere.

The same `Chart` data is drawn as PNG for mail by `chart.py` (bars_png, heatmap_png). Every label is escaped
(`markupsafe.escape`): category names and subjects come from customers and agents.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from app.reports.chart import EMPTY, FULL, _shade
from app.reports.tables import Chart

BAR_H, GAP, LABEL_W, BAR_W = 18, 4, 180, 320
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def render(chart: Chart) -> Markup:
    return heatmap(chart) if chart.kind == "heatmap" else bars(chart)


def bars(chart: Chart) -> Markup:
    if not chart.bars:
        return Markup('<p class="muted">Nothing in this period.</p>')
    peak = max(v for _, v in chart.bars) or 1.0
    width, height = LABEL_W + BAR_W + 70, len(chart.bars) * (BAR_H + GAP) + GAP
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(chart.title)}" data-chart="{escape(chart.slug)}">']
    for i, (label, value) in enumerate(chart.bars):
        y = GAP + i * (BAR_H + GAP)
        w = max(0.0, BAR_W * value / peak)
        shown = f"{value:g}{chart.unit and ' ' + chart.unit}"
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 13}" text-anchor="end" font-size="12">{escape(_cut(label))}</text>'
                     f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{_rgb(FULL)}">'
                     f'<title>{escape(label)}: {escape(shown)}</title></rect>'
                     f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 13}" font-size="12">{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def heatmap(chart: Chart) -> Markup:
    cell, left, top = 22, 36, 16
    grid = chart.grid
    peak = max((max(row) for row in grid), default=0)
    width, height = left + 24 * (cell + 1), top + 7 * (cell + 1)
    parts = [f'<svg class="chart heatmap" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'aria-label="{escape(chart.title)}" data-chart="{escape(chart.slug)}">']
    for hour in range(0, 24, 3):
        parts.append(f'<text x="{left + hour * (cell + 1)}" y="11" font-size="10">{hour:02d}</text>')
    for day, row in enumerate(grid):
        y = top + day * (cell + 1)
        parts.append(f'<text x="0" y="{y + 15}" font-size="11">{WEEKDAYS[day]}</text>')
        for hour, n in enumerate(row):
            colour = _shade(n / peak) if peak else EMPTY
            parts.append(f'<rect x="{left + hour * (cell + 1)}" y="{y}" width="{cell}" height="{cell}" '
                         f'fill="{_rgb(colour)}"><title>{WEEKDAYS[day]} {hour:02d}:00: {n}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _rgb(colour: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % colour


def _cut(label: str, n: int = 28) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"
