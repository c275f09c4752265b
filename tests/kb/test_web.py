"""The KB on the web: agents write and edit articles under the panel's sign-in with CSRF; the public site shows
them per language with search and an embeddable search box, renders Markdown safely, and counts "did this help?"
once per reader session; the ticket page suggests articles, canned responses and a category, each one click."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.models import CannedResponse, Category, KbArticle, Ticket
from tests.desk.conftest import csrf_of


def _save(client, csrf, **fields):
    data = {"csrf_token": csrf, "title": "Resetting your password", "lang": "en", "category": "Access",
            "tags": "password, login", "body": "Press **Forgot password** on the sign-in page.", "published": "on",
            "review_at": "2027-01-01", **fields}
    return client.post("/desk/kb/save", data=data)


def test_an_agent_writes_an_article_and_it_is_public_and_found(signed_in, app, Session):
    client, csrf = signed_in("kristina")
    response = _save(client, csrf)
    assert response.status_code == 303
    editor = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Article saved" in editor and "<strong>Forgot password</strong>" in editor
    public = app.test_client()
    page = public.get("/kb/en/resetting-your-password")
    assert page.status_code == 200 and "<strong>Forgot password</strong>" in page.get_data(as_text=True)
    found = public.get("/kb/en/search?q=reset+passwords").get_data(as_text=True)
    assert "Resetting your password" in found
    assert "Resetting your password" in public.get("/kb/en/").get_data(as_text=True)
    assert "Resetting your password" not in public.get("/kb/ru/search?q=password").get_data(as_text=True)
    with Session() as session:
        article = session.scalar(select(KbArticle))
        assert (article.owner.email, article.tags, article.lang) == ("kristina@coolxost.com", "password, login", "en")


def test_editing_needs_sign_in_and_csrf(signed_in, app, Session):
    anonymous = app.test_client()
    assert anonymous.get("/desk/kb").status_code == 302
    assert anonymous.post("/desk/kb/save", data={"title": "x", "body": "y"}).status_code == 400
    client, csrf = signed_in("kristina")
    assert _save(client, "forged").status_code == 400
    with Session() as session:
        assert session.scalar(select(KbArticle)) is None


def test_html_in_an_article_is_shown_as_text_and_links_are_defused(signed_in, app):
    client, csrf = signed_in("kristina")
    _save(client, csrf, title="Danger", body='Hi <script>alert(1)</script> <img src=x onerror=alert(2)> '
                                              '[click](javascript:alert(3))')
    html = app.test_client().get("/kb/en/danger").get_data(as_text=True)
    assert "<script" not in html and "<img" not in html  # shown as text: &lt;script&gt;, &lt;img …&gt;
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "javascript:" not in html


def test_russian_site_search_and_the_embed_box(signed_in, app):
    client, csrf = signed_in("kristina")
    _save(client, csrf, title="Как сменить пароль", lang="ru", body="Нажмите «Забыли пароль?».", category="Доступ")
    public = app.test_client()
    assert "Как сменить пароль" in public.get("/kb/ru/search?q=пароля").get_data(as_text=True)
    embed = public.get("/kb/embed?lang=ru")
    assert embed.status_code == 200 and "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert 'target="_top"' in embed.get_data(as_text=True) and "/kb/ru/search" in embed.get_data(as_text=True)
    assert "frame-ancestors 'none'" in public.get("/kb/ru/").headers["Content-Security-Policy"]


def test_did_this_help_counts_once_per_reader_and_needs_csrf(signed_in, app, Session):
    client, csrf = signed_in("kristina")
    _save(client, csrf)
    reader = app.test_client()
    page = reader.get("/kb/en/resetting-your-password").get_data(as_text=True)
    assert reader.post("/kb/en/resetting-your-password/vote", data={"helpful": "yes"}).status_code == 400
    token = csrf_of(page)
    assert reader.post("/kb/en/resetting-your-password/vote", data={"helpful": "yes", "csrf_token": token}).status_code == 200
    again = reader.post("/kb/en/resetting-your-password/vote", data={"helpful": "no", "csrf_token": token})
    assert again.status_code == 409
    other = app.test_client()
    token = csrf_of(other.get("/kb/en/resetting-your-password").get_data(as_text=True))
    other.post("/kb/en/resetting-your-password/vote", data={"helpful": "no", "csrf_token": token})
    with Session() as session:
        article = session.scalar(select(KbArticle))
        assert (article.helpful_yes, article.helpful_no) == (1, 1)


def test_the_ticket_page_suggests_an_article_a_canned_response_and_a_category(signed_in, make_ticket, Session, clock):
    client, csrf = signed_in("kristina")
    _save(client, csrf)
    _save(client, csrf, title="DNS records", body="Add an A record in the DNS zone.", category="DNS", tags="dns")
    with Session() as session:
        from app.directory import line_by_slug
        from app.workflow import CustomerRef, Workflow

        l1 = line_by_slug(session, "l1")
        session.add_all([CannedResponse(line_id=l1.id, title="Password reset steps", body="Use Forgot password.",
                                        updated_at=clock.now()),
                         CannedResponse(line_id=l1.id, title="Invoice copy", body="Attached is your invoice.",
                                        updated_at=clock.now())])
        wf = Workflow(session, clock, via="test")
        for subject in ("Forgot my password", "Cannot reset password", "password lost again"):
            earlier = wf.create_ticket(None, subject=subject, line=l1, customer=CustomerRef("X", "x@example.com"))
            earlier.category = session.scalar(select(Category).where(Category.name == "Billing"))
        session.commit()
    number = make_ticket(subject="I forgot my password")
    page = client.get(f"/desk/tickets/{number}").get_data(as_text=True)
    suggested = page[page.index('data-testid="suggested"'):]
    assert "Resetting your password" in suggested and "Password reset steps" in suggested
    assert "Invoice copy" not in suggested and "DNS records" not in suggested
    assert 'data-testid="suggested-category">Billing' in suggested
    response = client.post(f"/desk/tickets/{number}/category", data={"csrf_token": csrf, "category": "Billing"})
    assert response.status_code == 303
    with Session() as session:
        assert session.scalar(select(Ticket).where(Ticket.number == number)).category.name == "Billing"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_unknown_pages_are_404(app, lang):
    assert app.test_client().get(f"/kb/{lang}/no-such-article").status_code == 404
    assert app.test_client().get("/kb/de/").status_code == 404


def test_stale_articles_are_flagged_in_the_list(signed_in, clock):
    client, csrf = signed_in("kristina")
    _save(client, csrf, review_at=datetime(2026, 1, 1, tzinfo=timezone.utc).strftime("%Y-%m-%d"))
    assert "review due" in client.get("/desk/kb").get_data(as_text=True)


def test_an_article_is_edited_on_the_web_and_only_its_owner_or_a_manager_removes_it(signed_in, app, Session):
    kristina, csrf = signed_in("kristina")
    _save(kristina, csrf)
    with Session() as session:
        article_id = session.scalar(select(KbArticle.id))
    lisa, lisa_csrf = signed_in("lisa")
    assert "Resetting your password" in lisa.get(f"/desk/kb/{article_id}").get_data(as_text=True)
    edited = _save(lisa, lisa_csrf, id=str(article_id), title="Reset a password", body="Use **Forgot password**.")
    assert edited.status_code == 303
    public = app.test_client()
    assert public.get("/kb/en/reset-a-password").status_code == 200
    assert public.get("/kb/en/resetting-your-password").status_code == 404
    refused = lisa.post(f"/desk/kb/{article_id}/delete", data={"csrf_token": lisa_csrf}, follow_redirects=True)
    assert "only the article" in refused.get_data(as_text=True)
    kristina.post(f"/desk/kb/{article_id}/delete", data={"csrf_token": csrf})
    with Session() as session:
        assert session.scalar(select(KbArticle)) is None
    assert "Reset a password" not in public.get("/kb/en/search?q=password").get_data(as_text=True)


def test_a_draft_is_not_public_nor_found(signed_in, app):
    client, csrf = signed_in("kristina")
    _save(client, csrf, published="")
    public = app.test_client()
    assert public.get("/kb/en/resetting-your-password").status_code == 404
    assert "Resetting your password" not in public.get("/kb/en/search?q=password").get_data(as_text=True)
