"""The flags the response-time rules raise (scheduler/actions.py: Ignored when nobody starts in time, Overdue
when a target is missed) end up as labels on the ticket's threads at the next push, through the scheduler's own
sweep — and an agent cannot take them off in Gmail."""

from __future__ import annotations

import random

from app.db import transaction
from app.models import HelpdeskSetting
from labels.gmail_labels import push_due
from scheduler.engine import sweep_all
from tests.labels.helpers import in_gmail, labels_on, notes, ticket
from tests.labels.test_push import act, number_of, open_ticket
from tests.sync.conftest import SUPPORT, connect


def test_ignored_and_overdue_from_the_scheduler_become_labels(gmail, make_runner, Session, clock) -> None:
    with transaction(Session) as session:
        session.add(HelpdeskSetting(key="first_response", value={"email": 3600}))
    runner, thread_id = open_ticket(gmail, make_runner)
    number = number_of(Session, thread_id)
    act(Session, clock, number, "claim", "lisa@coolxost.com")
    api = connect(gmail)
    push_due(api, Session, clock, SUPPORT)

    clock.advance(seconds=900)  # not started within the line's 15 minutes
    sweep_all(Session, clock, owner="test", rng=random.Random(0))
    assert push_due(api, Session, clock, SUPPORT) == 1
    assert labels_on(gmail, thread_id) == [{"Helpdesk/Status/Assigned", "Helpdesk/Line/1st line",
                                            "Helpdesk/Priority/Normal", "Helpdesk/Agent/Lisa", "Helpdesk/Ignored"}]

    clock.advance(seconds=3600)  # no first response within the hour
    sweep_all(Session, clock, owner="test", rng=random.Random(0))
    assert ticket(Session, number).flag_overdue
    push_due(api, Session, clock, SUPPORT)
    [labels] = labels_on(gmail, thread_id)
    assert {"Helpdesk/Ignored", "Helpdesk/Overdue"} <= labels

    in_gmail(gmail, thread_id, remove=["Helpdesk/Overdue"])  # an agent tries to hide it
    runner.sync_once()
    assert ticket(Session, number).flag_overdue
    assert "Helpdesk/Overdue" in labels_on(gmail, thread_id)[0]
    assert any("Helpdesk/Overdue" in note and "flags are set by the helpdesk" in note for note in notes(Session, number))
