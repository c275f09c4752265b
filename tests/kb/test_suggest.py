"""The category model (app/kb/suggest.py) is learned from the desk's categorised tickets and follows them: at once
without a clock, and with the panels' clock at most a minute late (the freshness COUNT is not run per panel)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.directory import line_by_slug
from app.kb.suggest import CHECK_EVERY, predict_category
from app.models import Category
from app.workflow import CustomerRef, Workflow


def categorise(Session, clock, name: str, subjects: list[str]) -> None:  # noqa: N803
    with Session() as session:
        wf = Workflow(session, clock, via="test")
        category = session.scalar(select(Category).where(Category.name == name))
        for subject in subjects:
            ticket = wf.create_ticket(None, subject=subject, line=line_by_slug(session, "l1"),
                                      customer=CustomerRef("C", "c@example.com"))
            ticket.category = category
        session.commit()


def predict(Session, text, now=None):  # noqa: N803
    with Session() as session:
        return predict_category(session, text, now)


def test_the_model_follows_the_teams_tickets_and_the_panels_check_once_a_minute(Session, clock, desk):
    assert predict(Session, "invoice is wrong", clock.now()) == (None, 0.0)
    categorise(Session, clock, "Billing", ["wrong invoice amount", "invoice for March", "refund of a payment"])
    assert predict(Session, "invoice is wrong", clock.now()) == (None, 0.0)  # checked under a minute ago
    assert predict(Session, "invoice is wrong")[0] == "Billing"  # no clock (the benchmarks, a job): checked now
    clock.advance(seconds=CHECK_EVERY.total_seconds() + 1)
    assert predict(Session, "invoice is wrong", clock.now())[0] == "Billing"  # checked, at this time
    categorise(Session, clock, "DNS", ["invoice DNS", "invoice DNS again", "invoice DNS thrice", "invoice DNS 4"])
    assert predict(Session, "invoice", clock.now())[0] == "Billing"  # the panels' check is not due yet
    clock.advance(seconds=CHECK_EVERY.total_seconds() + 1)
    assert predict(Session, "invoice", clock.now())[0] == "DNS"  # a minute on: checked, and learned again
    assert CHECK_EVERY == timedelta(minutes=1)
