"""The knowledge base in the web panel: agents list, write and edit articles, and answer with a suggested one.

Under the panel's sign-in and CSRF guard (app.desk.auth: these views are on the `desk` blueprint). Views are thin:
the form becomes an `app.kb.service.Draft`, the service validates, writes and indexes, the view commits.
"""

from __future__ import annotations

from datetime import datetime, time, timezone

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.desk import desk
from app.desk.auth import current_agent, sign_in_agents
from app.domain.errors import DomainError, InvalidInput
from app.kb import service
from app.kb.render import to_html
from app.kb.text import LANGUAGES
from app.web import db_session, runtime

VIA = "web"


@desk.get("/kb")
def kb_articles() -> ResponseReturnValue:
    now = runtime().clock.now()
    return render_template("desk/kb_list.html", agent=current_agent(), now=now,
                           articles=service.listing(db_session(), published_only=False))


@desk.get("/kb/new")
@desk.get("/kb/<int:article_id>")
def kb_edit(article_id: int | None = None) -> ResponseReturnValue:
    article = None
    if article_id is not None:
        try:
            article = service.get(db_session(), article_id)
        except DomainError as exc:
            return render_template("desk/refused.html", agent=current_agent(), message=exc.message), exc.status
    return render_template("desk/kb_edit.html", agent=current_agent(), article=article, languages=LANGUAGES,
                           owners=sign_in_agents(), preview=to_html(article.body) if article else None)


@desk.post("/kb/save")
def kb_save() -> ResponseReturnValue:
    form, session_ = request.form, db_session()
    article_id = form.get("id", type=int)
    try:
        draft = service.Draft(
            title=form.get("title", ""), body=form.get("body", ""), lang=form.get("lang", "en"),
            category=form.get("category", ""), tags=form.get("tags", ""), published=form.get("published") == "on",
            review_at=_date(form.get("review_at")), owner_id=form.get("owner", type=int), slug=form.get("slug", ""))
        article = service.save(session_, runtime().clock.now(), current_agent(), draft, article_id)
        session_.commit()
    except DomainError as exc:
        session_.rollback()
        flash(f"Not saved: {exc.message}", "error")
        return redirect(url_for("desk.kb_edit", article_id=article_id) if article_id else url_for("desk.kb_edit"), 303)
    flash("Article saved", "ok")
    return redirect(url_for("desk.kb_edit", article_id=article.id), 303)


@desk.post("/kb/<int:article_id>/delete")
def kb_delete(article_id: int) -> ResponseReturnValue:
    try:
        service.delete(db_session(), current_agent(), article_id)
        db_session().commit()
        flash("Article removed", "ok")
    except DomainError as exc:
        db_session().rollback()
        flash(f"Not removed: {exc.message}", "error")
    return redirect(url_for("desk.kb_articles"), 303)


@desk.post("/tickets/<int:number>/send-article")
def send_article(number: int) -> ResponseReturnValue:
    """Answer the customer with a link to a (suggested) article: one click, through the outbox."""
    from app.kb.replies import send_article as send

    rt = runtime()
    try:
        flash(send(db_session(), rt.sessions, rt.clock, rt.settings.gmail_api_endpoint, current_agent(), number,
                   request.form.get("article", type=int), rt.settings.public_url or request.url_root, via=VIA), "ok")
    except DomainError as exc:
        db_session().rollback()
        flash(f"Not sent: {exc.message}", "error")
    return redirect(url_for("desk.ticket", number=number), 303)


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), time(0), tzinfo=timezone.utc)
    except ValueError:
        raise InvalidInput("the review date must be a date (YYYY-MM-DD)", fields=["review_at"]) from None
