"""The website form in a real browser: embedded in a company page of another origin, errors shown next to the
fields, a good submission acknowledged on the page and by mail (local Gmail), the ticket routed by the choice
("I am technical" → 2nd line) and in Bob's queue in the web panel. Chromium through Playwright."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.channels.base import ChannelSettings
from app.clock import SystemClock
from app.config import Settings
from app.db import make_engine, session_factory
from app.migrate import upgrade
from app.models import Channel, Ticket
from gmail_emulator.testing import EmulatorServer
from tests.browser.test_panel_in_chromium import _sign_in, browser, shots  # noqa: F401 - fixtures
from tests.channels.conftest import gmail_messages, text_of
from tests.factories import make_desk

pytestmark = pytest.mark.slow


@pytest.fixture
def gmail():
    with EmulatorServer(address="support@coolxost.com", seed=5) as server:
        yield server


@pytest.fixture
def server(tmp_path, gmail):
    url = f"sqlite:///{tmp_path / 'channels.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        make_desk(session)
        session.commit()
    settings = Settings(database_url=url, secret_key="browser-test", instance_dir=tmp_path, testing=True,
                        gmail_api_endpoint=gmail.url, extra={"channels": ChannelSettings(form_per_ip_per_hour=20)})
    app = create_app(settings, clock=SystemClock())
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", sessions
    httpd.shutdown()
    httpd.server_close()
    engine.dispose()
    with app.app_context():
        from app.web import runtime

        runtime().engine.dispose()


@pytest.fixture
def company_site(server):
    base, _ = server

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = (f'<!doctype html><h1>CoolXost — contact us</h1><iframe id="support-form" src="{base}/channels/form" '
                    'title="Write to support" style="border:0;width:100%;height:900px"></iframe>').encode()
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


def test_the_embedded_form_in_chromium(server, browser, shots, company_site, gmail, tmp_path):  # noqa: F811
    base, sessions = server
    visitor = browser.new_context(viewport={"width": 420, "height": 1000}).new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(company_site)
    form = visitor.frame_locator("#support-form")

    form.locator("button[type=submit]").click()  # empty: every error next to its field
    form.locator("#error-name").wait_for()
    assert form.locator("#error-email").inner_text() == "Please give an email address or a phone number."
    assert form.locator("#error-message").inner_text() == "Please write your message."
    assert form.locator("#error-choice").inner_text() == "Please choose what fits you best."
    visitor.screenshot(path=str(shots / "form-errors.png"), full_page=True)

    attachment = tmp_path / "traceroute.txt"
    attachment.write_text("1 gw 0.3 ms\n2 * * *\n")
    form.locator("#name").fill("Ivan Petrov")
    form.locator("#email").fill("ivan@example.com")
    form.locator("#message").fill("Traceroute to my server stops at hop 2 <since 9:00>")
    form.locator("input[name=choice][value=technical]").check()
    form.locator("#attachments").set_input_files(str(attachment))
    form.locator("button[type=submit]").click()
    thanks = form.locator("#thanks")
    thanks.wait_for()
    number = int(re.search(r"#(\d+)", thanks.inner_text()).group(1))
    assert "sent a confirmation to your email" in thanks.inner_text()
    visitor.screenshot(path=str(shots / "form-thanks.png"), full_page=True)

    with sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert (ticket.channel, ticket.line.slug) == (Channel.WEB_FORM, "l2")
    messages = gmail_messages(gmail)
    ack = next(m for m in messages if m["mail"]["To"] == "ivan@example.com")
    mirror = next(m for m in messages if m["mail"]["X-Linedesk-Mirror"] == "form")
    assert ack["threadId"] == mirror["threadId"]
    assert "<since 9:00>" in text_of(mirror["mail"])

    bob = _sign_in(browser, base, "Bob", viewport={"width": 1280, "height": 900})
    row = bob.locator(f"li.row[data-number='{number}']")
    row.wait_for(state="visible")
    row.locator("a").click()
    bob.wait_for_url(f"**/desk/tickets/{number}")
    assert "Traceroute to my server stops at hop 2 <since 9:00>" in bob.inner_text("body")
    bob.screenshot(path=str(shots / "form-ticket-in-panel.png"), full_page=True)


@pytest.fixture
def chat_site(server):
    """Another origin: a company page carrying the chat widget's one script tag."""
    base, _ = server

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = (f'<!doctype html><title>CoolXost</title><h1>CoolXost hosting</h1>'
                    f'<script src="{base}/channels/chat/widget.js" async></script>').encode()
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


def test_site_chat_with_a_visitor_page_and_an_agent_page_in_chromium(server, browser, shots, chat_site, gmail):  # noqa: F811
    base, sessions = server
    kristina = _sign_in(browser, base, "Kristina", viewport={"width": 1280, "height": 900})
    visitor = browser.new_context(viewport={"width": 800, "height": 700}).new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(chat_site)
    visitor.click("[data-ld=open]")
    visitor.fill("[data-ld=email]", "ivan@example.com")
    visitor.fill("[data-ld=text]", "Hello! My mailbox is full <again>")
    visitor.click("[data-ld=send]")
    visitor.locator("[data-ld=message][data-from=visitor]").first.wait_for()

    # The first line sees the new dialogue at once (the queue polls), opens it from the ticket page.
    row = kristina.locator("li.row").first
    row.wait_for(state="visible")
    number = int(row.get_attribute("data-number"))
    row.locator("a").click()
    kristina.wait_for_url(f"**/desk/tickets/{number}")
    kristina.click("[data-testid=open-conversation]")
    kristina.wait_for_url(f"**/desk/conversation/{number}")
    assert "Hello! My mailbox is full <again>" in kristina.inner_text("#dialogue")
    kristina.fill("#answer-text", "Hi Ivan, I have doubled your quota.")
    kristina.click("[data-testid=send-answer]")
    kristina.wait_for_selector("text=Answer sent")

    reply = visitor.locator("[data-ld=message][data-from=agent]")
    reply.wait_for()  # arrived by long-poll
    assert reply.inner_text() == "Kristina: Hi Ivan, I have doubled your quota."
    visitor.fill("[data-ld=text]", "Thanks! Also, can you move my domain to you?")
    visitor.click("[data-ld=send]")
    kristina.locator("#dialogue li[data-from=customer] >> text=move my domain").wait_for()  # no reload
    visitor.screenshot(path=str(shots / "chat-visitor.png"))
    kristina.screenshot(path=str(shots / "chat-agent.png"), full_page=True)

    # Part of the dialogue becomes a ticket in the email channel.
    kristina.locator("#dialogue li[data-from=customer]").last.locator("input[type=checkbox]").check()
    kristina.click("[data-testid=split]")
    kristina.wait_for_url("**/desk/tickets/*")
    new = int(kristina.url.rsplit("/", 1)[1])
    assert new != number
    with sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == new))
        assert ticket.channel is Channel.EMAIL and ticket.customer.emails[0].email == "ivan@example.com"
    assert len({m["threadId"] for m in gmail_messages(gmail) if m["mail"]["X-Linedesk-Mirror"] == "chat"}) == 1
