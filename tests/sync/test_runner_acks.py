"""A new ticket from live mail is acknowledged in its thread, once; the ack is not an agent's first response,
and a backfill acknowledges nobody."""

from sqlalchemy import select

from app.models import OutboxMail, Ticket
from gmail_sync.runner import SyncOptions
from tests.sync.conftest import SUPPORT, deliver, mail


def sent_in_thread(gmail, thread_id):
    thread = gmail.service().users().threads().get(userId=SUPPORT, id=thread_id, format="metadata").execute()
    return [m for m in thread["messages"] if "SENT" in m.get("labelIds", [])]


def ticket(Session, number):
    with Session() as session:
        return session.scalar(select(Ticket).where(Ticket.number == number))


def test_live_mail_is_acknowledged_once_and_the_ack_is_not_a_response(make_runner, gmail, Session):
    runner = make_runner(options=SyncOptions(acknowledge=True))
    runner.sync_once()  # backfill of an empty mailbox
    arrived = deliver(gmail, mail("Our DNS zone vanished", sender="olga@example.org", message_id="<dns-1@example.org>"))
    report = runner.sync_once()
    [number] = report.new_tickets
    [ack] = sent_in_thread(gmail, arrived["threadId"])
    assert f"#{number}" in ack["snippet"] or any(
        h["name"] == "Subject" and f"#{number}" in h["value"] for h in ack["payload"]["headers"])
    runner.sync_once()  # the ack comes back through history as our own mail
    runner.sync_once()
    assert ticket(Session, number).first_response_at is None
    assert len(sent_in_thread(gmail, arrived["threadId"])) == 1
    with Session() as session:
        assert session.scalar(select(OutboxMail.state).where(OutboxMail.kind == "ack")) == "sent"


def test_a_backfill_acknowledges_nobody(make_runner, gmail, Session):
    old = deliver(gmail, mail("Written before Linedesk was connected", sender="ivan@example.org",
                              message_id="<old-1@example.org>"))
    report = make_runner(options=SyncOptions(acknowledge=True)).sync_once()
    assert report.new_tickets and sent_in_thread(gmail, old["threadId"]) == []
    with Session() as session:
        assert session.scalar(select(OutboxMail).where(OutboxMail.kind == "ack")) is None
