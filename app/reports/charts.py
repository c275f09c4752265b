"""Every chart of the reports and the digest, defined once as data: a `ChartSpec` (kind, categories, series, a
target line, the words in the desk's language) built from the figures by a pure function here, and drawn by
`render_chart` — as inline SVG for the report pages and as PNG for mail — so the page and the mail cannot drift
apart. Nothing here imports matplotlib: the data modules stay cheap to import, and a test can compare specs (data),
not pixels.

The kinds (what `render_chart` knows how to draw):
- `hbars`: one horizontal bar per category (agents, lines, categories), one bar per series and category, the value
  written at the bar's end;
- `columns`: vertical bars over ordered categories (days, months, duration bins), with optional `line` series (the
  trend) and an optional vertical target line at a position on the category axis;
- `stacked`: vertical bars stacked per category (ratings per day);
- `heatmap`: a grid of counts (weekday × hour) with its colour scale.

The words (`WORDS`): English and Russian; the desk's language is the HelpdeskSetting `language` (the one the
feedback pages use), English when unset or unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.orm import Session

from app.models import HelpdeskSetting

MAX_DAYS = 92  # a longer period is drawn per week: a bar a day would be a hairline
MAX_BARS = 20  # horizontal bars: the largest 20

# Duration bins of the response-time distributions: [edge_i, edge_i+1) seconds; the last bin is open.
DURATION_EDGES_S = (0, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800)

WORDS: dict[str, dict[str, object]] = {
    "en": {
        "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        "months": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        "day": "{month} {day}",
        "nothing": "Nothing in this period.",
        "tickets": "Tickets", "new": "New", "solved": "Solved", "trend": "Trend", "hours": "Hours",
        "hour": "Hour of the day", "weekday": "Weekday", "share": "Share, %", "target": "Target {value}",
        "bins": ("< 5 min", "5–15 min", "15–30 min", "30–60 min", "1–2 h", "2–4 h", "4–8 h", "8–24 h", "1–2 d",
                 "2–7 d", "> 7 d"),
        "satisfied": "Satisfied", "not_satisfied": "Not satisfied", "not_submitted": "Did not submit",
        "ratings": "Ratings", "handled": "Handled", "transfers": "Transfers",
        "t_per_day": "Tickets per day", "t_per_week": "Tickets per week (from Monday)", "top": "{title} (top {n})",
        "t_satisfaction_weeks": "Satisfaction by week (from Monday)", "t_months": "Tickets by month",
        "t_heatmap": "Tickets by weekday and hour",
        "t_channels": "Tickets by channel", "t_handled": "Tickets handled per agent",
        "t_satisfaction": "Satisfaction over time", "t_line_hours": "Hours spent in each line",
        "t_transfers": "Tickets by number of transfers", "t_categories": "Tickets per category",
        "t_within": "Share within the first-response target, %", "t_first_response": "Time to first response",
        "t_resolution": "Time to resolution", "t_lines": "New and solved per line",
        "minutes": "{n} min", "hours_short": "{n} h", "days_short": "{n} d",
    },
    "ru": {
        "weekdays": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"),
        "months": ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"),
        "day": "{day} {month}",
        "nothing": "За этот период ничего нет.",
        "tickets": "Заявки", "new": "Новые", "solved": "Решённые", "trend": "Тренд", "hours": "Часы",
        "hour": "Час дня", "weekday": "День недели", "share": "Доля, %", "target": "Цель {value}",
        "bins": ("< 5 мин", "5–15 мин", "15–30 мин", "30–60 мин", "1–2 ч", "2–4 ч", "4–8 ч", "8–24 ч", "1–2 дн",
                 "2–7 дн", "> 7 дн"),
        "satisfied": "Доволен", "not_satisfied": "Не доволен", "not_submitted": "Не оставлял",
        "ratings": "Оценки", "handled": "Решено", "transfers": "Передачи",
        "t_per_day": "Заявки по дням", "t_per_week": "Заявки по неделям (с понедельника)", "top": "{title} (первые {n})",
        "t_satisfaction_weeks": "Удовлетворённость по неделям (с понедельника)", "t_months": "Заявки по месяцам",
        "t_heatmap": "Заявки по дням недели и часам",
        "t_channels": "Заявки по каналам", "t_handled": "Решено заявок по агентам",
        "t_satisfaction": "Удовлетворённость по дням", "t_line_hours": "Часы в каждой линии",
        "t_transfers": "Заявки по числу передач", "t_categories": "Заявки по категориям",
        "t_within": "Доля в пределах цели первого ответа, %", "t_first_response": "Время до первого ответа",
        "t_resolution": "Время до решения", "t_lines": "Новые и решённые по линиям",
        "minutes": "{n} мин", "hours_short": "{n} ч", "days_short": "{n} дн",
    },
}


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float, ...]
    style: str = "bar"  # bar, line
    colour: str = "primary"  # primary, secondary, good, bad, muted, trend (render_chart's palette)


@dataclass(frozen=True)
class ChartSpec:
    slug: str
    title: str
    kind: str  # hbars, columns, stacked, heatmap
    categories: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    value_label: str = ""
    category_label: str = ""
    unit: str = ""  # written after the values on bars ("h", "%")
    target: float | None = None  # columns: a vertical line at this position of the category axis (bar i at i)
    target_label: str = ""
    grid: tuple[tuple[int, ...], ...] = ()  # heatmap rows
    grid_rows: tuple[str, ...] = ()
    grid_columns: tuple[str, ...] = ()
    empty: str = "Nothing in this period."

    @property
    def is_empty(self) -> bool:
        if self.kind == "heatmap":
            return not any(any(row) for row in self.grid)
        return not self.categories or not any(v for s in self.series if s.style == "bar" for v in s.values)


@dataclass(frozen=True)
class Words:
    """The desk's words for charts: `Words.of(session)` or `Words("ru")`."""

    lang: str = "en"
    table: dict[str, object] = field(default_factory=dict)

    @staticmethod
    def of(session: Session) -> "Words":
        row = session.get(HelpdeskSetting, "language")
        return Words.for_lang(str(row.value) if row is not None and row.value else "en")

    @staticmethod
    def for_lang(lang: str) -> "Words":
        lang = lang.split("-")[0].lower()
        return Words(lang, WORDS[lang]) if lang in WORDS else Words("en", WORDS["en"])

    def __call__(self, key: str, **values: object) -> str:
        return str(self.table[key]).format(**values)

    def seq(self, key: str) -> tuple[str, ...]:
        return tuple(self.table[key])  # type: ignore[arg-type]

    def day(self, day: date) -> str:
        return self("day", day=day.day, month=self.seq("months")[day.month - 1])

    def duration(self, seconds: float) -> str:
        if seconds < 3600:
            return self("minutes", n=_number(seconds / 60))
        if seconds < 86400:
            return self("hours_short", n=_number(seconds / 3600))
        return self("days_short", n=_number(seconds / 86400))


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _spec(words: Words, slug: str, title_key: str, kind: str, **rest: object) -> ChartSpec:
    return ChartSpec(slug, words(title_key), kind, empty=words("nothing"), **rest)  # type: ignore[arg-type]


# --- the charts ------------------------------------------------------------------------------------------------


def per_day(words: Words, days: Sequence[tuple[date, int]], slug: str = "per-day") -> ChartSpec:
    """New tickets per local day (per week, Monday first, past `MAX_DAYS`), with the least-squares trend when there
    are three bars or more."""
    weekly = len(days) > MAX_DAYS
    rows = by_week(days) if weekly else list(days)
    counts = tuple(float(n) for _, n in rows)
    series = [Series(words("new"), counts)]
    if len(counts) >= 3:
        series.append(Series(words("trend"), trend(counts), style="line", colour="trend"))
    return _spec(words, slug, "t_per_week" if weekly else "t_per_day", "columns",
                 categories=tuple(words.day(d) for d, _ in rows), series=tuple(series), value_label=words("tickets"))


def by_week(days: Sequence[tuple]) -> list[tuple]:
    """(day, n, …) rows summed per week, each labelled by its Monday (the first week may start before the period)."""
    weeks: dict[date, list[int]] = {}
    for day, *counts in days:
        monday = date.fromordinal(day.toordinal() - day.weekday())
        total = weeks.setdefault(monday, [0] * len(counts))
        for i, n in enumerate(counts):
            total[i] += n
    return [(monday, *total) for monday, total in weeks.items()]


def trend(values: Sequence[float]) -> tuple[float, ...]:
    """The least-squares straight line through (i, values[i]), rounded to 0.01 (and cut at 0)."""
    n = len(values)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    spread = sum((i - mean_x) ** 2 for i in range(n))
    slope = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values)) / spread if spread else 0.0
    return tuple(max(0.0, round(mean_y + slope * (i - mean_x), 2)) for i in range(n))  # never below no tickets


def distribution(words: Words, slug: str, title_key: str, counts: Sequence[int], target_s: int | None) -> ChartSpec:
    """Tickets per duration bin (`DURATION_EDGES_S`), and where the target falls among the bins."""
    return _spec(words, slug, title_key, "columns", categories=words.seq("bins"),
                 series=(Series(words("tickets"), tuple(float(n) for n in counts)),), value_label=words("tickets"),
                 target=None if target_s is None else target_position(target_s),
                 target_label="" if target_s is None else words("target", value=words.duration(target_s)))


def target_position(seconds: float) -> float:
    """Bin i is drawn at i, so its edges are i ± 0.5; within a bin the position is linear in seconds."""
    edges = DURATION_EDGES_S
    for i in range(len(edges) - 1):
        if seconds < edges[i + 1]:
            return round(i - 0.5 + (seconds - edges[i]) / (edges[i + 1] - edges[i]), 3)
    return len(edges) - 1.0


def heatmap(words: Words, load: Sequence[Sequence[int]], slug: str = "heatmap") -> ChartSpec:
    return _spec(words, slug, "t_heatmap", "heatmap", grid=tuple(tuple(row) for row in load),
                 grid_rows=words.seq("weekdays"), grid_columns=tuple(f"{h:02d}" for h in range(24)),
                 value_label=words("tickets"), category_label=words("hour"))


def bars(words: Words, slug: str, title_key: str, rows: Sequence[tuple[str, float]], *, value_key: str = "tickets",
         unit: str = "") -> ChartSpec:
    """One bar per row, in the rows' order; past `MAX_BARS` rows only the largest (the table lists them all)."""
    spec = _spec(words, slug, title_key, "hbars", value_label=words(value_key), unit=unit)
    if len(rows) > MAX_BARS:
        rows = sorted(rows, key=lambda row: -row[1])[:MAX_BARS]
        spec = replace(spec, title=words("top", title=spec.title, n=MAX_BARS))
    return replace(spec, categories=tuple(label for label, _ in rows),
                   series=(Series(words(value_key), tuple(float(v) for _, v in rows)),))


def columns(words: Words, slug: str, title_key: str, rows: Sequence[tuple[str, float]]) -> ChartSpec:
    return _spec(words, slug, title_key, "columns", categories=tuple(label for label, _ in rows),
                 series=(Series(words("tickets"), tuple(float(v) for _, v in rows)),), value_label=words("tickets"))


def new_and_solved_per_line(words: Words, lines: Sequence[tuple[str, int, int]]) -> ChartSpec:
    """(line name, new, solved) → two bars per line."""
    return _spec(words, "lines", "t_lines", "hbars", categories=tuple(name for name, _, _ in lines),
                 series=(Series(words("new"), tuple(float(n) for _, n, _ in lines)),
                         Series(words("solved"), tuple(float(s) for _, _, s in lines), colour="good")),
                 value_label=words("tickets"))


def satisfaction(words: Words, days: Sequence[tuple[date, int, int, int]]) -> ChartSpec:
    """(day, satisfied, not satisfied, did not submit) → stacked bars per day (per week past `MAX_DAYS`)."""
    weekly = len(days) > MAX_DAYS
    days = by_week(days) if weekly else days
    labels = tuple(words.day(d) for d, *_ in days)
    return _spec(words, "satisfaction", "t_satisfaction_weeks" if weekly else "t_satisfaction", "stacked",
                 categories=labels, series=(
        Series(words("satisfied"), tuple(float(row[1]) for row in days), colour="good"),
        Series(words("not_satisfied"), tuple(float(row[2]) for row in days), colour="bad"),
        Series(words("not_submitted"), tuple(float(row[3]) for row in days), colour="muted")),
        value_label=words("ratings"))


def main_target(targets: Sequence[tuple[int | None, int]]) -> int | None:
    """The target that applies to the most decided tickets: (target seconds or None, decided tickets) pairs."""
    weights: dict[int, int] = {}
    for seconds, decided in targets:
        if seconds:
            weights[seconds] = weights.get(seconds, 0) + decided
    return max(sorted(weights), key=lambda s: weights[s]) if weights else None


def digest_charts(words: Words, lines: Sequence[tuple[str, int, int]], agents: Sequence[tuple[str, int]],
                  load: Sequence[Sequence[int]]) -> tuple[ChartSpec, ...]:
    """The digest's charts: new and solved per line, handled per agent, the load by weekday and hour."""
    return (new_and_solved_per_line(words, lines), bars(words, "agents", "t_handled", agents, value_key="handled"),
            heatmap(words, load))
