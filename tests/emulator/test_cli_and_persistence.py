"""The CLI (`serve`, `deliver`, `seed`) and mailboxes that survive a restart with --db."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from gmail_emulator.cli import emulator_group
from gmail_emulator.client import build_service
from gmail_emulator.testing import EmulatorServer
from tests.emulator.conftest import import_mail, make_mail

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(*args: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "gmail_emulator", "serve", "--port", str(port), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(url + "_emulator/health", timeout=1) as response:  # noqa: S310
                    assert json.load(response) == {"ok": True}
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise RuntimeError(f"emulator did not start: {output}") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def test_serve_with_db_keeps_mailboxes_across_restarts(tmp_path):
    db = tmp_path / "gmail.sqlite"
    with _serve("--db", str(db), "--address", "demo@coolxost.com") as url:
        gmail = build_service(url)
        message = import_mail(gmail, make_mail("Persist me"))
        label = gmail.users().labels().create(userId="me", body={"name": "Kept"}).execute()
        history_id = gmail.users().getProfile(userId="me").execute()["historyId"]
    with _serve("--db", str(db), "--address", "demo@coolxost.com") as url:
        gmail = build_service(url)
        profile = gmail.users().getProfile(userId="me").execute()
        assert profile["emailAddress"] == "demo@coolxost.com"
        assert profile["messagesTotal"] == 1 and profile["historyId"] == history_id
        got = gmail.users().messages().get(userId="me", id=message["id"]).execute()
        assert got["payload"]["headers"]
        assert gmail.users().labels().get(userId="me", id=label["id"]).execute()["name"] == "Kept"


def test_serve_requires_token_when_told():
    with _serve("--require-token", "letmein") as url:
        request = urllib.request.Request(url + "gmail/v1/users/me/profile")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310
        assert info.value.code == 401
        info.value.close()
        assert build_service(url, token="letmein").users().getProfile(userId="me").execute()


def test_deliver_imports_into_inbox(tmp_path):
    eml = tmp_path / "mail.eml"
    eml.write_bytes(make_mail("Delivered mail"))
    with EmulatorServer() as server:
        result = CliRunner().invoke(emulator_group, ["deliver", str(eml), "--endpoint", server.url])
        assert result.exit_code == 0, result.output
        assert "delivered" in result.output
        gmail = server.service()
        listed = gmail.users().messages().list(userId="me", labelIds=["INBOX", "UNREAD"]).execute()
        assert listed["resultSizeEstimate"] == 1
        other = CliRunner().invoke(emulator_group, ["deliver", str(eml), "--to", "bob@example.net",
                                                    "--endpoint", server.url])
        assert other.exit_code == 0, other.output
        assert gmail.users().getProfile(userId="bob@example.net").execute()["messagesTotal"] == 1


def test_seed_fills_the_mailbox():
    pytest.importorskip("gmail_emulator.seed")
    with EmulatorServer() as server:
        result = CliRunner().invoke(emulator_group, ["seed", "--endpoint", server.url])
        assert result.exit_code == 0, result.output
        assert server.service().users().getProfile(userId="me").execute()["messagesTotal"] > 0
