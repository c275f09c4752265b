"""The web panel and queues for agents (Flask + Jinja, templates/desk/): the same panel as the Gmail sidebar.

`auth` signs agents in (a dev sign-in in demo and test mode only) and guards every POST with a CSRF token;
`views` are thin: read the form, `app.panel.operations.perform` through the workflow with via="web", commit,
redirect. Pages poll a small JSON endpoint and show changes made by others without a reload.
"""

from flask import Blueprint, Flask

desk = Blueprint("desk", __name__, url_prefix="/desk", static_folder="static", static_url_path="/static")

from app.desk import auth, kb, views  # noqa: E402,F401  (register on `desk`)
import app.channels.desk_chat, app.channels.phone  # noqa: E402,E401,F401  (channel tickets' pages, on `desk`)


def init_app(app: Flask, *, secure_cookies: bool) -> None:
    """Session cookies: HttpOnly, SameSite=Lax, and Secure unless served over plain http (tests, the demo)."""
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure_cookies,
                      SESSION_COOKIE_NAME="linedesk_session")
    app.register_blueprint(desk)


__all__ = ["desk", "init_app"]
