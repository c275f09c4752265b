"""Per line and end to end across lines: where the tickets created in a period spent their time, how often they
were transferred, and how many went to development and came back — read from the audit trail.

How it is counted (tickets created in [start, end), with the report's filters):

- A ticket's route is its line changes: `transferred` and `passed_back` events (from_value = the line left,
  to_value = the line entered). A **visit** ends at each change: it lasted from the previous change (or the
  ticket's creation) to this one, in the line left. The last visit is in the ticket's current line, from
  `line_entered_at` to `done_at` — or to min(end, now) while it is still open. One query reads the route events
  once, sorted by ticket and time, and with window functions gives both the closed visits (summed per line) and
  each ticket's transfers and development round trip (counted per number of transfers).
- **time in line**: the visits' total and mean seconds per line; **visits**: how many.
- **transfers**: `transferred` events per ticket; tickets by 0, 1, 2, 3+ transfers.
- **went to development**: a development subtask opened (`passed_to_development`) or a transfer into a
  development line; **back**: the subtask done (`subtask_done`), or passed back / transferred out of a
  development line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, Integer, String, and_, case, cast, func, literal, or_, select

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
    visits, routes = _route_events(scope)
    last_end = func.coalesce(Ticket.done_at, literal(until, Ticket.done_at.type))
    current = {line_id: (int(n), float(total or 0)) for line_id, n, total in scope.rows(
        select(Ticket.line_id, func.count(), func.sum(scope.seconds(last_end, Ticket.line_entered_at)))
        .where(*scope.created()).group_by(Ticket.line_id))}
    tickets = sum(n for n, _ in current.values())
    lines = scope.session.execute(select(Line.id, Line.slug, Line.name).order_by(Line.position, Line.id)).all()
    per_line = []
    for line_id, slug, name in lines:
        n, total, out, back = visits.get(slug, (0, 0.0, 0, 0))
        m, rest = current.get(line_id, (0, 0.0))
        if n or m:
            per_line.append(LineTime(slug, name, n + m, round(max(total + rest, 0.0), 3), out, back))
    counts, transfers, went, came_back = routes
    moved = counts.get(1, 0) + counts.get(2, 0) + counts.get(3, 0)
    return Journeys(tickets, tuple(per_line), (tickets - moved, counts.get(1, 0), counts.get(2, 0), counts.get(3, 0)),
                    transfers, went, came_back)


def _route_events(scope: Scope) -> tuple[dict[str, tuple[int, float, int, int]], tuple[dict[int, int], int, int, int]]:
    """One pass over the route events of the period's tickets (one sort by ticket and time, window functions):
    the closed visits per line left — (visits, seconds, transferred out, passed back out) — and, per ticket,
    its transfers and whether it went to development and came back, counted by 0/1/2/3+ transfers."""
    dev_slugs = list(scope.session.scalars(select(Line.slug).where(Line.kind == LineKind.DEVELOPMENT)))
    change = TicketEvent.kind.in_(CHANGES)
    went = or_(TicketEvent.kind == "passed_to_development",
               and_(TicketEvent.kind == "transferred", TicketEvent.to_value.in_(dev_slugs)))
    back = or_(TicketEvent.kind == "subtask_done", and_(change, TicketEvent.from_value.in_(dev_slugs)))
    ordered = {"partition_by": TicketEvent.ticket_id, "order_by": (TicketEvent.at, TicketEvent.id)}
    route = (select(
        TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.from_value, TicketEvent.at, Ticket.created_at,
        # the previous line change (times only grow along a ticket's events, so the latest is the max)
        func.max(case((change, TicketEvent.at))).over(**ordered, rows=(None, -1)).label("previous"),
        case((TicketEvent.kind == "transferred", 1), else_=0).label("t"),
        case((went, 1), else_=0).label("w"), case((back, 1), else_=0).label("b"))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.kind.in_((*CHANGES, "passed_to_development", "subtask_done")), *scope.created())
        .cte("route"))
    since = func.coalesce(route.c.previous, route.c.created_at)
    visits = (select(literal("v"), route.c.from_value, func.count(), func.sum(scope.seconds(route.c.at, since)),
                     func.sum(route.c.t), func.sum(case((route.c.kind == "passed_back", 1), else_=0)))
              .where(route.c.kind.in_(CHANGES)).group_by(route.c.from_value))
    per_ticket = (select(func.sum(route.c.t).label("n"), func.max(route.c.w).label("went"),
                         func.max(route.c.b).label("back")).group_by(route.c.ticket_id)).subquery()
    bucket = case((per_ticket.c.n >= 3, 3), else_=cast(per_ticket.c.n, Integer))
    tickets = select(literal("t"), cast(bucket, String), func.count(), cast(func.sum(per_ticket.c.n), Float),
                     func.sum(per_ticket.c.went), func.sum(per_ticket.c.back)).group_by(bucket)
    per_line: dict[str, tuple[int, float, int, int]] = {}
    counts: dict[int, int] = {}
    transfers = went_n = back_n = 0
    for part, key, n, a, b, c in scope.rows(visits.union_all(tickets)):
        if part == "v":
            per_line[key] = (int(n), float(a or 0), int(b or 0), int(c or 0))
        else:
            counts[int(key)] = int(n)
            transfers, went_n, back_n = transfers + int(a or 0), went_n + int(b or 0), back_n + int(c or 0)
    return per_line, (counts, transfers, went_n, back_n)
