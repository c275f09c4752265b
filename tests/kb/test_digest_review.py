"""Freshness: an article past its review date is flagged to its owner in their digest (scheduler/digest.py), in
the plain text and the HTML; an article not yet due, or someone else's, is not."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from app.kb import service
from app.models import Agent
from scheduler.digest import compose_digest, last_period


def test_the_owners_digest_lists_their_articles_past_review(Session, clock, desk):
    with Session() as session:
        anna = session.scalar(select(Agent).where(Agent.email == "anna@coolxost.com"))
        boris = session.scalar(select(Agent).where(Agent.email == "boris@coolxost.com"))
        for title, owner, due in (("Old <DNS> guide", anna, datetime(2026, 10, 1, tzinfo=timezone.utc)),
                                  ("Fresh guide", anna, datetime(2027, 3, 1, tzinfo=timezone.utc)),
                                  ("Boris's old guide", boris, datetime(2026, 9, 1, tzinfo=timezone.utc))):
            service.save(session, clock.now(), owner, service.Draft(title=title, body="Text.", review_at=due))
        session.commit()
        period = last_period("day", clock.now(), "UTC")
        letter = compose_digest(session, anna, period, "digest:test")
    assert "past their review date" in letter.body_text and "Old <DNS> guide (en), review was due 2026-10-01" in letter.body_text
    assert "Fresh guide" not in letter.body_text and "Boris" not in letter.body_text
    assert "Old &lt;DNS&gt; guide" in letter.body_html


def test_no_section_without_stale_articles(Session, clock, desk):
    with Session() as session:
        anna = session.scalar(select(Agent).where(Agent.email == "anna@coolxost.com"))
        letter = compose_digest(session, anna, last_period("day", clock.now(), "UTC"), "digest:test")
    assert "review date" not in letter.body_text and "review date" not in letter.body_html
