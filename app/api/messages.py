"""The conversation of a ticket: `GET /tickets/{number}/messages`, and each attachment's bytes, fetched from
Gmail when asked (`gmail_sync/attachments.py` says why they are not stored; `app/panel/files.py` fetches and
serves them as a download, for the web panel too).
"""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import api
from app.api.common import visible_ticket
from app.api.serialize import message_json
from app.models import Message
from app.web import db_session, runtime


@api.get("/tickets/<int:number>/messages")
def list_messages(number: int) -> ResponseReturnValue:
    ticket = visible_ticket(number)
    messages = db_session().scalars(select(Message).where(Message.ticket_id == ticket.id)
                                    .options(selectinload(Message.author_agent)).order_by(Message.sent_at, Message.id))
    return jsonify(messages=[message_json(m, number, m.author_agent.email if m.author_agent else None)
                             for m in messages])


@api.get("/tickets/<int:number>/messages/<int:message_id>/attachments/<int:index>")
def download_attachment(number: int, message_id: int, index: int) -> ResponseReturnValue:
    from app.panel.files import download_response, fetch_attachment

    ticket = visible_ticket(number)
    return download_response(fetch_attachment(db_session(), runtime().settings.gmail_api_endpoint, ticket, message_id,
                                              index))
