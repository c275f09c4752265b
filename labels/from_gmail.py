"""Gmail → ticket, the edge: apply the label changes of one page of Gmail's history to the tickets.

The sync runner's incremental step (gmail_sync/runner.py `_incremental`) hands each history page here right
after writing the page's messages and advancing the history cursor. Straight after, not inside that
transaction, and on purpose:
- the page's messages are written first, so label changes apply after the mail they follow in history order
  (a reply that reopens a done ticket, then `Status/In progress` applied to it);
- the runner's write path is its own and stays so; this step has its own short transaction and never holds it
  across network I/O (the label names are read before it, the pushes after it).
The price: a crash in the instant between the two commits loses that page's label changes (the cursor has
moved on). The ticket is then simply unchanged, and its next push or `linedesk labels reconcile` shows its
true state in Gmail again — the labels never lie for long, and no change is ever applied twice.

Per page: the user label ids in labelsAdded/labelsRemoved are named (labels.list once per runner step, again
only for an id it does not know — an idle poll and a page of new mail cost nothing here); the changes under our
prefix are grouped by the ticket of their thread; `labels.changes.plan` says what they ask; the actions run
through the workflow (`Workflow(via="gmail_label", system_actor="gmail")`), each in a savepoint so a refused one
is rolled back alone; every refusal and every two-at-once choice becomes a note naming the label and the
reason. After the commit, every touched ticket's labels are pushed: the old Line label goes, the refused label
is undone. An accepted change is pushed without reading the threads when nothing but these changes happened to
them since the last push (`push_ticket(seen=…)`: one threads.modify); an undo reads them and restores the whole
state, INBOX too (a refused `Status/Done` applied with an archive comes back to the inbox). Our own pushes come
back through history as no-ops (labels.changes).

Who acts: Gmail's history does not say which agent applied a label, so the actor is the mailbox itself
(`actor_label` "gmail", no agent), with a system actor's permissions under the workflow's rules: a transfer
only to an active line other than the ticket's, an assignment only to an active member of the ticket's line,
start only of a ticket someone holds, done only with the two fields filled in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from app.clock import Clock
from app.db import transaction
from app.domain.errors import DomainError, RuleViolation
from app.models import Agent, Line, Mailbox, Status, Ticket, TicketThread
from app.workflow import Workflow
from gmail_sync.client import GmailApi, GmailRequestError
from labels.changes import Action, LabelChange, Plan, Refusal, plan
from labels.gmail_labels import LabelDirectory, label_prefix, label_state, push_ticket
from labels.scheme import LabelScheme, safe_level

log = logging.getLogger(__name__)
VIA = "gmail_label"
ACTOR = "gmail"


@dataclass
class LabelReport:
    applied: int = 0
    refused: int = 0
    tickets: list[int] = field(default_factory=list)  # touched, in the order handled
    # per touched ticket, the label names the agent added and removed on its threads (for the push)
    seen: dict[int, tuple[set[str], set[str]]] = field(default_factory=dict)
    undone: set[int] = field(default_factory=set)  # tickets with a refusal: their threads are read and restored


@dataclass
class _Record:
    history_id: int
    thread_id: str
    label_ids: list[str]
    added: bool


class GmailLabelChanges:
    """One runner step's reader of label changes (it keeps the mailbox's label names for the step)."""

    def __init__(self, Session: sessionmaker[Session], api: GmailApi, clock: Clock, address: str) -> None:
        self.Session = Session
        self.api = api
        self.clock = clock
        self.address = address
        self.directory: LabelDirectory | None = None

    def apply(self, records: Iterable[dict[str, Any]]) -> LabelReport:
        """Apply the label changes of one history page; push the touched tickets' labels."""
        report = LabelReport()
        found = _label_records(records)
        if not found:
            return report
        names = self._names({label_id for record in found for label_id in record.label_ids})
        with transaction(self.Session) as session:
            scheme = LabelScheme(label_prefix(session))
            by_thread = _changes_by_thread(found, names, scheme)
            if by_thread:
                self._apply(session, scheme, by_thread, report)
        for number in report.tickets:
            try:
                push_ticket(self.api, self.Session, self.clock, number, directory=self.directory,
                            seen=report.seen[number], read=number in report.undone)
            except GmailRequestError as exc:  # left due: push_due tries again
                log.warning("labels %s: push of #%s after a label change refused: %s", self.address, number, exc)
        return report

    def _names(self, label_ids: set[str]) -> dict[str, str]:
        if self.directory is None:
            self.directory = LabelDirectory.read(self.api)
        elif label_ids - set(self.directory.names):
            self.directory.refresh()
        return self.directory.names

    def _apply(self, session: Session, scheme: LabelScheme, by_thread: dict[str, list[LabelChange]],
               report: LabelReport) -> None:
        links = session.execute(
            select(TicketThread.provider_thread_id, TicketThread.ticket_id)
            .join(Mailbox, Mailbox.id == TicketThread.mailbox_id)
            .where(Mailbox.address == self.address, TicketThread.provider_thread_id.in_(list(by_thread)))).all()
        by_ticket: dict[int, list[LabelChange]] = {}
        for thread_id, ticket_id in links:
            by_ticket.setdefault(ticket_id, []).extend(by_thread[thread_id])
        workflow = Workflow(session, self.clock, via=VIA, system_actor=ACTOR)
        tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(list(by_ticket))).options(
            selectinload(Ticket.line), selectinload(Ticket.assignee)))}
        for ticket_id in sorted(by_ticket, key=lambda t: min(c.history_id for c in by_ticket[t])):
            ticket = tickets[ticket_id]
            asked = plan(scheme, by_ticket[ticket_id], label_state(ticket), ticket.labels_pushed)
            if asked.touched:
                _carry_out(workflow, ticket, asked, report)
                report.tickets.append(ticket.number)
                changes = by_ticket[ticket_id]
                report.seen[ticket.number] = ({c.name for c in changes if c.added},
                                              {c.name for c in changes if not c.added})


def _carry_out(workflow: Workflow, ticket: Ticket, asked: Plan, report: LabelReport) -> None:
    refused = list(asked.refused)
    for action in asked.actions:
        try:
            with workflow.session.begin_nested():
                _act(workflow, ticket, action)
            report.applied += 1
        except DomainError as exc:
            workflow.session.refresh(ticket)
            refused.append(Refusal(action.label, exc.message))
    if refused:
        report.undone.add(ticket.number)
    for refusal in refused:
        report.refused += 1
        workflow.add_note(ticket, None, f"Gmail label {refusal.label} was not applied: {refusal.reason}. "
                                        "Its labels in Gmail were put back to the ticket's state.")
    for note in asked.notes:
        workflow.add_note(ticket, None, note)


def _act(workflow: Workflow, ticket: Ticket, action: Action) -> None:
    if action.kind == "transfer":
        line = _by_level(workflow.session, Line, str(action.value), "line")
        workflow.transfer(ticket, None, line, f"moved by the Gmail label {action.label}")
    elif action.kind == "assign":
        workflow.assign(ticket, None, _by_level(workflow.session, Agent, str(action.value), "agent"))
    elif action.kind == "priority":
        workflow.set_priority(ticket, None, action.value)  # type: ignore[arg-type]
    elif action.kind == "release" or action.value is Status.NEW:
        if ticket.assignee_id is not None or ticket.status is not Status.NEW:
            workflow.release(ticket, None)
    elif ticket.status is not action.value:
        _set_status(workflow, ticket, action.value)  # type: ignore[arg-type]


def _set_status(workflow: Workflow, ticket: Ticket, status: Status) -> None:
    if status is Status.IN_PROGRESS:
        workflow.start(ticket, None)
    elif status is Status.WAITING:
        workflow.wait(ticket, None)
    elif status is Status.DONE:
        workflow.mark_done(ticket, None, ticket.problem, ticket.resolution)
    else:
        raise RuleViolation(f"{status.value} is not set through a label")


def _by_level(session: Session, model: type[Line | Agent], level: str, what: str) -> Any:
    """The line or agent whose name makes label level `level` (as `safe_level` writes it; case ignored)."""
    wanted = level.casefold()
    found = [row for row in session.scalars(select(model).order_by(model.id))
             if safe_level(row.name).casefold() == wanted]
    active = [row for row in found if row.active] or found
    if not active:
        raise RuleViolation(f"no {what} is called {level}")
    if len(active) > 1:
        raise RuleViolation(f"more than one {what} is called {level}")
    return active[0]


def _label_records(records: Iterable[dict[str, Any]]) -> list[_Record]:
    """The label changes of a page that involve a user label (system ones, INBOX, UNREAD…, are not ours)."""
    found: list[_Record] = []
    for record in records:
        for key, added in (("labelsAdded", True), ("labelsRemoved", False)):
            for item in record.get(key, []):
                ids = [i for i in item.get("labelIds", []) if not i.isupper()]
                if ids:
                    message = item["message"]
                    found.append(_Record(int(record["id"]), message.get("threadId", message["id"]), ids, added))
    return found


def _changes_by_thread(found: list[_Record], names: dict[str, str], scheme: LabelScheme
                       ) -> dict[str, list[LabelChange]]:
    by_thread: dict[str, list[LabelChange]] = {}
    for record in found:
        for label_id in record.label_ids:
            name = names.get(label_id)
            if name is not None and scheme.is_ours(name):
                by_thread.setdefault(record.thread_id, []).append(LabelChange(record.history_id, name, record.added))
    return by_thread
