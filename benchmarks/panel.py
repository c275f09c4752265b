"""Issue 7: server time of the ticket panel and of a Gmail add-on card on a large desk, SQLite and PostgreSQL.

The data: 100,000 tickets and 1,000,000 messages (1 to 19 per ticket, ten on average, short sanitised HTML
bodies, one in five with an attachment's metadata), 300,000 audit events, 50,000 notes, 30,000 customers with
earlier tickets, pending timers on the open tickets — written with plain executemany INSERTs (the workflow is
not what is measured). Measured through the Flask test client (the whole request: routing, session, queries,
rendering), after a warm-up, on tickets drawn at random from the viewer's line:

- the web panel, GET /desk/tickets/N, as a 1st-line agent;
- the add-on card, POST /addon/action {do: open} with both ID tokens verified (keys served locally, cached as
  Google's are), as the same agent;
- the queues page, GET /desk/queues;
- SQL statements per panel (counted on the engine), for a ticket with 1 message and one with 500.

Target: p95 ≤ 25 ms, and a constant number of queries whatever the history.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FrozenClock
from app.db import make_engine, session_factory
from app.migrate import upgrade
from app.models import (
    Agent, Customer, CustomerEmail, Line, LineKind, Message, Note, Role, Ticket, TicketEvent, TicketTimer,
)
from benchmarks.common import Figure

TICKETS = int(os.environ.get("LINEDESK_BENCH_PANEL_TICKETS", "100000"))
MESSAGES_PER_TICKET = (1, 19)  # uniform: ten on average, a million for 100,000 tickets
CUSTOMERS = max(1, TICKETS * 3 // 10)
LONG_HISTORY = 500
SAMPLES = 200
CHUNK = 20_000
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
AUDIENCE = "https://linedesk.example.com/addon"
SERVICE_ACCOUNT = "service-1@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"


def run(args: Any = None) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        upgrade(url)
        figures += _measure("SQLite", url, Path(directory))
    from app.scratch_db import create_scratch_database, drop_scratch_database

    admin_url = os.environ.get("LINEDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    url = create_scratch_database(admin_url, prefix="linedesk_bench")
    try:
        with tempfile.TemporaryDirectory() as directory:
            figures += _measure("PostgreSQL", url, Path(directory))
    finally:
        drop_scratch_database(admin_url, url)
    return figures


def _measure(backend: str, url: str, directory: Path) -> list[Figure]:
    from tests.google_keys import LocalGoogle  # the stand-in for Google's keys the tests use

    engine = make_engine(url)
    try:
        started = time.perf_counter()
        desk = _build(session_factory(engine), random.Random(7))
        built = time.perf_counter() - started
        if backend == "PostgreSQL":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        with LocalGoogle() as google:
            return _timings(backend, url, directory, google, desk, built)
    finally:
        engine.dispose()


def _timings(backend: str, url: str, directory: Path, google: Any, desk: dict[str, Any], built: float) -> list[Figure]:
    from app import create_app
    from app.config import Settings
    from app.web import runtime

    settings = Settings(database_url=url, secret_key="bench", instance_dir=directory, testing=True,
                        addon_audience=AUDIENCE, addon_service_accounts=frozenset({SERVICE_ACCOUNT}),
                        google_certs_url=google.certs_url)
    app = create_app(settings, clock=FrozenClock(NOW))
    web = app.test_client()
    page = web.get("/desk/signin").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    web.post("/desk/signin", data={"agent": desk["agent_id"], "csrf_token": csrf})
    addon = app.test_client()
    header = {"Authorization": "Bearer " + google.sign(aud=AUDIENCE, email=SERVICE_ACCOUNT)}
    user = google.sign(aud=AUDIENCE, email=desk["agent_email"])

    def card(number: int) -> Any:
        body = {"commonEventObject": {"parameters": {"do": "open", "number": str(number)}},
                "authorizationEventObject": {"userIdToken": user}}
        return addon.post("/addon/action", json=body, headers=header)

    rng = random.Random(11)
    numbers = rng.sample(desk["line_numbers"], SAMPLES)
    panel = _percentiles(lambda n: web.get(f"/desk/tickets/{n}"), numbers)
    cards = _percentiles(card, numbers)
    queues = _percentiles(lambda _n: web.get("/desk/queues"), numbers[:50])
    long_panel = _percentiles(lambda n: web.get(f"/desk/tickets/{n}"), [desk["long"]] * 20)
    with app.app_context():
        engine = runtime().engine
    short_q = _queries(engine, lambda: web.get(f"/desk/tickets/{desk['short']}"))
    long_q = _queries(engine, lambda: web.get(f"/desk/tickets/{desk['long']}"))
    card_q = _queries(engine, lambda: card(desk["long"]))
    with app.app_context():
        runtime().engine.dispose()
    scale = f"{TICKETS:,} tickets, {desk['messages']:,} messages; built in {built:.0f} s"
    return [
        Figure(f"web ticket panel p50, {backend}", panel[0], "ms", scale),
        Figure(f"web ticket panel p95, {backend}", panel[1], "ms", f"{SAMPLES} random tickets; target <= 25 ms"),
        Figure(f"add-on ticket card p50, {backend}", cards[0], "ms", "both ID tokens verified"),
        Figure(f"add-on ticket card p95, {backend}", cards[1], "ms", "target <= 25 ms"),
        Figure(f"web queues page p50 / p95, {backend}", queues[0], "ms", f"p95 {queues[1]:.1f} ms"),
        Figure(f"web panel of a {LONG_HISTORY}-message ticket p95, {backend}", long_panel[1], "ms",
               f"p50 {long_panel[0]:.1f} ms; the whole conversation is rendered"),
        Figure(f"SQL per web panel (1 message / {LONG_HISTORY} messages), {backend}", short_q, "queries",
               f"{long_q} with {LONG_HISTORY} messages; add-on card {card_q}"),
    ]


def _percentiles(call: Any, numbers: list[int]) -> tuple[float, float]:
    for number in numbers[:5]:  # warm the connection pool, caches and templates
        assert call(number).status_code == 200
    samples = []
    for number in numbers:
        started = time.perf_counter()
        response = call(number)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def _queries(engine: Any, call: Any) -> int:
    statements: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert call().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


# ----- the data ----------------------------------------------------------------------------------------------------
def _build(sessions: sessionmaker[Session], rng: random.Random) -> dict[str, Any]:
    with sessions() as session:
        head = Agent(email="head@bench.test", name="Head", role=Role.MANAGER)
        agents = [Agent(email=f"a{i}@bench.test", name=f"Agent {i}") for i in range(12)]
        lines = [Line(slug=f"l{n}", name=f"Line {n}", kind=LineKind.SUPPORT, head=head, position=n,
                      members=agents[4 * n:4 * n + 4]) for n in range(3)]
        session.add_all([head, *agents, *lines, Line(slug="dev", name="Development", kind=LineKind.DEVELOPMENT,
                                                     head=head, position=9)])
        session.commit()
        line_ids, agent_ids = [ln.id for ln in lines], [[a.id for a in ln.members] for ln in lines]
        viewer = (agents[0].id, agents[0].email)
    with sessions() as session:
        session.execute(insert(Customer), [{"id": c, "name": f"Customer {c}", "created_at": NOW - timedelta(days=400),
                                            "vip": c % 50 == 0, "company": f"Company {c % 997}"}
                                           for c in range(1, CUSTOMERS + 1)])
        session.execute(insert(CustomerEmail), [{"id": c, "customer_id": c, "email": f"c{c}@example.com"}
                                                for c in range(1, CUSTOMERS + 1)])
        session.commit()
    messages = 0
    line_numbers: list[int] = []
    message_id = event_id = note_id = 0
    for first in range(1, TICKETS + 1, CHUNK):
        tickets, msgs, events, notes, timers = [], [], [], [], []
        for t in range(first, min(first + CHUNK, TICKETS + 1)):
            line = 0 if t <= 2 else rng.randrange(3)  # the two measured tickets are in the viewer's line
            row = _ticket(t, rng, line_ids[line], agent_ids[line])
            tickets.append(row)
            if line == 0:
                line_numbers.append(row["number"])
            count = LONG_HISTORY if t == 2 else 1 if t == 1 else rng.randint(*MESSAGES_PER_TICKET)
            for m in range(count):
                message_id += 1
                msgs.append(_message(message_id, t, row["created_at"] + timedelta(minutes=m * 7), rng))
            messages += count
            for kind, actor in (("created", "customer"), ("claimed", "a@bench.test"), ("status", "a@bench.test")):
                event_id += 1
                events.append({"id": event_id, "ticket_id": t, "at": row["created_at"], "actor_label": actor,
                               "kind": kind, "via": "bench", "data": {}})
            if t % 2 == 0:
                note_id += 1
                notes.append({"id": note_id, "ticket_id": t, "text": "Checked the logs; waiting for the customer",
                              "created_at": row["created_at"]})
            if row["status"] in ("new", "assigned", "in_progress"):
                timers.append({"ticket_id": t, "rule": "resolution", "basis": "b", "state": "pending",
                               "due_at": row["created_at"] + timedelta(days=3)})
        with sessions() as session:
            for model, rows in ((Ticket, tickets), (Message, msgs), (TicketEvent, events), (Note, notes),
                                (TicketTimer, timers)):
                if rows:
                    session.execute(insert(model), rows)
            session.commit()
    with sessions() as session:
        _fix_sequences(session)
        session.commit()
    return {"agent_id": viewer[0], "agent_email": viewer[1], "line_numbers": line_numbers, "messages": messages,
            "short": 1, "long": 2}


def _ticket(t: int, rng: random.Random, line_id: int, agents: list[int]) -> dict[str, Any]:
    created = NOW - timedelta(minutes=(TICKETS - t) * 5)
    status = rng.choices(("completed", "done", "in_progress", "assigned", "new"), (80, 8, 5, 4, 3))[0]
    return {
        "id": t, "number": t, "subject": f"Ticket {t}: the site does not open", "channel": "email", "line_id": line_id,
        "status": status, "priority": "normal", "assignee_id": None if status == "new" else rng.choice(agents),
        "customer_id": rng.randint(1, CUSTOMERS), "created_at": created, "updated_at": created,
        "line_entered_at": created, "flag_overdue": rng.random() < 0.02, "flag_ignored": rng.random() < 0.01,
        "done_at": created + timedelta(hours=5) if status in ("done", "completed") else None,
    }


def _message(id_: int, ticket: int, at: datetime, rng: random.Random) -> dict[str, Any]:
    body = "Hello, the site example.com does not open since this morning. Could you please have a look? Thanks."
    return {
        "id": id_, "ticket_id": ticket, "direction": "in" if id_ % 2 else "out", "channel": "email",
        "from_address": f"c{ticket}@example.com", "subject": "Re: the site does not open", "body_text": body,
        "body_html": f"<p>{body}</p>", "visible_text": body, "sent_at": at, "created_at": at, "automatic": False,
        "attachments": [{"filename": "screenshot.png", "content_type": "image/png", "size": 48213}]
        if rng.random() < 0.2 else [],
    }


def _fix_sequences(session: Session) -> None:
    """Explicit ids were inserted: move PostgreSQL's sequences past them (SQLite needs nothing)."""
    session.execute(text("UPDATE counters SET value = :n WHERE name = 'ticket_number'"), {"n": TICKETS})
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("customers", "customer_emails", "tickets", "messages", "ticket_events", "notes", "ticket_timers"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
