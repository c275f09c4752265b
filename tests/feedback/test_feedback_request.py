"""Feedback end to end against the local Gmail: a done ticket's customer gets one request in the ticket's own
thread; the link read from SENT opens the page, rates, completes the ticket; a second click is refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.feedback.sms import LogGateway
from app.models import (Customer, CustomerPhone, Feedback, OutboxMail, Rating, Status, Ticket, TicketEvent)
from app.workflow import Workflow
from gmail_sync.feedback_request import REQUESTERS, due, send_due
from tests.feedback.conftest import csrf_of, finish, links_of, mail_in, path_of, sent_mail


def test_a_done_ticket_gets_one_request_in_its_thread_and_the_link_rates_it(Session, clock, gmail, desk, app,
                                                                              links, mailer):
    number = mail_in(Session, clock, gmail)
    with Session() as session:
        assert due(session, clock) == []  # not done yet
    finish(Session, clock, number)

    [done] = send_due(Session, clock, links, mailer=mailer)
    assert (done.number, done.how) == (number, "email")
    assert send_due(Session, clock, links, mailer=mailer) == []  # asked once

    [(raw, mail)] = sent_mail(gmail)
    text = mail.get_body(("plain",)).get_content()
    assert "You wrote: The site <b>does not</b> open" in text and "We did: Restarted the web server" in text
    html = mail.get_body(("html",)).get_content()
    assert "&lt;b&gt;does not&lt;/b&gt;" in html  # the agent's words are escaped
    assert mail["In-Reply-To"] == "<m1.ivan@example.com>" and mail["Subject"] == "Re: Site down 1"
    with Session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert raw["threadId"] == ticket.threads[0].provider_thread_id  # the ticket's own thread
        row = session.scalar(select(OutboxMail).where(OutboxMail.kind == "feedback"))
        assert (row.idempotency_key, row.state, row.to_address) == (f"feedback:{ticket.id}", "sent", "ivan@example.com")

    satisfied, not_satisfied, not_submitted = links_of(mail)
    client = app.test_client()
    page = client.get(path_of(satisfied))
    assert page.status_code == 200 and "Yes, I am satisfied" in page.get_data(as_text=True)
    with Session() as session:  # opening the page rates nothing: scanners open links too
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0
    answered = client.post(path_of(satisfied), data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                                     "comment": "Quick, thanks <script>"})
    assert answered.status_code == 200 and "Your answer is recorded" in answered.get_data(as_text=True)
    with Session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        feedback = session.scalar(select(Feedback).where(Feedback.ticket_id == ticket.id))
        assert (feedback.rating, feedback.comment, ticket.status) == (
            Rating.SATISFIED, "Quick, thanks <script>", Status.COMPLETED)

    again = client.get(path_of(not_satisfied))  # a second click, even on another answer
    assert again.status_code == 409 and "already recorded" in again.get_data(as_text=True)
    second = client.post(path_of(satisfied), data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    assert second.status_code == 409
    with Session() as session:
        assert session.scalar(select(Feedback.rating)) == Rating.SATISFIED
    assert not_submitted != satisfied


def test_not_submitted_marks_phantom_and_alerts_the_head(Session, clock, gmail, desk, app, links, mailer):
    number = mail_in(Session, clock, gmail)
    finish(Session, clock, number)
    send_due(Session, clock, links, mailer=mailer)
    [(_raw, mail)] = sent_mail(gmail)
    phantom = links_of(mail)[2]
    client = app.test_client()
    page = client.get(path_of(phantom), headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    body = page.get_data(as_text=True)
    assert "Я не оставлял эту заявку" in body and 'lang="ru"' in body
    answered = client.post(path_of(phantom) + "?lang=ru", data={"csrf_token": csrf_of(body)})
    assert answered.status_code == 200 and "Руководитель" in answered.get_data(as_text=True)
    with Session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.flag_phantom and ticket.status is Status.COMPLETED
        alert = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                         TicketEvent.kind == "alert"))
        assert alert.to_value == "anna@coolxost.com"  # the 1st line's head; the notify job mails it


def test_refusals_tampered_expired_no_csrf_and_unfinished(Session, clock, gmail, desk, app, links, mailer):
    number = mail_in(Session, clock, gmail)
    with Session() as session:
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == number))
    client = app.test_client()
    early = links.url(ticket_id, Rating.SATISFIED)
    assert client.get(path_of(early)).status_code == 409  # not done yet: nothing to rate
    finish(Session, clock, number)
    url = links.url(ticket_id, Rating.SATISFIED)
    token = url.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page = client.get(f"/feedback/{tampered}")
    assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)
    assert client.post(path_of(url), data={"csrf_token": "forged"}).status_code == 400  # no session token
    with Session() as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0
    clock.advance(timedelta(days=30, seconds=1))
    expired = client.get(path_of(url), query_string={"lang": "ru"})
    assert expired.status_code == 410 and "истёк" in expired.get_data(as_text=True)
    headers = client.get(path_of(links.url(ticket_id, Rating.SATISFIED))).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"


def test_a_browser_signed_in_as_an_agent_cannot_rate(Session, clock, gmail, desk, app, links):
    from tests.desk.conftest import sign_in

    number = mail_in(Session, clock, gmail)
    finish(Session, clock, number)
    with Session() as session:
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == number))
    client = app.test_client()
    sign_in(client, desk.kristina.id)  # e.g. clicking the link in the support mailbox's SENT
    page = client.get(path_of(links.url(ticket_id, Rating.SATISFIED)))
    assert page.status_code == 403 and "only the customer" in page.get_data(as_text=True)


def test_agents_managers_and_admins_cannot_rate(Session, clock, gmail, desk, app, links, mailer):
    import pytest

    from app.domain.errors import PermissionDenied

    number = mail_in(Session, clock, gmail)
    finish(Session, clock, number)
    with Session() as session:
        wf = Workflow(session, clock)
        ticket = wf.ticket(number)
        for who in (desk.kristina, desk.anna, desk.admin):
            with pytest.raises(PermissionDenied):
                wf.record_feedback(ticket, Rating.SATISFIED, actor=session.merge(who))


def test_a_customer_known_only_by_phone_gets_a_text(Session, clock, desk, links):
    with Session() as session:
        wf = Workflow(session, clock, via="test")
        customer = Customer(name="Olga", created_at=clock.now(), phones=[CustomerPhone(phone="+79161234567")])
        session.add(customer)
        session.flush()
        from app.directory import line_by_slug

        ticket = wf.create_ticket(None, subject="Call me", line=line_by_slug(session, "l1"), body="by phone")
        ticket.customer = customer
        session.commit()
        number = ticket.number
    finish(Session, clock, number)
    gateway = LogGateway()
    [done] = send_due(Session, clock, links, mailer=None, sms=gateway)
    assert done.how == "sms"
    [(phone, text)] = gateway.sent
    assert phone == "+79161234567" and f"#{number}" in text and "/feedback/" in text
    assert send_due(Session, clock, links, mailer=None, sms=gateway) == [] and len(gateway.sent) == 1


def test_another_channel_uses_its_registered_requester(Session, clock, desk, links, monkeypatch):
    from app.models import Channel

    asked = []
    monkeypatch.setitem(REQUESTERS, Channel.CHAT, lambda ticket_id, urls, words: asked.append((ticket_id, urls)))
    with Session() as session:
        from app.directory import line_by_slug

        ticket = Workflow(session, clock, via="test").create_ticket(
            None, subject="Chat", line=line_by_slug(session, "l1"), body="hi", channel=Channel.CHAT)
        session.commit()
        number, ticket_id = ticket.number, ticket.id
    finish(Session, clock, number)
    [done] = send_due(Session, clock, links, mailer=None)
    assert done.how == "chat" and asked[0][0] == ticket_id and set(asked[0][1]) == set(Rating)


def test_the_scheduler_job_sends_the_requests(Session, clock, gmail, desk, links, mailer):
    from scheduler.runner import SchedulerRunner

    runner = SchedulerRunner(Session, clock, mailer=None, feedback_links=links, feedback_mailer=mailer)
    assert "feedback-requests" in {spec.id for spec in runner.jobs()}
    assert "feedback-requests" not in {spec.id for spec in SchedulerRunner(Session, clock, mailer=mailer).jobs()}
    number = mail_in(Session, clock, gmail)
    finish(Session, clock, number)
    assert [(r.number, r.how) for r in runner.request_feedback()] == [(number, "email")]
    assert len(sent_mail(gmail)) == 1


def test_a_failed_send_stays_pending_and_the_next_run_sends_it(Session, clock, gmail, desk, links, mailer):
    from gmail_sync.credentials import build_gmail_service

    number = mail_in(Session, clock, gmail)
    finish(Session, clock, number)
    unreachable = lambda address: build_gmail_service("http://127.0.0.1:9/", None, address)  # noqa: E731 - nothing listens
    [asked] = send_due(Session, clock, links, mailer=unreachable)
    assert asked.how == "email"
    with Session() as session:
        row = session.scalar(select(OutboxMail).where(OutboxMail.kind == "feedback"))
        assert (row.state, row.attempts) == ("pending", 1) and row.last_error
    assert sent_mail(gmail) == []
    assert send_due(Session, clock, links, mailer=mailer) == []  # nothing new to ask; the pending mail goes out
    [(_raw, mail)] = sent_mail(gmail)
    assert f"#{number}" in mail.get_body(("plain",)).get_content()
    with Session() as session:
        assert session.scalar(select(OutboxMail.state).where(OutboxMail.kind == "feedback")) == "sent"


def test_two_schedulers_at_once_ask_once(Session, clock, desk, links):
    import threading

    from app.directory import line_by_slug
    from gmail_sync.feedback_request import request

    with Session() as session:
        customer = Customer(name="Olga", created_at=clock.now(), phones=[CustomerPhone(phone="+79160000000")])
        ticket = Workflow(session, clock, via="test").create_ticket(None, subject="Call me", line=line_by_slug(
            session, "l1"), body="by phone")
        ticket.customer = customer
        session.commit()
        number, ticket_id = ticket.number, ticket.id
    finish(Session, clock, number)
    gateway, barrier, outcomes = LogGateway(), threading.Barrier(2), []

    def ask() -> None:
        barrier.wait()
        outcomes.append(request(Session, clock, ticket_id, links, mailer=None, sms=gateway).how)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already asked", "sms"] and len(gateway.sent) == 1
    with Session() as session:
        assert session.scalar(select(func.count()).select_from(TicketEvent).where(
            TicketEvent.kind == "feedback_requested")) == 1
