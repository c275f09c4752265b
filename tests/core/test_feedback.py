"""A rating is set once, by the customer, and can never be changed: not by the service, not in SQL."""

import pytest
import sqlalchemy as sa

from app.domain.errors import Conflict, PermissionDenied, RuleViolation
from app.models import Rating, Status


@pytest.fixture
def done_ticket(wf, desk, new_ticket, session):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    wf.mark_done(ticket, desk.kristina, "site down", "restarted")
    session.commit()
    return ticket


def test_a_rating_completes_the_ticket(wf, done_ticket, session):
    wf.record_feedback(done_ticket, Rating.SATISFIED, "Thanks!")
    session.commit()
    assert done_ticket.status is Status.COMPLETED
    assert wf.feedback_of(done_ticket).comment == "Thanks!"


def test_a_second_rating_is_refused(wf, done_ticket, session):
    wf.record_feedback(done_ticket, Rating.SATISFIED)
    session.commit()
    with pytest.raises(Conflict, match="a rating is final"):
        wf.record_feedback(done_ticket, Rating.NOT_SATISFIED)


@pytest.mark.parametrize("who", ["kristina", "anna", "admin"])
def test_no_agent_can_rate_not_even_a_manager_or_admin(wf, desk, done_ticket, who):
    with pytest.raises(PermissionDenied, match="only the customer"):
        wf.record_feedback(done_ticket, Rating.SATISFIED, actor=getattr(desk, who))


def test_an_open_ticket_cannot_be_rated(wf, new_ticket):
    with pytest.raises(RuleViolation):
        wf.record_feedback(new_ticket(), Rating.SATISFIED)


@pytest.mark.parametrize("statement", [
    "UPDATE feedback SET rating = 'satisfied'",
    "DELETE FROM feedback",
])
def test_the_database_refuses_to_change_a_rating(wf, done_ticket, session, engine, statement):
    wf.record_feedback(done_ticket, Rating.NOT_SATISFIED)
    session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="insert-only"):
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT rating FROM feedback")).scalar_one() == "not_satisfied"


def test_the_audit_trail_is_append_only_in_the_database(wf, done_ticket, engine):
    with pytest.raises(sa.exc.DatabaseError, match="insert-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE ticket_events SET note = 'rewritten'"))


def test_not_submitted_marks_phantom_and_alerts_the_head(wf, desk, done_ticket, session):
    wf.record_feedback(done_ticket, Rating.NOT_SUBMITTED)
    session.commit()
    assert done_ticket.flag_phantom
    assert desk.anna in done_ticket.watchers
    from tests.core.conftest import events

    assert events(session, done_ticket, "alert")[0].to_value == "anna@coolxost.com"
