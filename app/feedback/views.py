"""The feedback page. GET shows the answer the link stands for and a comment box; POST stores it.

Why not store on GET: mail scanners and link previews open links; a GET that rated would let a virus scanner
say "I did not submit this request" and flag a ticket phantom. So the click opens a page, and one press of
"Send" (a POST with the session's CSRF token) rates. Every refusal is a page in the customer's language:
tampered (400), unknown ticket (404), expired (410), already rated or not finished (409), and a browser signed in
to the web panel as an agent (403: the request sits in the support mailbox's SENT, where agents could click it).
"""

from __future__ import annotations

import hmac

from flask import Response, current_app, render_template, request, session
from flask.typing import ResponseReturnValue

from app.desk.auth import csrf_token
from app.domain.errors import Conflict, DomainError
from app.feedback import feedback
from app.feedback.i18n import pick, texts
from app.feedback.links import Answer, FeedbackLinks, LinkExpired, LinkInvalid, lifetime
from app.models import HelpdeskSetting, Rating, Status, Ticket
from app.web import db_session, runtime
from app.workflow import Workflow

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")


@feedback.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@feedback.route("/<token>", methods=["GET", "POST"])
def answer(token: str) -> ResponseReturnValue:
    lang = _language()
    words = texts(lang)
    try:
        found = _links().read(token)
    except LinkExpired:
        return _message(lang, "expired", 410)
    except LinkInvalid:
        return _message(lang, "invalid", 400)
    ticket = db_session().get(Ticket, found.ticket_id)
    if ticket is None:
        return _message(lang, "invalid", 404)
    if session.get("agent_id") is not None:  # the request is in the mailbox's SENT, where agents can click it
        return _message(lang, "agent", 403, ticket)
    wf = Workflow(db_session(), runtime().clock, via="feedback")
    if wf.feedback_of(ticket) is not None:
        return _message(lang, "used", 409, ticket)
    if ticket.status not in (Status.DONE, Status.COMPLETED):
        return _message(lang, "not_yet", 409, ticket)
    if request.method == "POST":
        sent, expected = request.form.get("csrf_token", ""), session.get("csrf", "")
        if not expected or not sent or not hmac.compare_digest(sent, expected):
            return _message(lang, "stale", 400, ticket)
        return _record(wf, ticket, found, lang)
    csrf_token()
    return render_template("feedback/answer.html", t=words, lang=lang, number=ticket.number,
                           rating=found.rating.value, token=token)


def _record(wf: Workflow, ticket: Ticket, found: Answer, lang: str) -> ResponseReturnValue:
    comment = (request.form.get("comment") or "")[:4000]
    try:
        wf.record_feedback(ticket, found.rating, comment)
        db_session().commit()
    except Conflict:
        db_session().rollback()
        return _message(lang, "used", 409, ticket)
    except DomainError:
        db_session().rollback()
        return _message(lang, "not_yet", 409, ticket)
    key = "thanks_phantom" if found.rating is Rating.NOT_SUBMITTED else "thanks"
    return _message(lang, key, 200, ticket, done=True)


def _message(lang: str, key: str, status: int, ticket: Ticket | None = None, *, done: bool = False):
    return render_template("feedback/message.html", t=texts(lang), lang=lang, key=key, done=done,
                           number=ticket.number if ticket is not None else None), status


def _links() -> FeedbackLinks:
    return FeedbackLinks(current_app.config["SECRET_KEY"], runtime().clock, max_age=lifetime(db_session()))


def _language() -> str:
    row = db_session().get(HelpdeskSetting, "language")
    return pick(request.args.get("lang"), request.accept_languages, str(row.value) if row and row.value else None)
