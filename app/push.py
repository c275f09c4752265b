"""Gmail push: Pub/Sub POSTs here when a mailbox changes, and we run that mailbox's incremental sync step.

The answer is what Pub/Sub acts on: 2xx acknowledges; anything else is redelivered later. So a sync that
fails for a passing reason (Gmail unavailable) answers 503 and gets retried, while a push for a mailbox we do
not serve is acknowledged and dropped. When PUSH_AUDIENCE is configured, a push without a valid Google-signed
ID token from an allowed account is refused (401) before anything runs. Polling (`linedesk sync --loop`) runs
the same step, so a lost push only delays a message.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from app.google_tokens import TokenPolicy, TokenRejected, bearer_token, verify_id_token
from app.web import runtime

log = logging.getLogger(__name__)

push = Blueprint("gmail_push", __name__)


def _problem(status: int, title: str, detail: str) -> Response:
    import json

    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


@push.post("/gmail/push")
def gmail_push() -> Response:
    from gmail_sync.client import GmailError
    from gmail_sync.runner import InvalidPush, UnknownMailbox, handle_push
    from gmail_sync.wiring import sync_service

    settings = runtime().settings
    if settings.push_audience:
        policy = TokenPolicy(audience=settings.push_audience, allowed_emails=settings.push_service_accounts,
                             certs_url=settings.google_certs_url)
        try:
            verify_id_token(bearer_token(request.headers.get("Authorization")), policy)
        except TokenRejected as exc:
            log.warning("gmail push refused: %s", exc)
            return _problem(401, "Unauthorized", str(exc))
    try:
        address = handle_push(request.get_json(silent=True) or {})
    except InvalidPush as exc:
        return _problem(400, "Invalid push", str(exc))
    rt = runtime()
    service = sync_service(rt.sessions, rt.clock, settings.gmail_api_endpoint, settings.gmail_quota_units_per_s,
                           lease_s=settings.sync_lease_s)
    try:
        report = service.sync_once(address)
        if report.skipped:  # a sync process is on this mailbox right now; its next poll reads this change too
            log.info("gmail push for %s: %s, acknowledged", address, report.skipped)
    except UnknownMailbox:
        log.info("gmail push for %s, which is not a Linedesk mailbox: acknowledged and dropped", address)
    except GmailError as exc:
        log.warning("gmail push for %s: sync failed, Pub/Sub will retry: %s", address, exc)
        return _problem(503, "Sync failed", "Gmail could not be read just now; the push will be retried")
    return Response(status=204)
