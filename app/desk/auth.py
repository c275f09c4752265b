"""Who is using the web panel, and that each POST comes from our own page.

Sign-in: with Google (OpenID Connect through Google Identity Services) when GOOGLE_OAUTH_CLIENT_ID is set: the
button hands our page an ID token, which the page POSTs with its CSRF token; we verify it with google-auth
against Google's keys (audience: our client id, email verified) and its email picks the active agent. In demo
and test mode a form also lets you pick any active agent (no password: the demo has none to offer). The signed-in
agent's id lives in Flask's signed session cookie; a deactivated agent is signed out on their next request.

CSRF: every session gets a random token (`csrf_token()` in templates puts it in a hidden field); every POST
to the blueprint must send it back, or it is refused with 400 before any view runs. SameSite=Lax cookies are a
second fence, not the only one.
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import select

from app.desk import desk
from app.models import Agent
from app.web import db_session, runtime

PUBLIC = frozenset({"desk.sign_in", "desk.sign_in_google", "desk.static"})


def dev_sign_in_allowed() -> bool:
    settings = runtime().settings
    return settings.demo or settings.testing


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@desk.app_template_global("csrf_token")
def _csrf_global() -> str:
    return csrf_token()


@desk.before_request
def guard() -> object:
    if request.method == "POST":
        sent, expected = request.form.get("csrf_token", ""), session.get("csrf", "")
        if not expected or not sent or not hmac.compare_digest(sent, expected):
            abort(400, "the form is missing its security token or it is stale; reload the page and try again")
    if request.endpoint in PUBLIC:
        return None
    agent_id = session.get("agent_id")
    agent = db_session().get(Agent, agent_id) if isinstance(agent_id, int) else None
    if agent is None or not agent.active:
        session.pop("agent_id", None)
        if request.path.endswith(".json"):
            abort(401)
        return redirect(url_for("desk.sign_in", next=request.full_path if request.method == "GET" else None))
    g.desk_agent = agent
    return None


def current_agent() -> Agent:
    return g.desk_agent


def sign_in_agents() -> list[Agent]:
    return list(db_session().scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name)))


def agent_from_google(credential: str) -> Agent:
    """The active agent a Google ID token (from the sign-in button) belongs to; TokenRejected otherwise."""
    from app.google_tokens import TokenPolicy, TokenRejected, verify_id_token

    settings = runtime().settings
    if not settings.google_client_id:
        raise TokenRejected("Google sign-in is not configured on this server (GOOGLE_OAUTH_CLIENT_ID)")
    claims = verify_id_token(credential, TokenPolicy(audience=settings.google_client_id,
                                                     certs_url=settings.google_certs_url))
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is not True:
        raise TokenRejected("the Google account has no verified email")
    agent = db_session().scalar(select(Agent).where(Agent.email == email))
    if agent is None or not agent.active:
        raise TokenRejected(f"{email} is not an active Linedesk agent; an admin can add you in the setup file")
    return agent


def start_session(agent: Agent) -> None:
    session.clear()  # a new session id's worth: nothing from before sign-in survives
    session["agent_id"] = agent.id
    session["csrf"] = secrets.token_urlsafe(32)
