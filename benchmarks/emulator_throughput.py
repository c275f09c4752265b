"""Issue 3: the emulator's own throughput, so later figures know the emulator is not their bottleneck.

Measures, with quotas and faults off, over a mailbox of a few thousand realistic messages:
- messages.get (format full) per second, sequential, one google-api-python-client service;
- messages.get per second through batches of 50 (BatchHttpRequest), the way a backfill fetches.
Each measurement runs for a fixed wall-clock budget, so the whole benchmark stays well under a minute.
"""

from __future__ import annotations

import random
import time
from email.message import EmailMessage
from typing import Any

from benchmarks.common import Figure
from gmail_emulator.testing import EmulatorServer

MAILBOX_SIZE = 3000
BUDGET_S = 6.0
BATCH_SIZE = 50


def run(args: Any = None) -> list[Figure]:
    budget = float(getattr(args, "budget_s", BUDGET_S) or BUDGET_S)
    size = int(getattr(args, "mailbox_size", MAILBOX_SIZE) or MAILBOX_SIZE)
    with EmulatorServer(seed=7) as server:
        ids = _fill(server, size)
        gmail = server.service()
        sequential = _sequential_gets(gmail, ids, budget)
        batched = _batched_gets(server, gmail, ids, budget)
    note = f"{size} messages, quotas off, one client"
    return [
        Figure("emulator: messages.get (full), sequential", sequential, "msg/s", note),
        Figure(f"emulator: messages.get in batches of {BATCH_SIZE}", batched, "msg/s", note),
    ]


def _fill(server: EmulatorServer, size: int) -> list[str]:
    """Store the mailbox directly (setup, not measured): the same store path the API uses."""
    store = server.emulator.store
    address = store.resolve("me")
    rng = random.Random(3)
    ids = []
    for n in range(size):
        ids.append(store.add_message(address, _mail(n, rng), label_ids=["INBOX", "UNREAD"], thread_id=None,
                                     date_source="dateHeader"))
    return ids


def _mail(n: int, rng: random.Random) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"customer{n % 97}@example.org"
    msg["To"] = "support@coolxost.com"
    msg["Subject"] = f"Ticket {n}: my server is {rng.choice(['down', 'slow', 'fine?', 'on fire'])}"
    msg["Date"] = f"Mon, 23 Nov 2026 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d} +0000"
    msg["Message-ID"] = f"<bench-{n}@example.org>"
    msg.set_content("Hello,\n\n" + " ".join(rng.choice(["disk", "cpu", "backup", "dns", "mail"]) for _ in range(120)))
    msg.add_alternative(f"<p>Ticket {n}</p>", subtype="html")
    return msg.as_bytes()


def _sequential_gets(gmail: Any, ids: list[str], budget: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < budget:
        gmail.users().messages().get(userId="me", id=ids[done % len(ids)], format="full").execute()
        done += 1
    return done / (time.perf_counter() - started)


def _batched_gets(server: EmulatorServer, gmail: Any, ids: list[str], budget: float) -> float:
    done, started = 0, time.perf_counter()
    failures: list[BaseException] = []

    def callback(_request_id: str, _response: Any, exception: BaseException | None) -> None:
        if exception is not None:
            failures.append(exception)

    while time.perf_counter() - started < budget:
        batch = server.batch(callback)
        for k in range(BATCH_SIZE):
            batch.add(gmail.users().messages().get(userId="me", id=ids[(done + k) % len(ids)], format="full"))
        batch.execute()
        done += BATCH_SIZE
    if failures:
        raise RuntimeError(f"{len(failures)} batched gets failed, first: {failures[0]}")
    return done / (time.perf_counter() - started)


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
