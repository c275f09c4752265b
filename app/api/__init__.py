"""REST API /api/v1: the first surface of Linedesk, and the contract integrations rely on.

One blueprint; its routes live in modules by concern and register themselves on import:
`tickets` (collection, read, patch), `actions` (claim, assign, transfer … and the audit trail),
`directory` (customers, lines), `messages` (the conversation, attachments),
`replies` (mail to the customer), `openapi` (the document). `auth` checks the bearer token before every
view; `errors` turns every refusal into an RFC 9457 problem. Views parse input (`parsing`), call the
workflow service as the token's agent, commit, and render (`serialize`).
"""

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import actions, directory, errors, messages, openapi, replies, tickets  # noqa: E402,F401  (they register on `api`)
from app.api.auth import authenticate  # noqa: E402

api.before_request(authenticate)
errors.register(api)

__all__ = ["api"]
