"""The public knowledge base: read-only pages per language, search, an embeddable search box, "did this help?",
and the page behind an automatic answer's "this solved it" link. No sign-in anywhere here.

- `/kb/<lang>/` the articles by category; `/kb/<lang>/search?q=` the ranked results (app.kb.search);
  `/kb/<lang>/<slug>` an article (Markdown rendered and sanitised: app.kb.render).
- `/kb/embed?lang=en` a small search box for a company's site to put in an iframe (the only page here that may
  be framed by any site); its form opens the results in the top window.
- "Did this help?" is a POST with the session's CSRF token; an article's id is remembered in the (signed) session
  cookie, so pressing twice counts once. A reader who clears cookies can vote again: this stops double clicks and
  casual repeats, not a determined robot.
- `/kb/answer/<token>`: GET shows the question and one button; the POST (CSRF) tells the workflow the article
  solved it (Workflow.answer_automatically). Not on GET, because mail scanners open links.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.desk.auth import csrf_token
from app.domain.errors import DomainError
from app.kb import service
from app.kb.i18n import texts
from app.kb.links import AnswerLinks, LinkExpired, LinkInvalid
from app.kb.render import snippet, to_html
from app.kb.search import search
from app.kb.text import LANGUAGES
from app.models import KbArticle, Ticket
from app.web import db_session, runtime
from app.workflow import Workflow

kb = Blueprint("kb", __name__, url_prefix="/kb", static_folder="static", static_url_path="/static")

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
EMBED_CSP = "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors *"
VOTED = "kb_voted"


@kb.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer" if request.endpoint == "kb.answer" else "strict-origin-when-cross-origin"
    if request.endpoint == "kb.answer":
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        abort(404)
    return lang


def _page(template: str, lang: str, status: int = 200, **context: object) -> ResponseReturnValue:
    other = next(code for code in LANGUAGES if code != lang)
    return render_template(template, lang=lang, t=texts(lang), other=other, **context), status


@kb.get("/")
def root() -> ResponseReturnValue:
    return redirect(url_for("kb.index", lang=request.accept_languages.best_match(LANGUAGES) or "en"))


@kb.get("/<lang>/")
def index(lang: str) -> ResponseReturnValue:
    lang = _lang(lang)
    sections: dict[str, list] = {}
    for article in service.listing(db_session(), lang):
        sections.setdefault(article.category or texts(lang)["uncategorised"], []).append(article)
    return _page("kb/index.html", lang, sections=sections)


@kb.get("/<lang>/search")
def search_page(lang: str) -> ResponseReturnValue:
    lang = _lang(lang)
    query = (request.args.get("q") or "").strip()[:300]
    hits = search(db_session(), query, lang, 20) if query else []
    bodies = dict(db_session().execute(select(KbArticle.id, KbArticle.body)
                                       .where(KbArticle.id.in_([h.id for h in hits]))).all()) if hits else {}
    results = [(hit, snippet(bodies.get(hit.id, ""))) for hit in hits]
    return _page("kb/search.html", lang, q=query, results=results)


@kb.get("/embed")
def embed() -> ResponseReturnValue:
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else "en"
    page, status = _page("kb/embed.html", lang)
    return page, status, {"Content-Security-Policy": EMBED_CSP}


@kb.get("/<lang>/<slug>")
def article(lang: str, slug: str) -> ResponseReturnValue:
    lang = _lang(lang)
    try:
        found = service.by_slug(db_session(), lang, slug)
    except DomainError:
        return _page("kb/message.html", lang, 404, message=texts(lang)["not_found"])
    csrf_token()
    voted = found.id in session.get(VOTED, [])
    return _page("kb/article.html", lang, article=found, html=to_html(found.body), voted=voted)


@kb.post("/<lang>/<slug>/vote")
def vote(lang: str, slug: str) -> ResponseReturnValue:
    lang = _lang(lang)
    if not _csrf_ok():
        return _page("kb/message.html", lang, 400, message=texts(lang)["stale"])
    try:
        found = service.by_slug(db_session(), lang, slug)
    except DomainError:
        return _page("kb/message.html", lang, 404, message=texts(lang)["not_found"])
    voted = list(session.get(VOTED, []))
    if found.id in voted:
        return _page("kb/message.html", lang, 409, message=texts(lang)["voted"])
    service.vote(db_session(), found.id, request.form.get("helpful") == "yes")
    db_session().commit()
    session[VOTED] = (voted + [found.id])[-200:]
    return _page("kb/message.html", lang, message=texts(lang)["thanks_vote"], back=found)


@kb.route("/answer/<token>", methods=["GET", "POST"])
def answer(token: str) -> ResponseReturnValue:
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else "en"
    words = texts(lang)
    try:
        solved = _links().read(token)
    except LinkExpired:
        return _page("kb/message.html", lang, 410, message=words["link_expired"])
    except LinkInvalid:
        return _page("kb/message.html", lang, 400, message=words["link_invalid"])
    ticket = db_session().get(Ticket, solved.ticket_id)
    if ticket is None:
        return _page("kb/message.html", lang, 404, message=words["link_invalid"])
    if request.method == "GET":
        csrf_token()
        return _page("kb/answer.html", lang, token=token, number=ticket.number)
    if not _csrf_ok():
        return _page("kb/message.html", lang, 400, message=words["stale"])
    try:
        Workflow(db_session(), runtime().clock, via="kb").answer_automatically(ticket, solved.article_id)
        db_session().commit()
    except DomainError:
        db_session().rollback()
        return _page("kb/message.html", lang, 409, message=words["link_used"].format(number=ticket.number))
    return _page("kb/message.html", lang, message=words["solved_done"].format(number=ticket.number), done=True)


def _csrf_ok() -> bool:
    sent, expected = request.form.get("csrf_token", ""), session.get("csrf", "")
    return bool(expected and sent and hmac.compare_digest(sent, expected))


def _links() -> AnswerLinks:
    return AnswerLinks(current_app.config["SECRET_KEY"], runtime().clock)
