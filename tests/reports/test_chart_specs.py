"""Every chart as data: the specs the report pages and the digest build from the hand-computed desk
(tests/scheduler/test_report_figures.py, routed as in tests/reports/test_report_tables.py), compared as data —
not pixels — on SQLite and PostgreSQL; then that each rendering is valid: the PNG decodes with its size, the SVG
parses, carries the axes' and categories' words, and references nothing outside itself.

Figures used (the day is Monday 23 November in Moscow, see those modules): time in lines 112,200 s, 9,060 s and
3,600 s → 31.2 h, 2.5 h, 1.0 h; tickets by transfers 4, 1, 1, 0; handled: Bob 2, Kristina 2, Lisa 0 (in that order:
most first, then by address); first-response bins 0, 2, 1, 1, 0… with the email/normal target of 900 s — the edge
between "5–15 min" (bar 1) and "15–30 min" (bar 2), so at 1.5 — applying to the most decided tickets (5, against
0 for chat/high's 600 s); resolution bins …, 1 (1–2 h), 2 (2–4 h), …, 1 (2–7 d) with 14,400 s at 5.5; one rating of
each kind on the 23rd; 6 new tickets that day. Over 20–23 November the days are 2, 0, 0, 6 with the trend 0.2, 1.4,
2.6, 3.8 (tests/reports/test_chart_data.py).
"""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

from PIL import Image

from app.models import HelpdeskSetting
from app.reports import render_chart
from app.reports.charts import ChartSpec, Series, Words, bars, per_day, satisfaction, target_position, trend
from app.reports.figures import Filters, figures
from app.reports.tables import REPORTS, Request, build
from scheduler.digest import charts_of
from tests.reports.test_report_tables import NOW, routed  # noqa: F401  (the fixture)
from tests.scheduler.test_report_figures import END, MSK, START, period_desk  # noqa: F401  (the fixture)

SVG = "{http://www.w3.org/2000/svg}"


def report(session, name: str, start=START) -> dict[str, ChartSpec]:
    built = build(name, Request(session, start, END, Filters(), "Europe/Moscow", NOW))
    return {chart.slug: chart for chart in built.charts}


def values(spec: ChartSpec) -> dict[str, tuple[float, ...]]:
    return {series.label: series.values for series in spec.series}


def test_report_pages_chart_specs(session, routed):  # noqa: F811
    agents = report(session, "agents")
    assert (agents["handled"].kind, agents["handled"].categories, values(agents["handled"])) == (
        "hbars", ("Bob", "Kristina", "Lisa"), {"Handled": (2.0, 2.0, 0.0)})
    assert (agents["satisfaction"].kind, agents["satisfaction"].categories, values(agents["satisfaction"])) == (
        "stacked", ("Nov 23",), {"Satisfied": (1.0,), "Not satisfied": (1.0,), "Did not submit": (1.0,)})

    lines = report(session, "lines")
    assert (lines["time"].categories, values(lines["time"]), lines["time"].unit) == (
        ("1st line", "2nd line", "Development"), {"Hours": (31.2, 2.5, 1.0)}, "h")
    assert (lines["transfers"].categories, values(lines["transfers"])) == (("0", "1", "2", "3+"),
                                                                           {"Tickets": (4.0, 1.0, 1.0, 0.0)})

    targets = report(session, "targets")
    first, resolution = targets["first-response"], targets["resolution"]
    assert values(first) == {"Tickets": (0.0, 2.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)}
    assert (first.target, first.target_label, first.categories[1:3]) == (1.5, "Target 15 min", ("5–15 min", "15–30 min"))
    assert values(resolution) == {"Tickets": (0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 1.0, 0.0)}
    assert (resolution.target, resolution.target_label) == (5.5, "Target 4 h")
    assert (targets["within"].categories, values(targets["within"])) == (("email / normal",), {"Share, %": (80.0,)})

    rhythms = report(session, "rhythms")
    assert (rhythms["per-day"].kind, rhythms["per-day"].categories, values(rhythms["per-day"])) == (
        "columns", ("Nov 23",), {"New": (6.0,)})  # one day: no trend to draw
    heat = rhythms["heatmap"]
    assert (heat.grid[0][9], heat.grid[0][10], heat.grid[0][23], heat.grid_rows[0], heat.grid_columns[9]) == (
        3, 2, 1, "Mon", "09")
    assert (values(rhythms["months"]), values(rhythms["channels"])) == ({"Tickets": (6.0,)}, {"Tickets": (5.0, 1.0)})


def test_tickets_per_day_with_the_trend(session, routed):  # noqa: F811
    spec = report(session, "rhythms", start=datetime(2026, 11, 20, tzinfo=MSK))["per-day"]
    assert spec.categories == ("Nov 20", "Nov 21", "Nov 22", "Nov 23")
    assert values(spec) == {"New": (2.0, 0.0, 0.0, 6.0), "Trend": (0.2, 1.4, 2.6, 3.8)}
    assert [s.style for s in spec.series] == ["bar", "line"]


def test_the_desks_language_names_everything(session, routed):  # noqa: F811
    session.add(HelpdeskSetting(key="language", value="ru"))
    session.commit()
    rhythms = report(session, "rhythms")
    assert (rhythms["per-day"].title, rhythms["per-day"].categories, rhythms["heatmap"].grid_rows[:2]) == (
        "Заявки по дням", ("23 ноя",), ("Пн", "Вт"))
    assert report(session, "targets")["first-response"].target_label == "Цель 15 мин"


def test_the_digest_charts(session, period_desk):  # noqa: F811
    lines, agents, load = charts_of(figures(session, START, END), Words.for_lang("en"))
    assert (lines.categories[:2], values(lines)) == (("1st line", "2nd line"), {
        "New": (4.0, 2.0, 0.0, 0.0, 0.0, 0.0), "Solved": (2.0, 2.0, 0.0, 0.0, 0.0, 0.0)})
    assert (agents.categories, values(agents)) == (("Bob", "Kristina", "Lisa"), {"Handled": (2.0, 2.0, 0.0)})
    assert (load.kind, sum(map(sum, load.grid)), load.grid[0][9]) == ("heatmap", 6, 3)


def test_trend_and_target_positions():
    assert trend((2.0, 0.0, 0.0, 6.0)) == (0.2, 1.4, 2.6, 3.8)
    assert trend((5.0, 5.0, 5.0)) == (5.0, 5.0, 5.0)
    assert trend((9.0, 0.0, 0.0, 0.0)) == (6.3, 3.6, 0.9, 0.0)  # -1.8 on the last day: no fewer than no tickets
    assert (target_position(0), target_position(300), target_position(600), target_position(10 ** 7)) == (
        -0.5, 0.5, 1.0, 10.0)


def every_spec(session) -> list[ChartSpec]:
    specs = [chart for name in REPORTS for chart in report(session, name, start=datetime(2026, 11, 20, tzinfo=MSK))
             .values()]
    return specs + list(charts_of(figures(session, START, END), Words.for_lang("en")))


def test_every_chart_renders_as_a_valid_png_and_svg(session, routed):  # noqa: F811
    specs = every_spec(session)
    assert {spec.kind for spec in specs} == {"hbars", "columns", "stacked", "heatmap"}
    for spec in specs:
        figure = render_chart.figure(spec)
        image = Image.open(io.BytesIO(render_chart.png(spec)))
        image.load()  # decodes every pixel
        width, height = figure.get_size_inches()
        assert image.format == "PNG" and image.size[0] == 720, spec.slug  # 4.8 in at 150 dpi
        assert abs(image.size[1] - height * 150) < 1, spec.slug

        root = ET.fromstring(str(render_chart.svg(spec)))
        texts = {"".join(t.itertext()) for t in root.iter(f"{SVG}text")}
        assert root.tag == f"{SVG}svg" and root.get("aria-label") == spec.title
        assert root.find(f"{SVG}title").text == spec.title
        assert spec.value_label in texts, (spec.slug, texts)
        shown = set(spec.grid_rows) if spec.kind == "heatmap" else {c for c in spec.categories if len(c) <= 26}
        assert shown & texts, (spec.slug, texts)
        assert_self_contained(root)


def assert_self_contained(root: ET.Element) -> None:
    """No script, no image, no link or style sheet to fetch; no inline style for the page's CSP to refuse."""
    for element in root.iter():
        assert element.tag.split("}")[1] not in ("script", "image", "foreignObject", "style", "a"), element.tag
        assert "style" not in element.attrib
        for name, value in element.attrib.items():
            assert not name.startswith("on"), name
            if name.endswith("href"):
                assert value.startswith("#"), value
            assert "url(" not in value or value.startswith("url(#"), value


def test_labels_are_text_not_markup_nor_mathtext():
    spec = ChartSpec("x", "A <b>title</b>", "hbars", categories=("$5 plan", "</svg><script>alert(1)</script>"),
                     series=(Series("Tickets & more", (1.0, 2.0)),), value_label="Tickets & more")
    markup = str(render_chart.svg(spec))
    assert "<script>" not in markup and "&lt;/svg&gt;&lt;script&gt;" in markup and "$5 plan" in markup
    assert ET.fromstring(markup).get("aria-label") == "A <b>title</b>"


def test_an_empty_chart_says_so():
    spec = ChartSpec("x", "T", "hbars", categories=("a",), series=(Series("n", (0.0,)),), empty="Nothing here.")
    assert str(render_chart.svg(spec)) == '<p class="muted" data-chart="x">Nothing here.</p>'
    assert Image.open(io.BytesIO(render_chart.png(spec))).size == (720, 150)


def test_only_the_renderer_imports_matplotlib(tmp_path):
    """The data modules import without matplotlib; the renderer keeps its cache out of $HOME and warns of
    nothing (a fresh interpreter, warnings as errors, HOME an empty folder)."""
    data_only = ("import sys, app.reports.tables, app.reports.charts, app.reports.figures, app.reports.breakdowns, "
                 "app.reports.journeys; assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", data_only], check=True)
    home = tmp_path / "home"
    home.mkdir()
    draw = ("from app.reports import render_chart; from app.reports.charts import ChartSpec, Series; "
            "render_chart.png(ChartSpec('x', 'T', 'hbars', categories=('a',), series=(Series('n', (1.0,)),)))")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-W", "error", "-c", draw], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert list(home.iterdir()) == [] and (tmp_path / f"linedesk-matplotlib-{__import__('os').getuid()}").is_dir()


def test_long_periods_are_drawn_per_week_and_long_lists_keep_the_largest():
    words = Words.for_lang("en")
    days = [(date(2026, 1, 1) + timedelta(days=i), 1) for i in range(93)]  # Thursday 1 January to 3 April
    weekly = per_day(words, days)
    assert weekly.title == "Tickets per week (from Monday)" and len(weekly.categories) == 14
    assert (weekly.categories[:2], values(weekly)["New"][:2], values(weekly)["New"][-1]) == (
        ("Dec 29", "Jan 5"), (4.0, 7.0), 5.0)  # Thu–Sun of the first week, then whole weeks, Mon–Fri of the last
    assert len(per_day(words, days[:92]).categories) == 92
    rated = satisfaction(words, [(day, 1, 0, 2) for day, _ in days])
    assert rated.title == "Satisfaction by week (from Monday)" and values(rated)["Did not submit"][:2] == (8.0, 14.0)
    many = bars(words, "categories", "t_categories", [(f"c{i}", i) for i in range(25)])
    assert many.title == "Tickets per category (top 20)" and many.categories[:2] == ("c24", "c23")
    assert len(many.categories) == 20
