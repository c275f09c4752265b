"""Twenty agents claim one ticket at the same moment: exactly one wins, nineteen get a conflict."""

import pytest

from app.models import Agent
from app.workflow.contention import holder, race_claims


@pytest.mark.parametrize("rounds", [3])
def test_twenty_concurrent_claims_have_exactly_one_winner(desk, wf, new_ticket, session, Session, clock, rounds):
    crowd = [Agent(email=f"agent{i}@coolxost.com", name=f"Agent {i}") for i in range(20)]
    session.add_all(crowd)
    desk.l1.members.extend(crowd)
    session.commit()
    emails = [a.email for a in crowd]
    for round_ in range(rounds):
        ticket = new_ticket(email=f"race{round_}@example.com")
        session.close()
        outcome = race_claims(Session, clock, ticket.number, emails)
        assert outcome.errors == []
        assert len(outcome.winners) == 1
        assert outcome.conflicts == 19
        assert holder(Session, ticket.number) == outcome.winners[0]
