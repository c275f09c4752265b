"""The README's main command works: `linedesk demo` comes up on embedded defaults and answers.

Runs the real command in a subprocess on free ports with its own instance folder, reads the token it prints,
and calls the API and the local Gmail over HTTP. (`./dev demo` is this command after the virtualenv set-up.)
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lines(process, out: queue.Queue) -> None:
    for line in process.stdout:
        out.put(line.rstrip("\n"))


def _wait_for(out: queue.Queue, predicate, seconds: float, seen: list[str]) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = out.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if predicate(line):
            return line
    pytest.fail("demo did not print what was expected; it printed:\n" + "\n".join(seen))


def _get(url: str, token: str | None = None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_demo_serves_linedesk_against_the_seeded_local_gmail(tmp_path):
    env = {**os.environ, "LINEDESK_INSTANCE": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("GMAIL_API_ENDPOINT", None)
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "demo", "--port", "0", "--gmail-port", "0"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process, out), daemon=True).start()
    seen: list[str] = []
    try:
        gmail_line = _wait_for(out, lambda text: text.startswith("local Gmail on "), 120, seen)
        _wait_for(out, lambda text: text.startswith("sync: backfill done"), 120, seen)
        web_line = _wait_for(out, lambda text: text.startswith("Linedesk on "), 60, seen)
        _wait_for(out, lambda text: text.startswith("API token for "), 10, seen)
        token = _wait_for(out, lambda text: text.strip() != "", 10, seen).strip()
        gmail_url = gmail_line.split()[3]
        web_url = web_line.split()[2]
        assert _get(web_url + "healthz") == {"status": "ok"}
        lines = _get(web_url + "api/v1/lines", token)
        assert {"l1", "l2", "dev", "commercial", "wishes", "devtasks"} <= {line["slug"] for line in lines["lines"]}
        profile = _get(gmail_url + "gmail/v1/users/support@coolxost.com/profile", "demo")
        assert profile["messagesTotal"] >= 30
        # the sync turned the seeded mail into tickets of the 1st line, which the agent sees
        first_line = _get(web_url + "api/v1/tickets?line=l1&limit=200", token)
        assert first_line["total"] >= 20
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()
