"""The report pages (/desk/reports): behind the web panel's sign-in, for managers and line heads only.

Least privilege: a manager (or admin) sees every line; a line head who is not a manager sees only the lines
they head (no line chosen = all of them; another line = 403); everyone else gets 403. Each report is a page
with filters (period, line, agent, channel, category — a GET form: it changes nothing, so it carries no CSRF
token), its charts drawn inline as SVG, its tables, a CSV per table and a PNG per chart (for mail). Views are
thin: parse the filters, `tables.build`, render (`render_chart`: the chart specs as SVG or PNG). The figures are
`app.reports` — the digest's implementation.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.desk.auth import guard
from app.desk.views import CSP
from app.models import Agent, Category, Channel, Line
from app.reports import render_chart
from app.reports.figures import Filters, desk_timezone
from app.reports.tables import REPORTS, Request, build, csv_rows
from app.web import db_session, runtime

reports = Blueprint("reports", __name__, url_prefix="/desk/reports", static_folder="static",
                    static_url_path="/static")
DEFAULT_DAYS = 30


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@reports.app_template_global("may_see_reports")
def may_see_reports(agent: Agent) -> bool:
    """For the web panel's top bar: managers and admins, and the heads of lines."""
    return agent.is_manager or db_session().scalar(select(Line.id).where(Line.head_id == agent.id).limit(1)) is not None


@reports.before_request
def _signed_in_manager_or_head() -> object:
    if request.endpoint == "reports.static":
        return None
    answer = guard()  # the web panel's sign-in (and CSRF on any POST)
    if answer is not None:
        return answer
    agent: Agent = g.desk_agent
    g.report_lines = None if agent.is_manager else list(db_session().scalars(
        select(Line).where(Line.head_id == agent.id).order_by(Line.position, Line.id)))
    if g.report_lines == []:
        return render_template("desk/refused.html", agent=agent,
                               message="Reports are for managers and line heads."), 403
    return None


@reports.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@reports.errorhandler(Refused)
def _refused(exc: Refused) -> ResponseReturnValue:
    return render_template("desk/refused.html", agent=g.get("desk_agent"), message=exc.message), exc.status


FILTER_KEYS = ("from", "to", "line", "agent", "channel", "category")


@reports.app_template_filter("report_duration")
def _duration(seconds: float | None) -> str:
    from scheduler.digest import duration

    return duration(seconds)


def _args() -> dict[str, str]:
    """The filters as given, to carry over to the other reports' links, the CSV and the PNG."""
    return {key: request.args[key] for key in FILTER_KEYS if request.args.get(key)}


@reports.get("/")
def index() -> ResponseReturnValue:
    return render_template("reports/index.html", agent=g.desk_agent, reports=REPORTS, args=_args())


@reports.get("/<name>")
def page(name: str) -> ResponseReturnValue:
    report, req, choices = _report(name)
    return render_template("reports/report.html", agent=g.desk_agent, report=report, reports=REPORTS,
                           name=name, choices=choices, args=_args(), svg=render_chart.svg, zone=req.zone,
                           start=req.start.date(), last=(req.end - timedelta(days=1)).date())


@reports.get("/<name>.csv")
def as_csv(name: str) -> ResponseReturnValue:
    report, _req, _choices = _report(name)
    table = report.table(request.args.get("table"))
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(table))
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}-{table.slug}.csv"'})


@reports.get("/<name>/<chart>.png")
def as_png(name: str, chart: str) -> ResponseReturnValue:
    report, _req, _choices = _report(name)
    found = report.chart(chart)
    if found is None:
        abort(404)
    return Response(render_chart.png(found), mimetype="image/png")


def _report(name: str):
    if name not in REPORTS:
        abort(404)
    session = db_session()
    zone = desk_timezone(session)
    start, end = _period(zone)
    filters, choices = _filters(session)
    req = Request(session, start, end, filters, zone, runtime().clock.now())
    return build(name, req), req, choices


def _period(zone: str) -> tuple[datetime, datetime]:
    """[from 00:00, the day after `to` 00:00) in the desk's zone; default the last 30 days, today included."""
    tz = ZoneInfo(zone)
    today = runtime().clock.now().astimezone(tz).date()
    last = _date("to") or today
    first = _date("from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Refused(400, "the period's start is after its end")
    if (last - first).days > 3 * 366:
        raise Refused(400, "a report covers at most three years")
    return (datetime.combine(first, time(0), tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz))


def _date(key: str) -> date | None:
    text = (request.args.get(key) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(400, f"{key}: {text!r} is not a date (YYYY-MM-DD)") from None


def _filters(session) -> tuple[Filters, dict]:
    allowed: list[Line] | None = g.report_lines
    lines = allowed if allowed is not None else list(session.scalars(select(Line).order_by(Line.position, Line.id)))
    choices = {
        "lines": [(ln.slug, ln.name) for ln in lines],
        "agents": [(a.email, a.name) for a in session.scalars(select(Agent).order_by(Agent.name))],
        "channels": [(c.value, c.value.replace("_", " ")) for c in Channel],
        "categories": [(c.name, c.name) for c in session.scalars(select(Category).order_by(Category.name))],
    }
    picked = {key: (request.args.get(key) or "").strip() or None for key in ("line", "agent", "channel", "category")}
    for key, plural in (("line", "lines"), ("agent", "agents"), ("channel", "channels"), ("category", "categories")):
        if picked[key] is not None and picked[key] not in {value for value, _ in choices[plural]}:
            if key == "line" and allowed is not None:
                raise Refused(403, "you may see the reports of the lines you head only")
            raise Refused(400, f"unknown {key}: {picked[key]}")
    line_filter = [picked["line"]] if picked["line"] else (None if allowed is None else [ln.slug for ln in allowed])
    return Filters(lines=line_filter, agents=[picked["agent"]] if picked["agent"] else None,
                   channels=[picked["channel"]] if picked["channel"] else None,
                   categories=[picked["category"]] if picked["category"] else None), choices
