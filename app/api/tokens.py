"""API bearer tokens: made once, shown once, stored only as a SHA-256.

A token is `ld_` + 32 random bytes (url-safe base64). The prefix makes a leaked token recognisable to
secret scanners and people; the randomness makes a plain SHA-256 enough (no salt or slow hash is needed for
a 256-bit secret), and the hash is what the unique index looks up. A token belongs to one agent, who is the
actor of everything done with it; revoking sets `revoked_at`, and a deactivated agent's tokens stop working
without being touched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.directory import agent_by_email
from app.domain.errors import RuleViolation
from app.models import Agent, ApiToken

PREFIX = "ld_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, email: str, now: datetime) -> tuple[Agent, str]:
    """A new token for the agent with this email; raises NotFound for an unknown email. The caller commits."""
    agent = agent_by_email(session, email)
    if not agent.active:
        raise RuleViolation(f"{agent.email} is deactivated; a token for them would not work")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(agent_id=agent.id, token_hash=hash_token(token), created_at=now))
    session.flush()
    return agent, token


def revoke_tokens(session: Session, email: str, now: datetime) -> int:
    """Revoke every live token of the agent; returns how many. The caller commits."""
    agent = agent_by_email(session, email)
    result = session.execute(
        update(ApiToken).where(ApiToken.agent_id == agent.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    return int(result.rowcount or 0)


def agent_for_token(session: Session, token: str) -> Agent | None:
    """The active agent a live token belongs to, or None (unknown, revoked, or the agent is deactivated)."""
    if not token.startswith(PREFIX):
        return None
    digest = hash_token(token)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
        return None
    return row.agent if row.agent.active else None
