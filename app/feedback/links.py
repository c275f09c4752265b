"""Signed feedback links: what the customer clicks in the feedback request.

A link carries a token: `{"t": <ticket id>, "a": <answer>}` signed with itsdangerous (HMAC-SHA1 over the
payload and a timestamp) under the app's SECRET_KEY and the salt `linedesk-feedback`. So a link is
- **bound** to one ticket and one answer: change either and the signature fails (`LinkInvalid`);
- **expiring**: older than `max_age` (default 30 days, HelpdeskSetting `feedback_link_days`) → `LinkExpired`;
- **single-use** without any token table: the rating is stored once per ticket (the feedback row's unique
  `ticket_id`, and database triggers refuse to change it), so a used link finds a rating and is refused.

The timestamp comes from the injected clock (`app.clock`), never the wall clock, so expiry is testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.clock import Clock
from sqlalchemy.orm import Session

from app.models import HelpdeskSetting, Rating

SALT = "linedesk-feedback"
DEFAULT_MAX_AGE = timedelta(days=30)
ANSWERS = {"s": Rating.SATISFIED, "n": Rating.NOT_SATISFIED, "x": Rating.NOT_SUBMITTED}
CODES = {rating: code for code, rating in ANSWERS.items()}


class LinkInvalid(Exception):
    """Tampered with, cut short, or signed with another key."""


class LinkExpired(Exception):
    """Genuine, but older than the links live."""


@dataclass(frozen=True)
class Answer:
    ticket_id: int
    rating: Rating


class FeedbackLinks:
    """Makes and reads the signed links; `base_url` is where customers reach the app (PUBLIC_URL)."""

    def __init__(self, secret_key: str, clock: Clock, *, base_url: str = "",
                 max_age: timedelta = DEFAULT_MAX_AGE) -> None:
        if not secret_key:
            raise ValueError("feedback links need a SECRET_KEY")
        self.base_url, self.max_age = base_url.rstrip("/"), max_age
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT, signer=_clock_signer(clock))

    def token(self, ticket_id: int, rating: Rating) -> str:
        return self._serializer.dumps({"t": int(ticket_id), "a": CODES[rating]})

    def url(self, ticket_id: int, rating: Rating, *, lang: str | None = None) -> str:
        link = f"{self.base_url}/feedback/{quote(self.token(ticket_id, rating))}"
        return f"{link}?lang={lang}" if lang else link

    def read(self, token: str) -> Answer:
        payload = load_token(self._serializer, token, self.max_age)
        if not isinstance(payload, dict) or payload.get("a") not in ANSWERS or not isinstance(payload.get("t"), int):
            raise LinkInvalid("this link is not valid")
        return Answer(payload["t"], ANSWERS[payload["a"]])


def load_token(serializer: URLSafeTimedSerializer, token: str, max_age: timedelta) -> Any:
    """The payload of a signed, dated token; `LinkExpired` or `LinkInvalid` otherwise (shared by every signed link
    sent to customers: feedback here, "this solved it" in app.kb.links)."""
    try:
        return serializer.loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise LinkExpired("this link has expired") from None
    except BadSignature:
        raise LinkInvalid("this link is not valid") from None


def lifetime(session: Session) -> timedelta:
    """How long links live: HelpdeskSetting `feedback_link_days`, default 30."""
    row = session.get(HelpdeskSetting, "feedback_link_days")
    return timedelta(days=int(row.value)) if row is not None and row.value else DEFAULT_MAX_AGE


def _clock_signer(clock: Clock) -> type[TimestampSigner]:
    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return ClockSigner
