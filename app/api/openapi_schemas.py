"""The OpenAPI components: JSON Schemas (2020-12, as OpenAPI 3.1 uses) of every body the API reads or writes.

Written by hand, as data, next to `serialize.py` whose output they describe. Objects are closed
(`additionalProperties: false`) so the document stays honest: the test suite validates every response it
gets against these schemas, and a field added to the JSON without being documented here fails it.
"""

from __future__ import annotations

from typing import Any

from app.models import Channel, Direction, LineKind, Priority, Status
from app.models.enums import values

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def closed(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    """An object with exactly these properties (all required unless `required` says otherwise)."""
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required,
            "additionalProperties": False, **extra}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


STRING: Schema = {"type": "string"}
EMAIL: Schema = {"type": "string", "format": "email"}
TIME: Schema = {"type": "string", "format": "date-time"}
UTC_TIME: Schema = {"type": "string", "format": "date-time", "pattern": "Z$"}
NUMBER: Schema = {"type": "integer", "minimum": 1, "description": "The ticket number people say aloud (#1042)"}


def _ticket() -> Schema:
    times = ("created", "updated", "claimed", "first_response", "started", "done", "completed")
    flags = ("ignored", "passed_to_development", "phantom", "overdue")
    return closed({
        "number": NUMBER,
        "subject": STRING,
        "status": {"enum": values(Status)},
        "channel": {"enum": values(Channel)},
        "line": {"type": "string", "description": "The slug of the ticket's line"},
        "assignee": nullable(EMAIL),
        "watchers": {"type": "array", "items": EMAIL},
        "priority": {"enum": values(Priority)},
        "category": nullable(STRING),
        "deadline": nullable(UTC_TIME),
        "customer": nullable(ref("Customer")),
        "problem": nullable({"type": "string", "description": "The problem in the customer's words (set on done)"}),
        "resolution": nullable({"type": "string", "description": "What was done (set on done)"}),
        "flags": closed({flag: {"type": "boolean"} for flag in flags}),
        "parent": nullable(NUMBER),
        "children": {"type": "array", "items": NUMBER},
        "follow_up_of": nullable(NUMBER),
        "times": closed({name: UTC_TIME if name in ("created", "updated") else nullable(UTC_TIME) for name in times},
                        description="ISO 8601, UTC"),
    })


def _responses() -> dict[str, Schema]:
    return {
        "Ticket": _ticket(),
        "TicketList": closed({
            "tickets": {"type": "array", "items": ref("Ticket")},
            "total": {"type": "integer", "minimum": 0, "description": "How many tickets match the filters"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 200},
            "offset": {"type": "integer", "minimum": 0},
            "next_offset": nullable({"type": "integer", "minimum": 0}),
        }),
        "Customer": closed({
            "id": {"type": "integer"}, "name": STRING, "emails": {"type": "array", "items": EMAIL},
            "phones": {"type": "array", "items": {"type": "string", "pattern": r"^\+[0-9]+$"}},
            "contract": nullable(STRING), "company": nullable(STRING), "vip": {"type": "boolean"},
            "personal_manager": nullable(EMAIL),
        }),
        "CustomerList": closed({"customers": {"type": "array", "items": ref("Customer"), "maxItems": 1}}),
        "Line": closed({
            "slug": STRING, "name": STRING, "kind": {"enum": values(LineKind)}, "head": nullable(EMAIL),
            "members": {"type": "array", "items": EMAIL}, "active": {"type": "boolean"},
        }),
        "LineList": closed({"lines": {"type": "array", "items": ref("Line")}}),
        "Event": closed({
            "id": {"type": "integer"}, "at": UTC_TIME,
            "actor": {"type": "string", "description": "The agent's email, or system, customer, mailbox"},
            "kind": {"type": "string", "examples": ["created", "claimed", "transferred", "status", "note"]},
            "from": nullable(STRING), "to": nullable(STRING), "note": nullable(STRING),
            "via": {"type": "string", "description": "The surface that made the change: api, web, addon, …"},
            "data": {"type": "object"},
        }),
        "EventList": closed({"events": {"type": "array", "items": ref("Event")}}),
        "Note": closed({"id": {"type": "integer"}, "author": nullable(EMAIL), "text": STRING, "created": UTC_TIME}),
        "NoteList": closed({"notes": {"type": "array", "items": ref("Note")}}),
        "Message": closed({
            "id": {"type": "integer"}, "ticket": NUMBER, "direction": {"enum": values(Direction)},
            "channel": {"enum": values(Channel)}, "author": nullable(EMAIL),
            "from": nullable({"type": "string", "description": "The address it was sent from (the mailbox's)"}),
            "subject": STRING, "text": STRING, "sent": UTC_TIME,
            "message_id": nullable({"type": "string", "description": "Its RFC 5322 Message-ID"}),
            "gmail_message_id": nullable(STRING), "gmail_thread_id": nullable(STRING),
            "automatic": {"type": "boolean", "description": "An auto-reply, bounce or bulk mail"},
            "attachments": {"type": "array", "items": ref("Attachment")},
        }),
        "MessageList": closed({"messages": {"type": "array", "items": ref("Message")}}),
        "Attachment": closed({
            "index": {"type": "integer", "minimum": 0, "description": "Its place in the message: the download URL's"},
            "filename": STRING, "content_type": STRING, "size": {"type": "integer", "minimum": 0},
            "inline": {"type": "boolean", "description": "Shown inside the HTML (an inline image)"},
            "content_id": nullable(STRING),
        }),
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details; extension members such as fields or allowed may follow",
            "properties": {
                "type": {"type": "string", "format": "uri"}, "title": STRING,
                "status": {"type": "integer", "minimum": 400, "maximum": 599}, "detail": STRING,
                "fields": {"type": "array", "items": STRING, "description": "The input fields at fault"},
                "allowed": {"type": "array", "items": STRING, "description": "The values an enum field takes"},
            },
            "required": ["type", "title", "status", "detail"],
        },
    }


def _requests() -> dict[str, Schema]:
    text = {"type": "string", "minLength": 1}
    return {
        "TicketCreate": closed({
            "subject": text, "line": {"type": "string", "description": "Slug of the line that gets the ticket"},
            "body": {"type": "string", "description": "The customer's first message"},
            "channel": {"enum": values(Channel), "default": "email"},
            "customer": closed({"name": STRING, "email": EMAIL, "phone": STRING}, required=[],
                               description="Found by email or phone, or created; needs one of them"),
            "priority": {"enum": values(Priority), "default": "normal"},
            "deadline": nullable(TIME),
        }, required=["subject", "line"]),
        "TicketPatch": closed({
            "priority": {"enum": values(Priority)},
            "category": nullable({"type": "string", "description": "A category name; null clears it. An urgent "
                                                                  "category makes the ticket urgent."}),
            "deadline": nullable({**TIME, "description": "With a time zone; null clears it"}),
        }, required=[], minProperties=1),
        "Assign": closed({"agent": EMAIL}),
        "StatusChange": closed({"status": {"enum": ["in_progress", "waiting", "new", "completed"],
                                           "description": "new releases the ticket to its line; completed is for "
                                                          "managers; done has its own route"}}),
        "Transfer": closed({"line": STRING, "note": text, "priority": {"enum": values(Priority)}, "deadline": TIME},
                           required=["line", "note"]),
        "PassBack": closed({"note": text}),
        "Subtask": closed({"note": text, "line": {"type": "string", "description": "Default: the development line"}},
                          required=["note"]),
        "NoteCreate": closed({"text": text}),
        "Reply": closed({"text": {**text, "description": "Plain text; sent as text/plain with an HTML alternative"}}),
        "Done": closed({"problem": {"type": "string", "description": "The problem in the customer's words"},
                        "resolution": {"type": "string", "description": "What was done"}},
                       description="Both are needed; a missing one is a 422 naming it"),
        "Empty": closed({}, required=[]),
    }


def schemas() -> dict[str, Schema]:
    return {**_responses(), **_requests()}
