"""Issue 3: the emulator's own throughput, so later figures know the emulator is not their bottleneck.

Measures, with quotas and faults off, over a mailbox of a few thousand realistic messages:
- messages.get (format full) per second, sequential, one google-api-python-client service;
- messages.get per second through batches of 50 (BatchHttpRequest), the way a backfill fetches.
Each measurement runs for a fixed wall-clock budget, so the whole benchmark stays well under a minute.

The mailbox is written straight into a SQLite file (setup, not measured), then served by `python -m
gmail_emulator serve --db FILE` in its own process, so the client's CPU time (google-api-python-client is not
cheap) does not share a GIL with the server's. The client builds its `messages()` resource once, as a backfill
should: building it per call costs about as much as the call.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.common import Figure
from gmail_emulator import client
from gmail_emulator.config import EmulatorConfig
from gmail_emulator.server import Emulator

ROOT = Path(__file__).resolve().parents[1]

MAILBOX_SIZE = 3000
BUDGET_S = 6.0
BATCH_SIZE = 50


def run(args: Any = None) -> list[Figure]:
    budget = float(getattr(args, "budget_s", None) or BUDGET_S)
    size = int(getattr(args, "mailbox_size", None) or MAILBOX_SIZE)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "bench.sqlite")
        ids = _fill(db_path, size)
        with _served(db_path) as url:
            messages = client.build_service(url).users().messages()
            sequential = _sequential_gets(messages, ids, budget)
            batched = _batched_gets(url, messages, ids, budget)
    note = f"{size} messages, quotas off, one client, server in its own process"
    return [
        Figure("emulator: messages.get (full), sequential", sequential, "msg/s", note),
        Figure(f"emulator: messages.get in batches of {BATCH_SIZE}", batched, "msg/s", note),
    ]


def _fill(db_path: str, size: int) -> list[str]:
    """Store the mailbox directly (setup, not measured) through the same store path the API uses."""
    emulator = Emulator(EmulatorConfig(), db_path=db_path, seed=7)
    try:
        store = emulator.store
        address = store.resolve("me")
        rng = random.Random(3)
        with emulator.db.tx():
            return [store.add_message(address, _mail(n, rng), label_ids=["INBOX", "UNREAD"], thread_id=None,
                                      date_source="dateHeader") for n in range(size)]
    finally:
        emulator.close()


def _mail(n: int, rng: random.Random) -> bytes:
    words = " ".join(rng.choice(["disk", "cpu", "backup", "dns", "mail", "quota", "invoice"]) for _ in range(120))
    return (
        f"From: customer{n % 97}@example.org\r\nTo: support@coolxost.com\r\n"
        f"Subject: Ticket {n}: my server is {rng.choice(['down', 'slow', 'on fire'])}\r\n"
        f"Date: Mon, 23 Nov 2026 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d} +0000\r\n"
        f"Message-ID: <bench-{n}@example.org>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative; boundary="b{n}"\r\n\r\n'
        f'--b{n}\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\nHello,\r\n\r\n{words}\r\n'
        f'--b{n}\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n<p>Ticket {n}</p><p>{words}</p>\r\n'
        f"--b{n}--\r\n"
    ).encode()


@contextmanager
def _served(db_path: str) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "gmail_emulator", "serve", "--port", str(port), "--db", db_path],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "_emulator/health", timeout=1).close()  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the emulator did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _sequential_gets(messages: Any, ids: list[str], budget: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < budget:
        messages.get(userId="me", id=ids[done % len(ids)], format="full").execute()
        done += 1
    return done / (time.perf_counter() - started)


def _batched_gets(url: str, messages: Any, ids: list[str], budget: float) -> float:
    done, started = 0, time.perf_counter()
    failures: list[BaseException] = []

    def callback(_request_id: str, _response: Any, exception: BaseException | None) -> None:
        if exception is not None:
            failures.append(exception)

    while time.perf_counter() - started < budget:
        batch = client.new_batch(url, callback)
        for k in range(BATCH_SIZE):
            batch.add(messages.get(userId="me", id=ids[(done + k) % len(ids)], format="full"))
        batch.execute()
        done += BATCH_SIZE
    if failures:
        raise RuntimeError(f"{len(failures)} batched gets failed, first: {failures[0]}")
    return done / (time.perf_counter() - started)


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
