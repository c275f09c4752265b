"""Which actions the viewing agent may take on a ticket: the buttons and forms a panel offers.

This is the workflow's permission checks read ahead of time (`WorkflowBase.is_on_line`, `require_work`, the
status machine in `app.domain.statuses`), so a panel never offers a button the workflow would refuse and
never hides one it would allow. `tests/panel/test_actions.py` holds the two together: for many ticket states
and every agent of the test desk, each offered action succeeds in the workflow and each withheld one raises.
The workflow still checks everything when the action is taken; this only decides what to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.domain.statuses import ALLOWED
from app.models import (
    ACTIVE_STATUSES, Agent, CannedResponse, Category, Line, LineKind, Priority, Status, Ticket, TicketEvent,
)
from app.workflow.base import WorkflowBase

CLAIMABLE = (Status.NEW, Status.REOPENED)
ACTION_NAMES = ("claim", "assign", "start", "priority", "category", "transfer", "pass_back", "subtask", "note",
                "done")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Actions:
    claim: bool = False
    assign_to: list[Choice] = field(default_factory=list)  # agents it may be assigned to; empty: not offered
    start: bool = False
    priorities: list[str] = field(default_factory=list)  # empty: priority cannot be set
    categories: list[str] = field(default_factory=list)  # empty: category cannot be set
    transfer_to: list[Choice] = field(default_factory=list)
    pass_back_to: str | None = None  # the line it would return to
    subtask: bool = False
    note: bool = False
    done: bool = False
    replies: list[Choice] = field(default_factory=list)  # canned responses to answer with; empty: no reply

    def offered(self) -> set[str]:
        flags = {"claim": self.claim, "assign": bool(self.assign_to), "start": self.start,
                 "priority": bool(self.priorities), "category": bool(self.categories),
                 "transfer": bool(self.transfer_to), "pass_back": self.pass_back_to is not None,
                 "subtask": self.subtask, "note": self.note, "done": self.done, "reply": bool(self.replies)}
        return {name for name, on in flags.items() if on}


def allowed_actions(agent: Agent, ticket: Ticket, events: Sequence[TicketEvent], lines: Sequence[Line],
                    categories: Sequence[Category], canned: Sequence[CannedResponse] = ()) -> Actions:
    """`events` is the ticket's audit trail in order; `lines` and `categories` the active ones; `canned` the
    canned responses of the ticket's line (a reply needs the ticket's mailbox and `require_work`, as
    `gmail_sync.outbound.reply` checks)."""
    on_line = WorkflowBase.is_on_line(agent, ticket.line)
    works = agent.active and (agent.is_manager or ticket.assignee_id == agent.id or on_line)
    watcher = any(w.id == agent.id for w in ticket.watchers)
    active = ticket.status in ACTIVE_STATUSES
    claim = agent.active and on_line and ticket.assignee_id is None and ticket.status in CLAIMABLE
    arrival = _arrival(ticket, events)
    return Actions(
        claim=claim,
        assign_to=_assignees(agent, ticket, on_line),
        start=_may_start(agent, ticket, claim),
        priorities=[p.value for p in Priority] if works else [],
        categories=[c.name for c in categories] if works and categories else [],
        transfer_to=[Choice(line.slug, line.name) for line in lines if line.id != ticket.line_id]
        if works and active else [],
        pass_back_to=arrival if works and active else None,
        subtask=works and active and any(line.kind is LineKind.DEVELOPMENT for line in lines),
        note=watcher or works,
        done=_may_finish(agent, ticket, works),
        replies=[Choice(str(c.id), c.title) for c in canned] if works and ticket.mailbox_id is not None else [],
    )


def _assignees(agent: Agent, ticket: Ticket, on_line: bool) -> list[Choice]:
    if not (agent.is_manager or on_line) or Status.ASSIGNED not in ALLOWED[ticket.status]:
        return []
    people = {m.id: m for m in ticket.line.members}
    if ticket.line.head is not None:
        people[ticket.line.head.id] = ticket.line.head
    return [Choice(p.email, p.name) for p in sorted(people.values(), key=lambda p: p.name)
            if p.active and p.id != ticket.assignee_id]


def _may_start(agent: Agent, ticket: Ticket, claim: bool) -> bool:
    if ticket.assignee_id is None and ticket.status in CLAIMABLE:
        return claim  # starting claims it on the way
    holds = ticket.assignee_id == agent.id or agent.is_manager
    return holds and Status.IN_PROGRESS in ALLOWED[ticket.status]


def _may_finish(agent: Agent, ticket: Ticket, works: bool) -> bool:
    if Status.DONE not in ALLOWED[ticket.status]:
        return False
    if ticket.assignee_id == agent.id or agent.is_manager:
        return True
    return works and ticket.assignee_id is None


def _arrival(ticket: Ticket, events: Sequence[TicketEvent]) -> str | None:
    """The line a pass back returns to: where the last transfer into the current line came from."""
    for event in reversed(events):
        if event.kind == "transferred" and event.to_value == ticket.line.slug:
            return event.data.get("from_line") if event.data else event.from_value
    return None
