"""Phone calls: an agent logs a call as a ticket in two clicks, and the caller's number finds the customer first.

`GET /desk/call?phone=+7…` (a telephony system's screen-pop opens this URL with the caller's number; an agent
may also type it) shows who is calling before the agent asks: name, contract, company, VIP and personal
manager, and their open tickets. `POST /desk/call` logs the call: a ticket in the phone channel through
`service.receive` (so the routing rules apply — a VIP goes to their personal manager — and the call note is
mirrored into the support mailbox as a Gmail thread), claimed by the agent who took the call when it landed in
one of their lines. Answers to a caller with an address go by mail; otherwise the agent calls back
(`PhoneAdapter.replies_by_email`, and `send` refuses with a clear reason).
"""

from __future__ import annotations

import uuid
from typing import Any

import phonenumbers
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.channels.base import ChannelSettings, DeliveryFailed, Recipient, register
from app.desk import desk
from app.desk.auth import current_agent
from app.directory import customer_by_phone
from app.domain.errors import DomainError
from app.models import ACTIVE_STATUSES, Channel, HelpdeskSetting, Ticket
from app.web import db_session, runtime
from app.workflow import Workflow


class PhoneAdapter:
    name = "phone"
    channel = Channel.PHONE
    label = "Phone"
    replies_by_email = True

    def __init__(self, settings: ChannelSettings, name: str = "phone") -> None:
        pass

    def send(self, to: Recipient, text: str) -> str:
        raise DeliveryFailed("the caller left no email address: call them back", retryable=False)


register("phone", PhoneAdapter)


@desk.get("/call")
def call_page() -> ResponseReturnValue:
    agent = current_agent()
    raw = (request.args.get("phone") or "").strip()
    number, error, caller, open_tickets = _lookup(raw)
    return render_template("channels/call.html", agent=agent, raw=raw, number=number, error=error, caller=caller,
                           open_tickets=open_tickets)


@desk.post("/call")
def call_log() -> ResponseReturnValue:
    from app.channels.service import Incoming, receive
    from app.channels.telegram import _gmail_for

    rt, agent = runtime(), current_agent()
    raw = (request.form.get("phone") or "").strip()
    number, error, caller, _ = _lookup(raw)
    if number is None:
        flash(error or "Give the caller's number.", "error")
        return redirect(url_for("desk.call_page", phone=raw), 303)
    note = (request.form.get("note") or "").strip() or "Phone call"
    email = caller.emails[0].email if caller is not None and caller.emails else None
    name = caller.name if caller is not None else ""
    agent_id, agent_email = agent.id, agent.email
    db_session().rollback()
    try:
        result = receive(rt.sessions, rt.clock, Incoming(
            adapter="phone", conversation=f"call-{uuid.uuid4().hex}", text=note, phone=number, email=email, name=name,
            subject=f"Call from {name or number}: {' '.join(note.split())[:60]}"), gmail_for=_gmail_for(rt),
            via="web")
        _take(rt, result.ticket_number, agent_id)
    except DomainError as exc:
        flash(f"Not logged: {exc.message}", "error")
        return redirect(url_for("desk.call_page", phone=raw), 303)
    flash(f"Call logged as #{result.ticket_number} by {agent_email}", "ok")
    return redirect(url_for("desk.ticket", number=result.ticket_number), 303)


def _take(rt: Any, number: int, agent_id: int) -> None:
    """The agent who took the call is responsible for it, when the ticket is in one of their lines."""
    from app.db import transaction
    from app.models import Agent

    with transaction(rt.sessions) as session:
        wf = Workflow(session, rt.clock, via="web")
        ticket = wf.ticket(number)
        agent = session.get(Agent, agent_id)
        if agent is not None and ticket.assignee_id is None and wf.is_on_line(agent, ticket.line):
            wf.claim(ticket, agent)


def _lookup(raw: str) -> tuple[str | None, str | None, Any, list[Ticket]]:
    """(E.164 number, error, customer, their open tickets) for what was typed or popped."""
    if not raw:
        return None, None, None, []
    session = db_session()
    region_row = session.get(HelpdeskSetting, "phone_region")
    region = region_row.value if region_row else None
    try:
        parsed = phonenumbers.parse(raw, None if raw.startswith("+") else (region or "RU"))
        if not phonenumbers.is_valid_number(parsed):
            raise phonenumbers.NumberParseException(1, "invalid")
    except phonenumbers.NumberParseException:
        return None, f"{raw!r} is not a phone number (for example +7 900 123-45-67)", None, []
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    caller = customer_by_phone(session, number, region)
    tickets = list(session.scalars(select(Ticket).where(Ticket.customer_id == caller.id, Ticket.status.in_(ACTIVE_STATUSES))
                                   .order_by(Ticket.created_at.desc()).limit(10))) if caller else []
    return number, None, caller, tickets
