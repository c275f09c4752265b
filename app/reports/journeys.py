"""Per line and end to end across lines: where the tickets created in a period spent their time, how often they
were transferred, and how many went to development and came back — read from the audit trail.

How it is counted (tickets created in [start, end), with the report's filters):

- A ticket's route is its line changes: `transferred` and `passed_back` events (from_value = the line left,
  to_value = the line entered). A **visit** ends at each change: it lasted from the previous change (or the
  ticket's creation) to this one, in the line left. The last visit is in the ticket's current line, from
  `line_entered_at` to `done_at` — or to min(end, now) while it is still open. One window query (LAG over
  the ticket's events) gives every closed visit; the database sums them per line.
- **time in line**: the visits' total and mean seconds per line; **visits**: how many.
- **transfers**: `transferred` events per ticket; tickets by 0, 1, 2, 3+ transfers.
- **went to development**: a development subtask opened (`passed_to_development`) or a transfer into a
  development line; **back**: the subtask done (`subtask_done`), or passed back / transferred out of a
  development line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select

from app.models import Line, LineKind, Ticket, TicketEvent
from app.reports.figures import Scope

CHANGES = ("transferred", "passed_back")


@dataclass(frozen=True)
class LineTime:
    slug: str
    name: str
    visits: int
    total_s: float
    transfers_out: int
    passed_back_out: int

    @property
    def mean_s(self) -> float | None:
        return round(self.total_s / self.visits, 3) if self.visits else None


@dataclass(frozen=True)
class Journeys:
    tickets: int
    lines: tuple[LineTime, ...]
    by_transfers: tuple[int, int, int, int]  # tickets with 0, 1, 2, 3+ transfers
    transfers: int
    went_to_development: int
    back_from_development: int


def journeys(scope: Scope, now: datetime) -> Journeys:
    until = min(scope.end, now)
    # The events of the period's tickets: one join, which also brings each ticket's created_at along.
    events = (select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.from_value, TicketEvent.to_value,
                     TicketEvent.at, TicketEvent.id, Ticket.created_at)
              .join(Ticket, Ticket.id == TicketEvent.ticket_id).where(*scope.created()))
    changes = events.where(TicketEvent.kind.in_(CHANGES)).subquery()
    previous = func.lag(changes.c.at).over(partition_by=changes.c.ticket_id, order_by=(changes.c.at, changes.c.id))
    visits = select(changes.c.from_value.label("slug"), changes.c.kind, changes.c.at,
                    func.coalesce(previous, changes.c.created_at).label("since")).subquery()
    closed = {slug: (int(n), float(total or 0), int(out or 0), int(back or 0)) for slug, n, total, out, back in scope.rows(
        select(visits.c.slug, func.count(), func.sum(scope.seconds(visits.c.at, visits.c.since)),
               func.sum(case((visits.c.kind == "transferred", 1), else_=0)),
               func.sum(case((visits.c.kind == "passed_back", 1), else_=0)))
        .group_by(visits.c.slug))}
    last_end = func.coalesce(Ticket.done_at, literal(until, Ticket.done_at.type))
    current = {line_id: (int(n), float(total or 0)) for line_id, n, total in scope.rows(
        select(Ticket.line_id, func.count(), func.sum(scope.seconds(last_end, Ticket.line_entered_at)))
        .where(*scope.created()).group_by(Ticket.line_id))}
    tickets = sum(n for n, _ in current.values())
    lines = scope.session.execute(select(Line.id, Line.slug, Line.name).order_by(Line.position, Line.id)).all()
    per_line = []
    for line_id, slug, name in lines:
        n, total, out, back = closed.get(slug, (0, 0.0, 0, 0))
        m, rest = current.get(line_id, (0, 0.0))
        if n or m:
            per_line.append(LineTime(slug, name, n + m, round(max(total + rest, 0.0), 3), out, back))
    return Journeys(tickets, tuple(per_line), *_routes(scope, events, tickets))


def _routes(scope: Scope, events, tickets: int) -> tuple[tuple[int, int, int, int], int, int, int]:
    """One pass over the route events, per ticket then per number of transfers: (tickets by 0/1/2/3+
    transfers, transfers, went to development, back from development)."""
    dev_slugs = list(scope.session.scalars(select(Line.slug).where(Line.kind == LineKind.DEVELOPMENT)))
    went = or_(TicketEvent.kind == "passed_to_development",
               and_(TicketEvent.kind == "transferred", TicketEvent.to_value.in_(dev_slugs)))
    back = or_(TicketEvent.kind == "subtask_done",
               and_(TicketEvent.kind.in_(CHANGES), TicketEvent.from_value.in_(dev_slugs)))
    per_ticket = (events.with_only_columns(
        TicketEvent.ticket_id, func.sum(case((TicketEvent.kind == "transferred", 1), else_=0)).label("n"),
        func.max(case((went, 1), else_=0)).label("went"), func.max(case((back, 1), else_=0)).label("back"))
        .where(TicketEvent.kind.in_((*CHANGES, "passed_to_development", "subtask_done")))
        .group_by(TicketEvent.ticket_id)).subquery()
    bucket = case((per_ticket.c.n >= 3, 3), else_=cast(per_ticket.c.n, Integer))
    counts, transfers, went_n, back_n = {}, 0, 0, 0
    for b, n, total, w, k in scope.rows(select(bucket, func.count(), func.sum(per_ticket.c.n), func.sum(per_ticket.c.went),
                                               func.sum(per_ticket.c.back)).group_by(bucket)):
        counts[int(b)] = int(n)
        transfers, went_n, back_n = transfers + int(total or 0), went_n + int(w or 0), back_n + int(k or 0)
    moved = counts.get(1, 0) + counts.get(2, 0) + counts.get(3, 0)
    return (tickets - moved, counts.get(1, 0), counts.get(2, 0), counts.get(3, 0)), transfers, went_n, back_n
