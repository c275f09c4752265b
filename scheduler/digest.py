"""Managers' digest mails: the figures of the last day or week, as HTML with a plain-text part and three embedded
charts (new and solved per line, handled per agent, the load by weekday and hour: `app.reports.charts`, drawn as
PNG by `app.reports.render_chart` — the same charts as the report pages), sent exactly once per manager, period
and start.

Which period: the last complete one in the manager's time zone (their own, else the desk's) — a daily
digest at 08:00 on Tuesday reports Monday 00:00–24:00; a weekly one reports the previous Monday to Monday.
The key `digest:<manager>:<day|week>:<first local date>` makes a second run, or a second scheduler process,
send nothing (`scheduler.mailing`). Figures come from `app.reports.figures` — the same implementation as the
report pages — for every line.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.errors import NotFound
from app.models import Agent, HelpdeskSetting
from app.reports import render_chart
from app.reports.charts import ChartSpec, Words, digest_charts
from app.reports.figures import Durations, Figures, desk_timezone, figures
from scheduler.mailing import Image, Letter, Mailer, send_once

PERIODS = {"day": "daily", "week": "weekly"}  # --period value -> setup-file name
CHART_CID = "load-chart@linedesk"  # the load by weekday and hour; the others are "<slug>-chart@linedesk"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"


@dataclass(frozen=True)
class Period:
    kind: str  # day, week
    first_day: date  # local
    start: datetime  # aware, the manager's zone
    end: datetime

    def title(self) -> str:
        if self.kind == "day":
            return f"{WEEKDAYS[self.first_day.weekday()]} {self.first_day.isoformat()}"
        last = self.first_day + timedelta(days=6)
        return f"week of {self.first_day.isoformat()} to {last.isoformat()}"


@dataclass(frozen=True)
class DigestResult:
    key: str
    period: Period
    outcome: str  # sent, already sent, busy, will retry: …, failed: …


def last_period(kind: str, now: datetime, zone: str) -> Period:
    """The last complete day (week, Monday first) before `now` on the clock of `zone`."""
    if kind not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {kind!r}")
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    if kind == "day":
        first, days = today - timedelta(days=1), 1
    else:
        first, days = today - timedelta(days=today.weekday() + 7), 7
    start = datetime.combine(first, time(0), tzinfo=tz)
    return Period(kind, first, start, datetime.combine(first + timedelta(days=days), time(0), tzinfo=tz))


def digest_key(email: str, period: Period) -> str:
    return f"digest:{email}:{period.kind}:{period.first_day.isoformat()}"


def manager_zone(session: Session, agent: Agent) -> str:
    return agent.timezone or desk_timezone(session)


def send_digest(sessions: sessionmaker[Session], clock: Clock, email: str, kind: str = "day", *, mailer: Mailer,
                owner: str) -> DigestResult:
    """Send `email`'s digest for the last complete `kind` period, unless it went out already."""
    with sessions() as session:
        manager = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
        if manager is None:
            raise NotFound(f"no agent {email}")
        period = last_period(kind, clock.now(), manager_zone(session, manager))
        manager_id = manager.id
    key = digest_key(manager.email, period)

    def compose(session: Session) -> Letter:
        agent = session.get(Agent, manager_id)
        assert agent is not None
        return compose_digest(session, agent, period, key)

    outcome = send_once(sessions, clock, key, compose, mailer=mailer, owner=owner, kind="digest",
                        to_address=manager.email)
    return DigestResult(key, period, outcome)


def compose_digest(session: Session, manager: Agent, period: Period, key: str) -> Letter:
    numbers = figures(session, period.start, period.end)
    desk = session.get(HelpdeskSetting, "name")
    context = _context(numbers, period, manager, str(desk.value) if desk and desk.value else "Linedesk")
    from app.kb.service import stale_for  # the manager's own KB articles past their review date

    context["stale_articles"] = [(a.title, a.lang, a.review_at.date().isoformat())
                                 for a in stale_for(session, manager.id, period.end)]
    specs = [spec for spec in charts_of(numbers, Words.of(session)) if not spec.is_empty]
    context["charts"] = [(spec.title, chart_cid(spec)) for spec in specs]
    subject = f"{context['helpdesk']}: {'daily' if period.kind == 'day' else 'weekly'} digest, {period.title()}"
    return Letter(
        key=key, kind="digest", to_address=manager.email, subject=subject,
        body_text=_environment(False).get_template("digest.txt").render(context),
        body_html=_environment(True).get_template("digest.html").render(context),
        images=tuple(Image(chart_cid(spec), render_chart.png(spec)) for spec in specs),
    )


def charts_of(numbers: Figures, words: Words) -> tuple[ChartSpec, ...]:
    return digest_charts(words, [(x.name, x.new, x.solved) for x in numbers.lines],
                         [(a.name, a.handled) for a in numbers.agents], numbers.load)


def chart_cid(spec: ChartSpec) -> str:
    return CHART_CID if spec.kind == "heatmap" else f"{spec.slug}-chart@linedesk"


def _context(numbers: Figures, period: Period, manager: Agent, helpdesk: str) -> dict[str, Any]:
    busiest = numbers.busiest
    return {
        "helpdesk": helpdesk, "manager": manager.name or manager.email, "period": period.title(),
        "kind": period.kind, "f": numbers, "chart_cid": CHART_CID,
        "busiest": f"{WEEKDAYS[busiest[0]]} {busiest[1]:02d}:00–{busiest[1] + 1:02d}:00 ({busiest[2]} new)"
                   if busiest else None,
        "weekdays": [name[:3] for name in WEEKDAYS],
    }


def duration(seconds: float | None) -> str:
    """Seconds for people: 42 → "42 s", 3900 → "1 h 05 min", 93600 → "1 d 2 h"."""
    if seconds is None:
        return "–"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours == 0:
        return f"{minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if days else f"{hours} h {minutes:02d} min"


def spread(value: Durations) -> str:
    return f"{duration(value.median_s)} / {duration(value.p90_s)}" if value.count else "–"


@functools.lru_cache(maxsize=2)
def _environment(autoescape: bool) -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=autoescape,
                              undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                              lstrip_blocks=True)
    environment.filters["duration"] = duration
    environment.filters["spread"] = spread
    return environment
