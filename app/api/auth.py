"""Who is calling: every /api/v1 request carries `Authorization: Bearer <token>`.

The check runs before every view of the blueprint; the agent it finds is `current_agent()`, the actor of
every change the request makes. Failing requests get a 401 problem with `WWW-Authenticate: Bearer`, and the
detail says what was wrong (no header, not a bearer token, unknown or revoked token) — never whose token it
might have been. The OpenAPI document is the one public route: a client reads it before it has a token.
"""

from __future__ import annotations

from flask import g, request

from app.api.tokens import agent_for_token
from app.domain.errors import DomainError
from app.models import Agent
from app.web import db_session

PUBLIC_ENDPOINTS = frozenset({"api.openapi_document"})


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


def authenticate() -> None:
    """Blueprint `before_request` hook: find the calling agent or refuse the request."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    if not header:
        raise Unauthorized("this API needs an 'Authorization: Bearer <token>' header; "
                           "an admin makes a token with 'linedesk token create EMAIL'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    agent = agent_for_token(db_session(), token.strip())
    if agent is None:
        raise Unauthorized("the token is unknown, revoked, or its agent is deactivated")
    g.api_agent = agent


def current_agent() -> Agent:
    return g.api_agent
