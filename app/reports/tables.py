"""The report pages as data: each report is tables (for the page and its CSV) and charts (`charts.ChartSpec`,
drawn by `render_chart` as inline SVG on the page and PNG for mail), built from the one set of figures
(`figures`, `journeys`, `breakdowns`).

`REPORTS` names them; `build(name, session, period, filters, zone, now)` returns a `Report`. Cells hold raw
values (seconds, shares 0..1, counts); the column's `kind` says how the page shows them, and the CSV keeps
them raw so a spreadsheet can compute with them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.reports import breakdowns, charts
from app.reports.charts import ChartSpec, Words
from app.reports.figures import Filters, Scope, figures, make_scope
from app.reports.journeys import journeys


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "int"  # text, int, seconds, share


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    tables: tuple[Table, ...]
    charts: tuple[ChartSpec, ...] = field(default_factory=tuple)

    def table(self, slug: str | None) -> Table:
        return next((t for t in self.tables if t.slug == slug), self.tables[0])

    def chart(self, slug: str) -> ChartSpec | None:
        return next((c for c in self.charts if c.slug == slug), None)


@dataclass(frozen=True)
class Request:
    session: Session
    start: datetime
    end: datetime
    filters: Filters
    zone: str
    now: datetime

    def scope(self) -> Scope:
        return make_scope(self.session, self.start, self.end, self.filters)

    def words(self) -> Words:
        return Words.of(self.session)


def agents_report(r: Request) -> Report:
    f = figures(r.session, r.start, r.end, zone=r.zone, filters=r.filters, people_only=True)
    rows = tuple((a.name, a.email, a.handled, a.first_response.median_s, a.first_response.p90_s, a.resolution.median_s,
                  a.resolution.p90_s, a.rated, a.share_satisfied, a.ignored, a.overdue, a.flagged_phantom)
                 for a in f.agents)
    columns = (Column("Agent", "text"), Column("Email", "text"), Column("Handled"),
               Column("First response median", "seconds"), Column("First response p90", "seconds"),
               Column("Resolution median", "seconds"), Column("Resolution p90", "seconds"), Column("Rated"),
               Column("Satisfied", "share"), Column("Ignored"), Column("Overdue"), Column("Phantom"))
    # The overall medians and p90s are in the digest; here they are per agent only.
    totals = Table("totals", "All tickets", (
        Column("New"), Column("Solved"), Column("Open"), Column("Ignored"), Column("Overdue"), Column("Phantom")),
        ((f.new, f.solved, f.open, f.ignored, f.overdue, f.phantom),))
    w = r.words()
    handled = charts.bars(w, "handled", "t_handled", [(a.name, a.handled) for a in f.agents], value_key="handled")
    satisfaction = charts.satisfaction(w, breakdowns.satisfaction(r.scope(), r.zone))
    return Report("agents", "Agents", (Table("agents", "Per agent", columns, rows), totals), (handled, satisfaction))


def lines_report(r: Request) -> Report:
    j = journeys(r.scope(), r.now)
    rows = tuple((x.name, x.slug, x.visits, x.total_s, x.mean_s, x.transfers_out, x.passed_back_out) for x in j.lines)
    per_line = Table("lines", "Time in each line (tickets created in the period)", (
        Column("Line", "text"), Column("Slug", "text"), Column("Visits"), Column("Total time", "seconds"),
        Column("Mean visit", "seconds"), Column("Transferred out"), Column("Passed back out")), rows)
    end_to_end = Table("end-to-end", "End to end across lines", (
        Column("Tickets"), Column("No transfer"), Column("1 transfer"), Column("2 transfers"), Column("3 or more"),
        Column("Transfers"), Column("Went to development"), Column("Back from development")),
        ((j.tickets, *j.by_transfers, j.transfers, j.went_to_development, j.back_from_development),))
    w = r.words()
    chart = charts.bars(w, "time", "t_line_hours", [(x.name, round(x.total_s / 3600, 1)) for x in j.lines],
                        value_key="hours", unit="h")
    transfers = charts.columns(w, "transfers", "t_transfers", list(zip(("0", "1", "2", "3+"), j.by_transfers)))
    return Report("lines", "Lines, end to end", (per_line, end_to_end), (chart, transfers))


def categories_report(r: Request) -> Report:
    scope = r.scope()
    cats = breakdowns.categories(scope)
    table = Table("categories", "By category (tickets created in the period)", (
        Column("Category", "text"), Column("Tickets"), Column("Solved in the period"), Column("Not satisfied"),
        Column("Phantom"), Column("Sent to development")),
        tuple((c.name, c.created, c.solved, c.not_satisfied, c.phantom, c.development) for c in cats))
    tops = breakdowns.topics(scope)
    topics = Table("topics", "Most frequent topics (subjects)", (Column("Topic", "text"), Column("Tickets")),
                   tuple((t.subject, t.count) for t in tops))
    chart = charts.bars(r.words(), "categories", "t_categories", [(c.name, c.created) for c in cats])
    return Report("categories", "Categories and topics", (table, topics), (chart,))


def targets_report(r: Request) -> Report:
    scope = r.scope()
    rows = breakdowns.targets(scope)
    table = Table("targets", "Within targets, per channel and priority", (
        Column("Channel", "text"), Column("Priority", "text"), Column("First response target", "seconds"),
        Column("Decided"), Column("Missed"), Column("Within", "share"), Column("Resolution target", "seconds"),
        Column("Decided"), Column("Missed"), Column("Within", "share")),
        tuple((x.channel, x.priority, x.first_response_target_s, x.first_response_decided, x.first_response_missed,
               x.first_response_share, x.resolution_target_s, x.resolution_decided, x.resolution_missed,
               x.resolution_share) for x in rows))
    w, bins = r.words(), breakdowns.durations(scope)
    within = charts.bars(w, "within", "t_within", [(f"{x.channel} / {x.priority}", round(100 * x.first_response_share, 1))
                                                   for x in rows if x.first_response_share is not None],
                         value_key="share", unit="%")
    first = charts.distribution(w, "first-response", "t_first_response", bins.first_response, charts.main_target(
        [(x.first_response_target_s, x.first_response_decided) for x in rows]))
    resolution = charts.distribution(w, "resolution", "t_resolution", bins.resolution, charts.main_target(
        [(x.resolution_target_s, x.resolution_decided) for x in rows]))
    return Report("targets", "Targets", (table,), (first, resolution, within))


def rhythms_report(r: Request) -> Report:
    rh = breakdowns.rhythms(r.scope(), r.zone)
    months = Table("months", "Tickets by month", (Column("Month", "text"), Column("Tickets")), rh.months)
    weekdays = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    hours = Table("hours", f"Tickets by weekday and hour ({r.zone})",
                  (Column("Weekday", "text"), *(Column(f"{h:02d}") for h in range(24))),
                  tuple((weekdays[d], *row) for d, row in enumerate(rh.load)))
    channels = Table("channels", "Tickets by channel", (Column("Channel", "text"), Column("Tickets")), rh.channels)
    w = r.words()
    return Report("rhythms", "Load rhythms", (months, hours, channels), (
        charts.per_day(w, rh.days), charts.columns(w, "months", "t_months", rh.months), charts.heatmap(w, rh.load),
        charts.bars(w, "channels", "t_channels", rh.channels)))


def auto_answers_report(r: Request) -> Report:
    from app.reports.auto_answers import auto_answers_report as build  # it imports this module's shapes

    return build(r)


REPORTS: dict[str, tuple[str, Callable[[Request], Report]]] = {
    "agents": ("Agents", agents_report),
    "lines": ("Lines, end to end", lines_report),
    "categories": ("Categories and topics", categories_report),
    "targets": ("Targets", targets_report),
    "rhythms": ("Load rhythms", rhythms_report),
    "auto_answers": ("Automatic answers", auto_answers_report),
}


def build(name: str, request: Request) -> Report:
    return REPORTS[name][1](request)


def csv_rows(table: Table) -> Sequence[Sequence[Any]]:
    """The header and the raw values (seconds, shares 0..1); empty for nothing to measure."""
    return [[c.title for c in table.columns], *[[_cell(v) for v in row] for row in table.rows]]


def _cell(value: Any) -> Any:
    """Raw, except that text a spreadsheet would run as a formula (a customer's subject "=HYPERLINK(…)") is
    quoted with a leading apostrophe (OWASP's CSV injection advice)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
