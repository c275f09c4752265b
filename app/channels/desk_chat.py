"""The conversation page of the web panel: a channel ticket's dialogue, a free-text answer, and "create a ticket
from selected messages".

Routes on the `desk` blueprint (so its sign-in and CSRF guard cover them; app/desk/__init__.py imports this
module): `GET /desk/conversation/<n>` (the page; its script polls `…/<n>.json?after=` every 2 s and appends new
messages), `POST …/reply` (the answer goes out through `gmail_sync.outbound.reply`, which hands a channel
ticket to its adapter and mails a form customer who left an address), `POST …/split` (the checked messages
become a new ticket in the email channel, for the customer's address, linked by a note on both tickets — as
the hosting case turns part of a chat into a ticket for the 2nd line).
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.desk import desk
from app.desk.auth import current_agent
from app.domain.errors import DomainError, InvalidInput, RuleViolation
from app.models import ChannelConversation, Channel, Direction, Message, Ticket
from app.panel.model import load_ticket
from app.web import db_session, runtime
from app.workflow import CustomerRef, Workflow

VIA = "web"


@desk.app_template_global("conversation_of_ticket")
def conversation_of_ticket(number: int) -> ChannelConversation | None:
    """For the ticket page's link: the channel conversation feeding ticket `number`, if any."""
    return db_session().scalar(select(ChannelConversation).join(Ticket, Ticket.id == ChannelConversation.ticket_id)
                               .where(Ticket.number == number).order_by(ChannelConversation.id.desc()).limit(1))


@desk.get("/conversation/<int:number>")
def conversation(number: int) -> ResponseReturnValue:
    agent = current_agent()
    ticket = _viewable(number, agent)
    if isinstance(ticket, tuple):
        return ticket
    found = conversation_of_ticket(number)
    return render_template("channels/conversation.html", agent=agent, ticket=ticket, conversation=found,
                           messages=_messages(ticket.id, 0))


@desk.get("/conversation/<int:number>.json")
def conversation_json(number: int) -> ResponseReturnValue:
    agent = current_agent()
    ticket = _viewable(number, agent)
    if isinstance(ticket, tuple):
        return jsonify(error=ticket[0]), ticket[1]
    return jsonify(messages=_messages(ticket.id, request.args.get("after", type=int) or 0))


@desk.post("/conversation/<int:number>/reply")
def conversation_reply(number: int) -> ResponseReturnValue:
    from gmail_sync.credentials import CredentialsError, gmail_for_mailbox
    from gmail_sync.outbound import reply

    rt, agent = runtime(), current_agent()
    text = (request.form.get("text") or "").strip()
    try:
        if not text:
            raise InvalidInput("write the answer first")
        ticket = load_ticket(db_session(), number)
        Workflow(db_session(), rt.clock, via=VIA).require_work(agent, ticket)
        if ticket.mailbox is None:
            raise RuleViolation(f"#{number} has no mailbox")
        try:
            gmail = gmail_for_mailbox(db_session(), ticket.mailbox, rt.settings.gmail_api_endpoint)
        except CredentialsError:
            gmail = None  # the channel still gets the answer; the Gmail copy is made later (mirror_pending)
        email = agent.email
        db_session().rollback()  # no transaction (nor SQLite's write lock) held across the sending
        reply(rt.sessions, rt.clock, number, text, email, gmail=gmail, via=VIA)
        flash("Answer sent", "ok")
    except DomainError as exc:
        db_session().rollback()
        flash(f"Not sent: {exc.message}", "error")
    return redirect(url_for("desk.conversation", number=number), 303)


@desk.post("/conversation/<int:number>/split")
def conversation_split(number: int) -> ResponseReturnValue:
    session, agent = db_session(), current_agent()
    wf = Workflow(session, runtime().clock, via=VIA)
    try:
        ticket = load_ticket(session, number)
        wf.require_work(agent, ticket)
        chosen = [int(v) for v in request.form.getlist("message") if v.isdigit()]
        new = split(wf, agent, ticket, chosen)
        session.commit()
    except DomainError as exc:
        session.rollback()
        flash(f"Not created: {exc.message}", "error")
        return redirect(url_for("desk.conversation", number=number), 303)
    flash(f"Ticket #{new} created from {len(chosen)} messages of #{number}", "ok")
    return redirect(url_for("desk.ticket", number=new), 303)


def split(wf: Workflow, agent: Any, ticket: Ticket, message_ids: list[int]) -> int:
    """A new email-channel ticket from some messages of a dialogue; returns its number."""
    if not message_ids:
        raise InvalidInput("tick the messages the new ticket is about")
    messages = list(wf.session.scalars(select(Message).where(Message.ticket_id == ticket.id, Message.id.in_(message_ids))
                                       .order_by(Message.sent_at, Message.id)))
    if len(messages) != len(set(message_ids)):
        raise InvalidInput(f"some of those messages are not on #{ticket.number}")
    customer = ticket.customer
    email = customer.emails[0].email if customer and customer.emails else None
    if email is None:
        raise RuleViolation("the visitor left no email address: a ticket in the email channel needs one")
    body = "\n\n".join(f"{'Customer' if m.direction is Direction.IN else 'Support'}: {m.visible_text or m.body_text}"
                       for m in messages)
    first = " ".join((messages[0].body_text or "").split())[:70]
    new = wf.create_ticket(agent, subject=f"{first} (from chat #{ticket.number})", line=ticket.line,
                           channel=Channel.EMAIL, body=body, customer=CustomerRef(customer.name or "", email),
                           mailbox=ticket.mailbox)
    wf.add_note(new, agent, f"Opened from {len(messages)} messages of chat #{ticket.number}")
    wf.add_note(ticket, agent, f"Ticket #{new.number} opened from {len(messages)} messages of this chat")
    return new.number


def _viewable(number: int, agent: Any) -> Ticket | tuple[str, int]:
    try:
        ticket = load_ticket(db_session(), number)
        Workflow(db_session(), runtime().clock).require_view(agent, ticket)
    except DomainError as exc:
        return exc.message, exc.status
    return ticket


def _messages(ticket_id: int, after: int) -> list[dict[str, Any]]:
    rows = db_session().scalars(select(Message).where(Message.ticket_id == ticket_id, Message.id > after)
                                .order_by(Message.id))
    return [{"id": m.id, "from": "customer" if m.direction is Direction.IN else "agent",
             "name": (m.author_agent.name if m.author_agent else "Support") if m.direction is Direction.OUT else "",
             "text": m.visible_text or m.body_text, "at": m.sent_at.strftime("%H:%M")} for m in rows]
