"""`POST /tickets/{number}/reply`: an agent's answer, sent by mail into the customer's Gmail thread.

Unlike the other actions this one talks to Gmail, so it does not run in the request's transaction: the view
checks what it can (the ticket exists and the agent may see it), ends the request's transaction (SQLite would
otherwise hold its write lock across the send), and hands over to `gmail_sync.outbound.reply`, which writes
the outbox row, sends once, and records the outbound message in transactions of its own. An
`Idempotency-Key` header makes a retried request (a timeout on the client's side) the same reply, never a
second mail.
"""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api import api
from app.api.auth import current_agent
from app.api.common import visible_ticket
from app.api.parsing import Field, read_body, text
from app.api.serialize import message_json
from app.domain.errors import InvalidInput, RuleViolation
from app.web import db_session, runtime


@api.post("/tickets/<int:number>/reply")
def reply_to_ticket(number: int) -> ResponseReturnValue:
    from gmail_sync.outbound import reply_through_mailbox

    data = read_body(Field("text", text, required=True))
    if not data["text"].strip():
        raise InvalidInput("a reply needs some text", fields=["text"])
    agent, ticket = current_agent(), visible_ticket(number)
    if ticket.mailbox is None:
        raise RuleViolation(f"#{number} did not come by mail: there is no mailbox to answer from")
    key = request.headers.get("Idempotency-Key", "").strip()
    email, idempotency_key = agent.email, f"api:{agent.id}:{key[:150]}" if key else None
    message = reply_through_mailbox(db_session(), runtime().sessions, runtime().clock,
                                    runtime().settings.gmail_api_endpoint, ticket.mailbox, number, data["text"], email,
                                    via="api", idempotency_key=idempotency_key)
    return jsonify(message_json(message, number, email)), 201
