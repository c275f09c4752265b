"""Signed "this solved it" links: what a customer clicks under an automatic answer.

The same approach as the feedback links (app.feedback.links): an itsdangerous token `{"t": <ticket id>,
"k": <article id>}` signed (HMAC, with a timestamp from the injected clock) under SECRET_KEY with its own salt
`linedesk-kb-answer`, so a feedback token is never accepted here nor this one there. A link is
- **bound** to one ticket and one article: change either and the signature fails (`LinkInvalid`);
- **expiring**: older than `max_age` (7 days: after a week the ticket has long been with a person) → `LinkExpired`;
- **single-use** without a token table: the workflow accepts "solved" only from an active ticket that no agent
  has answered, and the click makes it done (Workflow.answer_automatically).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from itsdangerous import URLSafeTimedSerializer

from app.clock import Clock
from app.feedback.links import LinkExpired, LinkInvalid, _clock_signer, load_token

SALT = "linedesk-kb-answer"
DEFAULT_MAX_AGE = timedelta(days=7)

__all__ = ["AnswerLinks", "Solved", "LinkExpired", "LinkInvalid"]


@dataclass(frozen=True)
class Solved:
    ticket_id: int
    article_id: int


class AnswerLinks:
    """Makes and reads the links; `base_url` is where customers reach the app (PUBLIC_URL)."""

    def __init__(self, secret_key: str, clock: Clock, *, base_url: str = "", max_age: timedelta = DEFAULT_MAX_AGE) -> None:
        if not secret_key:
            raise ValueError("answer links need a SECRET_KEY")
        self.base_url, self.max_age = base_url.rstrip("/"), max_age
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT, signer=_clock_signer(clock))

    def token(self, ticket_id: int, article_id: int) -> str:
        return self._serializer.dumps({"t": int(ticket_id), "k": int(article_id)})

    def solved_url(self, ticket_id: int, article_id: int, lang: str) -> str:
        return f"{self.base_url}/kb/answer/{quote(self.token(ticket_id, article_id))}?lang={lang}"

    def article_url(self, lang: str, slug: str) -> str:
        return f"{self.base_url}/kb/{lang}/{quote(slug)}"

    def read(self, token: str) -> Solved:
        payload = load_token(self._serializer, token, self.max_age)
        if not isinstance(payload, dict) or not isinstance(payload.get("t"), int) or not isinstance(payload.get("k"), int):
            raise LinkInvalid("this link is not valid")
        return Solved(payload["t"], payload["k"])
