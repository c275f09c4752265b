"""A generic inbound webhook, for messengers without an adapter yet (Facebook, VK, …).

In: `POST /channels/webhook/<integration>` with `Authorization: Bearer <the integration's token>` and JSON

    {"sender": {"id": "fb-1001", "name": "Ivan Petrov", "email": "ivan@example.com", "phone": "+7 900 …"},
     "conversation": "fb-1001",          # optional: the dialogue's id (default: the sender's id)
     "message_id": "m-77",               # optional: a retry with the same id is stored once
     "text": "My site is down",
     "to": "sales@coolxost.com",         # optional: the address written to, for the routing rules
     "attachments": [{"filename": "shot.png", "content_type": "image/png", "data": "<base64>"}]}

Each integration is configured by name with its own token and the URL answers go to (`LINEDESK_WEBHOOKS`, JSON:
{"facebook": {"token": "…", "reply_url": "https://bridge.example/send"}}). A wrong or missing token is 401; a
body that is not as above is 400 naming the field. The ticket's channel is "chat" (messengers are chats); the
conversation's adapter ("webhook:facebook") records which messenger it was.

Out: answers are POSTed as JSON {"conversation", "sender", "text", "ticket"} to `reply_url` with the same
Bearer token; 2xx is delivered, 429/5xx retried, anything else failed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

import requests
from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.channels import channels
from app.channels.base import ChannelSettings, DeliveryFailed, Recipient, channel_settings, register
from app.domain.emails import checked_email
from app.domain.errors import InvalidInput
from app.models import Channel

MAX_ATTACHMENTS = 10
MAX_ATTACHMENT = 10 * 1024 * 1024


class WebhookAdapter:
    channel = Channel.CHAT
    replies_by_email = False

    def __init__(self, settings: ChannelSettings, name: str) -> None:
        self.name = name
        self.integration = name.partition(":")[2]
        self.label = self.integration.capitalize() or "Webhook"
        self.config = settings.webhooks.get(self.integration) or {}

    def send(self, to: Recipient, text: str) -> str:
        url = self.config.get("reply_url")
        if not url:
            raise DeliveryFailed(f"the integration {self.integration!r} has no reply_url", retryable=False)
        payload = {"conversation": to.external_id, "sender": to.data.get("sender"), "text": text,
                   "ticket": to.ticket_number}
        try:
            response = requests.post(url, json=payload, timeout=20,
                                     headers={"Authorization": f"Bearer {self.config.get('token', '')}"})
        except requests.RequestException as exc:
            raise DeliveryFailed(f"{self.integration}: {type(exc).__name__}: {exc}", retryable=True) from None
        if response.status_code >= 300:
            retryable = response.status_code == 429 or response.status_code >= 500
            raise DeliveryFailed(f"{self.integration} answered {response.status_code}", retryable=retryable)
        try:
            return str((response.json() or {}).get("id", ""))
        except ValueError:
            return ""


register("webhook", WebhookAdapter)


class BadBody(ValueError):
    pass


@channels.post("/webhook/<integration>")
def inbound_webhook(integration: str) -> ResponseReturnValue:
    from app.channels.service import receive
    from app.channels.telegram import _gmail_for
    from app.web import runtime

    cs = channel_settings()
    config = cs.webhooks.get(integration)
    auth = request.headers.get("Authorization", "")
    token = auth[7:] if auth.startswith("Bearer ") else ""
    expected = (config or {}).get("token") or ""
    if not config or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return jsonify(error="unknown integration or wrong token (Authorization: Bearer <token>)"), 401
    try:
        incoming = _read(integration, request.get_json(silent=True))
    except BadBody as exc:
        return jsonify(error=str(exc)), 400
    rt = runtime()
    result = receive(rt.sessions, rt.clock, incoming, gmail_for=_gmail_for(rt), settings=cs, via=f"webhook {integration}")
    return jsonify(ticket=result.ticket_number, outcome=result.outcome, rule=result.rule), 201 if result.outcome == "new" else 200


def _read(integration: str, body: Any) -> Any:
    from app.channels.service import Incoming

    if not isinstance(body, dict):
        raise BadBody("the body must be a JSON object")
    sender = body.get("sender")
    if not isinstance(sender, dict) or not _text(sender.get("id")):
        raise BadBody("sender.id is required (the sender's id in the messenger)")
    text = body.get("text", "")
    if not isinstance(text, str):
        raise BadBody("text must be a string")
    attachments = _attachments(body.get("attachments", []))
    if not text.strip() and not attachments:
        raise BadBody("text is required (or at least one attachment)")
    for key in ("name", "email", "phone"):
        if key in sender and not isinstance(sender[key], str):
            raise BadBody(f"sender.{key} must be a string")
    if sender.get("email"):
        try:
            checked_email(sender["email"])
        except InvalidInput:
            raise BadBody("sender.email is not an email address") from None
    conversation = _text(body.get("conversation")) or _text(sender["id"])
    return Incoming(adapter=f"webhook:{integration}", conversation=conversation[:200], text=text[:100_000],
                    message_id=_text(body.get("message_id")) or None, name=(sender.get("name") or "")[:200],
                    email=sender.get("email") or None, phone=sender.get("phone") or None, attachments=attachments,
                    address=_text(body.get("to")).lower() or None, data={"sender": _text(sender["id"])})


def _attachments(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_ATTACHMENTS:
        raise BadBody(f"attachments must be a list of at most {MAX_ATTACHMENTS}")
    out = []
    for n, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("filename"), str) or not isinstance(item.get("data"), str):
            raise BadBody(f"attachments[{n}] needs filename and data (base64)")
        try:
            data = base64.b64decode(item["data"], validate=True)
        except (binascii.Error, ValueError):
            raise BadBody(f"attachments[{n}].data is not base64") from None
        if len(data) > MAX_ATTACHMENT:
            raise BadBody(f"attachments[{n}] is larger than {MAX_ATTACHMENT // (1024 * 1024)} MB")
        out.append({"filename": item["filename"][:255], "content_type": str(item.get("content_type") or
                    "application/octet-stream")[:100], "size": len(data), "data": item["data"]})
    return out


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
