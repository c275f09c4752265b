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
from app.directory import line_by_slug
from app.domain.errors import DomainError
from app.google_tokens import TokenRejected
from app.models import Agent, Line, LineKind, Message, Priority, Ticket, TicketThread, line_members
from app.panel.actions import Choice
from app.panel.model import load_panel, load_ticket
from app.panel.operations import OPERATIONS, perform, required
from app.panel.presence import touch
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
    touch(db_session(), runtime().clock.now(), panel.ticket_id, agent.id)  # for others' collision notice
    db_session().commit()
    from app.kb.suggest import for_ticket  # articles, canned responses and a category likely to fit (app/kb)

    suggested = for_ticket(db_session(), db_session().get_one(Ticket, panel.ticket_id),
                           runtime().clock.now())  # loaded by the panel
    kb_base = runtime().settings.public_url or request.url_root
    return ticket_card(panel, _action_url(), event.timezone, suggested, kb_base)


def ticket_of_message(message_id: str | None, thread_id: str | None) -> int | None:
    """The number of the ticket a Gmail message belongs to: by its message id, else by its thread."""
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
    from app.addon.from_mail import find_support_copy

    copy = find_support_copy(db_session(), runtime().settings.gmail_api_endpoint, message_id)
    return create_card(_lines_to_open_in(agent), _action_url(), message_id, thread_id, _found(copy))


def _found(copy: Any) -> str | None:
    """How the create card names the opened message when a support mailbox holds it."""
    if copy is None:
        return None
    sender = copy.inbound.from_email or "an unknown sender"
    return f"From {sender}: {copy.inbound.subject}"


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
    if number is None or (do not in ("open", "reply", "send_article") and do not in OPERATIONS):
        return after_click(notice_card("Linedesk", "This button is not one Linedesk knows."))
    if do == "open":
        return after_click(_ticket(event, agent, number), push=True)
    if do == "reply":
        return after_click(_ticket(event, agent, number), _reply(event, agent, number))
    if do == "send_article":
        return after_click(_ticket(event, agent, number), _send_article(event, agent, number))
    session = db_session()
    wf = Workflow(session, runtime().clock, via=VIA)
    try:
        # A suggestion's button carries its value as a parameter (category=…), which wins over the card's inputs.
        notification = perform(wf, agent, load_ticket(session, number), do,
                               lambda name: event.parameter(name) or event.form(name))
        session.commit()
    except DomainError as exc:
        session.rollback()
        notification = f"Not done: {exc.message}"
    session.expire_all()
    return after_click(_ticket(event, agent, number), notification)


def _reply(event: AddonEvent, agent: Agent, number: int) -> str:
    """Answer the customer with the chosen canned response of the ticket's line (app/panel/canned.py)."""
    from app.panel import canned

    rt = runtime()
    chosen = _number(event.parameter("canned") or event.form("canned"))
    try:
        return canned.send(db_session(), rt.sessions, rt.clock, rt.settings.gmail_api_endpoint, agent, number, chosen,
                           via=VIA)
    except DomainError as exc:
        db_session().rollback()
        return f"Not sent: {exc.message}"


def _send_article(event: AddonEvent, agent: Agent, number: int) -> str:
    """Answer the customer with a link to a suggested article (app/kb/replies.py)."""
    from app.kb.replies import send_article

    rt = runtime()
    try:
        return send_article(db_session(), rt.sessions, rt.clock, rt.settings.gmail_api_endpoint, agent, number,
                            _number(event.parameter("article")), rt.settings.public_url or request.url_root, via=VIA)
    except DomainError as exc:
        db_session().rollback()
        return f"Not sent: {exc.message}"


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 9 else None


def _create(event: AddonEvent, agent: Agent) -> dict[str, Any]:
    from app.addon.from_mail import find_support_copy, open_from_mail

    session = db_session()
    wf = Workflow(session, runtime().clock, via=VIA)
    copy = find_support_copy(session, runtime().settings.gmail_api_endpoint, event.parameter("message"))
    try:
        line = line_by_slug(session, required(event.form, "line", "a line"))
        priority = Priority(event.form("priority") or Priority.NORMAL.value)
        if copy is not None:  # the opened message is a support mailbox's: the ticket is made of it
            ticket = open_from_mail(wf, agent, copy, line, priority)
        else:
            email = (event.form("customer_email") or "").strip()
            ticket = wf.create_ticket(agent, subject=required(event.form, "subject", "a subject"), line=line,
                                      priority=priority, customer=CustomerRef(email=email) if email else None)
        number = ticket.number
        session.commit()
    except (DomainError, ValueError) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, DomainError) else "that priority is not one Linedesk knows"
        card = create_card(_lines_to_open_in(agent), _action_url(), event.parameter("message"), event.parameter("thread"),
                           _found(copy))
        return after_click(card, f"Not created: {message}")
    session.expire_all()
    return after_click(_ticket(event, agent, number), f"Ticket #{number} created")
