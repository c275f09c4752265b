"""The sweep: fire every due timer exactly once, whatever the number of processes sweeping.

Protocol, per sweep:

1. One indexed query, in a short read-only transaction: `state = 'pending' AND due_at <= now ORDER BY due_at
   LIMIT n` (index `ix_ticket_timers_state_due_at`), so an idle sweep costs one index probe however many
   tickets are open.
2. Per batch of up to 200 due timers, ONE transaction: (PostgreSQL) lock the rows with `FOR UPDATE SKIP
   LOCKED`, so a second process skips timers the first is firing instead of queueing behind them; then the
   conditional `UPDATE … SET state = 'fired' WHERE id IN (…) AND state = 'pending' RETURNING id` — a timer
   fires in the one transaction that changed its row; then each won timer's action through the Workflow (the
   batch's tickets and timers read up front, events flushed and tickets replanned together); commit. The flips
   and the actions commit together, so a crash mid-way fires the batch again on the next sweep, and a
   committed action is never repeated. If any action raises, the batch rolls back and its timers are fired
   one per transaction instead (step 3).
3. A rule whose ticket moved on (claimed meanwhile, answered…) is still marked fired, with outcome
   "nothing to do". One timer per transaction (after a failed batch): an action that raises is rolled back to
   its savepoint and the timer is marked "failed" with the error, so one bad ticket never stalls the queue.

Restart safety is the same mechanism: due timers are rows, so the first sweep after downtime fires every one
that passed, once. `dry_run` runs step 1 and says what each timer would do, changing nothing.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from app.clock import Clock, as_utc
from app.db import in_ids
from app.models import Line, Ticket
from app.models.timers import TicketTimer
from app.workflow import Workflow
from scheduler import actions
from scheduler.rules import plan
from scheduler.timers import (
    TimerRow,
    is_marked,
    load_targets,
    load_timers,
    load_timers_of,
    policy_for,
    prime_targets,
    replan,
    replan_many,
    state_of,
)

NOTHING_TO_DO = "nothing to do"
BATCH = 500  # timers fired per transaction
# What the actions read of a ticket, loaded for a whole batch at once (no query per action).
TICKET_LOADS = (
    selectinload(Ticket.line).selectinload(Line.members),
    selectinload(Ticket.line).selectinload(Line.head),
    selectinload(Ticket.assignee),
    selectinload(Ticket.watchers),
)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    timer_id: int
    ticket_id: int
    rule: str
    basis: str
    due_at: datetime


@dataclass(frozen=True)
class Firing:
    timer_id: int
    ticket_number: int
    rule: str
    due_at: datetime
    outcome: str
    fired: bool  # False in a dry run

    def line(self) -> str:
        prefix = "" if self.fired else "would fire: "
        return f"#{self.ticket_number} {self.rule} (due {self.due_at.isoformat()}): {prefix}{self.outcome}"


def due_query(now: datetime, limit: int = 500) -> Select:
    """The idle sweep: one range scan of ix_ticket_timers_state_due_at."""
    return (select(TicketTimer.id, TicketTimer.ticket_id, TicketTimer.rule, TicketTimer.basis, TicketTimer.due_at)
            .where(TicketTimer.state == "pending", TicketTimer.due_at <= now)
            .order_by(TicketTimer.due_at).limit(limit))


def due_timers(session: Session, now: datetime, limit: int = 500) -> list[Due]:
    rows = session.execute(due_query(now, limit)).all()
    return [Due(r.id, r.ticket_id, r.rule, r.basis, as_utc(r.due_at)) for r in rows]


def sweep(sessions: sessionmaker[Session], clock: Clock, *, owner: str, dry_run: bool = False, limit: int = 500,
          rng: random.Random | None = None, batch: int = BATCH) -> list[Firing]:
    """Fire (or, dry, describe) every timer due at `clock.now()`, at most `limit` of them, `batch` per
    transaction (one per transaction when a batch fails: see `_fire_batch`)."""
    with sessions() as session:
        due = due_timers(session, clock.now(), limit)
        targets = load_targets(session) if due else {}  # an idle sweep stays one query
        session.rollback()
    rng = rng or random.Random()
    firings: list[Firing] = []
    if dry_run:
        for timer in due:
            with sessions() as session:
                prime_targets(session, targets)
                firing = _describe(session, clock, timer)
                session.rollback()
            if firing is not None:
                firings.append(firing)
        return firings
    for start in range(0, len(due), batch):
        firings += _fire_batch(sessions, clock, due[start:start + batch], targets, owner=owner, rng=rng)
    return firings


def _fire_batch(sessions: sessionmaker[Session], clock: Clock, due: list[Due], targets: dict[str, dict[str, int]],
                *, owner: str, rng: random.Random) -> list[Firing]:
    """A batch of due timers in ONE transaction: flip the ones this process wins, run their actions, commit.
    If any action raises, the whole batch rolls back (nothing of it happened) and its timers are fired again
    one per transaction, where a failing one is marked "failed" and the others go through."""
    try:
        with sessions() as session:
            prime_targets(session, targets)
            firings = _fire_all(session, clock, due, owner=owner, rng=rng)
            session.commit()
            return firings
    except Exception:  # noqa: BLE001 - retried one by one below, where each failure is recorded on its timer
        log.warning("a batch of %d timers failed; firing them one by one", len(due), exc_info=True)
    firings = []
    for timer in due:
        with sessions() as session:
            prime_targets(session, targets)
            firing = _fire_safely(session, clock, timer, owner=owner, rng=rng)
            if firing is None:
                session.rollback()
            else:
                session.commit()
                firings.append(firing)
    return firings


def _fire_all(session: Session, clock: Clock, due: list[Due], *, owner: str, rng: random.Random) -> list[Firing]:
    now = clock.now()
    ids = [timer.timer_id for timer in due]
    if session.get_bind().dialect.name == "postgresql":  # timers another process is firing are skipped, not awaited
        ids = list(session.scalars(select(TicketTimer.id).where(in_ids(session, TicketTimer.id, ids),
                                                                TicketTimer.state == "pending")
                                   .with_for_update(skip_locked=True)))
    won = set(session.scalars(
        update(TicketTimer).where(in_ids(session, TicketTimer.id, ids), TicketTimer.state == "pending")
        .values(state="fired", fired_at=now, fired_by=owner[:100]).returning(TicketTimer.id)
        .execution_options(synchronize_session=False))) if ids else set()
    mine = [timer for timer in due if timer.timer_id in won]
    if not mine:
        return []
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(in_ids(session, Ticket.id,
                                                                             {m.ticket_id for m in mine}))
                                                 .options(*TICKET_LOADS))}
    timers = load_timers_of(session, list(tickets))
    workflow = Workflow(session, clock, via="scheduler", batched=True)
    workflow.prime_arrivals([m.ticket_id for m in mine if _family(m.rule) == "claim"])
    firings, outcomes, quiet = [], [], []
    for timer in mine:
        ticket = tickets[timer.ticket_id]
        if _still_applies(session, ticket, timer, timers.get(ticket.id, [])):
            outcome = ACTIONS[_family(timer.rule)](workflow, ticket, timer, rng)
        else:
            outcome = NOTHING_TO_DO
        if not is_marked(session, ticket):  # no event recorded (and so no replan): e.g. a silent claim retry
            quiet.append(ticket)
        outcomes.append({"id": timer.timer_id, "outcome": outcome[:500]})
        firings.append(Firing(timer.timer_id, ticket.number, timer.rule, timer.due_at, outcome, True))
    session.flush()  # the events, the tickets' changes and their replanning, together
    replan_many(session, [t for t in dict.fromkeys(quiet) if not is_marked(session, t)])
    session.execute(update(TicketTimer), outcomes)  # by primary key, one statement for the batch
    return firings


def sweep_all(sessions: sessionmaker[Session], clock: Clock, *, owner: str, dry_run: bool = False,
              limit: int = 500, rng: random.Random | None = None) -> list[Firing]:
    """Sweep until nothing is due (a backlog after downtime may exceed one batch); dry: one batch."""
    firings: list[Firing] = []
    while True:
        batch = sweep(sessions, clock, owner=owner, dry_run=dry_run, limit=limit, rng=rng)
        firings.extend(batch)
        if dry_run or len(batch) < limit:
            return firings


def _fire_safely(session: Session, clock: Clock, timer: Due, *, owner: str, rng: random.Random) -> Firing | None:
    """Fire in a savepoint; an action that raises leaves the timer "failed" (with the error, in the same
    transaction) instead of being retried at the head of the queue for ever."""
    try:
        with session.begin_nested():
            return _fire(session, clock, timer, owner=owner, rng=rng)
    except Exception as exc:  # any bug in one action must not stop the other rules
        log.exception("rule %s on timer %s failed", timer.rule, timer.timer_id)
        outcome = f"error: {type(exc).__name__}: {exc}"[:500]
        session.execute(update(TicketTimer).where(TicketTimer.id == timer.timer_id, TicketTimer.state == "pending")
                        .values(state="failed", fired_at=clock.now(), fired_by=owner[:100], outcome=outcome)
                        .execution_options(synchronize_session=False))
        number = session.scalar(select(Ticket.number).where(Ticket.id == timer.ticket_id)) or 0
        return Firing(timer.timer_id, number, timer.rule, timer.due_at, outcome, True)


def _fire(session: Session, clock: Clock, timer: Due, *, owner: str, rng: random.Random) -> Firing | None:
    now = clock.now()
    if session.get_bind().dialect.name == "postgresql":
        locked = session.execute(
            select(TicketTimer.id).where(TicketTimer.id == timer.timer_id, TicketTimer.state == "pending")
            .with_for_update(skip_locked=True)
        ).first()
        if locked is None:
            return None  # another process is firing it, or has fired it
    won = session.execute(
        update(TicketTimer).where(TicketTimer.id == timer.timer_id, TicketTimer.state == "pending")
        .values(state="fired", fired_at=now, fired_by=owner[:100]).execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        return None
    ticket = session.get(Ticket, timer.ticket_id)
    if ticket is None:  # pragma: no cover - tickets are never deleted; the FK cascades anyway
        return None
    if _still_applies(session, ticket, timer):
        outcome = ACTIONS[_family(timer.rule)](Workflow(session, clock, via="scheduler"), ticket, timer, rng)
    else:
        outcome = NOTHING_TO_DO
    if not is_marked(session, ticket):  # no event was recorded (and so no replan): e.g. a silent claim retry
        replan(session, ticket)
    session.execute(update(TicketTimer).where(TicketTimer.id == timer.timer_id).values(outcome=outcome[:500])
                    .execution_options(synchronize_session=False))
    return Firing(timer.timer_id, ticket.number, timer.rule, timer.due_at, outcome, True)


def _describe(session: Session, clock: Clock, timer: Due) -> Firing | None:
    ticket = session.get(Ticket, timer.ticket_id)
    if ticket is None:  # pragma: no cover
        return None
    outcome = DESCRIPTIONS[_family(timer.rule)] if _still_applies(session, ticket, timer) else NOTHING_TO_DO
    return Firing(timer.timer_id, ticket.number, timer.rule, timer.due_at, outcome, False)


def _still_applies(session: Session, ticket: Ticket, timer: Due, timers: list[TimerRow] | None = None) -> bool:
    """The timer is still one the ticket should have, judged without the firing itself."""
    if timers is None:
        timers = load_timers(session, ticket.id)
    wanted = plan(state_of(ticket, timers, exclude=timer.timer_id), policy_for(session, ticket))
    return any(due.key == (timer.rule, timer.basis) for due in wanted)


def _family(rule: str) -> str:
    return "warn" if rule.endswith("_warn") else rule


Action = Callable[[Workflow, Ticket, Due, random.Random], str]
ACTIONS: dict[str, Action] = {
    "claim": lambda wf, t, timer, rng: actions.auto_assign(wf, t, first_attempt="#" not in timer.basis, rng=rng),
    "start": lambda wf, t, timer, rng: actions.escalate_ignored(wf, t),
    "warn": lambda wf, t, timer, rng: actions.warn(wf, t, timer.rule.removesuffix("_warn"), timer.due_at),
    "first_response": lambda wf, t, timer, rng: actions.mark_overdue(wf, t, "first response"),
    "resolution": lambda wf, t, timer, rng: actions.mark_overdue(wf, t, "resolution"),
    "auto_complete": lambda wf, t, timer, rng: actions.auto_complete(wf, t),
}
DESCRIPTIONS: dict[str, str] = {
    "claim": "assign to an on-duty member of the line",
    "start": "add the line's head as watcher, alert them, flag ignored",
    "warn": "warn the assignee that the target is near",
    "first_response": "flag overdue (first response)",
    "resolution": "flag overdue (resolution)",
    "auto_complete": "complete: no rating within 2 days",
}
