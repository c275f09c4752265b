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
