"""The Telegram bot: a webhook in, the Bot API out.

In: Telegram POSTs each Update to `/channels/telegram/webhook` with the header `X-Telegram-Bot-Api-Secret-Token`
(the `secret_token` given to setWebhook); any other request is refused with 403 before the body is read. A
text (or caption) becomes a message of the chat's conversation; a photo or document is fetched with getFile
(its file_path, then `<api>/file/bot<token>/<file_path>`) and kept as an attachment (name, type, size, and the
bytes base64 up to 5 MB). The first message of a chat is answered with the ticket number and an inline keyboard
of the routing choice; pressing a button (a `callback_query`) routes the ticket by the routing rules (if no agent
has taken it yet) and is answered with answerCallbackQuery. Feedback: the keyboard of a done ticket's message
carries 👍/👎 (`fb:<ticket>:good|bad`), recorded through the workflow's feedback action.

Out: `TelegramAdapter.send` → sendMessage(chat_id, text). Errors: 429 and 5xx are retryable; any other refusal
(the user blocked the bot: 403) fails for good. The Bot API base URL is a setting (`TELEGRAM_API_BASE`), so the
tests run against a local server that speaks these calls (tests/channels/bot_api.py).
"""

from __future__ import annotations

import base64
import functools
import hmac
import logging
from typing import Any

import requests
from flask import abort, has_app_context, jsonify, request
from flask.typing import ResponseReturnValue

from app.channels import channels
from app.channels.base import (
    FEEDBACK_REQUESTERS, ChannelSettings, DeliveryFailed, Recipient, channel_settings, register,
)
from app.models import Channel, Rating

log = logging.getLogger(__name__)
MAX_FILE = 5 * 1024 * 1024
CHOICE_BUTTONS = [("I am technical: a specialist, please", "technical"), ("I am not technical", "not_technical"),
                  ("Not a technical question", "commercial")]


class BotApi:
    """The few Bot API calls Linedesk makes, against `base` (Telegram's or a local one)."""

    def __init__(self, settings: ChannelSettings) -> None:
        if not settings.telegram_token:
            raise DeliveryFailed("TELEGRAM_BOT_TOKEN is not set", retryable=True)  # kept pending until it is
        self.base, self.token = settings.telegram_api.rstrip("/"), settings.telegram_token

    def call(self, method: str, **payload: Any) -> Any:
        try:
            response = requests.post(f"{self.base}/bot{self.token}/{method}", json=payload, timeout=20)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"Telegram {method}: {type(exc).__name__}: {exc}", retryable=True) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not body.get("ok"):
            retryable = response.status_code == 429 or response.status_code >= 500
            raise DeliveryFailed(f"Telegram {method} answered {response.status_code}: {body.get('description', '')}",
                                 retryable=retryable)
        return body["result"]

    def download(self, file_id: str) -> tuple[str, bytes | None]:
        info = self.call("getFile", file_id=file_id)
        path, size = info.get("file_path") or "", int(info.get("file_size") or 0)
        if not path or size > MAX_FILE:
            return path, None
        response = requests.get(f"{self.base}/file/bot{self.token}/{path}", timeout=30)
        return path, response.content if response.status_code == 200 else None


class TelegramAdapter:
    name = "telegram"
    channel = Channel.TELEGRAM
    label = "Telegram"
    replies_by_email = False

    def __init__(self, settings: ChannelSettings, name: str = "telegram") -> None:
        self.settings = settings

    def send(self, to: Recipient, text: str) -> str:
        sent = BotApi(self.settings).call("sendMessage", chat_id=int(to.external_id), text=text[:4096])
        return str(sent.get("message_id", ""))


register("telegram", TelegramAdapter)


@channels.post("/telegram/webhook")
def telegram_webhook() -> ResponseReturnValue:
    from app.channels.service import Incoming, receive
    from app.web import runtime

    cs = channel_settings()
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not cs.telegram_secret or not hmac.compare_digest(given.encode(), cs.telegram_secret.encode()):
        abort(403, "wrong or missing X-Telegram-Bot-Api-Secret-Token")
    update = request.get_json(silent=True)
    if not isinstance(update, dict):
        abort(400, "the body must be a Telegram Update (JSON)")
    rt = runtime()
    if "callback_query" in update:
        return _callback(update["callback_query"], cs)
    message = update.get("message") or update.get("edited_message")
    if not isinstance(message, dict) or "chat" not in message:
        return jsonify(ok=True, ignored="not a message")
    api = BotApi(cs)
    sender = message.get("from") or {}
    name = " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p) or sender.get("username", "")
    incoming = Incoming(
        adapter="telegram", conversation=str(message["chat"]["id"]), message_id=str(message.get("message_id", "")),
        text=message.get("text") or message.get("caption") or "", name=name[:200],
        attachments=_attachments(api, message), data={"username": sender.get("username")})
    result = receive(rt.sessions, rt.clock, incoming, gmail_for=_gmail_for(rt), settings=cs, via="telegram")
    if result.outcome in ("new", "follow_up"):
        keyboard = [[{"text": label, "callback_data": f"route:{result.ticket_number}:{value}"}]
                    for label, value in CHOICE_BUTTONS]
        try:  # the message is stored: a failed acknowledgement must not make Telegram send the update again
            api.call("sendMessage", chat_id=message["chat"]["id"], reply_markup={"inline_keyboard": keyboard},
                     text=f"Thank you! Your request is #{result.ticket_number}. Which fits you best?")
        except DeliveryFailed as exc:
            log.warning("Telegram acknowledgement of #%s not sent: %s", result.ticket_number, exc.message)
    return jsonify(ok=True, ticket=result.ticket_number, outcome=result.outcome)


def _callback(query: dict[str, Any], cs: ChannelSettings) -> ResponseReturnValue:
    """A button pressed: the routing choice of a new ticket."""
    from app.channels.rules import Facts, first_match, route, stored_rules
    from app.db import transaction
    from app.models import ChannelConversation, Status
    from app.web import runtime
    from app.workflow import Workflow

    api, rt = BotApi(cs), runtime()
    kind, _, rest = str(query.get("data", "")).partition(":")
    number, _, value = rest.partition(":")
    chat = str(((query.get("message") or {}).get("chat") or {}).get("id", ""))
    answer = "Sorry, that button is out of date."
    if kind == "route" and number.isdigit():
        with transaction(rt.sessions) as session:
            wf = Workflow(session, rt.clock, via="telegram")
            ticket = wf.ticket(int(number))
            owns = session.query(ChannelConversation).filter_by(adapter="telegram", external_id=chat,
                                                                ticket_id=ticket.id).first()
            if owns is None:
                answer = "That request is not yours."
            elif ticket.status is not Status.NEW or ticket.assignee_id is not None:
                answer = "An agent is already on it."
            else:
                facts = Facts(choice=value, channel=Channel.TELEGRAM.value, vip=bool(ticket.customer and ticket.customer.vip))
                rule = first_match(stored_rules(session), facts)
                if rule is not None:
                    route(session, wf, ticket, rule)
                answer = f"Thank you: #{ticket.number} is with {ticket.line.name}."
    elif kind == "fb" and number.isdigit() and value in (Rating.SATISFIED.value, Rating.NOT_SATISFIED.value):
        answer = _rate(int(number), chat, Rating(value))
    try:
        api.call("answerCallbackQuery", callback_query_id=str(query.get("id", "")), text=answer)
    except DeliveryFailed as exc:  # the choice is recorded; only the little notice on the button is lost
        log.warning("Telegram answerCallbackQuery failed: %s", exc.message)
    return jsonify(ok=True)


def request_feedback(ticket_id: int, links: dict[Rating, str], words: dict[str, str]) -> None:
    """The feedback request of a done Telegram ticket (gmail_sync.feedback_request calls it after recording the
    request): 👍/👎 buttons answered here (`fb:<number>:<rating>`), and the signed "I did not submit this
    request" link of the feedback page."""
    from app.channels.service import conversation_of
    from app.models import Ticket
    from app.web import runtime

    rt = runtime() if has_app_context() else None
    cs = channel_settings(rt.settings if rt else None)
    sessions = rt.sessions if rt else (_REQUESTER_SESSIONS.get("sessions") or _env_sessions())
    with sessions() as session:
        ticket = session.get(Ticket, ticket_id)
        conversation = conversation_of(session, ticket) if ticket is not None else None
        if ticket is None or conversation is None or conversation.adapter != "telegram":
            return
        chat, number = int(conversation.external_id), ticket.number
    keyboard = [[{"text": "👍 Solved", "callback_data": f"fb:{number}:{Rating.SATISFIED.value}"},
                 {"text": "👎 Not solved", "callback_data": f"fb:{number}:{Rating.NOT_SATISFIED.value}"}],
                [{"text": "I did not submit this request", "url": links[Rating.NOT_SUBMITTED]}]]
    BotApi(cs).call("sendMessage", chat_id=chat, text=f"#{number} is done. Did we solve your problem?",
                    reply_markup={"inline_keyboard": keyboard})


_REQUESTER_SESSIONS: dict[str, Any] = {}  # the scheduler's session factory, outside a Flask app (use_sessions)


@functools.lru_cache(maxsize=1)
def _env_sessions() -> Any:
    """Outside the web app and without `use_sessions`: the database of the environment's settings."""
    from app.config import Settings
    from app.db import make_engine, session_factory

    return session_factory(make_engine(Settings.from_env().database_url))


def use_sessions(sessions: Any) -> None:
    """Where `request_feedback` reads tickets when it runs outside the web app (the scheduler process)."""
    _REQUESTER_SESSIONS["sessions"] = sessions


FEEDBACK_REQUESTERS[Channel.TELEGRAM] = request_feedback


def _rate(number: int, chat: str, rating: Rating) -> str:
    from app.db import transaction
    from app.domain.errors import DomainError
    from app.models import ChannelConversation
    from app.web import runtime
    from app.workflow import Workflow

    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            wf = Workflow(session, rt.clock, via="telegram")
            ticket = wf.ticket(number)
            if session.query(ChannelConversation).filter_by(adapter="telegram", external_id=chat,
                                                            ticket_id=ticket.id).first() is None:
                return "That request is not yours."
            wf.record_feedback(ticket, rating)
    except DomainError as exc:
        return exc.message
    return "Thank you for your answer!"


def _attachments(api: BotApi, message: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if message.get("document"):
        doc = message["document"]
        found.append({"file_id": doc["file_id"], "filename": doc.get("file_name") or "document",
                      "content_type": doc.get("mime_type") or "application/octet-stream"})
    if message.get("photo"):
        biggest = max(message["photo"], key=lambda p: p.get("file_size") or p.get("width", 0))
        found.append({"file_id": biggest["file_id"], "filename": "photo.jpg", "content_type": "image/jpeg"})
    out = []
    for item in found:
        path, data = api.download(item["file_id"])
        out.append({"filename": item["filename"], "content_type": item["content_type"], "size": len(data or b""),
                    "telegram_file_id": item["file_id"], "telegram_path": path,
                    "data": base64.b64encode(data).decode("ascii") if data is not None else None})
    return out


def _gmail_for(rt: Any) -> Any:
    from gmail_sync.credentials import gmail_for_mailbox

    return lambda session, mailbox: gmail_for_mailbox(session, mailbox, rt.settings.gmail_api_endpoint)
