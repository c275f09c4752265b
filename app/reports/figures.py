"""The figures of a period [start, end): tickets per line, response times, targets missed, agents, categories,
and the load by weekday and hour — the one implementation the digest mails and the report pages share.

How each figure is counted (every one optionally limited to some lines, by the ticket's current line):

- **new**: tickets created in the period; **ignored**, **overdue**, **phantom**: those of them flagged so.
  Every active line (or every line asked for) is listed, with zeros when it was quiet.
- **solved**: tickets done in the period (`done_at` in it) and now done or completed.
- **open**: tickets active now (new, assigned, in progress, waiting, reopened) created before the period's end.
- **first response**: `first_response_at - created_at` of the tickets created in the period that got one;
  **resolution**: `done_at - created_at` of the tickets solved in the period. Median and p90 are
  `percentile_cont` (linear interpolation) — computed by PostgreSQL itself, and on SQLite, which has no
  percentiles, from the one column of durations (with the assignee), sorted here: faster than SQLite's window
  functions, and never the ticket rows.
- **targets missed**: tickets created in the period whose first-response (resolution) timer fired and flagged
  them overdue (`scheduler`: outcome "flagged overdue …").
- **per agent** (the ticket's assignee): handled = solved in the period; response times as above; ratings =
  feedback given in the period (satisfied, not satisfied, "I did not submit this" = phantom).
- **top categories** of the tickets created in the period.
- **per agent**, also: ignored, overdue, phantom = tickets created in the period, assigned to them, so flagged.
- **filters** (the report pages): besides lines, every figure can be limited to some agents (the assignee),
  channels and categories (`Filters`); the digest uses none of them.
- **load**: tickets created in the period by weekday (Monday first) and hour in `timezone` (the desk's). The
  database counts them per UTC quarter hour (every real offset is a multiple of 15 minutes) and only those
  buckets — at most 2,976 in a month — are placed on the local clock here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, func, literal_column, or_, select, text, tuple_
from sqlalchemy.orm import Session

from app.models import (
    ACTIVE_STATUSES,
    Agent,
    Category,
    Feedback,
    HelpdeskSetting,
    Line,
    Rating,
    Status,
    Ticket,
)
from app.models.timers import TicketTimer

SOLVED = (Status.DONE, Status.COMPLETED)
BUCKET_S = 900
REPORT_WORK_MEM = "64MB"


@dataclass(frozen=True)
class Durations:
    """Seconds; None when there is nothing to measure."""

    count: int
    median_s: float | None
    p90_s: float | None


NO_DURATIONS = Durations(0, None, None)


@dataclass(frozen=True)
class LineFigures:
    slug: str
    name: str
    new: int
    solved: int
    open: int
    ignored: int
    overdue: int


@dataclass(frozen=True)
class AgentFigures:
    email: str
    name: str
    handled: int
    first_response: Durations
    resolution: Durations
    satisfied: int
    not_satisfied: int
    phantom: int  # rated "I did not submit this request" in the period
    ignored: int = 0  # tickets created in the period, assigned to them, flagged ignored
    overdue: int = 0
    flagged_phantom: int = 0

    @property
    def rated(self) -> int:
        return self.satisfied + self.not_satisfied + self.phantom

    @property
    def share_satisfied(self) -> float | None:
        return round(self.satisfied / self.rated, 4) if self.rated else None


@dataclass(frozen=True)
class Filters:
    """What the report pages can limit every figure to (None: no limit). Names, not ids: slugs, emails,
    channel values, category names."""

    lines: Sequence[str] | None = None
    agents: Sequence[str] | None = None
    channels: Sequence[str] | None = None
    categories: Sequence[str] | None = None


@dataclass(frozen=True)
class CategoryCount:
    name: str
    count: int


@dataclass(frozen=True)
class Figures:
    start: datetime
    end: datetime
    timezone: str
    lines: tuple[LineFigures, ...]
    new: int
    solved: int
    open: int
    ignored: int
    overdue: int
    phantom: int
    first_response: Durations
    resolution: Durations
    first_response_missed: int
    resolution_missed: int
    agents: tuple[AgentFigures, ...]
    categories: tuple[CategoryCount, ...]
    load: tuple[tuple[int, ...], ...]  # 7 weekdays (Monday first) x 24 hours, local time

    @property
    def busiest(self) -> tuple[int, int, int] | None:
        """(weekday, hour, tickets) of the busiest hour, or None in an empty period."""
        best = max(((d, h, n) for d, row in enumerate(self.load) for h, n in enumerate(row)), key=lambda x: x[2])
        return best if best[2] else None


def figures(session: Session, start: datetime, end: datetime, *, lines: Sequence[str] | None = None,
            zone: str | None = None, top_categories: int = 5, filters: Filters | None = None,
            people_only: bool = False) -> Figures:
    """Every figure of [start, end) (aware datetimes); `lines`: slugs to limit to; `zone`: default the desk's.
    `people_only` (the agents report): leave out targets missed, categories, the load (zeros, empty) and the
    overall percentiles (per agent only: one sort of a million durations less)."""
    scope = make_scope(session, start, end, filters if lines is None else Filters(lines=lines, **_rest(filters)))
    zone = zone or desk_timezone(session)
    start, end = scope.start, scope.end
    created = _created(scope)
    per_line = _per_line(scope, created)
    first_response, resolution = _both_durations(scope, totals=not people_only)
    missed = {} if people_only else _missed(scope)
    return Figures(
        start=start, end=end, timezone=zone, lines=per_line,
        new=sum(x.new for x in per_line), solved=sum(x.solved for x in per_line), open=sum(x.open for x in per_line),
        ignored=sum(x.ignored for x in per_line), overdue=sum(x.overdue for x in per_line),
        phantom=created.phantom,
        first_response=first_response.get(None, NO_DURATIONS), resolution=resolution.get(None, NO_DURATIONS),
        first_response_missed=missed.get("first_response", 0), resolution_missed=missed.get("resolution", 0),
        agents=_agents(scope, first_response, resolution, created.assignees),
        categories=() if people_only else _categories(scope, top_categories),
        load=tuple((0,) * 24 for _ in range(7)) if people_only else _load(scope, zone),
    )


def desk_timezone(session: Session) -> str:
    row = session.get(HelpdeskSetting, "timezone")
    return str(row.value) if row is not None and row.value else "UTC"


def make_scope(session: Session, start: datetime, end: datetime, filters: Filters | None = None) -> "Scope":
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("a report period needs aware datetimes")
    filters = filters or Filters()
    agents = None if filters.agents is None else list(session.scalars(
        select(Agent.id).where(Agent.email.in_([a.strip().lower() for a in filters.agents]))))
    categories = None if filters.categories is None else list(session.scalars(
        select(Category.id).where(Category.name.in_(list(filters.categories)))))
    if session.get_bind().dialect.name == "postgresql":
        # The percentiles sort up to a million durations: in memory, not in temporary files (this transaction only).
        session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))
    return Scope(session, start.astimezone(UTC), end.astimezone(UTC), _line_ids(session, filters.lines),
                 agent_ids=agents, channels=None if filters.channels is None else list(filters.channels),
                 category_ids=categories)


def _rest(filters: Filters | None) -> dict[str, Any]:
    if filters is None:
        return {}
    return {"agents": filters.agents, "channels": filters.channels, "categories": filters.categories}


class Scope:
    """The period, the filters and the dialect: builds the WHERE clauses every query shares."""

    def __init__(self, session: Session, start: datetime, end: datetime, line_ids: list[int] | None, *,
                 agent_ids: list[int] | None = None, channels: list[str] | None = None,
                 category_ids: list[int] | None = None) -> None:
        self.session, self.start, self.end, self.line_ids = session, start, end, line_ids
        self.agent_ids, self.channels, self.category_ids = agent_ids, channels, category_ids
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def _lines(self, *clauses: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        """`clauses` and every filter (the name is older than the filters beyond lines)."""
        where = list(clauses)
        if self.line_ids is not None:
            where.append(Ticket.line_id.in_(self.line_ids))
        if self.agent_ids is not None:
            where.append(Ticket.assignee_id.in_(self.agent_ids))
        if self.channels is not None:
            where.append(Ticket.channel.in_(self.channels))
        if self.category_ids is not None:
            where.append(Ticket.category_id.in_(self.category_ids))
        return where

    def created(self, *clauses: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        return self._lines(Ticket.created_at >= self.start, Ticket.created_at < self.end, *clauses)

    def solved(self, *clauses: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        return self._lines(Ticket.done_at >= self.start, Ticket.done_at < self.end, Ticket.status.in_(SOLVED),
                           *clauses)

    def open(self) -> list[ColumnElement[bool]]:
        return self._lines(Ticket.status.in_(list(ACTIVE_STATUSES)), Ticket.created_at < self.end)

    def seconds(self, later: Any, earlier: Any) -> ColumnElement[float]:
        if self.postgres:
            return func.date_part("epoch", later - earlier)  # double precision: sorts and sums faster than numeric
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def bucket(self, moment: Any) -> ColumnElement[int]:
        """The UTC quarter hour of `moment`, as an integer (seconds since the epoch // 900)."""
        if self.postgres:
            # op("/"): float by float (SQLAlchemy's own "/" would cast to numeric, four times slower here)
            return cast(func.floor(func.date_part("epoch", moment).op("/")(literal_column(f"{BUCKET_S}.0"))), Integer)
        return cast(func.strftime("%s", moment), Integer) // BUCKET_S

    def rows(self, query: Select) -> list[Any]:
        # Core, not ORM, execution: the rows are plain tuples, and a column of 100,000 durations comes back
        # in half the time.
        return list(self.session.connection().execute(query).all())


def _line_ids(session: Session, slugs: Sequence[str] | None) -> list[int] | None:
    if slugs is None:
        return None
    return list(session.scalars(select(Line.id).where(Line.slug.in_(list(slugs)))))


def _count(scope: Scope, where: list[ColumnElement[bool]]) -> int:
    return int(scope.session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0)


def _flag(column: Any) -> Any:
    return func.sum(case((column.is_(True), 1), else_=0))


@dataclass(frozen=True)
class _Created:
    """The tickets created in the period, counted in one scan by (line, assignee) and summed here both ways."""

    lines: dict[int, tuple[int, int, int]]  # line id -> (new, ignored, overdue)
    assignees: dict[int, tuple[int, int, int]]  # agent id -> (ignored, overdue, phantom)
    phantom: int


def _created(scope: Scope) -> _Created:
    lines: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    assignees: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    phantom = 0
    for line_id, assignee_id, n, ignored, overdue, flagged in scope.rows(
            select(Ticket.line_id, Ticket.assignee_id, func.count(), _flag(Ticket.flag_ignored),
                   _flag(Ticket.flag_overdue), _flag(Ticket.flag_phantom))
            .where(*scope.created()).group_by(Ticket.line_id, Ticket.assignee_id)):
        ignored, overdue, flagged = int(ignored or 0), int(overdue or 0), int(flagged or 0)
        for i, value in enumerate((int(n), ignored, overdue)):
            lines[line_id][i] += value
        if assignee_id is not None:
            for i, value in enumerate((ignored, overdue, flagged)):
                assignees[assignee_id][i] += value
        phantom += flagged
    return _Created({k: tuple(v) for k, v in lines.items()}, {k: tuple(v) for k, v in assignees.items()},  # type: ignore[misc]
                    phantom)


def _per_line(scope: Scope, counted: _Created) -> tuple[LineFigures, ...]:
    created = counted.lines
    # Solved in the period and open now, in one scan.
    is_solved, is_open = and_(*scope.solved()), and_(*scope.open())
    solved, open_ = {}, {}
    for line_id, n_solved, n_open in scope.rows(
            select(Ticket.line_id, func.sum(case((is_solved, 1), else_=0)), func.sum(case((is_open, 1), else_=0)))
            .where(or_(is_solved, is_open)).group_by(Ticket.line_id)):
        if n_solved:
            solved[line_id] = int(n_solved)
        if n_open:
            open_[line_id] = int(n_open)
    # Every line asked for (or every active line), quiet ones too: "0 new" is news; a retired line only when
    # it still has tickets in the period.
    ids = set(created) | set(solved) | set(open_)
    ids |= set(scope.line_ids) if scope.line_ids is not None else set(
        scope.session.scalars(select(Line.id).where(Line.active.is_(True))))
    lines = scope.session.execute(select(Line.id, Line.slug, Line.name).where(Line.id.in_(ids))
                                  .order_by(Line.position, Line.id)).all() if ids else []
    return tuple(LineFigures(slug, name, int(created.get(id_, (0, 0, 0))[0]), int(solved.get(id_, 0)),
                             int(open_.get(id_, 0)), int(created.get(id_, (0, 0, 0))[1] or 0),
                             int(created.get(id_, (0, 0, 0))[2] or 0))
                 for id_, slug, name in lines)


def _both_durations(scope: Scope, *, totals: bool = True
                    ) -> tuple[dict[int | None, Durations], dict[int | None, Durations]]:
    """First response (of the tickets created in the period) and resolution (of those solved in it), each overall
    (key None) and per assignee. On PostgreSQL one scan for both: each percentile FILTERs its own tickets, and
    GROUPING SETS ((assignee), ()) gives the total as the () row (key NULL; the unassigned are key 0 — grouping
    on coalesce(), not the column, keeps the planner off the assignee index, i.e. a million random reads)."""
    first_where = scope.created(Ticket.first_response_at.is_not(None))
    solved_where = scope.solved()
    if not scope.postgres:
        return (_durations(scope, Ticket.first_response_at, first_where),
                _durations(scope, Ticket.done_at, solved_where))
    key = func.coalesce(Ticket.assignee_id, 0)
    first, solved = and_(*first_where), and_(*solved_where)
    columns = []
    for later, cond in ((Ticket.first_response_at, first), (Ticket.done_at, solved)):
        seconds = scope.seconds(later, Ticket.created_at)
        columns += [func.count().filter(cond), func.percentile_cont(0.5).within_group(seconds).filter(cond),
                    func.percentile_cont(0.9).within_group(seconds).filter(cond)]
    result: tuple[dict[int | None, Durations], dict[int | None, Durations]] = ({}, {})
    grouping = func.grouping_sets(tuple_(key), tuple_()) if totals else key
    for row in scope.rows(select(key, *columns).where(or_(first, solved)).group_by(grouping)):
        for i, found in enumerate(result):
            n, median, p90 = row[1 + 3 * i:4 + 3 * i]
            if row[0] != 0 and n:
                found[row[0]] = Durations(int(n), _round(median), _round(p90))
    return result


def _durations(scope: Scope, later: Any, where: list[ColumnElement[bool]]) -> dict[int | None, Durations]:
    """Median and p90 of `later - created_at`, overall (key None) and per assignee (key agent id)."""
    seconds = scope.seconds(later, Ticket.created_at)
    if scope.postgres:
        # One scan for both: GROUPING SETS ((assignee), ()) — the () row (key NULL) is the total; the
        # unassigned are key 0. Grouping on coalesce(), not the column, keeps the planner off the assignee index
        # (a million random reads) and on one sequential scan and sort. Both percentiles share one sort.
        key = func.coalesce(Ticket.assignee_id, 0)
        measures = (func.count(), func.percentile_cont(0.5).within_group(seconds),
                    func.percentile_cont(0.9).within_group(seconds))
        result: dict[int | None, Durations] = {}
        for row in scope.rows(select(key, *measures).where(*where)
                              .group_by(func.grouping_sets(tuple_(key), tuple_()))):
            if row[0] != 0 and row[1]:
                result[row[0]] = Durations(int(row[1]), _round(row[2]), _round(row[3]))
        return result
    groups: dict[int | None, list[float]] = defaultdict(list)
    every: list[float] = []
    for assignee, value in scope.rows(select(Ticket.assignee_id, seconds).where(*where)):
        groups[assignee].append(value)
        every.append(value)
    result = {key: summarise(sorted(values)) for key, values in groups.items() if key is not None}
    if every:
        result[None] = summarise(sorted(every))
    return result


def summarise(sorted_values: Sequence[float]) -> Durations:
    return Durations(len(sorted_values), _round(percentile(sorted_values, 0.5)),
                     _round(percentile(sorted_values, 0.9)))


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def _missed(scope: Scope) -> dict[str, int]:
    query = (select(TicketTimer.rule, func.count(func.distinct(TicketTimer.ticket_id)))
             .join(Ticket, Ticket.id == TicketTimer.ticket_id)
             .where(TicketTimer.rule.in_(("first_response", "resolution")), TicketTimer.state == "fired",
                    TicketTimer.outcome.like("flagged overdue%"), *scope.created())
             .group_by(TicketTimer.rule))
    return {rule: int(n) for rule, n in scope.rows(query)}


def _agents(scope: Scope, first_response: dict[int | None, Durations], resolution: dict[int | None, Durations],
            flags: dict[int, tuple[int, int, int]]) -> tuple[AgentFigures, ...]:
    ratings: dict[int, dict[str, int]] = defaultdict(dict)
    query = (select(Ticket.assignee_id, Feedback.rating, func.count()).join(Ticket, Ticket.id == Feedback.ticket_id)
             .where(Feedback.created_at >= scope.start, Feedback.created_at < scope.end, *scope._lines(),
                    Ticket.assignee_id.is_not(None))
             .group_by(Ticket.assignee_id, Feedback.rating))
    for agent_id, rating, n in scope.rows(query):
        ratings[agent_id][Rating(rating).value] = int(n)
    ids = {k for k in (*first_response, *resolution, *ratings, *flags) if k is not None}
    if not ids:
        return ()
    people = scope.session.execute(select(Agent.id, Agent.email, Agent.name).where(Agent.id.in_(ids))).all()
    agents = [AgentFigures(
        email=email, name=name, handled=resolution.get(id_, NO_DURATIONS).count,
        first_response=first_response.get(id_, NO_DURATIONS), resolution=resolution.get(id_, NO_DURATIONS),
        satisfied=ratings[id_].get(Rating.SATISFIED.value, 0),
        not_satisfied=ratings[id_].get(Rating.NOT_SATISFIED.value, 0),
        phantom=ratings[id_].get(Rating.NOT_SUBMITTED.value, 0),
        ignored=flags.get(id_, (0, 0, 0))[0], overdue=flags.get(id_, (0, 0, 0))[1],
        flagged_phantom=flags.get(id_, (0, 0, 0))[2],
    ) for id_, email, name in people]
    return tuple(sorted(agents, key=lambda a: (-a.handled, a.email)))


def _categories(scope: Scope, top: int) -> tuple[CategoryCount, ...]:
    n = func.count().label("n")
    query = (select(Category.name, n).join(Ticket, Ticket.category_id == Category.id).where(*scope.created())
             .group_by(Category.name).order_by(n.desc(), Category.name).limit(top))
    return tuple(CategoryCount(name, int(count)) for name, count in scope.rows(query))


def _load(scope: Scope, zone: str) -> tuple[tuple[int, ...], ...]:
    bucket = scope.bucket(Ticket.created_at).label("bucket")
    rows = scope.rows(select(bucket, func.count()).where(*scope.created()).group_by(bucket))
    return place_on_clock(((int(b) * BUCKET_S, int(n)) for b, n in rows), zone)


def place_on_clock(counts: Iterable[tuple[int, int]], zone: str) -> tuple[tuple[int, ...], ...]:
    """(UTC epoch second, count) pairs → 7 x 24 counts by local weekday (Monday first) and hour."""
    tz = ZoneInfo(zone)
    grid = [[0] * 24 for _ in range(7)]
    for epoch, n in counts:
        local = datetime.fromtimestamp(epoch, UTC).astimezone(tz)
        grid[local.weekday()][local.hour] += n
    return tuple(tuple(row) for row in grid)
