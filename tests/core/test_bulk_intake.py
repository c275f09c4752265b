"""`Workflow.receive_many` follows exactly the rules of `receive` and `record_outbound`.

The same stream of mail — new conversations, replies in a thread, a customer's second conversation joining
their active ticket, automatic mail with and without a ticket, duplicates (stored before, and twice in the
stream), agents answering from Gmail, our own mail outside any ticket, mail reopening a done ticket and mail
opening a follow-up of a completed one, each followed by more mail of that conversation — goes once through the
one-message path and once through the bulk path, from the same starting state; every row each leaves behind
(tickets, messages, audit events, thread links, customers, timers) must be the same.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import (
    Agent, Customer, CustomerEmail, HelpdeskSetting, Message, Status, Ticket, TicketEvent, TicketThread, TicketTimer,
)
from app.workflow import Inbound, Sent
from tests.core.test_done_and_intake import inbound


def _stream(desk, clock):
    def mail(msg, thread, email="maria@example.com", **kw):
        return inbound(desk, clock, email=email, thread=thread, msg=msg, **kw)

    own = "support@coolxost.com"
    return [
        mail("n1", "T-new", subject="VPS down"),                        # new ticket
        mail("n2", "T-new"),                                            # joins by thread
        Sent(mail("s1", "T-new", email="kristina@coolxost.com")),       # an agent answers from Gmail
        Sent(mail("s2", "T-new", email=own)),                           # the mailbox answers again
        mail("n3", "T-other", email="MARIA@example.com"),              # same customer, new thread: joins
        mail("a1", "T-bounce", email="mailer-daemon@example.net", automatic=True),  # dropped
        mail("a2", "T-new", email="noreply@example.net", automatic=True),           # recorded on the ticket
        mail("n1", "T-new"),                                            # twice in one stream: stored once
        mail("old-1", "T-open"),                                        # stored before the stream
        Sent(mail("s3", "T-nowhere", email=own)),                       # our mail outside any ticket
        Sent(mail("s4", "T-open", email=own)),                          # first response on an old ticket
        mail("d2", "T-done", email="olga@example.com"),                 # reopens a done ticket
        mail("d3", "T-done", email="olga@example.com"),                 # then joins it
        mail("c2", "T-completed", email="petr@example.com"),            # a follow-up of a completed ticket
        mail("c3", "T-completed", email="petr@example.com"),            # joins the follow-up
        Sent(mail("s5", "T-completed", email=own)),                     # answered on the follow-up
        mail("x1", "T-x", email="nina@example.com", from_name="Nina"),  # another new customer
        mail("x2", "T-y", email="nina@example.com"),                    # joins Nina's active ticket
        mail("z1", "T-z", email="zoe@example.com", automatic=True),     # automatic, no ticket: dropped
    ]


def _before(wf, desk, clock, session):
    """The starting state: an open ticket nobody answered, a done one, a completed one (targets on, so the
    first response changes timers)."""
    session.merge(HelpdeskSetting(key="first_response", value={"email": 3600}))
    session.flush()
    wf.receive(inbound(desk, clock, thread="T-open", msg="old-1"))
    done = wf.receive(inbound(desk, clock, email="olga@example.com", thread="T-done", msg="d1")).ticket
    wf.start(done, desk.kristina)
    wf.mark_done(done, desk.kristina, "p", "r")
    completed = wf.receive(inbound(desk, clock, email="petr@example.com", thread="T-completed", msg="c1")).ticket
    wf.start(completed, desk.lisa)
    wf.mark_done(completed, desk.lisa, "p", "r")
    wf.complete(completed, None, reason="rated")
    session.flush()
    clock.advance(minutes=5)


def _one_by_one(wf, desk, items):
    outcomes = []
    for item in items:
        if isinstance(item, Sent):
            mail = item.mail
            link = wf.session.scalar(select(TicketThread).where(TicketThread.provider_thread_id == mail.provider_thread_id))
            if link is None:
                outcomes.append("no_ticket")
                continue
            agent = wf.session.scalar(select(Agent).where(Agent.email == mail.from_email))
            stored = wf._stored(desk.mailbox, mail.provider_message_id)
            wf.record_outbound(link.ticket, agent, body_text=mail.body_text, sent_at=mail.sent_at,
                               subject=mail.subject, mailbox=desk.mailbox, provider_message_id=mail.provider_message_id,
                               provider_thread_id=mail.provider_thread_id, from_address=mail.from_email)
            outcomes.append("duplicate" if stored else "outbound")
        else:
            outcomes.append(wf.receive(item).outcome)
        wf.session.flush()
    return outcomes


def _dump(session):
    session.flush()
    session.expire_all()
    number = {t.id: t.number for t in session.scalars(select(Ticket))}
    email_of = {e.customer_id: e.email for e in session.scalars(select(CustomerEmail))}
    tickets = [(t.number, t.subject, t.status, email_of.get(t.customer_id), t.line_id, t.priority, t.created_at,
                t.updated_at, t.line_entered_at, t.first_response_at, number.get(t.follow_up_of_id), t.done_at)
               for t in session.scalars(select(Ticket).order_by(Ticket.number))]
    messages = [(number[m.ticket_id], m.direction, m.provider_message_id, m.provider_thread_id,
                 email_of.get(m.author_customer_id), m.author_agent_id, m.from_address, m.subject, m.body_text,
                 m.automatic, m.sent_at, m.created_at, m.visible_text, m.parse_problems, m.attachments)
                for m in session.scalars(select(Message).order_by(Message.id))]
    events = [(number[e.ticket_id], e.kind, e.actor_id, e.actor_label, e.from_value, e.to_value, e.note, e.data, e.at)
              for e in session.scalars(select(TicketEvent).order_by(TicketEvent.id))]
    threads = sorted((t.provider_thread_id, number[t.ticket_id]) for t in session.scalars(select(TicketThread)))
    customers = sorted((c.name, sorted(e.email for e in c.emails)) for c in session.scalars(select(Customer)))
    timers = sorted((number[t.ticket_id], t.rule, t.basis, t.due_at, t.state) for t in session.scalars(select(TicketTimer)))
    return {"tickets": tickets, "messages": messages, "events": events, "threads": threads,
            "customers": customers, "timers": timers}


@pytest.mark.parametrize("chunk", [100, 3, 1])
def test_bulk_intake_leaves_exactly_the_rows_of_the_one_message_path(wf, desk, clock, session, chunk):
    _before(wf, desk, clock, session)
    session.commit()
    items = _stream(desk, clock)

    one = _one_by_one(wf, desk, items)
    expected = _dump(session)
    session.rollback()

    bulk = []
    for start in range(0, len(items), chunk):
        bulk += [o.outcome for o in wf.receive_many(desk.mailbox, items[start:start + chunk])]
    got = _dump(session)
    session.rollback()

    assert bulk == one
    assert one.count("new") == 2 and "reopened" in one and "follow_up" in one and one.count("dropped") == 2
    for table in set(expected) - {"timers"}:
        assert got[table] == expected[table], table
    # Timers: the same live ones. A timer the one-message path plans and cancels within the chunk (a ticket
    # opened and answered in one go) is never written by the bulk path: it could never have fired.
    live = [(t, [row for row in d["timers"] if row[-1] != "cancelled"]) for t, d in (("got", got), ("exp", expected))]
    assert live[0][1] == live[1][1]
    assert set(got["timers"]) <= set(expected["timers"])


def test_bulk_intake_reports_new_tickets_with_their_numbers(wf, desk, clock, session):
    results = wf.receive_many(desk.mailbox, [inbound(desk, clock, msg="m1", thread="t1", email="a@example.com"),
                                             inbound(desk, clock, msg="m2", thread="t2", email="b@example.com")])
    session.commit()
    numbers = [r.ticket_number for r in results]
    assert [r.outcome for r in results] == ["new", "new"]
    assert numbers == sorted(numbers) and numbers[1] == numbers[0] + 1
    stored = {t.number: t for t in session.scalars(select(Ticket))}
    assert set(stored) == set(numbers) and all(stored[n].status is Status.NEW for n in numbers)


def test_bulk_intake_is_a_few_statements_per_chunk_not_per_message(wf, desk, clock, session, engine):
    from sqlalchemy import event

    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    mails = [inbound(desk, clock, msg=f"m{n}", thread=f"t{n // 2}", email=f"c{n // 4}@example.com")
             for n in range(200)]
    clock.advance(timedelta(seconds=1))
    results = wf.receive_many(desk.mailbox, mails)
    session.commit()
    assert [r.outcome for r in results].count("new") == 50
    # read (ids, threads, customers, active tickets, line, settings) + write (customers, emails, counter, tickets,
    # threads, messages, events, timers, updates): bounded by the chunk, whatever its size.
    assert len(statements) < 40, "\n".join(statements)


def test_a_message_the_bulk_path_cannot_read_goes_the_one_message_way_and_says_why(wf, desk, clock, session):
    from app.domain.errors import InvalidInput

    good = inbound(desk, clock, msg="ok", thread="t-ok")
    bad = Inbound(channel=good.channel, subject="x", body_text="x", sent_at=clock.now(), from_email="not an address",
                  mailbox=desk.mailbox, provider_message_id="bad", provider_thread_id="t-bad")
    with pytest.raises(InvalidInput, match="not an email address"):
        wf.receive_many(desk.mailbox, [good, bad])
