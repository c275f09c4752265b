"""Done, reopen, follow-up and the one-active-ticket rule."""

from datetime import timedelta

import pytest

from app.domain.errors import MissingFields, PermissionDenied
from app.models import Channel, Status
from app.workflow import Inbound
from tests.core.conftest import events


def inbound(desk, clock, email="ivan@example.com", thread="t1", msg="m1", channel=Channel.EMAIL, **kwargs):
    return Inbound(channel=channel, subject=kwargs.pop("subject", "Site is down"), body_text="hello",
                   sent_at=clock.now(), from_email=email, mailbox=desk.mailbox, provider_message_id=msg,
                   provider_thread_id=thread, **kwargs)


@pytest.mark.parametrize("problem, resolution, missing", [
    ("", "restarted", ["problem"]), ("site down", "  ", ["resolution"]), (None, None, ["problem", "resolution"]),
])
def test_done_needs_both_fields_and_names_the_missing_one(wf, desk, new_ticket, problem, resolution, missing):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    with pytest.raises(MissingFields) as err:
        wf.mark_done(ticket, desk.kristina, problem, resolution)
    assert err.value.fields == missing
    for name in missing:
        assert f"({name})" in str(err.value)
    assert ticket.status is Status.IN_PROGRESS


def test_done_records_both_fields(wf, desk, new_ticket, session, clock):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    wf.mark_done(ticket, desk.kristina, "My site does not open", "Renewed the expired domain")
    session.commit()
    assert (ticket.status, ticket.problem, ticket.resolution, ticket.done_at) == (
        Status.DONE, "My site does not open", "Renewed the expired domain", clock.now())


def test_someone_else_cannot_close_a_held_ticket(wf, desk, new_ticket):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    with pytest.raises(PermissionDenied, match="held by Kristina"):
        wf.mark_done(ticket, desk.lisa, "p", "r")


def test_message_on_a_done_ticket_reopens_it(wf, desk, clock, session):
    first = wf.receive(inbound(desk, clock))
    ticket = first.ticket
    wf.start(ticket, desk.kristina)
    wf.mark_done(ticket, desk.kristina, "p", "r")
    clock.advance(hours=1)
    again = wf.receive(inbound(desk, clock, msg="m2"))
    session.commit()
    assert again.outcome == "reopened" and again.ticket.id == ticket.id
    assert ticket.status is Status.REOPENED and ticket.assignee_id == desk.kristina.id


def test_message_on_a_completed_ticket_starts_a_linked_follow_up(wf, desk, clock, session):
    ticket = wf.receive(inbound(desk, clock)).ticket
    wf.start(ticket, desk.kristina)
    wf.mark_done(ticket, desk.kristina, "p", "r")
    wf.complete(ticket, None, reason="no rating in 2 days")
    again = wf.receive(inbound(desk, clock, msg="m2"))
    session.commit()
    assert again.outcome == "follow_up"
    assert again.ticket.id != ticket.id and again.ticket.follow_up_of_id == ticket.id
    assert again.ticket.status is Status.NEW and ticket.status is Status.COMPLETED
    assert events(session, ticket, "follow_up_opened")[0].to_value == str(again.ticket.number)
    # the conversation now belongs to the follow-up
    assert wf.receive(inbound(desk, clock, msg="m3")).ticket.id == again.ticket.id


def test_same_message_is_never_stored_twice(wf, desk, clock, session):
    first = wf.receive(inbound(desk, clock))
    second = wf.receive(inbound(desk, clock))
    session.commit()
    assert second.outcome == "duplicate" and second.message.id == first.message.id


def test_new_message_from_a_customer_with_an_active_ticket_joins_it(wf, desk, clock, session):
    ticket = wf.receive(inbound(desk, clock)).ticket
    wf.claim(ticket, desk.lisa)
    other_thread = wf.receive(inbound(desk, clock, thread="t2", msg="m2", subject="Also my mail is slow"))
    by_chat = wf.receive(inbound(desk, clock, thread=None, msg="chat-1", channel=Channel.CHAT))
    session.commit()
    assert other_thread.outcome == "joined" and other_thread.ticket.id == ticket.id
    assert by_chat.ticket.id == ticket.id and ticket.assignee_id == desk.lisa.id


def test_join_can_be_turned_off_per_mailbox(wf, desk, clock, session):
    desk.mailbox.join_active_ticket = False
    first = wf.receive(inbound(desk, clock)).ticket
    second = wf.receive(inbound(desk, clock, thread="t2", msg="m2")).ticket
    assert first.id != second.id


def test_automatic_mail_never_opens_a_ticket(wf, desk, clock):
    result = wf.receive(inbound(desk, clock, email="mailer-daemon@example.net", automatic=True))
    assert (result.ticket, result.outcome) == (None, "dropped")


def test_automatic_mail_does_not_reopen(wf, desk, clock):
    ticket = wf.receive(inbound(desk, clock)).ticket
    wf.start(ticket, desk.kristina)
    wf.mark_done(ticket, desk.kristina, "p", "r")
    result = wf.receive(inbound(desk, clock, msg="ooo", automatic=True))
    assert result.ticket.id == ticket.id and ticket.status is Status.DONE


def test_first_answer_sets_first_response_time(wf, desk, clock, session):
    ticket = wf.receive(inbound(desk, clock)).ticket
    clock.advance(minutes=12)
    wf.record_outbound(ticket, desk.kristina, body_text="We are on it", mailbox=desk.mailbox, provider_message_id="o1")
    clock.advance(minutes=30)
    wf.record_outbound(ticket, desk.kristina, body_text="Fixed", mailbox=desk.mailbox, provider_message_id="o2")
    session.commit()
    assert ticket.first_response_at - ticket.created_at == timedelta(minutes=12)
