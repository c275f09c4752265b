"""Issue 17's robots through the whole sync, against the local Gmail: not one of them opens a ticket or gets an
acknowledgement (the mail-loop risk), while the people in the same round each get a ticket and one ack.

The mail is our own cases (tests/mail_cases): ARF abuse complaints, bounces from post_master@-style senders and
DSNs, Lotus Notes out-of-office notes, challenge-response robots (post_master@vtext.com among them), and
look-alikes written by people. Intake's rules are unchanged (automatic mail never opens a ticket and gets no
acknowledgement); this proves the classifier feeds them right, end to end.
"""

from __future__ import annotations

from email.utils import parseaddr

from sqlalchemy import select

from app.models import Message, OutboxMail, Ticket
from gmail_sync.runner import SyncOptions
from tests.corpora import AUTOMATIC_FAMILIES, OUR_CASES
from tests.sync.conftest import SUPPORT, count, deliver


def _from(raw: bytes) -> str:
    for line in raw.decode("utf-8", "replace").splitlines():
        if line.lower().startswith("from:"):
            return parseaddr(line[5:])[1].lower()
    return ""


def test_robots_open_no_ticket_and_get_no_acknowledgement(make_runner, gmail, Session):
    robots = sorted(path for family in AUTOMATIC_FAMILIES for path in (OUR_CASES / family).glob("*.eml"))
    people = sorted((OUR_CASES / "human").glob("*.eml"))
    runner = make_runner(options=SyncOptions(acknowledge=True))
    runner.sync_once()  # backfill of an empty mailbox: from here on, mail is live and would be acknowledged
    robot_threads = {deliver(gmail, path.read_bytes())["threadId"] for path in robots}
    for path in people:
        deliver(gmail, path.read_bytes())

    report = runner.sync_once()

    assert len(report.new_tickets) == len(people) == count(Session, Ticket)
    with Session() as session:
        acknowledged = sorted(session.scalars(select(OutboxMail.to_address).where(OutboxMail.kind == "ack")))
        customers = set(session.scalars(select(Message.from_address).join(Ticket)))
        robots_stored = session.scalars(select(Message).where(Message.provider_thread_id.in_(robot_threads))).all()
    robot_senders = {_from(path.read_bytes()) for path in robots} - {""}
    assert acknowledged == sorted(_from(path.read_bytes()) for path in people)
    assert not robot_senders & (set(acknowledged) | customers)
    assert robots_stored == []  # automatic mail that belongs to no ticket is dropped, not stored
    for thread_id in robot_threads:
        thread = gmail.service().users().threads().get(userId=SUPPORT, id=thread_id, format="minimal").execute()
        assert all("SENT" not in message.get("labelIds", []) for message in thread["messages"])
