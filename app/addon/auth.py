"""Who is calling the add-on endpoints: Google, on behalf of which user.

Two ID tokens, both verified with google-auth against Google's keys (`app.google_tokens`), never merely
decoded (Google's own sample decodes the user's token without verifying it; we do not):

1. the `Authorization: Bearer` token: signed by Google for the add-on's service account
   (service-PROJECT_NUMBER@gcp-sa-gsuiteaddons.iam.gserviceaccount.com, setting ADDON_SERVICE_ACCOUNTS), with
   the audience ADDON_AUDIENCE. It proves the call comes from our add-on deployment; failing it is a 401.
2. `authorizationEventObject.userIdToken`: signed by Google for the user, audience ADDON_USER_AUDIENCE (default
   ADDON_AUDIENCE), email verified. Its email picks the agent. An email that is no active agent gets a card
   saying so, and nothing changes.

Without ADDON_AUDIENCE configured every call is refused: an unverified add-on endpoint would let anyone act
as any agent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.google_tokens import TokenPolicy, TokenRejected, bearer_token, verify_id_token
from app.models import Agent


class NotAnAgent(Exception):
    """The verified user is not an active Linedesk agent; `email` says who they are."""

    def __init__(self, email: str) -> None:
        super().__init__(email)
        self.email = email


def verify_caller(settings: Settings, authorization: str | None) -> None:
    """Raise TokenRejected unless the request carries our add-on's Google-signed ID token."""
    if not settings.addon_audience:
        raise TokenRejected("the add-on is not configured on this server (ADDON_AUDIENCE is unset)")
    policy = TokenPolicy(audience=settings.addon_audience, allowed_emails=settings.addon_service_accounts,
                         certs_url=settings.google_certs_url)
    verify_id_token(bearer_token(authorization), policy)


def user_email(settings: Settings, event: Mapping[str, Any]) -> str:
    """The verified email of the Gmail user the event is for; TokenRejected when the user token fails."""
    token = (event.get("authorizationEventObject") or {}).get("userIdToken")
    if not isinstance(token, str) or not token:
        raise TokenRejected("the event carries no user ID token (authorizationEventObject.userIdToken)")
    audience = settings.addon_user_audience or settings.addon_audience or ""
    claims = verify_id_token(token, TokenPolicy(audience=audience, certs_url=settings.google_certs_url))
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is not True:
        raise TokenRejected("the user ID token has no verified email")
    return email


def agent_for(session: Session, email: str) -> Agent:
    agent = session.scalar(select(Agent).where(Agent.email == email))
    if agent is None or not agent.active:
        raise NotAnAgent(email)
    return agent
