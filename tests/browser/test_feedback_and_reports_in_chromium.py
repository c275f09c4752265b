"""Feedback and reports in a real browser (Playwright, Debian's Chromium), on the panel test's server fixture.

Feedback: a customer's mail arrives in the local Gmail and becomes a ticket; Kristina marks it done; the
feedback job sends the request into the ticket's thread; the link is read from the local Gmail's SENT and
opened in a phone-sized browser: the page shows the answer, takes a comment, rates; the ticket is completed;
opening the link again is refused. Reports: Anna (a manager) opens every report page, whose charts are drawn in
their colours under the page's CSP and fit a phone; screenshots are saved at 1280 and 375 px, and of the digest's
HTML with its three charts.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import SystemClock
from app.feedback.links import FeedbackLinks
from app.models import Agent, Feedback, HelpdeskSetting, Rating, Status, Ticket
from gmail_emulator.testing import EmulatorServer
from gmail_sync.credentials import build_gmail_service
from gmail_sync.feedback_request import send_due
from tests.browser.test_panel_in_chromium import _sign_in, browser, server, shots  # noqa: F401  (fixtures)
from scheduler.digest import Period, compose_digest
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
    refused: list[str] = []  # the page's CSP (style-src 'self') would refuse an inline style in a chart
    anna.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    anna.click("[data-testid=reports-link]")  # from the panel's top bar
    anna.wait_for_url("**/desk/reports/")
    for name in ("agents", "lines", "categories", "targets", "rhythms"):
        anna.click(f"a[data-report={name}]") if name == "agents" else anna.goto(f"{base}/desk/reports/{name}")
        anna.wait_for_selector("table.report")
        assert anna.locator("svg.chart").count() >= 1
        # the bars are drawn in the chart's colour (an inline style refused by the CSP would leave them black)
        fills = anna.eval_on_selector_all("svg.chart path", "paths => paths.map(p => getComputedStyle(p).fill)")
        assert "rgb(26, 82, 160)" in fills, (name, set(fills))
        assert anna.eval_on_selector_all("svg.chart text", "texts => texts.length") > 5
        anna.screenshot(path=str(shots / f"report-{name}.png"), full_page=True)
    anna.goto(f"{base}/desk/reports/agents")
    assert "Kristina" in anna.inner_text("table[data-table=agents]")
    anna.set_viewport_size({"width": 375, "height": 800})
    for name in ("agents", "targets", "rhythms"):
        anna.goto(f"{base}/desk/reports/{name}")
        widths = anna.eval_on_selector_all("svg.chart", "charts => charts.map(c => c.getBoundingClientRect().width)")
        assert widths and all(200 < w <= 375 for w in widths), (name, widths)  # each chart fits the phone
        anna.screenshot(path=str(shots / f"report-{name}-phone.png"), full_page=True)
    assert refused == []


def test_the_digest_with_its_charts(server, browser, shots):  # noqa: F811
    """The digest's HTML part as a mail client shows it (its cid: images inlined), at 1280 and 375 px."""
    base, sessions = server
    clock = SystemClock()
    with EmulatorServer(address=SUPPORT) as gmail:
        numbers = [mail_in(sessions, clock, gmail, sender=f"c{n}@example.com", n=n) for n in range(3)]
    finish(sessions, clock, numbers[0])
    with sessions() as session:
        anna = session.scalar(select(Agent).where(Agent.email == "anna@coolxost.com"))
        now = clock.now()
        period = Period("day", now.date(), now - timedelta(days=1), now + timedelta(hours=1))
        letter = compose_digest(session, anna, period, "browser-test")
    html = letter.body_html
    for image in letter.images:
        html = html.replace(f"cid:{image.cid}", "data:image/png;base64," + base64.b64encode(image.data).decode())
    assert len(letter.images) == 3 and "cid:" not in html
    for width in (1280, 375):
        page = browser.new_context(viewport={"width": width, "height": 800}).new_page()
        page.set_content(html)
        sizes = page.eval_on_selector_all("img", "images => images.map(i => [i.naturalWidth, i.width])")
        assert len(sizes) == 3 and all(natural == 720 and 0 < shown <= min(480, width) for natural, shown in sizes)
        page.screenshot(path=str(shots / f"digest-{width}px.png"), full_page=True)
        page.context.close()
