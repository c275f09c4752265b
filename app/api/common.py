"""What every API view shares: the workflow bound to this request, ticket lookups, and the commit-then-render.

A view is: parse input (`app.api.parsing`), call one workflow action as `current_agent()`, `commit()`, and
render what is now in the database (`ticket_response`). Rendering after the commit, from freshly loaded
rows, means the response shows what was stored — never an in-memory state the transaction did not keep.
A refused action raises before the commit; the request's session is closed (rolled back) at teardown.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.api.auth import current_agent
from app.api.parsing import MAX_INT
from app.api.serialize import TICKET_LOADS, ticket_json
from app.domain.errors import NotFound
from app.models import Ticket
from app.web import db_session, runtime
from app.workflow import Workflow

VIA = "api"


def workflow() -> Workflow:
    return Workflow(db_session(), runtime().clock, via=VIA)


def load_ticket(number: int) -> Ticket:
    if number > MAX_INT:  # beyond the column's range: no such ticket (and no overflow error from the driver)
        raise NotFound(f"no ticket #{number}")
    ticket = db_session().scalar(select(Ticket).where(Ticket.number == number).options(*TICKET_LOADS))
    if ticket is None:
        raise NotFound(f"no ticket #{number}")
    return ticket


def visible_ticket(number: int) -> Ticket:
    """The ticket, if the calling agent may see it: 404 when it does not exist, 403 when it is not theirs."""
    ticket = load_ticket(number)
    workflow().require_view(current_agent(), ticket)
    return ticket


def commit() -> None:
    session = db_session()
    session.commit()
    session.expire_all()  # render from the database, not from what the action left in memory


def ticket_response(number: int, status: int = 200) -> ResponseReturnValue:
    body = ticket_json(load_ticket(number))
    headers: dict[str, Any] = {}
    if status == 201:
        headers["Location"] = url_for("api.get_ticket", number=number)
    return jsonify(body), status, headers
