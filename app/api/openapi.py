"""The OpenAPI 3.1 document of /api/v1, as data, served at /api/v1/openapi.json.

Paths are relative to the server URL `/api/v1`. Each operation lists the statuses it can answer, each with
its schema from `openapi_schemas.py`. Two tests keep this honest: every (path, method) of Flask's url_map
under /api/v1 is here and nothing else is; and every response the test suite receives (and every request
body it sends that succeeds) validates against the schema documented for it.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api import api
from app.api.openapi_schemas import Schema, ref, schemas

NUMBER_PARAM: Schema = {"name": "number", "in": "path", "required": True, "description": "The ticket number",
                        "schema": {"type": "integer", "minimum": 1}}
PROBLEMS = {
    400: "Bad input: malformed JSON, a missing or unknown field, a bad enum value or date",
    401: "No token, or an unknown or revoked one, or its agent is deactivated",
    403: "The calling agent may not do this (e.g. not a member of the ticket's line)",
    404: "No such ticket, line, agent or category",
    409: "Conflict: e.g. someone else already holds the ticket",
    422: "A workflow rule refuses it (a forbidden transition, done without its fields …)",
    502: "Gmail did not take the mail (the reply stays queued when a retry can succeed)",
}


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def responses(ok: int, schema: str, *problems: int, ok_text: str = "OK") -> dict[str, Any]:
    answer: dict[str, Any] = {str(ok): {"description": ok_text, "content": json_content(ref(schema))}}
    for status in (400, 401, *problems):
        answer[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
    return answer


def operation(op_id: str, summary: str, ok: int, schema: str, *problems: int, body: str | None = None,
              params: list[Schema] | None = None, ok_text: str = "OK", **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": op_id, "summary": summary,
                          "responses": responses(ok, schema, *problems, ok_text=ok_text), **extra}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": body not in ("Empty", "Done"), "content": json_content(ref(body))}
    return op


def query(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def ticket_action(op_id: str, summary: str, body: str, *problems: int, ok: int = 200) -> dict[str, Any]:
    return {"post": operation(op_id, summary, ok, "Ticket", 403, 404, *problems, body=body, params=[NUMBER_PARAM],
                              ok_text="The ticket after the action" if ok == 200 else "The new child ticket")}


def _path_int(name: str, description: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer", "minimum": 0}}


def _list_params() -> list[Schema]:
    return [
        query("line", "Slug of a line", {"type": "string"}),
        query("status", "One status or several, comma-separated (status=new,assigned)", {"type": "string"}),
        query("assignee", "An agent's email, `me`, or `none` for unassigned tickets", {"type": "string"}),
        query("limit", "Page size", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
        query("offset", "How many tickets to skip (ordered by number)", {"type": "integer", "minimum": 0, "default": 0}),
    ]


def paths() -> dict[str, Any]:
    tickets = "/tickets/{number}"
    return {
        "/tickets": {
            "get": operation("listTickets", "Tickets the caller may see, filtered and paginated", 200, "TicketList",
                             404, params=_list_params()),
            "post": operation("createTicket", "Create a ticket by hand, offered to the whole of its line", 201,
                              "Ticket", 404, 422, body="TicketCreate", ok_text="The new ticket"),
        },
        tickets: {
            "get": operation("getTicket", "One ticket (403 when the caller may not see it)", 200, "Ticket", 403, 404,
                             params=[NUMBER_PARAM],
                             description="A ticket the caller may not see is a 403, not a 404: numbers are sequential "
                                         "and said aloud, so its existence is no secret, and the detail says why "
                                         "(not a member of its line)."),
            "patch": operation("patchTicket", "Change priority, category and/or deadline", 200, "Ticket", 403, 404,
                               422, body="TicketPatch", params=[NUMBER_PARAM]),
        },
        f"{tickets}/claim": ticket_action("claimTicket", "Take the ticket (first member of its line wins)", "Empty",
                                          409, 422),
        f"{tickets}/assign": ticket_action("assignTicket", "Assign to a member of the ticket's line", "Assign", 422),
        f"{tickets}/status": ticket_action("setStatus", "Start, wait, release (new) or complete", "StatusChange", 409,
                                           422),
        f"{tickets}/transfer": ticket_action("transferTicket", "Hand over to another line with a note", "Transfer",
                                             422),
        f"{tickets}/pass-back": ticket_action("passBack", "Return a solved ticket to the line it came from",
                                              "PassBack", 422),
        f"{tickets}/subtasks": ticket_action("openSubtask", "Open a linked child ticket (development by default)",
                                             "Subtask", 422, ok=201),
        f"{tickets}/done": ticket_action("markDone", "Done: needs the problem and what was done", "Done", 422),
        f"{tickets}/notes": {
            "get": operation("listNotes", "The ticket's internal notes", 200, "NoteList", 403, 404,
                             params=[NUMBER_PARAM]),
            "post": operation("addNote", "Add an internal note", 201, "Note", 403, 404, body="NoteCreate",
                              params=[NUMBER_PARAM], ok_text="The new note"),
        },
        f"{tickets}/reply": {
            "post": operation("replyToTicket", "Answer the customer by mail, in their Gmail thread", 201, "Message",
                              403, 404, 409, 422, 502, body="Reply", ok_text="The outbound message as stored",
                              params=[NUMBER_PARAM, {"name": "Idempotency-Key", "in": "header", "required": False,
                                                     "description": "The same key again is the same reply: it is "
                                                                    "sent once", "schema": {"type": "string"}}]),
        },
        f"{tickets}/messages": {
            "get": operation("listMessages", "The conversation: every message in and out, oldest first", 200,
                             "MessageList", 403, 404, params=[NUMBER_PARAM]),
        },
        f"{tickets}/messages/{{message_id}}/attachments/{{index}}": {
            "get": {
                "operationId": "downloadAttachment",
                "summary": "An attachment's bytes, fetched from Gmail (always a download, never rendered)",
                "parameters": [NUMBER_PARAM, _path_int("message_id", "The message's id"),
                               _path_int("index", "The attachment's index in the message")],
                "responses": {
                    "200": {"description": "The bytes; the sender's content type is in X-Linedesk-Content-Type",
                            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                "format": "binary"}}}},
                    **{str(status): {"$ref": f"#/components/responses/Problem{status}"}
                       for status in (400, 401, 403, 404, 502)},
                },
            },
        },
        f"{tickets}/events": {
            "get": operation("listEvents", "The ticket's audit trail, oldest first", 200, "EventList", 403, 404,
                             params=[NUMBER_PARAM]),
        },
        "/customers": {
            "get": operation("findCustomers", "Find a customer by one email or one phone number", 200,
                             "CustomerList", params=[query("email", "An email of the customer", {"type": "string"}),
                                                     query("phone", "A phone number, any format", {"type": "string"})]),
        },
        "/lines": {"get": operation("listLines", "The support lines and task channels", 200, "LineList")},
        "/openapi.json": {"get": {"operationId": "openapiDocument", "summary": "This document", "security": [],
                                  "responses": {"200": {"description": "The OpenAPI document",
                                                        "content": json_content({"type": "object"})}}}},
    }


def document() -> dict[str, Any]:
    problem_responses = {
        f"Problem{status}": {"description": text, "content": {"application/problem+json": {"schema": ref("Problem")}}}
        for status, text in PROBLEMS.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Linedesk API", "version": "1.0.0",
                 "description": "Tickets, support lines and the customer directory of a Linedesk helpdesk. Every "
                                "change is made as the agent whose bearer token the request carries."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from `linedesk token create EMAIL`"}},
            "schemas": schemas(),
            "responses": problem_responses,
        },
    }


@api.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    return jsonify(document())
