"""Channels beyond email — website form, Telegram, site chat, phone, a generic webhook — all worked from Gmail.

Every channel is one adapter module here: its way in (a blueprint route that reads the request and checks it
is genuine) and its way out (`send`). Everything shared lives in `service` (ticket through the workflow,
delivery exactly once per claim), `mirror` (each conversation as a Gmail thread in the support mailbox) and
`rules` (routing rules from the setup file). `app.web` registers the blueprint with one line.
"""

from flask import Blueprint, jsonify

from app.domain.errors import DomainError

channels = Blueprint("channels", __name__, url_prefix="/channels", static_folder="static", static_url_path="/static")

_ADAPTER_MODULES = ("app.channels.telegram", "app.channels.webhook", "app.channels.form", "app.channels.chat",
                    "app.channels.phone")


def load_adapters() -> None:
    """Import every adapter module once: each registers its adapter (and its routes on `channels`)."""
    import importlib

    for name in _ADAPTER_MODULES:
        importlib.import_module(name)


@channels.errorhandler(DomainError)
def _domain_error(exc: DomainError):  # noqa: ANN202 - a Flask response tuple
    """A rule the workflow refused (no line takes tickets, a bad address): a clear answer, never a 500."""
    return jsonify(error=exc.message), exc.status


def feedback_requesters() -> dict:
    """The channels' feedback requesters (gmail_sync.feedback_request merges them into its REQUESTERS)."""
    from app.channels.base import FEEDBACK_REQUESTERS

    return dict(FEEDBACK_REQUESTERS)


load_adapters()

__all__ = ["channels", "feedback_requesters", "load_adapters"]
