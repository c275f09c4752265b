"""The site chat: an embeddable vanilla-JS widget and its endpoints (JSON, long-poll).

A site adds one tag:

    <script src="https://desk.example/channels/chat/widget.js" data-customer="<id>.<signature>" async></script>

`data-customer` is optional: the site's own customer id signed with the shared LINEDESK_SITE_SECRET
(HMAC-SHA256, hex; `sign_customer` shows how), found among our customers by contract number. Without it the
visitor gives an email address. Protocol (cross-origin, no cookies: the dialogue key is the credential):

- `POST /channels/chat/start` {email | customer, name} → {dialogue, key}: a new dialogue id and its key,
  HMAC(SECRET_KEY, dialogue + identity). The widget keeps both in localStorage and sends them on every call.
- `POST /channels/chat/<dialogue>/messages` {key, email | customer, name, text, id} → the message through
  `service.receive` (the first one opens a ticket in the chat channel, in the first line, where the first-response
  target for chat applies; the panels' queues show it at their next poll). `id` (the widget's own) makes a
  retried send count once.
- `GET /channels/chat/<dialogue>/events?key=…&identity=…&after=<n>` → {messages: [{id, from, name, text}]}:
  waits up to CHAT_LONG_POLL_S (20 s) for something newer than `after` (long-poll), then answers, possibly with nothing.

Agents answer from the conversation page of the web panel (app/channels/desk_chat.py) or in the Gmail thread;
`ChatAdapter.send` has nothing to call — the answer is stored, and the visitor's long-poll reads it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from pathlib import Path
from typing import Any

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.channels import channels
from app.channels.base import ChannelSettings, Recipient, channel_settings, register
from app.domain.emails import checked_email
from app.domain.errors import InvalidInput
from app.models import Channel, ChannelConversation, ChannelMessage, Customer, Direction, Message

_WIDGET = Path(__file__).resolve().parent / "static" / "chat-widget.js"


class ChatAdapter:
    name = "chat"
    channel = Channel.CHAT
    label = "Site chat"
    replies_by_email = False

    def __init__(self, settings: ChannelSettings, name: str = "chat") -> None:
        pass

    def send(self, to: Recipient, text: str) -> str:
        return "stored"  # the visitor's long-poll reads the answer from the conversation


register("chat", ChatAdapter)


def sign_customer(site_secret: str, customer_id: str) -> str:
    """What the site puts in `data-customer`: its customer id and an HMAC of it under the shared secret."""
    return f"{customer_id}.{hmac.new(site_secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()}"


def dialogue_key(secret: str, dialogue: str, identity: str) -> str:
    return hmac.new(secret.encode(), f"chat:{dialogue}:{identity}".encode(), hashlib.sha256).hexdigest()


@channels.after_request
def _cors(response: Response) -> Response:
    if request.path.startswith("/channels/chat/"):
        response.headers["Access-Control-Allow-Origin"] = "*"  # no cookies: the dialogue key is the credential
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Cache-Control"] = "no-store"
    return response


@channels.get("/chat/widget.js")
def chat_widget() -> ResponseReturnValue:
    return Response(_WIDGET.read_text(encoding="utf-8"), mimetype="text/javascript")


@channels.route("/chat/start", methods=["POST", "OPTIONS"])
def chat_start() -> ResponseReturnValue:
    if request.method == "OPTIONS":
        return "", 204
    from app.web import runtime

    try:
        identity, _name = _identity(request.get_json(silent=True) or {})
    except InvalidInput as exc:
        return jsonify(error=exc.message), 400
    dialogue = uuid.uuid4().hex
    return jsonify(dialogue=dialogue, key=dialogue_key(runtime().settings.secret_key, dialogue, identity),
                   identity=identity)


@channels.route("/chat/<dialogue>/messages", methods=["POST", "OPTIONS"])
def chat_message(dialogue: str) -> ResponseReturnValue:
    if request.method == "OPTIONS":
        return "", 204
    from app.channels.service import Incoming, receive
    from app.channels.telegram import _gmail_for
    from app.web import runtime

    rt = runtime()
    body = request.get_json(silent=True) or {}
    try:
        identity, name = _identity(body)
    except InvalidInput as exc:
        return jsonify(error=exc.message), 400
    if not hmac.compare_digest(str(body.get("key", "")), dialogue_key(rt.settings.secret_key, dialogue, identity)):
        return jsonify(error="wrong dialogue key"), 403
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return jsonify(error="text is required"), 400
    if len(text) > 10_000:
        return jsonify(error="text is longer than 10,000 characters"), 400
    email, phone, name = _contact(rt, identity, name)
    incoming = Incoming(adapter="chat", conversation=dialogue, text=text.strip(), message_id=str(body.get("id") or "")[:80]
                        or None, name=name, email=email, phone=phone, subject=f"Chat: {' '.join(text.split())[:70]}",
                        data={"identity": identity})
    result = receive(rt.sessions, rt.clock, incoming, gmail_for=_gmail_for(rt), via="chat")
    return jsonify(ticket=result.ticket_number, outcome=result.outcome)


@channels.get("/chat/<dialogue>/events")
def chat_events(dialogue: str) -> ResponseReturnValue:
    from app.web import runtime

    rt = runtime()
    identity = request.args.get("identity", "")
    if not hmac.compare_digest(request.args.get("key", ""), dialogue_key(rt.settings.secret_key, dialogue, identity)):
        return jsonify(error="wrong dialogue key"), 403
    after = request.args.get("after", type=int) or 0
    longest = channel_settings().chat_wait_s
    wait = max(0.0, min(request.args.get("wait", type=float) or longest, longest))
    deadline = time.monotonic() + wait
    while True:
        found = _events(rt, dialogue, after)
        if found or time.monotonic() >= deadline:
            return jsonify(messages=found)
        time.sleep(0.4)


def _events(rt: Any, dialogue: str, after: int) -> list[dict[str, Any]]:
    with rt.sessions() as session:
        rows = session.execute(
            select(ChannelMessage.id, Message.direction, Message.body_text, Message.visible_text, Message.author_agent_id)
            .join(Message, Message.id == ChannelMessage.message_id)
            .join(ChannelConversation, ChannelConversation.id == ChannelMessage.conversation_id)
            .where(ChannelConversation.adapter == "chat", ChannelConversation.external_id == dialogue,
                   ChannelMessage.id > after, ChannelMessage.state.in_(("received", "sent")))
            .order_by(ChannelMessage.id).limit(100)).all()
        from app.models import Agent

        names = {a.id: a.name for a in session.scalars(select(Agent).where(
            Agent.id.in_({r.author_agent_id for r in rows if r.author_agent_id})))}
    return [{"id": r.id, "from": "visitor" if r.direction is Direction.IN else "agent",
             "name": names.get(r.author_agent_id, "Support") if r.direction is Direction.OUT else "",
             "text": r.visible_text or r.body_text} for r in rows]


def _identity(body: dict[str, Any]) -> tuple[str, str]:
    """("email:…" | "customer:…", name) from the widget's call; a bad address or signature is InvalidInput."""
    name = str(body.get("name") or "")[:200]
    signed = body.get("customer")
    if signed:
        secret = channel_settings().site_secret
        customer_id, _, signature = str(signed).rpartition(".")
        if not secret or not customer_id or not hmac.compare_digest(sign_customer(secret, customer_id), str(signed)):
            raise InvalidInput("the site's customer id is not signed with the site secret")
        _ = signature
        return f"customer:{customer_id}", name
    email = body.get("email")
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("email is required (or a signed customer id from the site)")
    return f"email:{checked_email(email)}", name


def _contact(rt: Any, identity: str, name: str) -> tuple[str | None, str | None, str]:
    kind, _, value = identity.partition(":")
    if kind == "email":
        return value, None, name
    with rt.sessions() as session:
        customer = session.scalar(select(Customer).where(Customer.contract == value))
        if customer is None:
            return None, None, name or f"Site customer {value}"
        email = customer.emails[0].email if customer.emails else None
        phone = customer.phones[0].phone if customer.phones and not email else None
        return email, phone, customer.name or name
