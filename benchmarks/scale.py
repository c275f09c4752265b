"""Issue 10: Linedesk under a team's load — the web app under gunicorn, and ten mailboxes syncing at once.

Web: gunicorn with 2 workers (deploy/gunicorn.conf.py, 4 threads each) on this machine, PostgreSQL holding
1,000,000 tickets (benchmarks/reports.py's year of tickets, built with INSERT … SELECT over generate_series; all
but the last two weeks' closed, as on a live desk: about 9,500 open, 1,900 of them unclaimed) plus 200 agents in
every line, and 3 messages on every 20th ticket (150,000). Each of the 200 agents signs in
through the web panel's own sign-in form (the password-free sign-in of demo mode: LINEDESK_DEMO=1; the session is
the signed cookie a Google sign-in would set), then the load generator (threads + http.client, keep-alive, in
this process) replays the agents' traffic:

- "paced": 200 agents, each alternating the queue page (GET /desk/queues) and a ticket panel (GET
  /desk/tickets/N, which also records the agent's presence: one write) with an exponential think time of mean
  THINK_S seconds — what 200 agents at work ask of the server;
- "saturated": CLIENTS clients cycling through the 200 agents' sessions with no think time — the most the
  2 workers serve.

Requests per second and p50/p95 per page; first with one client (the server's own time per page, no
queueing). The load generator shares the 2 cores with gunicorn and PostgreSQL, so the saturated figures are a
floor.

Sync: ten mailboxes in one local Gmail (its own process) with Gmail's per-user quota on (250 units/s each, then
50), one `linedesk sync --once --mailbox ADDRESS` process per mailbox, all started together, into PostgreSQL:
each mailbox's backfill of MAILBOX_SIZE messages, its units per second (the emulator counts units per mailbox)
against its own quota, and the 429s.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlencode

from sqlalchemy import text

from app.db import make_engine, session_factory
from app.migrate import upgrade
from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parents[1]
TICKETS = int(os.environ.get("LINEDESK_BENCH_SCALE_TICKETS", "1000000"))
PARTS = os.environ.get("LINEDESK_BENCH_SCALE_PARTS", "web,sync").split(",")
AGENTS = 200
# An agent reads a ticket and writes an answer between two page loads; the open pages poll small JSON endpoints,
# not measured here. 15 s per full page is pessimistic for that: 200 agents ask ~13 pages a second.
THINK_S = float(os.environ.get("LINEDESK_BENCH_SCALE_THINK_S", "15.0"))
PACED_S = float(os.environ.get("LINEDESK_BENCH_SCALE_SECONDS", "60"))
SATURATED_S = 20.0
CLIENTS = 16
MAILBOXES = 10
MAILBOX_SIZE = int(os.environ.get("LINEDESK_BENCH_SCALE_MAILBOX_SIZE", "300"))
# Gmail's 250 units/s, then a fifth of it: ten mailboxes at 250 units/s ask 500 messages/s of the machine, more than
# 2 cores ingest, so the second run shows the per-mailbox limiter at work where the quota, not the CPU, is the bound.
QUOTAS = (250.0, 50.0)
WARM_UP_S = 4.0  # the processes' start-up (imports, connections) is not syncing
PAGES = ("queues", "panel")


def run(args: Any = None) -> list[Figure]:
    from app.scratch_db import create_scratch_database, drop_scratch_database

    admin_url = os.environ.get("LINEDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    figures: list[Figure] = []
    if "web" in PARTS:
        url = create_scratch_database(admin_url, prefix="linedesk_bench")
        try:
            upgrade(url)
            figures += _web(url)
        finally:
            drop_scratch_database(admin_url, url)
    for quota in QUOTAS if "sync" in PARTS else ():
        url = create_scratch_database(admin_url, prefix="linedesk_bench")
        try:
            upgrade(url)
            figures += _sync(url, quota)
        finally:
            drop_scratch_database(admin_url, url)
    return figures


# ----- web --------------------------------------------------------------------------------------------------
def _web(url: str) -> list[Figure]:
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            from benchmarks.reports import build_data

            build_data(session, TICKETS)
            _agents_and_messages(session)
            session.commit()
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
            agent_ids = [row[0] for row in connection.execute(text(
                "SELECT id FROM agents WHERE email LIKE 'scale%' ORDER BY id"))]
            panel_numbers = [row[0] for row in connection.execute(text(
                "SELECT number FROM tickets WHERE id % 20 = 0 ORDER BY random() LIMIT 5000"))]
    finally:
        engine.dispose()
    built = time.perf_counter() - started
    figures = [Figure("scale: data built (tickets)", TICKETS, "tickets", f"in {built:.0f} s, PostgreSQL")]
    with _gunicorn(url) as port:
        cookies = [_sign_in(port, agent_id) for agent_id in agent_ids]
        _drive(port, cookies, panel_numbers, clients=CLIENTS, think_s=0.0, seconds=3.0)  # warm-up
        for label, clients, think, seconds in (("one client", 1, 0.0, 10.0),
                                               ("paced, 200 agents", AGENTS, THINK_S, PACED_S),
                                               (f"saturated, {CLIENTS} clients", CLIENTS, 0.0, SATURATED_S)):
            samples, errors, elapsed = _drive(port, cookies, panel_numbers, clients=clients, think_s=think,
                                              seconds=seconds)
            total = sum(len(v) for v in samples.values())
            note = f"2 gunicorn workers, {TICKETS:,} tickets" + (f", think time {think:g} s" if think else "")
            figures.append(Figure(f"web {label}: requests per second", round(total / elapsed, 1), "req/s", note))
            for page in PAGES:
                values = sorted(samples[page])
                figures.append(Figure(f"web {label}: {page} p50", round(statistics.median(values) * 1000, 1), "ms"))
                figures.append(Figure(f"web {label}: {page} p95", round(_p95(values) * 1000, 1), "ms",
                                      f"{len(values)} requests, {len(values) / elapsed:.1f}/s"))
            figures.append(Figure(f"web {label}: errors", errors, "responses", "anything but 200"))
    return figures


def _agents_and_messages(session: Any) -> None:
    # A live desk: the year's tickets are closed but for the last two weeks' (benchmarks/reports.py leaves a
    # quarter of the whole year open, which no team of 200 works with). About 9,500 stay open, 1,900 unclaimed.
    session.execute(text("""
        UPDATE tickets SET status = 'completed', done_at = coalesce(done_at, created_at + interval '1 day'),
                           completed_at = coalesce(completed_at, created_at + interval '2 days')
        WHERE status NOT IN ('done', 'completed') AND created_at < timestamptz '2026-12-17 00:00:00+00'"""))
    session.execute(text("""
        INSERT INTO agents (email, name, role, on_duty, active, digest, digest_at)
        SELECT 'scale' || g || '@bench.example', 'Scale agent ' || g, 'agent', true, true, '', '08:00'
        FROM generate_series(1, :n) g"""), {"n": AGENTS})
    session.execute(text("""
        INSERT INTO line_members (line_id, agent_id)
        SELECT l.id, a.id FROM lines l CROSS JOIN agents a WHERE a.email LIKE 'scale%'"""))
    session.execute(text("""
        INSERT INTO messages (ticket_id, direction, channel, from_address, subject, body_text, body_html,
                              attachments, automatic, sent_at, created_at)
        SELECT t.id, CASE WHEN k = 2 THEN 'out' ELSE 'in' END, 'email', 'customer' || (t.id % 30000) || '@example.org',
               t.subject, repeat('The server does not answer since this morning. ', 8),
               '<p>' || repeat('The server does not answer since this morning. ', 8) || '</p>', '[]', false,
               t.created_at + k * interval '10 minutes', t.created_at + k * interval '10 minutes'
        FROM tickets t CROSS JOIN generate_series(0, 2) k WHERE t.id % 20 = 0"""))


def _p95(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.95))]


@contextmanager
def _gunicorn(url: str) -> Iterator[int]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "LINEDESK_DEMO": "1",
               "LINEDESK_INSTANCE": directory, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(  # noqa: S603 - our own app
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind",
             f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "/dev/null", "app:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if _call(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start") from None
                    time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(connection: http.client.HTTPConnection, method: str, path: str, cookie: str = "",
          form: dict[str, Any] | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body, headers["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def _sign_in(port: int, agent_id: int) -> str:
    """The web panel's sign-in form, as a browser fills it: GET (CSRF token), POST; returns the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        _status, headers, page = _call(connection, "GET", "/desk/signin")
        cookie = re.search(r"(linedesk_session=[^;]*)", headers["set-cookie"])[1]
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page)[1].decode()
        status, headers, _ = _call(connection, "POST", "/desk/signin", cookie, {"agent": agent_id, "csrf_token": csrf})
        if status not in (302, 303):
            raise RuntimeError(f"sign-in of agent {agent_id} answered {status}")
        return re.search(r"(linedesk_session=[^;]*)", headers["set-cookie"])[1]
    finally:
        connection.close()


def _drive(port: int, cookies: list[str], numbers: list[int], *, clients: int, think_s: float, seconds: float
           ) -> tuple[dict[str, list[float]], int, float]:
    samples: dict[str, list[float]] = defaultdict(list)
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(index: int) -> None:
        rng = random.Random(index)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        turn = rng.randrange(2)
        if think_s:
            time.sleep(rng.uniform(0, think_s))  # agents do not all start on the same tick
        while time.perf_counter() < stop:
            cookie = cookies[index % len(cookies)] if think_s else rng.choice(cookies)
            page = PAGES[turn % 2]
            turn += 1
            path = "/desk/queues" if page == "queues" else f"/desk/tickets/{rng.choice(numbers)}"
            began = time.perf_counter()
            status = 0
            for _attempt in range(2):  # as a browser does: a kept-alive connection the server closed meanwhile
                try:
                    status = _call(connection, "GET", path, cookie)[0]
                    break
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            took = time.perf_counter() - began
            with lock:
                if status == 200:
                    samples[page].append(took)
                else:
                    errors[0] += 1
            if think_s:
                time.sleep(min(rng.expovariate(1 / think_s), max(0.0, stop - time.perf_counter())))
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, errors[0], time.perf_counter() - began


# ----- sync -------------------------------------------------------------------------------------------------
def _sync(url: str, quota: float) -> list[Figure]:
    from app.db import transaction
    from app.models import Line, LineKind, Mailbox
    from benchmarks.emulator_throughput import _mail, _served
    from gmail_emulator.config import EmulatorConfig
    from gmail_emulator.server import Emulator

    addresses = [f"support{n}@coolxost.com" for n in range(MAILBOXES)]
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        line = Line(slug="l1", name="1st line", kind=LineKind.SUPPORT, position=1)
        session.add_all([line, *(Mailbox(address=address, default_line=line) for address in addresses)])
    engine.dispose()
    with tempfile.TemporaryDirectory() as directory:
        db_path = str(Path(directory) / "gmail.sqlite")
        emulator = Emulator(EmulatorConfig(), db_path=db_path, seed=7)
        rng = random.Random(3)
        with emulator.db.tx():
            for address in addresses:
                emulator.store.resolve(address)
                for n in range(MAILBOX_SIZE):
                    emulator.store.add_message(address, _mail(n, rng).replace(b"support@coolxost.com",
                                                                              address.encode()),
                                               label_ids=["INBOX", "UNREAD"], thread_id=None, date_source="receivedTime")
        emulator.close()
        with _served(db_path) as gmail:
            _emulator(gmail, "config", {"quota_units_per_s": quota})
            _emulator(gmail, "reset", {"stats": True})
            env = {**os.environ, "DATABASE_URL": url, "GMAIL_API_ENDPOINT": gmail, "PYTHONPATH": str(ROOT),
                   "GMAIL_QUOTA_UNITS_PER_S": str(quota), "LINEDESK_INSTANCE": directory}
            began = time.perf_counter()
            processes = {address: subprocess.Popen(  # noqa: S603 - our own CLI
                [sys.executable, "-m", "app.cli", "sync", "--once", "--mailbox", address], cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for address in addresses}
            took: dict[str, float] = {}
            window: list[tuple[float, dict[str, int]]] = []  # (time, units per mailbox) while all ten run
            while len(took) < len(processes):
                for address, process in processes.items():
                    if address not in took and process.poll() is not None:
                        took[address] = time.perf_counter() - began
                        if process.returncode:
                            raise RuntimeError(f"sync of {address} failed ({process.returncode})")
                if not took and time.perf_counter() - began >= WARM_UP_S:
                    window.append((time.perf_counter(), _emulator(gmail, "stats")["units_by_user"]))
                time.sleep(0.5)
            wall = time.perf_counter() - began
            stats = _emulator(gmail, "stats")
    (t1, first), (t2, last) = window[0], window[-1]
    per_box = [(last.get(address, 0) - first.get(address, 0)) / (t2 - t1) for address in addresses]
    whole = [stats["units_by_user"].get(address, 0) / took[address] for address in addresses]
    rejected = sum(stats["rejected_by_user"].values())
    note = f"{MAILBOXES} mailboxes x {MAILBOX_SIZE} messages, one sync process each"
    name = f"sync 10 mailboxes at {quota:g} units/s each"
    return [
        Figure(f"{name}: units/s per mailbox, median", round(statistics.median(per_box), 1), "units/s",
               f"{statistics.median(per_box) / quota:.0%} of its quota, while all ten sync ({t2 - t1:.0f} s); {note}"),
        Figure(f"{name}: units/s per mailbox, lowest", round(min(per_box), 1), "units/s",
               f"highest {max(per_box):.1f}"),
        Figure(f"{name}: units/s per mailbox, whole run, median", round(statistics.median(whole), 1), "units/s",
               "from the processes' start (~1-2 s of start-up) to their exit"),
        Figure(f"{name}: messages per second, all", round(MAILBOXES * MAILBOX_SIZE / wall, 1), "msg/s",
               f"{wall:.1f} s wall"),
        Figure(f"{name}: 429s", rejected, "responses"),
    ]


def _emulator(base: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(base + "_emulator/" + action, method="POST" if body is not None else "GET",
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the local Gmail
        answer: dict[str, Any] = json.loads(response.read() or b"{}")
        return answer
