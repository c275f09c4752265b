"""The JSON shapes of the API, one function per resource, written down once.

These shapes are the contract integrations rely on; `app/api/openapi_schemas.py` describes exactly them and
the test suite validates real responses against that description, so a change here shows up there. Times
are ISO 8601 in UTC with a `Z`; people are their email addresses; lines are their slugs.

`TICKET_LOADS` lists what a ticket's JSON touches, to be loaded with the ticket in a few queries instead of a
query per related row.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import selectinload

from app.models import Agent, Customer, Line, Message, Note, Ticket, TicketEvent

TICKET_LOADS = (
    selectinload(Ticket.line),
    selectinload(Ticket.assignee),
    selectinload(Ticket.watchers),
    selectinload(Ticket.category),
    selectinload(Ticket.customer).selectinload(Customer.emails),
    selectinload(Ticket.customer).selectinload(Customer.phones),
    selectinload(Ticket.customer).selectinload(Customer.personal_manager),
    selectinload(Ticket.parent),
    selectinload(Ticket.children),
    selectinload(Ticket.follow_up_of),
)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def email_of(agent: Agent | None) -> str | None:
    return agent.email if agent is not None else None


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status.value,
        "channel": ticket.channel.value,
        "line": ticket.line.slug,
        "assignee": email_of(ticket.assignee),
        "watchers": [watcher.email for watcher in ticket.watchers],
        "priority": ticket.priority.value,
        "category": ticket.category.name if ticket.category else None,
        "deadline": iso(ticket.deadline),
        "customer": customer_json(ticket.customer) if ticket.customer else None,
        "problem": ticket.problem,
        "resolution": ticket.resolution,
        "flags": {
            "ignored": ticket.flag_ignored,
            "passed_to_development": ticket.flag_development,
            "phantom": ticket.flag_phantom,
            "overdue": ticket.flag_overdue,
        },
        "parent": ticket.parent.number if ticket.parent else None,
        "children": [child.number for child in ticket.children],
        "follow_up_of": ticket.follow_up_of.number if ticket.follow_up_of else None,
        "times": {
            "created": iso(ticket.created_at),
            "updated": iso(ticket.updated_at),
            "claimed": iso(ticket.claimed_at),
            "first_response": iso(ticket.first_response_at),
            "started": iso(ticket.started_at),
            "done": iso(ticket.done_at),
            "completed": iso(ticket.completed_at),
        },
    }


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "emails": [row.email for row in customer.emails],
        "phones": [row.phone for row in customer.phones],
        "contract": customer.contract,
        "company": customer.company,
        "vip": customer.vip,
        "personal_manager": email_of(customer.personal_manager),
    }


def line_json(line: Line) -> dict[str, Any]:
    return {
        "slug": line.slug,
        "name": line.name,
        "kind": line.kind.value,
        "head": email_of(line.head),
        "members": sorted(member.email for member in line.members),
        "active": line.active,
    }


def event_json(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": iso(event.at),
        "actor": event.actor_label,
        "kind": event.kind,
        "from": event.from_value,
        "to": event.to_value,
        "note": event.note,
        "via": event.via,
        "data": event.data or {},
    }


def note_json(note: Note) -> dict[str, Any]:
    return {"id": note.id, "author": email_of(note.author), "text": note.text, "created": iso(note.created_at)}


def message_json(message: Message, number: int, author: str | None) -> dict[str, Any]:
    """A ticket message; `number` and `author` are passed in so a detached message can be rendered."""
    return {
        "id": message.id,
        "ticket": number,
        "direction": message.direction.value,
        "channel": message.channel.value,
        "author": author,
        "from": message.from_address,
        "subject": message.subject,
        "text": message.body_text,
        "sent": iso(message.sent_at),
        "message_id": message.rfc822_message_id,
        "gmail_message_id": message.provider_message_id,
        "gmail_thread_id": message.provider_thread_id,
        "automatic": message.automatic,
        "attachments": [attachment_json(a, index) for index, a in enumerate(message.attachments or [])],
    }


def attachment_json(meta: dict[str, Any], index: int) -> dict[str, Any]:
    """What the sync stored of an attachment; its bytes are fetched from Gmail at
    /tickets/{number}/messages/{id}/attachments/{index}."""
    return {"index": index, "filename": str(meta.get("filename") or ""),
            "content_type": str(meta.get("content_type") or "application/octet-stream"),
            "size": int(meta.get("size") or 0), "inline": bool(meta.get("inline")),
            "content_id": meta.get("content_id")}
