"""The website's feedback form: an embeddable page and its POST endpoint.

`GET /channels/form` is a self-contained page (no script) a site embeds with an iframe (`?to=sales@…`: the
address it writes to, for the routing rules); `POST /channels/form`
takes name, email or phone, message, attachments and the routing choice of the telecom case ("I am technical"
→ 2nd line, "I am not technical" → 1st line, "not a technical question" → commercial; the lines come from the
routing rules, so they are configurable in the setup file). What a bad submission gets: the page again with
each error next to its field and what was typed kept. Spam: a honeypot field (`website`, hidden from people;
a filled one is thanked and dropped) and at most N submissions per IP per hour (`FORM_PER_IP_PER_HOUR`,
default 5; 429 beyond). Forgery: the page carries a signed, dated form token (the form lives in other sites'
iframes, where our session cookie is not sent, so the token is stateless: HMAC of the issue time under
SECRET_KEY, valid 2 hours). The per-IP count is stateless too: a form conversation's id starts with a keyed
hash of the sender's IP, and the count is a prefix query over the last hour, so any web worker sees it.

After a good submission: the ticket (channel web_form) through the workflow, mirrored into Gmail; the
acknowledgement is shown on the page and, when an address was given, mailed (gmail_sync.acknowledge).
Answers go by mail to that address; a customer who gave only a phone is called back (the panel says so).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from datetime import timedelta
from typing import Any

import phonenumbers
from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from app.channels import channels
from app.channels.base import ChannelSettings, DeliveryFailed, Recipient, channel_settings, register
from app.domain.emails import checked_email
from app.domain.errors import InvalidInput
from app.models import Channel, ChannelConversation

CHOICES = [("technical", "I am technical and want a technical specialist"),
           ("not_technical", "I am not technical"),
           ("commercial", "This is not a technical question (prices, contracts, invoices)")]
MAX_FILES, MAX_TOTAL = 5, 10 * 1024 * 1024
TOKEN_LIFETIME_S = 2 * 3600
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
       "frame-ancestors *")


class FormAdapter:
    """Answers to a form go by mail to the address given (the mail outbox), so `send` is never asked for one."""

    name = "form"
    channel = Channel.WEB_FORM
    label = "Website form"
    replies_by_email = True

    def __init__(self, settings: ChannelSettings, name: str = "form") -> None:
        pass

    def send(self, to: Recipient, text: str) -> str:
        raise DeliveryFailed("the customer left only a phone number: call them back", retryable=False)


register("form", FormAdapter)


def form_token(secret: str, now: float | None = None) -> str:
    issued = str(int(now if now is not None else time.time()))
    return f"{issued}.{hmac.new(secret.encode(), f'form:{issued}'.encode(), hashlib.sha256).hexdigest()[:32]}"


def token_ok(secret: str, token: str, now: float | None = None) -> bool:
    issued, _, _sig = token.partition(".")
    if not issued.isdigit():
        return False
    age = (now if now is not None else time.time()) - int(issued)
    return 0 <= age <= TOKEN_LIFETIME_S and hmac.compare_digest(form_token(secret, int(issued)), token)


@channels.get("/form")
def form_page() -> ResponseReturnValue:
    return _page({"to": _address(request.args.get("to"))}, {})


@channels.post("/form")
def form_submit() -> ResponseReturnValue:
    from app.channels.service import Incoming, receive
    from app.channels.telegram import _gmail_for
    from app.web import runtime

    rt = runtime()
    cs = channel_settings()
    values = {k: (request.form.get(k) or "").strip() for k in ("name", "email", "phone", "message", "choice")}
    values["to"] = _address(request.form.get("to"))
    if not token_ok(rt.settings.secret_key, request.form.get("form_token", "")):
        return _page(values, {"form": "This form has expired. Please send it again."}, 400)
    if request.form.get("website"):  # the honeypot: people never see it, bots fill it
        return _page({}, {}, 200, thanks="Thank you! We have received your message.")  # and nothing is stored
    errors, email, phone = _check(values)
    files, file_error = _files()
    if file_error:
        errors["attachments"] = file_error
    if errors:
        return _page(values, errors, 422)
    bucket = _ip_bucket(rt.settings.secret_key, client_ip(cs.proxy_hops))
    with rt.sessions() as session:
        recent = session.scalar(select(func.count()).select_from(ChannelConversation).where(
            ChannelConversation.adapter == "form", ChannelConversation.external_id.like(f"{bucket}:%"),
            ChannelConversation.created_at >= rt.clock.now() - timedelta(hours=1))) or 0
    if recent >= cs.form_per_ip_per_hour:
        return _page(values, {"form": "Too many messages from your network in the last hour. Please try later."}, 429)
    incoming = Incoming(adapter="form", conversation=f"{bucket}:{uuid.uuid4().hex}", text=values["message"],
                        name=values["name"], email=email, phone=phone, attachments=files, choice=values["choice"],
                        address=values["to"] or None,
                        subject=f"Website form: {' '.join(values['message'].split())[:70]}")
    result = receive(rt.sessions, rt.clock, incoming, gmail_for=_gmail_for(rt), settings=cs, via="web form")
    mailed = _acknowledge(rt, result.ticket_number) if email else False
    thanks = f"Thank you! Your request is #{result.ticket_number}."
    thanks += " We have sent a confirmation to your email." if mailed else " We will call you back."
    return _page({}, {}, 201, thanks=thanks)


def _check(values: dict[str, str]) -> tuple[dict[str, str], str | None, str | None]:
    errors: dict[str, str] = {}
    email = phone = None
    if not values["name"]:
        errors["name"] = "Please tell us your name."
    elif len(values["name"]) > 200:
        errors["name"] = "Please shorten your name to 200 characters."
    if values["email"]:
        try:
            email = checked_email(values["email"])
        except InvalidInput:
            errors["email"] = "This is not an email address."
    if values["phone"]:
        try:
            number = phonenumbers.parse(values["phone"], None if values["phone"].startswith("+") else "RU")
            if not phonenumbers.is_valid_number(number):
                raise phonenumbers.NumberParseException(1, "invalid")
            phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            errors["phone"] = "This is not a phone number (for example +7 900 123-45-67)."
    if not values["email"] and not values["phone"]:
        errors["email"] = "Please give an email address or a phone number."
    if not values["message"]:
        errors["message"] = "Please write your message."
    elif len(values["message"]) > 20_000:
        errors["message"] = "Please shorten your message to 20,000 characters."
    if values["choice"] not in [c for c, _ in CHOICES]:
        errors["choice"] = "Please choose what fits you best."
    return errors, email, phone


def _files() -> tuple[list[dict[str, Any]], str | None]:
    import base64

    uploads = [f for f in request.files.getlist("attachments") if f and f.filename]
    if len(uploads) > MAX_FILES:
        return [], f"At most {MAX_FILES} files, please."
    out, total = [], 0
    for upload in uploads:
        data = upload.read(MAX_TOTAL + 1)
        total += len(data)
        if total > MAX_TOTAL:
            return [], f"The files together must be under {MAX_TOTAL // (1024 * 1024)} MB."
        out.append({"filename": (upload.filename or "file")[:255], "size": len(data),
                    "content_type": (upload.mimetype or "application/octet-stream")[:100],
                    "data": base64.b64encode(data).decode("ascii")})
    return out, None


def _address(value: str | None) -> str:
    """The address the form writes to (`?to=sales@…` in the embed URL, for the routing rules), if it is one."""
    try:
        return checked_email(value or "") if value else ""
    except InvalidInput:
        return ""


def client_ip(proxy_hops: int) -> str:
    """The sender's IP: the connection's, or behind `proxy_hops` proxies of ours the X-Forwarded-For entry they
    appended for it (entries further left come from the client and prove nothing)."""
    if proxy_hops <= 0:
        return request.remote_addr or ""
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    return hops[-proxy_hops] if len(hops) >= proxy_hops else (request.remote_addr or "")


def _ip_bucket(secret: str, ip: str) -> str:
    return hmac.new(secret.encode(), f"ip:{ip}".encode(), hashlib.sha256).hexdigest()[:16]


def _acknowledge(rt: Any, number: int) -> bool:
    import logging

    from app.models import Ticket
    from gmail_sync.acknowledge import acknowledge
    from gmail_sync.credentials import gmail_for_mailbox

    try:
        with rt.sessions() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number))
            gmail = gmail_for_mailbox(session, ticket.mailbox, rt.settings.gmail_api_endpoint)
        return acknowledge(rt.sessions, rt.clock, number, gmail=gmail).sent
    except Exception as exc:  # noqa: BLE001 - the request is stored; the outbox retries a pending ack
        logging.getLogger(__name__).warning("form acknowledgement for #%s not sent: %s", number, exc)
        return False


def _page(values: dict[str, str], errors: dict[str, str], status: int = 200, thanks: str | None = None
          ) -> ResponseReturnValue:
    from app.web import runtime

    token = form_token(runtime().settings.secret_key)
    html = render_template("channels/form.html", values=values, errors=errors, choices=CHOICES, token=token,
                           thanks=thanks)
    return html, status, {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                          "Cache-Control": "no-store"}
