"""The web panel: sign-in, cookies, CSRF, least privilege, escaping, the queues and every action via="web"."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from app.models import Status, Ticket, TicketEvent
from app.web import runtime
from tests.desk.conftest import csrf_of


def _ticket(Session, number):
    with Session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        session.expunge_all()
        return ticket


def _events(Session, number):
    with Session() as session:
        return session.execute(select(TicketEvent.kind, TicketEvent.via).join(Ticket).where(Ticket.number == number)
                               .order_by(TicketEvent.id)).all()


def test_pages_need_a_signed_in_agent(app, desk):
    client = app.test_client()
    response = client.get("/desk/queues")
    assert response.status_code == 302 and "/desk/signin" in response.headers["Location"]
    assert client.get("/desk/tickets/1001.json").status_code == 401


def test_the_session_cookie_is_httponly_and_lax_and_secure_outside_tests(app, desk, signed_in):
    client, _csrf = signed_in("kristina")
    page = client.get("/desk/signin")
    assert page.status_code == 200
    fresh = app.test_client()
    response = fresh.get("/desk/signin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain http in tests
    from app import create_app
    from app.config import Settings

    production = create_app(Settings(database_url="sqlite://", secret_key="s", instance_dir=app.instance_path))
    assert production.config["SESSION_COOKIE_SECURE"] is True and production.config["SESSION_COOKIE_HTTPONLY"] is True


def test_dev_sign_in_only_in_demo_or_test_mode(app, desk):
    with app.app_context():
        rt = runtime()
        rt.settings = replace(rt.settings, testing=False, demo=False)
    client = app.test_client()
    page = client.get("/desk/signin").get_data(as_text=True)
    assert "Google" in page and "<select" not in page
    response = client.post("/desk/signin", data={"agent": desk.anna.id, "csrf_token": csrf_of(page) if "csrf" in page else "x"})
    assert response.status_code in (200, 400)
    assert client.get("/desk/queues").status_code == 302  # still not signed in


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(signed_in, make_ticket, Session):
    number = make_ticket()
    client, csrf = signed_in("kristina")
    assert client.post(f"/desk/tickets/{number}/claim", data={}).status_code == 400
    assert client.post(f"/desk/tickets/{number}/claim", data={"csrf_token": "forged"}).status_code == 400
    assert _ticket(Session, number).status is Status.NEW and [k for k, _ in _events(Session, number)] == ["created"]
    other, _ = signed_in("lisa")
    assert other.post(f"/desk/tickets/{number}/claim", data={"csrf_token": csrf}).status_code == 400  # not Lisa's token
    assert client.post(f"/desk/tickets/{number}/claim", data={"csrf_token": csrf}).status_code == 303
    assert _ticket(Session, number).status is Status.ASSIGNED


def test_sign_in_itself_needs_the_csrf_token(app, desk):
    client = app.test_client()
    client.get("/desk/signin")
    assert client.post("/desk/signin", data={"agent": desk.anna.id}).status_code == 400
    assert client.get("/desk/queues").status_code == 302


def test_the_queues_show_what_waits_with_its_age(signed_in, make_ticket, clock):
    number = make_ticket(subject="Mail bounces")
    hidden = make_ticket(subject="Sales question", line="commercial", email="s@example.com")
    clock.advance(minutes=4)
    client, _ = signed_in("kristina")
    page = client.get("/desk/queues").get_data(as_text=True)
    assert f"#{number}" in page and "Mail bounces" in page and "4 min" in page
    assert f"#{hidden}" not in page and "Sales question" not in page
    found = client.get("/desk/queues?q=bounces").get_data(as_text=True)
    assert "Found for" in found and f"#{number}" in found
    assert client.get("/desk/queues.json").get_json()["version"]


def test_an_agent_sees_only_tickets_of_their_lines(signed_in, make_ticket):
    number = make_ticket(line="commercial", subject="Secret deal")
    client, csrf = signed_in("kristina")
    page = client.get(f"/desk/tickets/{number}")
    assert page.status_code == 403 and "Secret deal" not in page.get_data(as_text=True)
    assert client.get(f"/desk/tickets/{number}.json").status_code == 403
    client.post(f"/desk/tickets/{number}/note", data={"csrf_token": csrf, "note": "x"})
    assert "Secret deal" not in client.get(f"/desk/tickets/{number}").get_data(as_text=True)


def test_everything_is_escaped_and_mail_html_is_sandboxed(signed_in, make_ticket, Session):
    number = make_ticket(subject="<script>alert(1)</script>", html='<p onclick="x">hi</p><b>"quoted"</b>')
    client, csrf = signed_in("kristina")
    client.post(f"/desk/tickets/{number}/claim", data={"csrf_token": csrf})
    client.post(f"/desk/tickets/{number}/note", data={"csrf_token": csrf, "note": "<img src=x onerror=alert(1)>"})
    response = client.get(f"/desk/tickets/{number}")
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'sandbox=""' in page and 'srcdoc="&lt;p onclick=&#34;x&#34;&gt;hi&lt;/p&gt;' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_every_action_from_the_web_goes_through_the_workflow(signed_in, make_ticket, Session):
    number = make_ticket()
    kristina, k = signed_in("kristina")
    bob, b = signed_in("bob")
    anna, a = signed_in("anna")

    def post(client, csrf, action, **form):
        response = client.post(f"/desk/tickets/{number}/{action}", data={"csrf_token": csrf, **form})
        assert response.status_code == 303, (action, response.status_code)
        return client.get(response.headers["Location"]).get_data(as_text=True)

    assert f"#{number} is yours" in post(kristina, k, "claim")
    post(kristina, k, "priority", priority="high")
    post(kristina, k, "category", category="DNS")
    post(kristina, k, "start")
    post(kristina, k, "note", note="checked")
    page = post(kristina, k, "transfer", line="l2", transfer_note="")
    assert "Not done: a note for the next line is needed" in page
    post(kristina, k, "transfer", line="l2", transfer_note="server side")
    post(bob, b, "claim")
    assert "Subtask #" in post(bob, b, "subtask", subtask_note="monitoring")
    post(bob, b, "pass_back", pass_back_note="restarted")
    post(anna, a, "assign", assignee="lisa@coolxost.com")
    page = post(kristina, k, "done", problem="down", resolution="restarted")
    assert "Not done" in page  # Lisa holds it now
    assert "is done" in post(anna, a, "done", problem="Site is down", resolution="Restarted the server")
    ticket = _ticket(Session, number)
    assert (ticket.status, ticket.problem) == (Status.DONE, "Site is down")
    vias = {via for kind, via in _events(Session, number) if kind != "created"}
    assert vias == {"web"}


def test_the_ticket_page_polls_its_version(signed_in, make_ticket, clock):
    number = make_ticket()
    client, csrf = signed_in("kristina")
    before = client.get(f"/desk/tickets/{number}.json").get_json()["version"]
    page = client.get(f"/desk/tickets/{number}").get_data(as_text=True)
    assert f'data-version="{before}"' in page
    clock.advance(seconds=3)
    other, c2 = signed_in("lisa")
    other.post(f"/desk/tickets/{number}/claim", data={"csrf_token": c2})
    assert client.get(f"/desk/tickets/{number}.json").get_json()["version"] != before


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/desk/", "/desk/queues"])
def test_sign_in_redirects_only_inside_the_site(app, desk, target):
    client = app.test_client()
    page = client.get("/desk/signin").get_data(as_text=True)
    response = client.post("/desk/signin", data={"agent": desk.anna.id, "csrf_token": csrf_of(page), "next": target})
    assert response.headers["Location"] == "/desk/queues"
