"""The web app is stateless: gunicorn with two worker processes (deploy/gunicorn.conf.py) serves one signed-in
session whichever worker answers — the sign-in on one, pages and a CSRF-checked POST on either — over real HTTP
against the test database. The access log names the worker (pid) of every request."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from app.db import transaction
from tests.factories import make_desk

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(port: int, method: str, path: str, cookie: str = "", form: dict | None = None
             ) -> tuple[int, dict[str, str], str]:
    """One request on a fresh connection (Connection: close), so the kernel hands each to any worker."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Connection": "close"}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body, headers["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        connection.close()


def _cookie(headers: dict[str, str], old: str = "") -> str:
    found = re.search(r"(linedesk_session=[^;]*)", headers.get("set-cookie", ""))
    return found[1] if found else old


def test_two_gunicorn_workers_serve_the_same_signed_in_session(db_url, Session, tmp_path):
    with transaction(Session) as session:
        desk = make_desk(session)
        agent_id, agent_name = desk.kristina.id, desk.kristina.name
    port, access_log = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "stateless-test-key", "LINEDESK_DEMO": "1",
           "LINEDESK_INSTANCE": str(tmp_path), "PYTHONPATH": str(ROOT)}
    with (tmp_path / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(
            [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "2", "--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %(U)s?%(q)s",
             "app:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.1)
        status, headers, page = _request(port, "GET", "/desk/signin")
        cookie = _cookie(headers)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        status, headers, _ = _request(port, "POST", "/desk/signin", cookie, {"agent": agent_id, "csrf_token": csrf})
        assert status in (302, 303), status
        cookie = _cookie(headers, cookie)

        def queues(n: int) -> tuple[int, str]:
            status, _headers, body = _request(port, "GET", f"/desk/queues?n={n}", cookie)
            return status, body

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(queues, range(120)))
        assert all(status == 200 and agent_name in body for status, body in answers), answers[0]
        # a CSRF-checked POST, on any worker, with the session's token (a new session's, since the sign-in)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', answers[-1][1])[1]
        status, headers, _ = _request(port, "POST", "/desk/signout", cookie, {"csrf_token": csrf})
        assert status in (302, 303)
        assert _request(port, "GET", "/desk/queues?n=after", _cookie(headers, cookie))[0] in (302, 303)
    finally:
        server.terminate()
        server.wait(timeout=30)
    workers = {}
    for line in access_log.read_text().splitlines():
        pid, status, path = line.split(" ", 2)
        workers.setdefault(path.split("?")[0], set()).add(pid)
    assert len(workers["/desk/queues"]) == 2, workers  # both workers served the one session
