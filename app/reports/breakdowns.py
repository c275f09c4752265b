"""Where the product hurts, how well targets are kept, and when the load comes: the figures of the report pages
beyond `figures.figures` and `journeys.journeys`, on the same `Scope` (period and filters).

- **categories**: tickets created in the period per category ("(none)" for uncategorised): how many, solved
  (done in the period), rated not satisfied, phantom, sent to development (`flag_development`).
- **topics**: the most frequent subjects of the tickets created in the period, compared case-insensitively
  (our reading of "topic": the issue names none, and the subject is what the customer called the problem).
- **targets**: per channel and priority, of the tickets created in the period that have a target (the desk's
  settings `first_response`, `first_response_priority`, `resolution`): how many are *decided* — answered
  (solved) or missed — and how many were *missed*: the rule's timer fired and flagged them overdue, which is
  business-time aware (`scheduler`). Within target = decided − missed; the share is of the decided ones.
- **rhythms**: tickets created in the period per local day (every day of the period, quiet ones as 0), month,
  weekday x hour (the digest's load) and channel. One query of UTC quarter-hour buckets (`figures._load`) gives the
  day, month and weekday/hour counts.
- **durations**: the first-response and resolution times (as in `figures`) counted per bin of
  `charts.DURATION_EDGES_S` — the distributions drawn against the target line. One scan for both: each ticket's
  two bins (NULL where it does not count) grouped together, folded here.
- **satisfaction**: the ratings given in the period (`Feedback.created_at`, with the filters on the rated ticket)
  per local day and rating, every day of the period listed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal_column, select

from app.models import Category, Feedback, Rating, Ticket
from app.models.timers import TicketTimer
from app.reports.charts import DURATION_EDGES_S
from app.reports.figures import BUCKET_S, Scope, _flag, place_on_clock
from scheduler.timers import load_targets

NONE = "(none)"


@dataclass(frozen=True)
class CategoryRow:
    name: str
    created: int
    solved: int
    not_satisfied: int
    phantom: int
    development: int


@dataclass(frozen=True)
class Topic:
    subject: str
    count: int


@dataclass(frozen=True)
class TargetRow:
    channel: str
    priority: str
    first_response_target_s: int | None
    first_response_decided: int
    first_response_missed: int
    resolution_target_s: int | None
    resolution_decided: int
    resolution_missed: int

    @staticmethod
    def share(decided: int, missed: int) -> float | None:
        return round((decided - missed) / decided, 4) if decided else None

    @property
    def first_response_share(self) -> float | None:
        return self.share(self.first_response_decided, self.first_response_missed)

    @property
    def resolution_share(self) -> float | None:
        return self.share(self.resolution_decided, self.resolution_missed)


@dataclass(frozen=True)
class Rhythms:
    months: tuple[tuple[str, int], ...]  # ("2026-11", tickets), local months in order
    load: tuple[tuple[int, ...], ...]  # 7 x 24
    channels: tuple[tuple[str, int], ...]
    days: tuple[tuple[date, int], ...] = ()  # every local day of the period, in order


@dataclass(frozen=True)
class DurationBins:
    """Tickets per bin of `charts.DURATION_EDGES_S` (the last bin open-ended)."""

    first_response: tuple[int, ...]
    resolution: tuple[int, ...]


def categories(scope: Scope) -> tuple[CategoryRow, ...]:
    solved_now = case((Ticket.done_at >= scope.start, case((Ticket.done_at < scope.end, 1), else_=0)), else_=0)
    rows = scope.rows(
        select(Category.name, func.count(), func.sum(solved_now), _flag(Ticket.flag_phantom),
               _flag(Ticket.flag_development))
        .select_from(Ticket).outerjoin(Category, Category.id == Ticket.category_id)
        .where(*scope.created()).group_by(Category.name))
    unhappy = dict(scope.rows(
        select(Category.name, func.count()).select_from(Feedback).join(Ticket, Ticket.id == Feedback.ticket_id)
        .outerjoin(Category, Category.id == Ticket.category_id)
        .where(*scope.created(), Feedback.rating == Rating.NOT_SATISFIED).group_by(Category.name)))
    out = [CategoryRow(name or NONE, int(n), int(solved or 0), int(unhappy.get(name, 0)), int(ph or 0), int(dev or 0))
           for name, n, solved, ph, dev in rows]
    return tuple(sorted(out, key=lambda r: (-r.created, r.name)))


def topics(scope: Scope, top: int = 10) -> tuple[Topic, ...]:
    subject = func.lower(func.trim(Ticket.subject))
    n = func.count().label("n")
    rows = scope.rows(select(subject, n).where(*scope.created()).group_by(subject).order_by(n.desc(), subject).limit(top))
    return tuple(Topic(s or "", int(c)) for s, c in rows)


def targets(scope: Scope) -> tuple[TargetRow, ...]:
    goals = load_targets(scope.session)
    answered = _flag(Ticket.first_response_at.is_not(None))
    solved = _flag(Ticket.done_at.is_not(None))
    groups = {(str(_v(c)), str(_v(p))): (int(n), int(a or 0), int(s or 0)) for c, p, n, a, s in scope.rows(
        select(Ticket.channel, Ticket.priority, func.count(), answered, solved).where(*scope.created())
        .group_by(Ticket.channel, Ticket.priority))}
    missed: Counter[tuple[str, str, str]] = Counter()
    for channel, priority, rule, answered_, solved_, n in scope.rows(
            select(Ticket.channel, Ticket.priority, TicketTimer.rule,
                   Ticket.first_response_at.is_not(None), Ticket.done_at.is_not(None),
                   func.count(func.distinct(Ticket.id)))
            .join(TicketTimer, TicketTimer.ticket_id == Ticket.id)
            .where(TicketTimer.rule.in_(("first_response", "resolution")), TicketTimer.state == "fired",
                   TicketTimer.outcome.like("flagged overdue%"), *scope.created())
            .group_by(Ticket.channel, Ticket.priority, TicketTimer.rule, Ticket.first_response_at.is_not(None),
                      Ticket.done_at.is_not(None))):
        key = (str(_v(channel)), str(_v(priority)))
        missed[(*key, rule)] += int(n)
        # a missed ticket not yet answered (solved) is decided too: count it in
        if rule == "first_response" and not answered_:
            missed[(*key, "fr_open")] += int(n)
        if rule == "resolution" and not solved_:
            missed[(*key, "res_open")] += int(n)
    out = []
    for (channel, priority), (_n, answered_n, solved_n) in sorted(groups.items()):
        fr_target = _first_response_target(goals, channel, priority)
        res_target = goals["resolution"].get(priority)
        out.append(TargetRow(
            channel, priority, fr_target,
            answered_n + missed[(channel, priority, "fr_open")] if fr_target else 0,
            missed[(channel, priority, "first_response")] if fr_target else 0,
            res_target, solved_n + missed[(channel, priority, "res_open")] if res_target else 0,
            missed[(channel, priority, "resolution")] if res_target else 0))
    return tuple(out)


def _first_response_target(goals: dict[str, dict[str, int]], channel: str, priority: str) -> int | None:
    found = [t for t in (goals["first_response"].get(channel), goals["first_response_priority"].get(priority)) if t]
    return min(found) if found else None


def rhythms(scope: Scope, zone: str) -> Rhythms:
    bucket = scope.bucket(Ticket.created_at).label("bucket")
    buckets = [(int(b) * BUCKET_S, int(n)) for b, n in
               scope.rows(select(bucket, func.count()).where(*scope.created()).group_by(bucket))]
    tz = ZoneInfo(zone)
    months: Counter[str] = Counter()
    days: Counter[date] = Counter()
    for epoch, n in buckets:
        local = datetime.fromtimestamp(epoch, UTC).astimezone(tz)
        months[local.strftime("%Y-%m")] += n
        days[local.date()] += n
    channels = scope.rows(select(Ticket.channel, func.count()).where(*scope.created()).group_by(Ticket.channel))
    return Rhythms(tuple(sorted(months.items())), place_on_clock(buckets, zone),
                   tuple(sorted(((str(_v(c)), int(n)) for c, n in channels), key=lambda x: (-x[1], x[0]))),
                   tuple((day, days[day]) for day in local_days(scope, zone)))


def local_days(scope: Scope, zone: str) -> list[date]:
    """Every local date the period [start, end) touches, in order."""
    tz = ZoneInfo(zone)
    first = scope.start.astimezone(tz).date()
    last = (scope.end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def durations(scope: Scope) -> DurationBins:
    first_where, solved_where = and_(*scope.created(Ticket.first_response_at.is_not(None))), and_(*scope.solved())
    first_bin = case((first_where, _bin(scope, scope.seconds(Ticket.first_response_at, Ticket.created_at))))
    solved_bin = case((solved_where, _bin(scope, scope.seconds(Ticket.done_at, Ticket.created_at))))
    first, solved = [0] * len(DURATION_EDGES_S), [0] * len(DURATION_EDGES_S)
    for f, r, n in scope.rows(select(first_bin, solved_bin, func.count()).where(first_where | solved_where)
                              .group_by(first_bin, solved_bin)):
        if f is not None:
            first[int(f)] += int(n)
        if r is not None:
            solved[int(r)] += int(n)
    return DurationBins(tuple(first), tuple(solved))


def _bin(scope: Scope, seconds: Any) -> Any:
    """The index of the bin of `seconds` (a duration below 0 — clocks disagreeing — counts in the first). PostgreSQL:
    `width_bucket` over the edges, one call a row. SQLite: a CASE, with a millisecond's slack at each edge — its
    julianday arithmetic gives 299.99999… for five minutes."""
    if scope.postgres:
        edges = ", ".join(f"{edge}.0" for edge in DURATION_EDGES_S[1:])
        return func.width_bucket(seconds, literal_column(f"ARRAY[{edges}]::float8[]"))
    return case(*((seconds < edge - 0.001, i - 1) for i, edge in enumerate(DURATION_EDGES_S) if i),
                else_=len(DURATION_EDGES_S) - 1)


def satisfaction(scope: Scope, zone: str) -> tuple[tuple[date, int, int, int], ...]:
    """(local day, satisfied, not satisfied, did not submit) for every day of the period."""
    bucket = scope.bucket(Feedback.created_at).label("bucket")
    query = (select(bucket, Feedback.rating, func.count())
             .where(Feedback.created_at >= scope.start, Feedback.created_at < scope.end)
             .group_by(bucket, Feedback.rating))
    filters = scope._lines()
    if filters:  # the rated ticket's line, agent, channel, category; without filters no join is needed
        query = query.join(Ticket, Ticket.id == Feedback.ticket_id).where(*filters)
    tz = ZoneInfo(zone)
    counted: Counter[tuple[date, str]] = Counter()
    for b, rating, n in scope.rows(query):
        day = datetime.fromtimestamp(int(b) * BUCKET_S, UTC).astimezone(tz).date()
        counted[(day, str(_v(rating)))] += int(n)
    return tuple((day, counted[(day, Rating.SATISFIED.value)], counted[(day, Rating.NOT_SATISFIED.value)],
                  counted[(day, Rating.NOT_SUBMITTED.value)]) for day in local_days(scope, zone))


def _v(value: Any) -> Any:
    return getattr(value, "value", value)
