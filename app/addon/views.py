"""The add-on endpoints: homepage (the agent's queues), contextual (the ticket of the opened message) and one
action endpoint for every button.

Each request: verify the caller and the user (`auth`; a failure is 401 and nothing runs), find the agent (an
unknown user gets a card saying so), then for an action call the workflow as that agent with via="addon",
commit, and answer with the card as it now is. A refusal (a DomainError) is rolled back and shown as a
notification on the unchanged card.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import or_, select

from app.addon import addon
from app.addon.auth import NotAnAgent, agent_for, user_email, verify_caller
from app.addon.cards import after_click, create_card, first_render, notice_card, queue_card, ticket_card
from app.addon.event import AddonEvent
from app.directory import agent_by_email, line_by_slug
from app.domain.errors import DomainError, InvalidInput
from app.google_tokens import TokenRejected
from app.models import Agent, Line, LineKind, Message, Priority, TicketThread, line_members
from app.panel.actions import Choice
from app.panel.model import load_panel, load_ticket
from app.panel.queues import load_queues
from app.web import db_session, runtime
from app.workflow import CustomerRef, Workflow

log = logging.getLogger(__name__)
VIA = "addon"


def _action_url() -> str:
    base = runtime().settings.addon_base_url or request.url_root.rstrip("/")
    return f"{base}/addon/action"


def _guarded(render: Callable[[AddonEvent, Agent], dict[str, Any]], *, click: bool) -> Response:
    settings = runtime().settings
    raw = request.get_json(silent=True)
    try:
        verify_caller(settings, request.headers.get("Authorization"))
        if not isinstance(raw, dict):
            raise TokenRejected("the body is not an add-on event")
        event = AddonEvent(raw)
        email = user_email(settings, raw)
    except TokenRejected as exc:
        log.warning("add-on call refused: %s", exc)
        body = {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": str(exc)}
        return Response(json.dumps(body), status=401, mimetype="application/problem+json")
    try:
        agent = agent_for(db_session(), email)
    except NotAnAgent as exc:
        card = notice_card("Not a Linedesk agent", f"{exc.email} is not an active Linedesk agent, so Linedesk shows "
                           "nothing here. An admin can add you in the setup file.")
        return jsonify(after_click(card) if click else first_render(card))
    return jsonify(render(event, agent))


@addon.post("/homepage")
def homepage() -> Response:
    return _guarded(lambda event, agent: first_render(_queues(event, agent)), click=False)


@addon.post("/contextual")
def contextual() -> Response:
    return _guarded(lambda event, agent: first_render(_contextual_card(event, agent)), click=False)


@addon.post("/action")
def act() -> Response:
    return _guarded(_act, click=True)


def _queues(event: AddonEvent, agent: Agent, search: str | None = None) -> dict[str, Any]:
    queues = load_queues(db_session(), agent, search=search)
    return queue_card(queues, _action_url(), event.timezone, runtime().clock.now(), agent.name)


def _ticket(event: AddonEvent, agent: Agent, number: int) -> dict[str, Any]:
    try:
        panel = load_panel(db_session(), runtime().clock, agent, number)
    except DomainError as exc:
        return notice_card(f"#{number}", exc.message)
    return ticket_card(panel, _action_url(), event.timezone)


def ticket_of_message(message_id: str | None, thread_id: str | None) -> int | None:
    """The number of the ticket a Gmail message belongs to: by its message id, else by its thread."""
    from app.models import Ticket

    session = db_session()
    if message_id:
        number = session.scalar(select(Ticket.number).join(Message, Message.ticket_id == Ticket.id)
                                .where(Message.provider_message_id == message_id).limit(1))
        if number is not None:
            return number
    if thread_id:
        return session.scalar(select(Ticket.number).join(TicketThread, TicketThread.ticket_id == Ticket.id)
                              .where(TicketThread.provider_thread_id == thread_id).order_by(Ticket.id.desc()).limit(1))
    return None


def _contextual_card(event: AddonEvent, agent: Agent) -> dict[str, Any]:
    message_id, thread_id = event.gmail("messageId"), event.gmail("threadId")
    number = ticket_of_message(message_id, thread_id)
    if number is not None:
        return _ticket(event, agent, number)
    return create_card(_lines_to_open_in(agent), _action_url(), message_id, thread_id)


def _lines_to_open_in(agent: Agent) -> list[Choice]:
    """Where the agent may open a ticket by hand (Workflow.create_ticket): own lines and task lines; any, for a
    manager."""
    query = select(Line).where(Line.active.is_(True)).order_by(Line.position, Line.id)
    if not agent.is_manager:
        member_of = select(line_members.c.line_id).where(line_members.c.agent_id == agent.id)
        query = query.where(or_(Line.id.in_(member_of), Line.head_id == agent.id, Line.kind == LineKind.TASK))
    return [Choice(line.slug, line.name) for line in db_session().scalars(query)]


# ----- the action endpoint ---------------------------------------------------------------------------------------
def _act(event: AddonEvent, agent: Agent) -> dict[str, Any]:
    do = event.parameter("do") or ""
    if do in ("home", "search"):
        return after_click(_queues(event, agent, event.form("search") if do == "search" else None))
    if do == "create":
        return _create(event, agent)
    number = _number(event.parameter("number"))
    if number is None or (do != "open" and do not in ACTIONS):
        return after_click(notice_card("Linedesk", "This button is not one Linedesk knows."))
    if do == "open":
        return after_click(_ticket(event, agent, number), push=True)
    session = db_session()
    wf = Workflow(session, runtime().clock, via=VIA)
    try:
        ticket = load_ticket(session, number)
        wf.require_view(agent, ticket)
        notification = ACTIONS[do](wf, agent, ticket, event)
        session.commit()
    except DomainError as exc:
        session.rollback()
        notification = f"Not done: {exc.message}"
    session.expire_all()
    return after_click(_ticket(event, agent, number), notification)


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 9 else None


def _required(event: AddonEvent, name: str, what: str) -> str:
    value = (event.form(name) or "").strip()
    if not value:
        raise InvalidInput(f"{what} is needed")
    return value


def _create(event: AddonEvent, agent: Agent) -> dict[str, Any]:
    session = db_session()
    wf = Workflow(session, runtime().clock, via=VIA)
    try:
        line = line_by_slug(session, _required(event, "line", "a line"))
        priority = Priority(event.form("priority") or Priority.NORMAL.value)
        email = (event.form("customer_email") or "").strip()
        ticket = wf.create_ticket(agent, subject=_required(event, "subject", "a subject"), line=line, priority=priority,
                                  customer=CustomerRef(email=email) if email else None)
        number = ticket.number
        session.commit()
    except (DomainError, ValueError) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, DomainError) else "that priority is not one Linedesk knows"
        card = create_card(_lines_to_open_in(agent), _action_url(), event.parameter("message"), event.parameter("thread"))
        return after_click(card, f"Not created: {message}")
    session.expire_all()
    return after_click(_ticket(event, agent, number), f"Ticket #{number} created")


def _claim(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    wf.claim(ticket, agent)
    return f"#{ticket.number} is yours"


def _assign(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    assignee = agent_by_email(wf.session, _required(event, "assignee", "the agent to assign"))
    wf.assign(ticket, agent, assignee)
    return f"#{ticket.number} assigned to {assignee.name}"


def _start(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    wf.start(ticket, agent)
    return f"#{ticket.number} is in progress"


def _priority(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    value = _required(event, "priority", "a priority")
    try:
        priority = Priority(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a priority") from None
    wf.set_priority(ticket, agent, priority)
    return f"Priority: {priority.value}"


def _category(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    wf.set_category(ticket, agent, _required(event, "category", "a category"))
    return "Category set"


def _transfer(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    line = line_by_slug(wf.session, _required(event, "line", "a line"))
    wf.transfer(ticket, agent, line, _required(event, "transfer_note", "a note for the next line"))
    return f"#{ticket.number} transferred to {line.name}"


def _pass_back(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    wf.pass_back(ticket, agent, _required(event, "pass_back_note", "a note saying what was found or done"))
    return f"#{ticket.number} passed back"


def _subtask(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    child = wf.open_subtask(ticket, agent, _required(event, "subtask_note", "a note saying what to do"))
    return f"Subtask #{child.number} opened"


def _note(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    wf.add_note(ticket, agent, _required(event, "note", "the note's text"))
    return "Note added"


def _done(wf: Workflow, agent: Agent, ticket: Any, event: AddonEvent) -> str:
    wf.mark_done(ticket, agent, event.form("problem"), event.form("resolution"))
    return f"#{ticket.number} is done"


ACTIONS: dict[str, Callable[[Workflow, Agent, Any, AddonEvent], str]] = {
    "claim": _claim, "assign": _assign, "start": _start, "priority": _priority, "category": _category,
    "transfer": _transfer, "pass_back": _pass_back, "subtask": _subtask, "note": _note, "done": _done,
}
