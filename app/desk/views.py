"""The web panel's pages: sign-in, the queues, the ticket, the actions, and the JSON the pages poll."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import Response, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from app.clock import as_utc
from app.desk import desk
from app.desk.auth import agent_from_google, current_agent, dev_sign_in_allowed, sign_in_agents, start_session
from app.domain.errors import DomainError
from app.models import Agent, Ticket
from app.panel.model import load_panel, load_ticket
from app.panel.operations import OPERATIONS, perform
from app.panel.presence import others, touch
from app.panel.queues import agent_lines, load_queues
from app.web import db_session, runtime
from app.workflow import Workflow

VIA = "web"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-src 'self'; base-uri 'none'; frame-ancestors 'self' https://mail.google.com")


@desk.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


GIS = "https://accounts.google.com/gsi/"
SIGN_IN_CSP = (f"default-src 'none'; script-src 'self' {GIS}client; style-src 'self' 'unsafe-inline' {GIS}style; "
               f"img-src 'self' data: https:; connect-src 'self' {GIS}; frame-src {GIS}; form-action 'self'; "
               "base-uri 'none'; frame-ancestors 'none'")


@desk.route("/signin", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    client_id = runtime().settings.google_client_id
    if request.method == "POST" and dev_sign_in_allowed():
        agent = db_session().get(Agent, request.form.get("agent", type=int) or 0)
        if agent is None or not agent.active:
            flash("Choose an active agent.", "error")
            return redirect(url_for("desk.sign_in"))
        start_session(agent)
        return redirect(_safe_next(request.form.get("next")))
    agents = sign_in_agents() if dev_sign_in_allowed() else None
    page = render_template("desk/signin.html", agents=agents, client_id=client_id, next=request.args.get("next", ""))
    return page, 200, {"Content-Security-Policy": SIGN_IN_CSP} if client_id else {}


@desk.post("/signin/google")
def sign_in_google() -> ResponseReturnValue:
    """The ID token the Google button gave our page, POSTed with the page's CSRF token."""
    from app.google_tokens import TokenRejected

    try:
        agent = agent_from_google(request.form.get("credential", ""))
    except TokenRejected as exc:
        flash(f"Not signed in: {exc}", "error")
        return redirect(url_for("desk.sign_in"), 303)
    start_session(agent)
    return redirect(_safe_next(request.form.get("next")), 303)


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never an open redirect to another host."""
    if target and target.startswith("/desk/") and not urlparse(target).netloc and "\\" not in target:
        return target
    return url_for("desk.queues")


@desk.post("/signout")
def sign_out() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("desk.sign_in"))


@desk.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("desk.queues"))


@desk.get("/queues")
def queues() -> ResponseReturnValue:
    agent = current_agent()
    line, search = request.args.get("line") or None, request.args.get("q") or None
    data = load_queues(db_session(), agent, line=line, search=search)
    return render_template("desk/queues.html", agent=agent, queues=data, line=line, now=runtime().clock.now(),
                           lines=agent_lines(db_session(), agent))


@desk.get("/queues.json")
def queues_version() -> ResponseReturnValue:
    data = load_queues(db_session(), current_agent(), line=request.args.get("line") or None)
    return jsonify(version=data.version)


@desk.get("/tickets/<int:number>")
def ticket(number: int) -> ResponseReturnValue:
    agent = current_agent()
    try:
        panel = load_panel(db_session(), runtime().clock, agent, number)
    except DomainError as exc:
        return render_template("desk/refused.html", agent=agent, message=exc.message), exc.status
    touch(db_session(), runtime().clock.now(), panel.ticket_id, agent.id)  # for others' collision notice
    db_session().commit()
    from app.kb.suggest import for_ticket  # articles, canned responses and a category likely to fit (app/kb)

    suggested = for_ticket(db_session(), db_session().get_one(Ticket, panel.ticket_id),
                           runtime().clock.now())  # loaded by the panel
    return render_template("desk/ticket.html", agent=agent, panel=panel, now=runtime().clock.now(), suggested=suggested)


@desk.get("/tickets/<int:number>.json")
def ticket_version(number: int) -> ResponseReturnValue:
    """What the ticket page polls: the ticket's version (updated_at), to show changes made by others."""
    agent = current_agent()
    try:
        found = _present(number, agent, replying=request.args.get("replying") == "1")
    except DomainError as exc:
        return jsonify(error=exc.message), exc.status
    now = runtime().clock.now()
    present = [{"name": p.name, "replying": p.replying} for p in others(db_session(), now, found.id, agent.id)]
    return jsonify(number=number, version=as_utc(found.updated_at).isoformat(), status=found.status.value,
                   others=present)


def _present(number: int, agent: Agent, *, replying: bool) -> Any:
    """The ticket, after recording that `agent` has it open (for others' collision notice); 403/404 first."""
    found = load_ticket(db_session(), number)
    Workflow(db_session(), runtime().clock).require_view(agent, found)
    touch(db_session(), runtime().clock.now(), found.id, agent.id, replying)
    db_session().commit()
    return found


@desk.post("/tickets/<int:number>/reply")
def reply(number: int) -> ResponseReturnValue:
    """Answer the customer with one of the line's canned responses (into their Gmail thread, once)."""
    from app.panel import canned

    rt = runtime()
    try:
        message = canned.send(db_session(), rt.sessions, rt.clock, rt.settings.gmail_api_endpoint, current_agent(),
                              number, request.form.get("canned", type=int), via=VIA)
        flash(message, "ok")
    except DomainError as exc:
        db_session().rollback()
        flash(f"Not sent: {exc.message}", "error")
    return redirect(url_for("desk.ticket", number=number), 303)


@desk.post("/tickets/<int:number>/<action>")
def act(number: int, action: str) -> ResponseReturnValue:
    if action not in OPERATIONS:
        abort(404)
    session_ = db_session()
    wf = Workflow(session_, runtime().clock, via=VIA)
    agent = current_agent()
    try:
        ticket_ = load_ticket(session_, number)
        message = perform(wf, agent, ticket_, action, request.form.get)
        session_.commit()
        flash(message, "ok")
    except DomainError as exc:
        session_.rollback()
        flash(f"Not done: {exc.message}", "error")
        return redirect(url_for("desk.ticket", number=number), 303)
    if not wf.can_view(agent, ticket_):  # e.g. transferred out of the agent's lines: back to the queues
        return redirect(url_for("desk.queues"), 303)
    return redirect(url_for("desk.ticket", number=number), 303)


@desk.get("/tickets/<int:number>/messages/<int:message_id>/attachments/<int:index>")
def attachment(number: int, message_id: int, index: int) -> ResponseReturnValue:
    """An attachment, fetched from Gmail and served as a download (app/panel/files.py)."""
    from app.panel.files import download_response, fetch_attachment

    agent = current_agent()
    try:
        found = load_ticket(db_session(), number)
        Workflow(db_session(), runtime().clock).require_view(agent, found)
        file = fetch_attachment(db_session(), runtime().settings.gmail_api_endpoint, found, message_id, index)
    except DomainError as exc:
        return render_template("desk/refused.html", agent=agent, message=exc.message), exc.status
    return download_response(file)


@desk.get("/canned")
def canned_responses() -> ResponseReturnValue:
    """The canned responses of the agent's lines; the line's head and managers may change them."""
    from app.panel import canned

    agent = current_agent()
    lines = agent_lines(db_session(), agent)
    return render_template("desk/canned.html", agent=agent, lines=[
        (line, canned.for_line(db_session(), line.id), canned.may_manage(agent, line)) for line in lines],
        placeholders=canned.PLACEHOLDERS)


@desk.post("/canned/<slug>")
def save_canned(slug: str) -> ResponseReturnValue:
    """Create (no `id` in the form), change, or (`delete` in the form) remove a canned response of line `slug`."""
    from app.directory import line_by_slug
    from app.panel import canned

    agent, session_ = current_agent(), db_session()
    try:
        line = line_by_slug(session_, slug)
        canned_id = request.form.get("id", type=int)
        if request.form.get("delete") and canned_id:
            canned.delete(session_, agent, line, canned_id)
            message = "Canned response removed"
        else:
            canned.save(session_, runtime().clock.now(), agent, line, request.form.get("title", ""),
                        request.form.get("body", ""), canned_id)
            message = "Canned response saved"
        session_.commit()
        flash(message, "ok")
    except DomainError as exc:
        session_.rollback()
        flash(f"Not saved: {exc.message}", "error")
    return redirect(url_for("desk.canned_responses"), 303)
