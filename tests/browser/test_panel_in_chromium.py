"""The web panel in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

The app runs on a free port in a thread (werkzeug's server) on a scratch SQLite database; two browser
contexts are two agents. Kristina signs in (dev sign-in), sees a new ticket appear in her queue without
reloading, claims it and transfers it to the 2nd line with a note; Bob opens it, claims it and passes it back;
Kristina's open page shows the change by itself, and she marks it done with the two fields. Screenshots of the
queue page and the panel (wide, and 300 px for the iframe beside the mail) are saved; the path is printed.

`./dev test` installs Chromium when it is missing; this test skips, saying why, only when there is none.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.clock import SystemClock
from app.config import Settings
from app.db import make_engine, session_factory
from app.migrate import upgrade
from app.models import Status, Ticket
from app.workflow import CustomerRef, Workflow
from tests.factories import make_desk

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path):
    url = f"sqlite:///{tmp_path / 'browser.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        make_desk(session)
        session.commit()
    app = create_app(Settings(database_url=url, secret_key="browser-test", instance_dir=tmp_path, testing=True),
                     clock=SystemClock())
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", sessions
    httpd.shutdown()
    httpd.server_close()
    engine.dispose()
    with app.app_context():
        from app.web import runtime

        runtime().engine.dispose()


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with 'apt-get install -y chromium' (./dev test does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path_factory, capsys):
    directory = tmp_path_factory.mktemp("panel-screenshots")
    yield directory
    with capsys.disabled():
        print(f"\nscreenshots of the queue page and the panel: {directory}")


def _sign_in(browser, base: str, name: str, **context):
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/desk/signin")
    page.select_option("select[name=agent]", label=next(
        o for o in page.locator("select[name=agent] option").all_inner_texts() if o.startswith(name)))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/desk/queues")
    assert page.inner_text("[data-testid=who]") == name
    return page


def _new_ticket(sessions) -> int:
    """A ticket arriving as the sync makes them: from the customer, offered to the 1st line."""
    from app.directory import line_by_slug

    with sessions() as session:
        wf = Workflow(session, SystemClock(), via="sync")
        ticket = wf.create_ticket(None, subject="The site shows error 502", line=line_by_slug(session, "l1"),
                                  body="Since this morning", customer=CustomerRef("Ivan Petrov", "ivan@example.com"))
        session.commit()
        return ticket.number


def test_claim_transfer_pass_back_and_done_in_chromium(server, browser, shots):
    base, sessions = server
    kristina = _sign_in(browser, base, "Kristina", viewport={"width": 1280, "height": 900})
    assert kristina.locator("li.row").count() == 0

    number = _new_ticket(sessions)
    row = kristina.locator(f"li.row[data-number='{number}']")
    row.wait_for(state="visible")  # appeared by polling, without a reload by hand
    assert "waiting" in row.inner_text()
    kristina.screenshot(path=str(shots / "queues.png"), full_page=True)

    row.locator("a").click()
    kristina.wait_for_url(f"**/desk/tickets/{number}")
    kristina.click("form[data-action=claim] button")
    kristina.wait_for_selector("text=is yours")
    assert kristina.inner_text("[data-field=status]") == "assigned"
    transfer = kristina.locator("form[data-action=transfer]")
    transfer.locator("select[name=line]").select_option("l2")
    transfer.locator("textarea[name=transfer_note]").fill("502 from the web server: the server team, please")
    transfer.locator("button").click()
    # the ticket has left her lines, so she is back on her queues, where it no longer waits
    kristina.wait_for_url("**/desk/queues")
    kristina.wait_for_selector("text=transferred to 2nd line")
    assert kristina.locator(f"li.row[data-number='{number}']").count() == 0

    bob = _sign_in(browser, base, "Bob", viewport={"width": 300, "height": 900})
    bob.locator(f"[data-queue=waiting-l2] li.row[data-number='{number}'] a").click()
    bob.wait_for_url(f"**/desk/tickets/{number}")
    assert "502 from the web server" in bob.inner_text(".notes")
    bob.click("form[data-action=claim] button")
    bob.wait_for_selector("text=is yours")
    bob.fill("textarea[name=pass_back_note]", "Restarted nginx; the site is up")
    bob.click("form[data-action=pass_back] button")
    bob.wait_for_selector("text=passed back")

    # Kristina's queue page was left open: the ticket comes back to her (she passed it) and shows up by polling.
    mine = kristina.locator(f"[data-queue=mine] li.row[data-number='{number}']")
    mine.wait_for(state="visible")
    mine.locator("a").click()
    kristina.wait_for_url(f"**/desk/tickets/{number}")
    assert kristina.inner_text("[data-field=line]") == "1st line"
    assert kristina.inner_text("[data-field=assignee]") == "Kristina"
    assert "Restarted nginx" in kristina.inner_text(".notes")
    # Bob still has the ticket open: the collision notice says so
    kristina.wait_for_selector("#collision:has-text('Bob is viewing this ticket')")
    kristina.fill("textarea[name=problem]", "The site shows error 502")
    kristina.fill("textarea[name=resolution]", "The server team restarted nginx")
    kristina.click("form[data-action=done] button")
    kristina.wait_for_selector("text=is done")
    assert kristina.inner_text("[data-field=status]") == "done"
    kristina.screenshot(path=str(shots / "panel.png"), full_page=True)
    kristina.set_viewport_size({"width": 300, "height": 900})
    kristina.screenshot(path=str(shots / "panel-300px.png"), full_page=True)
    assert kristina.evaluate("document.documentElement.scrollWidth") <= 300  # no sideways scrolling in the iframe

    with sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert (ticket.status, ticket.problem) == (Status.DONE, "The site shows error 502")
