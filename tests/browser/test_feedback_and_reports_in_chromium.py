"""Feedback and reports in a real browser (Playwright, Debian's Chromium), on the panel test's server fixture.

Feedback: a customer's mail arrives in the local Gmail and becomes a ticket; Kristina marks it done; the
feedback job sends the request into the ticket's thread; the link is read from the local Gmail's SENT and
opened in a phone-sized browser: the page shows the answer, takes a comment, rates; the ticket is completed;
opening the link again is refused. Reports: Anna (a manager) opens every report page; screenshots are saved.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.clock import SystemClock
from app.feedback.links import FeedbackLinks
from app.models import Feedback, HelpdeskSetting, Rating, Status, Ticket
from gmail_emulator.testing import EmulatorServer
from gmail_sync.credentials import build_gmail_service
from gmail_sync.feedback_request import send_due
from tests.browser.test_panel_in_chromium import _sign_in, browser, server, shots  # noqa: F401  (fixtures)
from tests.feedback.conftest import SUPPORT, finish, mail_in, sent_mail

pytestmark = pytest.mark.slow


def test_the_link_in_the_sent_mail_rates_and_completes(server, browser, shots):  # noqa: F811
    base, sessions = server
    clock = SystemClock()
    with EmulatorServer(address=SUPPORT) as gmail:
        number = mail_in(sessions, clock, gmail)
        finish(sessions, clock, number)
        links = FeedbackLinks("browser-test", clock, base_url=base)  # the server's SECRET_KEY and address
        [asked] = send_due(sessions, clock, links, mailer=lambda address: build_gmail_service(gmail.url, None, address))
        assert asked.how == "email"
        [(_raw, mail)] = sent_mail(gmail)
    text = mail.get_body(("plain",)).get_content()
    satisfied = next(line for line in text.splitlines() if line.startswith(f"{base}/feedback/"))

    phone = browser.new_context(viewport={"width": 375, "height": 740}, locale="ru-RU").new_page()
    phone.set_default_timeout(15_000)
    phone.goto(satisfied)
    assert "Да, я доволен" in phone.inner_text("[data-testid=answer]")  # the browser's language
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(shots / "feedback-phone.png"), full_page=True)
    phone.fill("textarea[name=comment]", "Всё работает, спасибо")
    phone.click("button[type=submit]")
    phone.wait_for_selector("[data-testid=outcome][data-key=thanks]")
    phone.screenshot(path=str(shots / "feedback-thanks.png"), full_page=True)

    with sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        rating = session.scalar(select(Feedback.rating).where(Feedback.ticket_id == ticket.id))
        assert (ticket.status, rating) == (Status.COMPLETED, Rating.SATISFIED)

    again = phone.goto(satisfied)
    assert again is not None and again.status == 409
    assert phone.get_attribute("[data-testid=outcome]", "data-key") == "used"


def test_report_pages_with_charts(server, browser, shots):  # noqa: F811
    base, sessions = server
    clock = SystemClock()
    with EmulatorServer(address=SUPPORT) as gmail:
        numbers = [mail_in(sessions, clock, gmail, sender=f"c{n}@example.com", n=n) for n in range(3)]
    for number in numbers[:2]:
        finish(sessions, clock, number)
    with sessions() as session:
        session.add(HelpdeskSetting(key="first_response", value={"email": 3600}))
        session.commit()
    anna = _sign_in(browser, base, "Anna", viewport={"width": 1280, "height": 900})
    anna.click("[data-testid=reports-link]")  # from the panel's top bar
    anna.wait_for_url("**/desk/reports/")
    for name in ("agents", "lines", "categories", "targets", "rhythms"):
        anna.click(f"a[data-report={name}]") if name == "agents" else anna.goto(f"{base}/desk/reports/{name}")
        anna.wait_for_selector("table.report")
        if name != "targets":  # nothing answered yet: no share to draw
            assert anna.locator("svg.chart").count() >= 1
        anna.screenshot(path=str(shots / f"report-{name}.png"), full_page=True)
    anna.goto(f"{base}/desk/reports/agents")
    assert "Kristina" in anna.inner_text("table[data-table=agents]")
    anna.set_viewport_size({"width": 375, "height": 800})
    anna.screenshot(path=str(shots / "report-agents-phone.png"), full_page=True)
