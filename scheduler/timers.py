"""Keeping a ticket's timer rows in step with its state, in the transaction that changed it.

The workflow calls `mark(session, ticket)` from every audit event (`WorkflowBase._event`). Marking installs,
once per session, a `before_flush` hook that replans every marked ticket whose row changed since the last
flush. Replanning at flush time rather than inside `_event` matters: several actions record their event and
then set one more field (`mark_done` sets done_at, `set_priority` sets the priority after its event), and
the flush that commits those fields replans again with the final state.

`replan(session, ticket)` is three statements at most, all about that one ticket: read its timers, insert the
wanted ones that are missing (`ON CONFLICT DO NOTHING`, so two transactions planning the same timer do not
fail), and cancel pending ones no longer wanted with a conditional UPDATE (`WHERE state = 'pending'`), so a
timer a scheduler has just fired is never turned back into "cancelled".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.clock import as_utc
from app.db import in_ids
from app.models import HelpdeskSetting, Ticket
from app.models.timers import TicketTimer
from scheduler.rules import Due, Policy, TicketState, plan, stamp

_MARKED = "linedesk.replan"
_HOOKED = "linedesk.replan_hooked"
_SETTINGS = "linedesk.timer_settings"  # the desk's targets, read once per transaction


@dataclass(frozen=True)
class TimerRow:
    id: int
    rule: str
    basis: str
    due_at: Any
    state: str
    fired_at: Any


@dataclass(frozen=True)
class Replanned:
    inserted: int
    cancelled: int
    moved: int


# ----- the hook the workflow calls ---------------------------------------------------------------------------
def mark(session: Session, ticket: Ticket) -> None:
    """Replan `ticket` at the next flush of `session` (and at every later one that changes the ticket)."""
    session.info.setdefault(_MARKED, {})[id(ticket)] = ticket
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "before_flush", _before_flush)
        event.listen(session, "after_commit", _forget)
        event.listen(session, "after_rollback", _forget)


def _before_flush(session: Session, _context: object, _instances: object) -> None:
    changed = [ticket for ticket in session.info.get(_MARKED, {}).values()
               if ticket.id is not None and sa_inspect(ticket).persistent and sa_inspect(ticket).modified]
    replan_many(session, changed)  # one read, one insert, one cancel for all of them


def is_marked(session: Session, ticket: Ticket) -> bool:
    return id(ticket) in session.info.get(_MARKED, {})


def _forget(session: Session) -> None:
    session.info.pop(_MARKED, None)
    session.info.pop(_SETTINGS, None)


# ----- replanning ------------------------------------------------------------------------------------------
def replan(session: Session, ticket: Ticket) -> Replanned:
    """Make the ticket's timer rows match `plan()` for its current state."""
    return replan_many(session, [ticket])


@dataclass(frozen=True)
class Snapshot:
    """The fields of a ticket `plan()` reads, for tickets that are rows rather than ORM objects (bulk intake)."""

    id: int
    line: Any
    status: Any
    assignee_id: int | None
    channel: Any
    priority: Any
    created_at: Any
    line_entered_at: Any
    claimed_at: Any = None
    started_at: Any = None
    first_response_at: Any = None
    done_at: Any = None

    @classmethod
    def of(cls, ticket: Any, line: Any) -> Snapshot:
        return cls(ticket.id, line, ticket.status, ticket.assignee_id, ticket.channel, ticket.priority,
                   ticket.created_at, ticket.line_entered_at, ticket.claimed_at, ticket.started_at,
                   ticket.first_response_at, ticket.done_at)


def replan_many(session: Session, tickets: Sequence[Ticket | Snapshot]) -> Replanned:
    """`replan` for many tickets with one read, one insert and one cancel (plus one update per moved timer)."""
    if not tickets:
        return Replanned(0, 0, 0)
    timers = load_timers_of(session, [t.id for t in tickets])
    missing: list[dict[str, Any]] = []
    stale: list[int] = []
    moved: list[tuple[int, Any]] = []
    for ticket in tickets:
        own = timers.get(ticket.id, [])
        wanted = {due.key: due for due in plan(state_of(ticket, own), policy_for(session, ticket))}
        existing = {(t.rule, t.basis): t for t in own}
        missing += [_row(ticket.id, due) for key, due in wanted.items() if key not in existing]
        stale += [t.id for key, t in existing.items() if t.state == "pending" and key not in wanted]
        moved += [(t.id, wanted[key].due_at) for key, t in existing.items()
                  if t.state == "pending" and key in wanted and as_utc(t.due_at) != wanted[key].due_at]
    if missing:
        insert_timers(session, missing)
    if stale:
        session.execute(
            update(TicketTimer).where(in_ids(session, TicketTimer.id, stale), TicketTimer.state == "pending")
            .values(state="cancelled", outcome="no longer applies").execution_options(synchronize_session=False)
        )
    for timer_id, due_at in moved:  # the calendar or a target changed under the same basis
        session.execute(update(TicketTimer).where(TicketTimer.id == timer_id, TicketTimer.state == "pending")
                        .values(due_at=due_at).execution_options(synchronize_session=False))
    return Replanned(len(missing), len(stale), len(moved))


def load_timers_of(session: Session, ticket_ids: Sequence[int]) -> dict[int, list[TimerRow]]:
    rows = session.execute(
        select(TicketTimer.ticket_id, TicketTimer.id, TicketTimer.rule, TicketTimer.basis, TicketTimer.due_at,
               TicketTimer.state, TicketTimer.fired_at).where(in_ids(session, TicketTimer.ticket_id, ticket_ids))
    ).all()
    grouped: dict[int, list[TimerRow]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(TimerRow(*row[1:]))
    return grouped


def load_timers(session: Session, ticket_id: int) -> list[TimerRow]:
    # A ticket has a handful of timers over its life; all of them are read so a fired timer is never
    # planned again and its count of claim attempts is known.
    rows = session.execute(
        select(TicketTimer.id, TicketTimer.rule, TicketTimer.basis, TicketTimer.due_at, TicketTimer.state,
               TicketTimer.fired_at).where(TicketTimer.ticket_id == ticket_id)
    ).all()
    return [TimerRow(*row) for row in rows]


def insert_timers(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # executemany of one small statement: a multi-VALUES statement would be compiled afresh for every batch size.
    session.execute(insert(TicketTimer).on_conflict_do_nothing(index_elements=["ticket_id", "rule", "basis"]),
                    list(rows))


def _row(ticket_id: int, due: Due) -> dict[str, Any]:
    return {"ticket_id": ticket_id, "rule": due.rule, "basis": due.basis, "due_at": due.due_at, "state": "pending"}


def state_of(ticket: Ticket | Snapshot, timers: Sequence[TimerRow], *, exclude: int | None = None) -> TicketState:
    """The pure snapshot `plan()` reads; `exclude` leaves one timer out (the one being fired)."""
    line_entered = as_utc(ticket.line_entered_at)
    visit = stamp(line_entered)
    attempts = [t for t in timers if t.rule == "claim" and t.state == "fired" and t.id != exclude
                and t.basis.split("#")[0] == visit]
    return TicketState(
        status=_value(ticket.status), assigned=ticket.assignee_id is not None, channel=_value(ticket.channel),
        priority=_value(ticket.priority), created_at=as_utc(ticket.created_at), line_entered_at=line_entered,
        claimed_at=as_utc(ticket.claimed_at), started_at=as_utc(ticket.started_at),
        first_response_at=as_utc(ticket.first_response_at), done_at=as_utc(ticket.done_at),
        claim_attempts=len(attempts),
        last_claim_at=max((as_utc(t.fired_at) for t in attempts if t.fired_at), default=None),
    )


def policy_for(session: Session, ticket: Ticket | Snapshot) -> Policy:
    """The line's clocks and calendar and the desk's targets (settings rows stay in the identity map)."""
    line = ticket.line
    return Policy(
        claim_within_s=line.claim_within_s or 40, start_within_s=line.start_within_s or 900,
        calendar=line.calendar or None,
        first_response=_setting(session, "first_response"),
        first_response_priority=_setting(session, "first_response_priority"),
        resolution=_setting(session, "resolution"),
    )


TARGET_KEYS = ("first_response", "first_response_priority", "resolution")


def load_targets(session: Session) -> dict[str, dict[str, int]]:
    """The desk's targets, for a sweep to read once and hand to each of its transactions."""
    return {key: _setting(session, key) for key in TARGET_KEYS}


def prime_targets(session: Session, targets: dict[str, dict[str, int]]) -> None:
    session.info[_SETTINGS] = dict(targets)


def _setting(session: Session, key: str) -> dict[str, int]:
    cache = session.info.setdefault(_SETTINGS, {})
    if key not in cache:
        row = session.get(HelpdeskSetting, key)
        value = row.value if row is not None else None
        cache[key] = ({str(k): int(v) for k, v in value.items() if isinstance(v, (int, float))}
                      if isinstance(value, dict) else {})
    return cache[key]


def _value(value: Any) -> str:
    return str(getattr(value, "value", value))
