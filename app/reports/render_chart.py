"""A `ChartSpec` (app/reports/charts.py) drawn by matplotlib: `svg(spec)` for the report pages (inline, no external
resource) and `png(spec)` for mail (the digest's `cid:` images) — one figure, two renderings.

Why matplotlib (docs/libraries.md): the field's default for server-side charts; the Agg backend needs no display,
and the same Figure is written to SVG and PNG, so the page and the mail cannot drift apart. It is the only module
that imports matplotlib; the data modules (`figures`, `breakdowns`, `journeys`, `tables`, `charts`) do not.

How the SVG is made fit for our pages, whose CSP allows no inline style (`style-src 'self'`): matplotlib writes
its colours as `style="fill: …"` attributes, which that policy blocks, so each declaration becomes the SVG
presentation attribute of the same name (`fill="…"`, not a style; the one `<style>` element and the metadata go).
Text stays text (`svg.fonttype = none`: selectable, searchable, sharp at any zoom), laid out by matplotlib with
DejaVu Sans — the font it ships and draws the PNG with — and shown with a stack that falls back to narrower fonts
(`FONT_STACK`), so a label never grows into its neighbour. Every id is prefixed with the chart's slug: several
charts share one HTML document. Labels are never read as mathtext (`text.parse_math`: a "$5 plan" category stays
text). Output is deterministic (fixed hash salt, no dates, no software tag): the same spec gives the same bytes.

MPLCONFIGDIR: matplotlib keeps its font cache there; unless set it is `$TMPDIR/linedesk-matplotlib-<uid>`, so it
never writes to $HOME in production and never warns in tests.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import xml.etree.ElementTree as ET

os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(),
                                                   f"linedesk-matplotlib-{getattr(os, 'getuid', lambda: 0)()}"))

import matplotlib  # noqa: E402  (after MPLCONFIGDIR, which it reads on import)

matplotlib.use("Agg")

from markupsafe import Markup  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from app.reports.charts import ChartSpec  # noqa: E402

WIDTH_IN = 4.8  # about the width of a phone (the SVG) and of a mail column (the PNG, shown 480 px wide)
PNG_DPI = 150
FONT_STACK = "'DejaVu Sans', Arial, Helvetica, sans-serif"
COLOURS = {"primary": "#1a52a0", "secondary": "#7aa6d8", "good": "#2e8540", "bad": "#c0392b", "muted": "#9aa5b1",
           "trend": "#e8890c", "target": "#c0392b"}
HEAT = LinearSegmentedColormap.from_list("linedesk-load", ["#f0f2f5", "#9cbbe3", "#1a52a0"], N=9)  # nine shades: readable steps
MAX_LABEL = 26
LEGEND_IN = 0.42  # the legend's row above the plot

SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
PRESENTATION = frozenset({
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linejoin", "stroke-linecap",
    "stroke-opacity", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity", "font-size",
    "font-family", "font-weight", "font-style", "text-anchor", "dominant-baseline", "clip-path",
})

matplotlib.rcParams.update({
    "font.family": ["DejaVu Sans"], "font.size": 11, "svg.fonttype": "none", "svg.hashsalt": "linedesk",
    "text.parse_math": False, "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#8a949e",
    "axes.labelcolor": "#1f2328", "text.color": "#1f2328", "xtick.color": "#57606a", "ytick.color": "#57606a",
    "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.frameon": False, "legend.fontsize": 10,
})


def svg(spec: ChartSpec) -> Markup:
    """The chart as an inline `<svg>` element (or a line of text when there is nothing to draw)."""
    if spec.is_empty:
        return Markup('<p class="muted" data-chart="{}">{}</p>').format(spec.slug, spec.empty)
    buffer = io.BytesIO()
    figure(spec).savefig(buffer, format="svg", metadata={"Date": None})
    return Markup(_fit_for_page(buffer.getvalue(), spec))


def png(spec: ChartSpec) -> bytes:
    buffer = io.BytesIO()
    figure(spec).savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


def figure(spec: ChartSpec) -> Figure:
    if spec.is_empty:
        fig = Figure(figsize=(WIDTH_IN, 1.0))
        fig.text(0.5, 0.5, spec.empty, ha="center", va="center", color=COLOURS["muted"])
        return fig
    return {"hbars": _hbars, "columns": _columns, "stacked": _columns, "heatmap": _heatmap}[spec.kind](spec)


def _hbars(spec: ChartSpec) -> Figure:
    n, k = len(spec.categories), len(spec.series)
    labels = [_cut(c) for c in spec.categories]
    top = LEGEND_IN if k > 1 else 0.12
    fig = Figure(figsize=(WIDTH_IN, top + 0.6 + n * (0.26 * k + 0.14)))
    _place(fig, left=0.25 + _text_in(labels), right=0.2, bottom=0.6, top=top)
    ax = fig.add_subplot()
    band = 0.8 / k
    for j, series in enumerate(spec.series):
        positions = [i - 0.4 + band * (j + 0.5) for i in range(n)]
        bars = ax.barh(positions, series.values, height=band * 0.9, color=COLOURS[series.colour], label=series.label)
        ax.bar_label(bars, labels=[_value(v, spec.unit) for v in series.values], padding=3, fontsize=9)
    ax.set_yticks(range(n), labels)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel(spec.value_label)
    ax.margins(x=0.15)
    _integers(ax.xaxis, spec)
    ax.xaxis.grid(True, color="#eef1f4")
    ax.set_axisbelow(True)
    if k > 1:
        _legend(fig, ax, spec)
    return fig


def _columns(spec: ChartSpec) -> Figure:
    n = len(spec.categories)
    # Every category up to 12 (bins, months, transfers); beyond that (days) about six labels, which fit a phone.
    step = 1 if n <= 12 else math.ceil(n / 6)
    ticks = list(range(0, n, step))
    shown = [spec.categories[i] for i in ticks]
    rotate = len(ticks) > 5 and any(len(label) > 4 for label in shown)
    legend = len(spec.series) > 1 or spec.target is not None
    bottom_in = (0.3 + 0.66 * _text_in(shown)) if rotate else 0.35
    bottom_in += 0.25 if spec.category_label else 0.0
    fig = Figure(figsize=(WIDTH_IN, 2.4 + bottom_in + (LEGEND_IN if legend else 0.12)))
    _place(fig, left=0.75, right=0.15, bottom=bottom_in, top=LEGEND_IN if legend else 0.12)
    ax = fig.add_subplot()
    bars = [s for s in spec.series if s.style == "bar"]
    stacked = spec.kind == "stacked"
    width = 0.8 if stacked else 0.8 / len(bars)
    below = [0.0] * n
    for j, series in enumerate(bars):
        offset = 0.0 if stacked else -0.4 + width * (j + 0.5)
        ax.bar([i + offset for i in range(n)], series.values, width=width * 0.92, bottom=below if stacked else None,
               color=COLOURS[series.colour], label=series.label)
        if stacked:
            below = [b + v for b, v in zip(below, series.values)]
    for series in spec.series:
        if series.style == "line":
            ax.plot(range(n), series.values, color=COLOURS[series.colour], linewidth=2, label=series.label)
    if spec.target is not None:
        ax.axvline(spec.target, color=COLOURS["target"], linestyle="--", linewidth=1.6, label=spec.target_label)
    ax.set_xticks(ticks, shown)
    if rotate:
        for label in ax.get_xticklabels():
            label.set(rotation=40, ha="right", rotation_mode="anchor")
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylabel(spec.value_label)
    ax.set_xlabel(spec.category_label)
    _integers(ax.yaxis, spec)
    ax.yaxis.grid(True, color="#eef1f4")
    ax.set_axisbelow(True)
    if legend:
        _legend(fig, ax, spec)
    return fig


def _heatmap(spec: ChartSpec) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, 2.9))
    left, right, bottom, top = 0.3 + _text_in(spec.grid_rows), 0.95, 0.35 + (0.25 if spec.category_label else 0), 0.1
    _place(fig, left=left, right=right, bottom=bottom, top=top)
    ax = fig.add_subplot()
    rows, hours = len(spec.grid_rows), len(spec.grid_columns)
    # cells as vector shapes (pcolormesh, not imshow: the SVG holds no embedded bitmap), Monday on top
    image = ax.pcolormesh([x - 0.5 for x in range(hours + 1)], [y - 0.5 for y in range(rows + 1)], spec.grid,
                          cmap=HEAT, vmin=0, edgecolors="white", linewidth=1)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_yticks(range(len(spec.grid_rows)), spec.grid_rows)
    ax.set_xticks(range(0, len(spec.grid_columns), 3), spec.grid_columns[::3])
    ax.tick_params(which="major", length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_xlabel(spec.category_label)
    width, height = fig.get_size_inches()
    scale = fig.add_axes((1 - 0.8 / width, bottom / height, 0.14 / width, 1 - (bottom + top) / height))
    bar = fig.colorbar(image, cax=scale)
    bar.n_rasterize = 10 ** 6  # a vector scale: past 50 colours matplotlib would embed a bitmap in the SVG
    bar.locator = MaxNLocator(integer=True)
    bar.update_normal(image)
    bar.set_label(spec.value_label)
    return fig


def _place(fig: Figure, *, left: float, right: float, bottom: float, top: float) -> None:
    """Margins in inches (a fixed layout: matplotlib's constrained layout measured every label again, twice the
    drawing time, for what the labels' lengths say beforehand)."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height)


def _text_in(labels) -> float:
    """The width of the longest label at the tick size, in inches (DejaVu Sans: about 0.62 em a character)."""
    return max((len(label) for label in labels), default=0) * 0.62 * 10 / 72


def _legend(fig: Figure, ax, spec: ChartSpec) -> None:
    """Above the plot, never over a bar; in the spec's order of series, the target last."""
    found = dict(zip(*reversed(ax.get_legend_handles_labels())))
    labels = [label for label in (*(s.label for s in spec.series), spec.target_label) if label in found]
    fig.legend([found[label] for label in labels], labels, loc="upper center", bbox_to_anchor=(0.5, 1.0),
               ncols=min(len(labels), 3))


def _integers(axis, spec: ChartSpec) -> None:
    """At most six ticks on the value axis (readable on a phone, and each tick costs drawing time), whole numbers
    when the values are counts."""
    counts = all(v == int(v) for s in spec.series if s.style == "bar" for v in s.values)
    axis.set_major_locator(MaxNLocator(nbins=5, integer=counts))


def _value(value: float, unit: str) -> str:
    shown = f"{value:g}" if value == int(value) else f"{value:.1f}"
    return f"{shown} {unit}".strip() if unit and unit != "%" else shown + unit


def _cut(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _fit_for_page(document: bytes, spec: ChartSpec) -> str:
    """matplotlib's SVG document as an element for our pages: presentation attributes instead of inline styles,
    ids prefixed, no metadata, scaled by its viewBox, labelled for screen readers."""
    root = ET.fromstring(document)
    prefix = f"ld-{spec.slug}-"
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG_NS}}}metadata", f"{{{SVG_NS}}}style"):
                parent.remove(child)
    for element in root.iter():
        _styles_to_attributes(element)
        if "id" in element.attrib:
            element.set("id", prefix + element.get("id", ""))
        href = element.get(f"{{{XLINK_NS}}}href", "")
        if href.startswith("#"):
            element.set(f"{{{XLINK_NS}}}href", "#" + prefix + href[1:])
        clip = element.get("clip-path", "")
        if clip.startswith("url(#"):
            element.set("clip-path", "url(#" + prefix + clip[5:])
    for name in ("width", "height", "version"):
        root.attrib.pop(name, None)
    root.attrib.update({"class": f"chart {spec.kind}", "role": "img", "aria-label": spec.title,
                        "data-chart": spec.slug, "width": "100%", "preserveAspectRatio": "xMinYMin meet",
                        "stroke-linejoin": "round", "stroke-linecap": "butt"})
    title = ET.Element(f"{{{SVG_NS}}}title")
    title.text = spec.title  # ElementTree escapes it
    root.insert(0, title)
    return ET.tostring(root, encoding="unicode")


def _styles_to_attributes(element: ET.Element) -> None:
    style = element.attrib.pop("style", "")
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name == "font-family":
            value = FONT_STACK
        if name in PRESENTATION and value:
            element.set(name, value)
