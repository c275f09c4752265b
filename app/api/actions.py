"""What an agent does to one ticket: claim, assign, status, transfer, pass back, subtasks, notes, done —
and the ticket's audit trail and notes.

Each action is a POST to `/tickets/{number}/<verb>` (they are not idempotent field updates, so they are not
a PATCH): parse the body, call the one workflow action as the calling agent, commit, answer with the ticket.
Who may do what is the workflow's decision (a PermissionDenied becomes 403), so these views check nothing
themselves beyond the input.
"""

from __future__ import annotations

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import api
from app.api.auth import current_agent
from app.api.common import commit, load_ticket, ticket_response, visible_ticket, workflow
from app.api.parsing import Field, enum_of, read_body, text, timestamp
from app.api.serialize import event_json, note_json
from app.directory import agent_by_email, line_by_slug
from app.models import Note, Priority, Status, TicketEvent
from app.web import db_session


@api.post("/tickets/<int:number>/claim")
def claim(number: int) -> ResponseReturnValue:
    read_body()
    workflow().claim(load_ticket(number), current_agent())
    commit()
    return ticket_response(number)


@api.post("/tickets/<int:number>/assign")
def assign(number: int) -> ResponseReturnValue:
    data = read_body(Field("agent", text, required=True))
    ticket = load_ticket(number)
    workflow().assign(ticket, current_agent(), agent_by_email(db_session(), data["agent"]))
    commit()
    return ticket_response(number)


@api.post("/tickets/<int:number>/status")
def set_status(number: int) -> ResponseReturnValue:
    data = read_body(Field("status", enum_of(Status), required=True))
    workflow().set_status(load_ticket(number), current_agent(), data["status"])
    commit()
    return ticket_response(number)


@api.post("/tickets/<int:number>/transfer")
def transfer(number: int) -> ResponseReturnValue:
    data = read_body(Field("line", text, required=True), Field("note", text, required=True),
                     Field("priority", enum_of(Priority)), Field("deadline", timestamp))
    ticket = load_ticket(number)
    line = line_by_slug(db_session(), data["line"])
    workflow().transfer(ticket, current_agent(), line, data["note"],
                        priority=data.get("priority"), deadline=data.get("deadline"))
    commit()
    return ticket_response(number)


@api.post("/tickets/<int:number>/pass-back")
def pass_back(number: int) -> ResponseReturnValue:
    data = read_body(Field("note", text, required=True))
    workflow().pass_back(load_ticket(number), current_agent(), data["note"])
    commit()
    return ticket_response(number)


@api.post("/tickets/<int:number>/subtasks")
def open_subtask(number: int) -> ResponseReturnValue:
    data = read_body(Field("note", text, required=True), Field("line", text))
    ticket = load_ticket(number)
    line = line_by_slug(db_session(), data["line"]) if "line" in data else None
    child = workflow().open_subtask(ticket, current_agent(), data["note"], line=line)
    child_number = child.number
    commit()
    return ticket_response(child_number, 201)


@api.post("/tickets/<int:number>/done")
def mark_done(number: int) -> ResponseReturnValue:
    data = read_body(Field("problem", text, nullable=True), Field("resolution", text, nullable=True))
    workflow().mark_done(load_ticket(number), current_agent(), data.get("problem"), data.get("resolution"))
    commit()
    return ticket_response(number)


@api.post("/tickets/<int:number>/notes")
def add_note(number: int) -> ResponseReturnValue:
    data = read_body(Field("text", text, required=True))
    note = workflow().add_note(load_ticket(number), current_agent(), data["text"])
    commit()
    note = db_session().get_one(Note, note.id)
    return jsonify(note_json(note)), 201, {"Location": url_for("api.list_notes", number=number)}


@api.get("/tickets/<int:number>/notes")
def list_notes(number: int) -> ResponseReturnValue:
    ticket = visible_ticket(number)
    notes = db_session().scalars(
        select(Note).where(Note.ticket_id == ticket.id).options(selectinload(Note.author)).order_by(Note.id)
    )
    return jsonify(notes=[note_json(note) for note in notes])


@api.get("/tickets/<int:number>/events")
def list_events(number: int) -> ResponseReturnValue:
    ticket = visible_ticket(number)
    events = db_session().scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    )
    return jsonify(events=[event_json(event) for event in events])
