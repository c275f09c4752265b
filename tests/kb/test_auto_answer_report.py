"""The reports' automatic answers (app/reports/auto_answers.py), against a hand-counted desk: of 4 new tickets
in the 1st line, 3 were offered an article, 2 answered automatically (50 % of new), 1 of those reopened (50 %);
the 2nd line's one ticket had nothing. On the report page and in its CSV, for a manager."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.models import Status
from app.reports.auto_answers import auto_answer_figures
from app.reports.figures import make_scope
from app.workflow import CustomerRef, Workflow
from tests.desk.conftest import sign_in


@pytest.fixture
def answered_desk(Session, clock, desk):
    with Session() as session:
        wf = Workflow(session, clock, via="test")
        l1, l2 = session.merge(desk.l1), session.merge(desk.l2)
        tickets = [wf.create_ticket(None, subject=f"q{n}", line=l1, customer=CustomerRef("C", f"c{n}@example.com"))
                   for n in range(4)]
        wf.create_ticket(None, subject="other", line=l2, customer=CustomerRef("D", "d@example.com"))
        for ticket in tickets[:3]:
            wf.offer_automatic_answer(ticket, 7, "Resetting your password", 0.8)
        for ticket in tickets[:2]:
            wf.answer_automatically(ticket, 7)
        wf._move(tickets[0], None, Status.REOPENED, actor_label="customer")  # the customer wrote again
        session.commit()


def test_figures_per_line_and_in_total(Session, clock, answered_desk):
    with Session() as session:
        scope = make_scope(session, clock.now() - timedelta(days=1), clock.now() + timedelta(days=1))
        rows = {r.line: r for r in auto_answer_figures(scope)}
    first, second, total = rows["1st line"], rows["2nd line"], rows["All lines"]
    assert (first.new, first.offered, first.answered, first.reopened) == (4, 3, 2, 1)
    assert (first.share_answered, first.share_reopened) == (0.5, 0.5)
    assert (second.new, second.answered, second.share_answered, second.share_reopened) == (1, 0, 0.0, None)
    assert (total.new, total.answered, total.reopened) == (5, 2, 1)


def test_the_report_page_and_csv(app, desk, answered_desk):
    client = app.test_client()
    sign_in(client, desk.anna.id)
    day = {"from": "2026-11-23", "to": "2026-11-23"}
    page = client.get("/desk/reports/auto_answers", query_string=day)
    assert page.status_code == 200 and "Share answered automatically" in page.get_data(as_text=True)
    data = client.get("/desk/reports/auto_answers.csv", query_string=day).get_data(as_text=True)
    assert ["1st line", "4", "3", "2", "0.5", "1", "0.5"] in list(csv.reader(io.StringIO(data)))
    other = app.test_client()
    sign_in(other, desk.kristina.id)
    assert other.get("/desk/reports/auto_answers", query_string=day).status_code == 403
