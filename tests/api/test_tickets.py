"""The ticket collection: create, read, list (filters, pagination, visibility) and patch."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.api.tickets import visible_to
from app.models import Agent, Ticket
from app.workflow import Workflow

SHAPE = {"number", "subject", "status", "channel", "line", "assignee", "watchers", "priority", "category",
         "deadline", "customer", "problem", "resolution", "flags", "parent", "children", "follow_up_of", "times"}


def test_create_by_hand_offers_the_ticket_to_its_line(new_ticket, api_client):
    ticket = new_ticket(customer={"name": "Ivan", "email": "Ivan@Example.com", "phone": "+7 495 123-45-67"},
                        priority="high", channel="phone")
    assert set(ticket) == SHAPE
    assert ticket["number"] == 1001 and ticket["status"] == "new" and ticket["line"] == "l1"
    assert (ticket["channel"], ticket["priority"], ticket["assignee"]) == ("phone", "high", None)
    assert ticket["customer"]["emails"] == ["ivan@example.com"]
    assert ticket["customer"]["phones"] == ["+74951234567"]
    assert ticket["flags"] == {"ignored": False, "passed_to_development": False, "phantom": False, "overdue": False}
    assert ticket["times"]["created"] == "2026-11-23T09:00:00Z" and ticket["times"]["claimed"] is None
    created = api_client("anna").get(f"/tickets/{ticket['number']}/events").get_json()["events"][0]
    assert (created["kind"], created["actor"], created["to"]) == ("created", "anna@coolxost.com", "l1")


def test_create_answers_201_with_its_location(api_client, desk):
    response = api_client("kristina").post("/tickets", {"subject": "Call about DNS", "line": "l1"})
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/api/v1/tickets/1001")
    assert response.get_json()["customer"] is None


@pytest.mark.parametrize("body, status, detail", [
    ({"line": "l1"}, 400, "missing required field subject"),
    ({"subject": "  ", "line": "l1"}, 400, "subject cannot be empty"),
    ({"subject": "x", "line": "l9"}, 404, "no line 'l9'"),
    ({"subject": "x", "line": "l1", "channel": "pigeon"}, 400, "channel must be one of email, chat, telegram"),
    ({"subject": "x", "line": "l1", "customer": {"name": "Ivan"}}, 400, "needs an email or a phone"),
    ({"subject": "x", "line": "l1", "customer": {"email": "ivan"}}, 400, "'ivan' is not an email address"),
    ({"subject": "x", "line": "l1", "customer": {"email": "i@x.com", "age": 3}}, 400, "unknown field customer.age"),
    ({"subject": "x", "line": "l1", "customer": "ivan@example.com"}, 400, "customer must be a JSON object"),
    ({"subject": 42, "line": "l1"}, 400, "subject must be a string, not a number"),
    ({"subject": "x", "line": "l1", "deadline": "tomorrow"}, 400, "deadline 'tomorrow' is not an ISO 8601"),
])
def test_create_refuses_bad_input(api_client, desk, body, status, detail):
    response = api_client("kristina").post("/tickets", body)
    assert response.status_code == status
    assert detail in response.get_json()["detail"]


def test_get_one_ticket(new_ticket, api_client):
    number = new_ticket()["number"]
    ticket = api_client("lisa").get(f"/tickets/{number}").get_json()
    assert ticket["number"] == number and ticket["subject"] == "Site is down"


def test_unknown_ticket_is_404(api_client, desk):
    response = api_client("lisa").get("/tickets/4242")
    assert response.status_code == 404 and response.get_json()["detail"] == "no ticket #4242"


def test_an_agent_cannot_view_another_lines_ticket(new_ticket, api_client):
    number = new_ticket(line="l2")["number"]
    response = api_client("kristina").get(f"/tickets/{number}")
    assert response.status_code == 403
    assert "kristina@coolxost.com may not see" in response.get_json()["detail"]
    assert "not a member of 2nd line" in response.get_json()["detail"]
    assert api_client("kristina").get(f"/tickets/{number}/events").status_code == 403
    assert api_client("kristina").get(f"/tickets/{number}/notes").status_code == 403
    assert api_client("bob").get(f"/tickets/{number}").status_code == 200
    assert api_client("anna").get(f"/tickets/{number}").status_code == 200  # managers see every line


def test_list_shows_only_what_the_agent_may_see(new_ticket, api_client):
    first = new_ticket(line="l1", email="a@example.com")["number"]
    second = new_ticket(line="l2", email="b@example.com")["number"]

    def numbers(name):
        return [t["number"] for t in api_client(name).get("/tickets").get_json()["tickets"]]

    assert numbers("kristina") == [first]
    assert numbers("bob") == [second]
    assert numbers("carl") == []
    assert numbers("admin") == [first, second]


def test_the_list_filter_agrees_with_can_view(new_ticket, api_client, Session, clock):
    new_ticket(line="l1", email="a@example.com")
    l2 = new_ticket(line="l2", email="b@example.com")["number"]
    new_ticket(line="dev", email="c@example.com")
    api_client("boris").post(f"/tickets/{l2}/assign", {"agent": "bob@coolxost.com"})
    with Session() as session:
        wf = Workflow(session, clock)
        ticket = wf.ticket(l2)
        wf.add_watcher(ticket, None, session.scalar(select(Agent).where(Agent.email == "carl@coolxost.com")))
        session.commit()
        tickets = session.scalars(select(Ticket)).all()
        for agent in session.scalars(select(Agent)):
            listed = set(session.scalars(select(Ticket.number).where(visible_to(agent))))
            assert listed == {t.number for t in tickets if wf.can_view(agent, t)}, agent.email


def test_list_filters(new_ticket, api_client):
    a = new_ticket(email="a@example.com")["number"]
    b = new_ticket(email="b@example.com")["number"]
    c = new_ticket(line="l2", email="c@example.com")["number"]
    lisa = api_client("lisa")
    lisa.post(f"/tickets/{b}/claim")
    anna = api_client("anna")

    def numbers(query):
        response = anna.get(f"/tickets?{query}")
        assert response.status_code == 200, response.get_json()
        return [t["number"] for t in response.get_json()["tickets"]]

    assert numbers("line=l1") == [a, b]
    assert numbers("line=l2") == [c]
    assert numbers("status=new") == [a, c]
    assert numbers("status=new,assigned&line=l1") == [a, b]
    assert numbers("assignee=lisa@coolxost.com") == [b]
    assert numbers("assignee=none&line=l1") == [a]
    assert [t["number"] for t in lisa.get("/tickets?assignee=me").get_json()["tickets"]] == [b]


@pytest.mark.parametrize("query, status, detail", [
    ("status=open", 400, "status must be one of new, assigned, in_progress, waiting, done, completed, reopened"),
    ("line=l9", 404, "no line 'l9'"),
    ("assignee=ghost@coolxost.com", 404, "no agent with email 'ghost@coolxost.com'"),
    ("limit=201", 400, "limit must be between 1 and 200"),
    ("limit=0", 400, "limit must be between 1 and 200"),
    ("offset=-1", 400, "offset must be between 0 and 2147483647"),
    ("offset=99999999999999999999", 400, "offset must be between 0 and 2147483647"),
    ("limit=ten", 400, "limit must be a whole number"),
])
def test_list_refuses_bad_filters(api_client, desk, query, status, detail):
    response = api_client("anna").get(f"/tickets?{query}")
    assert response.status_code == status and detail in response.get_json()["detail"]


def test_pagination(new_ticket, api_client):
    numbers = [new_ticket(email=f"c{i}@example.com")["number"] for i in range(5)]
    anna = api_client("anna")
    first = anna.get("/tickets?limit=2").get_json()
    assert [t["number"] for t in first["tickets"]] == numbers[:2]
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (5, 2, 0, 2)
    last = anna.get("/tickets?limit=2&offset=4").get_json()
    assert [t["number"] for t in last["tickets"]] == numbers[4:] and last["next_offset"] is None
    default = anna.get("/tickets").get_json()
    assert default["limit"] == 50 and len(default["tickets"]) == 5


def test_patch_priority_category_deadline(new_ticket, api_client):
    number = new_ticket()["number"]
    kristina = api_client("kristina")
    ticket = kristina.patch(f"/tickets/{number}", {"priority": "low", "deadline": "2026-11-25T18:00:00+03:00"}).get_json()
    assert (ticket["priority"], ticket["deadline"]) == ("low", "2026-11-25T15:00:00Z")
    ticket = kristina.patch(f"/tickets/{number}", {"category": "Billing", "deadline": None}).get_json()
    assert (ticket["category"], ticket["deadline"], ticket["priority"]) == ("Billing", None, "low")
    ticket = kristina.patch(f"/tickets/{number}", {"category": "No connectivity", "priority": "low"}).get_json()
    assert (ticket["category"], ticket["priority"]) == ("No connectivity", "urgent")  # the urgent category wins
    ticket = kristina.patch(f"/tickets/{number}", {"category": None}).get_json()
    assert ticket["category"] is None
    kinds = [e["kind"] for e in kristina.get(f"/tickets/{number}/events").get_json()["events"]]
    assert kinds.count("priority") == 2 and kinds.count("category") == 3 and kinds.count("deadline") == 2


@pytest.mark.parametrize("body, status, detail", [
    ({"status": "done"}, 400, "unknown field status; allowed: priority, category, deadline"),
    ({}, 400, "nothing to change"),
    ({"priority": "asap"}, 400, "priority must be one of low, normal, high, urgent; got 'asap'"),
    ({"priority": None}, 400, "priority cannot be null"),
    ({"deadline": "2026-11-25T18:00"}, 400, "needs a time zone"),
    ({"deadline": "25.11.2026"}, 400, "is not an ISO 8601 date-time"),
    ({"category": "Weather"}, 404, "no category 'Weather'"),
])
def test_patch_refuses_bad_input(new_ticket, api_client, body, status, detail):
    number = new_ticket()["number"]
    response = api_client("kristina").patch(f"/tickets/{number}", body)
    assert response.status_code == status and detail in response.get_json()["detail"]


def test_patch_lists_the_allowed_values_of_an_enum(new_ticket, api_client):
    number = new_ticket()["number"]
    problem = api_client("kristina").patch(f"/tickets/{number}", {"priority": "asap"}).get_json()
    assert problem["allowed"] == ["low", "normal", "high", "urgent"] and problem["fields"] == ["priority"]


def test_patch_by_an_outsider_is_403(new_ticket, api_client):
    number = new_ticket(line="l2")["number"]
    response = api_client("kristina").patch(f"/tickets/{number}", {"priority": "high"})
    assert response.status_code == 403 and "not a member of 2nd line" in response.get_json()["detail"]
    assert api_client("anna").get(f"/tickets/{number}").get_json()["priority"] == "normal"


def test_times_are_utc_iso8601(new_ticket, api_client, clock):
    number = new_ticket()["number"]
    clock.advance(timedelta(minutes=5))
    ticket = api_client("lisa").post(f"/tickets/{number}/claim").get_json()
    assert ticket["times"]["claimed"] == "2026-11-23T09:05:00Z"
    assert ticket["times"]["updated"] == "2026-11-23T09:05:00Z"


def test_listing_costs_the_same_queries_for_3_or_12_tickets(new_ticket, api_client, app):
    """The ticket JSON's relations are loaded per page, not per ticket (no N+1)."""
    from sqlalchemy import event

    from app.web import runtime

    with app.app_context():
        engine = runtime().engine
    anna = api_client("anna")
    statements: list[str] = []

    def count(*_args):
        statements.append("query")

    def queries_for_listing() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert anna.get("/tickets").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    for i in range(3):
        new_ticket(email=f"a{i}@example.com")
    few = queries_for_listing()
    for i in range(9):
        new_ticket(email=f"b{i}@example.com", line="l2" if i % 2 else "l1")
    assert queries_for_listing() == few
    assert few <= 16, few
