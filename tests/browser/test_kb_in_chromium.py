"""The knowledge base in a real browser (Playwright, Debian's Chromium): Kristina writes an article in the web
panel; a reader finds it on the public site (in its language, by a stemmed word), from the embeddable search box
in an iframe of a company page, opens it and answers "did this help?"; a new ticket's page suggests the article
and the canned response. Screenshots of the editor, the public article (375 px too), the embed and the ticket's
suggestions are saved; the path is printed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.clock import SystemClock
from app.directory import line_by_slug
from app.models import CannedResponse, KbArticle, Mailbox
from app.workflow import CustomerRef, Workflow
from tests.browser.test_panel_in_chromium import _sign_in, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


@pytest.fixture
def shots(tmp_path_factory, capsys):
    directory = tmp_path_factory.mktemp("kb-screenshots")
    yield directory
    with capsys.disabled():
        print(f"\nscreenshots of the knowledge base: {directory}")


@pytest.fixture
def company_site(server):  # noqa: F811
    """Another origin: a company page that embeds the search box in an iframe, as the README shows."""
    base, _ = server

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = (f'<!doctype html><h1>CoolXost</h1><iframe id="kb" src="{base}/kb/embed?lang=ru" '
                    'title="Help centre search" style="border:0;width:100%;height:60px"></iframe>').encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


def test_an_article_written_by_an_agent_is_public_searchable_and_suggested(server, browser, shots, company_site):  # noqa: F811
    base, sessions = server
    kristina = _sign_in(browser, base, "Kristina", viewport={"width": 1280, "height": 900})
    kristina.click("text=Knowledge base")
    kristina.click("[data-testid=new-article]")
    kristina.fill("input[name=title]", "Как сменить пароль")
    kristina.select_option("select[name=lang]", "ru")
    kristina.fill("input[name=category]", "Доступ")
    kristina.fill("input[name=tags]", "пароль, вход")
    kristina.fill("textarea[name=body]", "Откройте страницу входа и нажмите **Забыли пароль?** — мы пришлём ссылку.")
    kristina.click("form.kb-edit button[type=submit]")
    kristina.wait_for_selector("text=Article saved")
    assert kristina.inner_text(".article-body strong") == "Забыли пароль?"
    kristina.screenshot(path=str(shots / "editor.png"), full_page=True)

    reader = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    reader.set_default_timeout(15_000)
    reader.goto(company_site)
    frame = reader.frame_locator("#kb")
    frame.locator("input[name=q]").fill("не помню пароля")
    reader.screenshot(path=str(shots / "embed.png"))
    frame.locator("button[type=submit]").click()
    reader.wait_for_url("**/kb/ru/search?q=*")  # the results open in the top window, on the help centre
    reader.click("[data-testid=results] a >> text=Как сменить пароль")
    reader.wait_for_selector("h1 >> text=Как сменить пароль")
    reader.screenshot(path=str(shots / "article-375px.png"), full_page=True)
    assert reader.evaluate("document.documentElement.scrollWidth") <= 375
    reader.click("form.vote button[value=yes]")
    reader.wait_for_selector("text=Ваш ответ учтён")
    with sessions() as session:
        assert session.scalar(select(KbArticle.helpful_yes)) == 1

    with sessions() as session:
        l1 = line_by_slug(session, "l1")
        session.add(CannedResponse(line_id=l1.id, title="Сброс пароля", body="Нажмите «Забыли пароль?».",
                                   updated_at=SystemClock().now()))
        ticket = Workflow(session, SystemClock(), via="sync").create_ticket(
            None, subject="Забыл пароль", line=l1, body="Не могу войти, забыл пароль от панели",
            customer=CustomerRef("Ольга", "olga@example.com"), mailbox=session.scalar(select(Mailbox)))
        session.commit()
        number = ticket.number
    kristina.goto(f"{base}/desk/tickets/{number}")
    suggested = kristina.locator("[data-testid=suggested]")
    assert "Как сменить пароль" in suggested.locator("[data-testid=suggested-article]").first.inner_text()
    assert "Сброс пароля" in suggested.locator("[data-testid=suggested-canned]").first.inner_text()
    assert suggested.locator("form[data-action=send_article] button").first.is_visible()  # one click sends the link
    suggested.screenshot(path=str(shots / "ticket-suggestions.png"))
