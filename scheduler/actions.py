"""What each rule does when its timer fires, always through the Workflow (the only writer of tickets).

Each action takes the workflow and the ticket inside the firing transaction and returns a one-line outcome
for the timer row and the `rules run` output. "Telling" someone is an audit event of kind "alert" or
"warning" whose `to_value` is the agent's email; the notification channels read those events.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import func, select

from app.models import ACTIVE_STATUSES, Agent, AssignStrategy, Feedback, Status, Ticket
from app.workflow import Workflow


def auto_assign(wf: Workflow, ticket: Ticket, *, first_attempt: bool, rng: random.Random) -> str:
    """Nobody claimed in time: assign an on-duty member, at random or the least busy one."""
    line = ticket.line
    candidates = sorted((m for m in line.members if m.active and m.on_duty), key=lambda m: m.id)
    if not candidates:
        head = line.head
        if first_attempt and head is not None:
            wf._event(ticket, "alert", None, to_value=head.email,
                      note=f"#{ticket.number} was not claimed within {line.claim_within_s} s and nobody in "
                           f"{line.name} is on duty to take it", rule="claim")
        told = f"; told {head.email}" if first_attempt and head is not None else ""
        return f"nobody on duty in {line.slug}{told}; retry in {line.claim_within_s} s"
    if line.assign_strategy is AssignStrategy.LEAST_BUSY:
        chosen = _least_busy(wf, candidates, rng)
    else:
        chosen = rng.choice(candidates)
    wf.assign(ticket, None, chosen)
    return f"assigned to {chosen.email} ({_strategy(line.assign_strategy)})"


def _least_busy(wf: Workflow, candidates: list[Agent], rng: random.Random) -> Agent:
    counts = dict(wf.session.execute(
        select(Ticket.assignee_id, func.count()).where(
            Ticket.assignee_id.in_([c.id for c in candidates]), Ticket.status.in_(ACTIVE_STATUSES))
        .group_by(Ticket.assignee_id)
    ).all())
    fewest = min(counts.get(c.id, 0) for c in candidates)
    return rng.choice([c for c in candidates if counts.get(c.id, 0) == fewest])


def _strategy(strategy: AssignStrategy | str) -> str:
    return str(getattr(strategy, "value", strategy)).replace("_", " ")


def escalate_ignored(wf: Workflow, ticket: Ticket) -> str:
    """Not started within start_within: the head watches and is told; the ticket is marked ignored for good."""
    line, head = ticket.line, ticket.line.head
    holder = ticket.assignee.email if ticket.assignee else "nobody"
    note = f"#{ticket.number} was not started within {line.start_within_s} s by {holder}"
    if head is not None:
        wf.add_watcher(ticket, None, head, note=note)
        wf._event(ticket, "alert", None, to_value=head.email, note=note, rule="start")
    wf.set_flag(ticket, None, "ignored", True, note=note)
    return f"flagged ignored; {head.email + ' watches and was told' if head else 'the line has no head to tell'}"


def warn(wf: Workflow, ticket: Ticket, target: str, at: datetime) -> str:
    """The target is near: warn the assignee (the head while nobody holds the ticket)."""
    whom = ticket.assignee or ticket.line.head
    if whom is None:
        return "nobody to warn"
    label = target.replace("_", " ")
    wf._event(ticket, "warning", None, to_value=whom.email,
              note=f"#{ticket.number}: the {label} target is near (warned at {at.isoformat()})", rule=f"{target}_warn")
    return f"warned {whom.email}: {label} target near"


def mark_overdue(wf: Workflow, ticket: Ticket, target: str) -> str:
    wf.set_flag(ticket, None, "overdue", True, note=f"the {target} target was missed")
    return f"flagged overdue ({target})"


def auto_complete(wf: Workflow, ticket: Ticket) -> str:
    if ticket.status is not Status.DONE:
        return "nothing to do"
    if wf.session.scalar(select(Feedback.id).where(Feedback.ticket_id == ticket.id)) is not None:
        return "nothing to do: rated"
    wf.complete(ticket, None, reason="no rating within 2 days")
    return "completed: no rating within 2 days"
