"""The report pages over HTTP: who may see them, the figures of the hand-computed desk on the page, in CSV and
as PNG, the filters, and escaping (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app import create_app
from app.clock import FrozenClock
from app.config import Settings
from app.models import Agent, Category, Line, Ticket
from app.web import runtime
from tests.desk.conftest import sign_in
from tests.reports.test_report_tables import NOW, routed  # noqa: F401  (the fixture)
from tests.scheduler.test_report_figures import period_desk  # noqa: F401  (the fixture)

DAY = {"from": "2026-11-23", "to": "2026-11-23"}  # the fixture's Monday, Moscow time


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app(Settings(database_url=db_url, secret_key="t", instance_dir=tmp_path, testing=True),
                     clock=FrozenClock(NOW))
    yield app
    with app.app_context():
        runtime().engine.dispose()


@pytest.fixture
def client_of(app, Session):  # noqa: N803
    def make(email: str):
        with Session() as short:
            agent_id = short.scalar(select(Agent.id).where(Agent.email == email))
        client = app.test_client()
        sign_in(client, agent_id)
        return client
    return make


def rows(client, report: str, table: str, **args) -> list[list[str]]:
    response = client.get(f"/desk/reports/{report}.csv", query_string={**DAY, "table": table, **args})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_a_manager_sees_every_report_with_charts(session, routed, client_of):  # noqa: F811
    anna = client_of("anna@coolxost.com")
    for name in ("agents", "lines", "categories", "targets", "rhythms"):
        page = anna.get(f"/desk/reports/{name}", query_string=DAY)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, (name, html[:300])
        assert "<svg" in html and "<script" not in html.split("</head>")[1]
        assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    assert 'data-testid="reports-link"' in anna.get("/desk/queues").get_data(as_text=True)
    assert 'data-testid="reports-link"' not in client_of("kristina@coolxost.com").get("/desk/queues").get_data(as_text=True)
    agents = anna.get("/desk/reports/agents", query_string=DAY).get_data(as_text=True)
    assert "Kristina" in agents and "50 %" in agents  # share satisfied


def test_csv_holds_the_hand_computed_figures(session, routed, client_of):  # noqa: F811
    anna = client_of("anna@coolxost.com")
    assert rows(anna, "lines", "lines")[1:] == [
        ["1st line", "l1", "6", "112200.0", "18700.0", "2", "0"], ["2nd line", "l2", "4", "9060.0", "2265.0", "1", "1"],
        ["Development", "dev", "1", "3600.0", "3600.0", "0", "1"]]
    assert rows(anna, "lines", "end-to-end")[1] == ["6", "4", "1", "1", "0", "3", "2", "2"]
    kristina = [r for r in rows(anna, "agents", "agents") if r[1] == "kristina@coolxost.com"][0]
    assert kristina == ["Kristina", "kristina@coolxost.com", "2", "900.0", "1140.0", "5400.0", "6840.0", "2", "0.5",
                        "0", "0", "0"]
    assert rows(anna, "targets", "targets")[2] == ["email", "normal", "900", "5", "1", "0.8", "14400", "4", "1", "0.75"]
    assert rows(anna, "rhythms", "months")[1:] == [["2026-11", "6"]]
    assert rows(anna, "categories", "categories")[2] == ["Billing", "2", "2", "1", "0", "1"]


def test_filters_limit_the_figures(session, routed, client_of):  # noqa: F811
    anna = client_of("anna@coolxost.com")
    assert rows(anna, "rhythms", "channels", channel="chat")[1:] == [["chat", "1"]]
    assert rows(anna, "rhythms", "months", agent="kristina@coolxost.com")[1:] == [["2026-11", "2"]]
    assert rows(anna, "categories", "categories", category="DNS")[1:] == [["DNS", "1", "0", "0", "0", "0"]]
    assert rows(anna, "rhythms", "months", line="l2")[1:] == [["2026-11", "2"]]
    assert anna.get("/desk/reports/agents", query_string={"line": "nope"}).status_code == 400
    assert anna.get("/desk/reports/agents", query_string={"from": "2026-13-01"}).status_code == 400


def test_agents_are_refused_and_a_head_sees_only_their_lines(session, routed, client_of):  # noqa: F811
    assert client_of("kristina@coolxost.com").get("/desk/reports/agents").status_code == 403
    line = session.scalar(select(Line).where(Line.slug == "l2"))
    line.head = session.scalar(select(Agent).where(Agent.email == "bob@coolxost.com"))  # an agent, not a manager
    session.commit()
    bob = client_of("bob@coolxost.com")
    assert rows(bob, "rhythms", "months")[1:] == [["2026-11", "2"]]  # l2's tickets only
    assert bob.get("/desk/reports/rhythms", query_string={"line": "l1"}).status_code == 403
    page = bob.get("/desk/reports/agents").get_data(as_text=True)
    assert '<option value="l1"' not in page and '<option value="l2"' in page


def test_anonymous_visitors_are_sent_to_sign_in(app, routed):  # noqa: F811
    response = app.test_client().get("/desk/reports/agents")
    assert response.status_code == 302 and "/desk/signin" in response.headers["Location"]


def test_png_for_mail_and_escaping(session, routed, client_of):  # noqa: F811
    session.scalar(select(Category).where(Category.name == "DNS")).name = "<b>DNS</b>"
    session.scalar(select(Ticket).where(Ticket.number == 4)).subject = "=HYPERLINK(\"http://x\")"
    session.commit()
    anna = client_of("anna@coolxost.com")
    image = anna.get("/desk/reports/categories/categories.png", query_string=DAY)
    assert image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    assert anna.get("/desk/reports/rhythms/heatmap.png", query_string=DAY).data.startswith(b"\x89PNG")
    assert anna.get("/desk/reports/rhythms/nope.png", query_string=DAY).status_code == 404
    html = anna.get("/desk/reports/categories", query_string=DAY).get_data(as_text=True)
    assert "<b>DNS</b>" not in html and "&lt;b&gt;DNS&lt;/b&gt;" in html
    topics = rows(anna, "categories", "topics")
    assert ["'=hyperlink(\"http://x\")", "1"] in topics  # topics compare lower-cased
