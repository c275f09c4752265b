"""Tickets as a collection: list (filtered, paginated, only what the caller may see), create, read, patch.

Reading a ticket the caller may not see answers 403, not 404. Ticket numbers are sequential and said aloud
(#1042), so hiding a ticket's existence protects nothing; a 403 whose detail says "not a member of 2nd
line" tells the agent what to do (ask for a transfer or to be added as a watcher). The list, by contrast,
simply leaves such tickets out.

The list's visibility filter is the set form of `Workflow.can_view` (manager or admin; member or head of
the ticket's line; assignee; watcher); a test checks that the two agree for every agent.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, Select, func, or_, select, true

from app.api import api
from app.api.auth import current_agent
from app.api.common import commit, ticket_response, visible_ticket, workflow
from app.api.parsing import Field, enum_of, obj, page, query_enums, query_text, read_body, text, timestamp
from app.api.serialize import TICKET_LOADS, ticket_json
from app.directory import agent_by_email, line_by_slug
from app.domain.errors import InvalidInput
from app.models import Agent, Channel, Line, Priority, Status, Ticket, line_members, ticket_watchers
from app.web import db_session
from app.workflow import CustomerRef

CUSTOMER_FIELDS = (Field("name", text), Field("email", text), Field("phone", text))
CREATE_FIELDS = (
    Field("subject", text, required=True),
    Field("line", text, required=True),
    Field("body", text),
    Field("channel", enum_of(Channel)),
    Field("customer", obj(*CUSTOMER_FIELDS)),
    Field("priority", enum_of(Priority)),
    Field("deadline", timestamp, nullable=True),
)
PATCH_FIELDS = (
    Field("priority", enum_of(Priority)),
    Field("category", text, nullable=True),
    Field("deadline", timestamp, nullable=True),
)


@api.get("/tickets")
def list_tickets() -> ResponseReturnValue:
    limit, offset = page()
    query = _filtered(select(Ticket).where(visible_to(current_agent())))
    total = db_session().scalar(select(func.count()).select_from(query.subquery())) or 0
    tickets = db_session().scalars(query.options(*TICKET_LOADS).order_by(Ticket.number).limit(limit).offset(offset))
    items = [ticket_json(ticket) for ticket in tickets]
    next_offset = offset + limit if offset + limit < total else None
    return jsonify(tickets=items, total=total, limit=limit, offset=offset, next_offset=next_offset)


@api.post("/tickets")
def create_ticket() -> ResponseReturnValue:
    data = read_body(*CREATE_FIELDS)
    if not data["subject"].strip():
        raise InvalidInput("subject cannot be empty", fields=["subject"])
    ticket = workflow().create_ticket(
        current_agent(), subject=data["subject"], line=line_by_slug(db_session(), data["line"]),
        channel=data.get("channel", Channel.EMAIL), body=data.get("body", ""),
        customer=_customer_ref(data.get("customer")), priority=data.get("priority", Priority.NORMAL),
        deadline=data.get("deadline"),
    )
    number = ticket.number
    commit()
    return ticket_response(number, 201)


@api.get("/tickets/<int:number>")
def get_ticket(number: int) -> ResponseReturnValue:
    return jsonify(ticket_json(visible_ticket(number)))


@api.patch("/tickets/<int:number>")
def patch_ticket(number: int) -> ResponseReturnValue:
    """Any subset of priority, category, deadline. Priority goes first so an urgent category still wins."""
    data = read_body(*PATCH_FIELDS)
    if not data:
        raise InvalidInput("nothing to change: send at least one of priority, category, deadline")
    wf, agent, ticket = workflow(), current_agent(), visible_ticket(number)
    if "priority" in data:
        wf.set_priority(ticket, agent, data["priority"])
    if "deadline" in data:
        wf.set_deadline(ticket, agent, data["deadline"])
    if "category" in data:
        wf.set_category(ticket, agent, data["category"])
    commit()
    return ticket_response(number)


def visible_to(agent: Agent) -> ColumnElement[bool]:
    """SQL for `Workflow.can_view(agent, ticket)`."""
    if agent.is_manager:
        return true()
    member_of = select(line_members.c.line_id).where(line_members.c.agent_id == agent.id)
    heads = select(Line.id).where(Line.head_id == agent.id)
    watches = select(ticket_watchers.c.ticket_id).where(ticket_watchers.c.agent_id == agent.id)
    return or_(Ticket.line_id.in_(member_of), Ticket.line_id.in_(heads), Ticket.assignee_id == agent.id,
               Ticket.id.in_(watches))


def _filtered(query: Select[Any]) -> Select[Any]:
    line = query_text("line")
    if line is not None:
        query = query.where(Ticket.line_id == line_by_slug(db_session(), line).id)
    statuses: list[Status] = query_enums("status", Status)
    if statuses:
        query = query.where(Ticket.status.in_(statuses))
    assignee = query_text("assignee")
    if assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif assignee is not None:
        agent = current_agent() if assignee == "me" else agent_by_email(db_session(), assignee)
        query = query.where(Ticket.assignee_id == agent.id)
    return query


def _customer_ref(data: dict[str, Any] | None) -> CustomerRef | None:
    if data is None:
        return None
    email, phone = (data.get("email") or "").strip(), (data.get("phone") or "").strip()
    if not email and not phone:
        raise InvalidInput("the customer needs an email or a phone number", fields=["customer.email", "customer.phone"])
    return CustomerRef(name=(data.get("name") or "").strip(), email=email or None, phone=phone or None)
