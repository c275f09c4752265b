"""Issue 4: the Gmail sync's figures — ingest speed, quota use, and the cost of an idle poll.

- Ingest, quotas off, SQLite: a backfill of a few thousand messages from the local Gmail into tickets, in
  messages per second end to end (list, batched messages.get raw, parse, noise, workflow, commit per batch).
  Target ≥ 1,000/s.
- Backfill with Gmail's quota on (250 units/s in the local Gmail, the limiter set to the same): units per
  second used and 429s received. Target ≥ 90 % of the quota, no 429 after the first second.
- Idle incremental poll: API calls and milliseconds. Target 1 call.

The local Gmail runs in its own process (see emulator_throughput: the client's CPU must not share a GIL with the
server's) over a mailbox stored straight into its SQLite file; every measurement is bounded well under a minute.
"""

from __future__ import annotations

import json
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from app.clock import SystemClock
from app.db import make_engine, session_factory, transaction
from app.migrate import upgrade
from app.models import Line, LineKind, Mailbox
from benchmarks.common import Figure
from benchmarks.emulator_throughput import _fill, _served
from gmail_sync.client import GmailApi
from gmail_sync.quota import Limiter
from gmail_sync.runner import MailboxRunner

ADDRESS = "support@coolxost.com"
INGEST_SIZE = 3000
QUOTA_SIZE = 600  # 600 messages.get at 250 units/s: about 12 s
QUOTA = 250.0


def run(args: Any = None) -> list[Figure]:
    size = int(getattr(args, "mailbox_size", None) or INGEST_SIZE)
    with tempfile.TemporaryDirectory() as tmp:
        ingest, idle_calls, idle_ms = _ingest(Path(tmp), size)
        units_per_s, refused, used = _quota(Path(tmp))
    return [
        Figure("sync: ingest from the local Gmail into tickets (SQLite)", ingest, "msg/s",
               f"{size} messages, quotas off, target ≥ 1,000/s"),
        Figure("sync: backfill under a 250 units/s quota: units used", units_per_s, "units/s",
               f"{used:.0%} of the quota, target ≥ 90 %"),
        Figure("sync: backfill under a 250 units/s quota: 429s", refused, "refusals", "target 0 after the first second"),
        Figure("sync: idle incremental poll: API calls", idle_calls, "calls", "target 1"),
        Figure("sync: idle incremental poll: time", idle_ms, "ms"),
    ]


def _ingest(tmp: Path, size: int) -> tuple[float, int, float]:
    db_path = str(tmp / "ingest-gmail.sqlite")
    _fill(db_path, size)
    with _served(db_path) as url:
        runner, engine = _runner(tmp / "ingest.sqlite3", url, None)
        started = time.perf_counter()
        report = runner.sync_once()
        rate = report.fetched / (time.perf_counter() - started)
        _post(url, "reset", {"stats": True})
        started = time.perf_counter()
        runner.sync_once()
        idle_ms = (time.perf_counter() - started) * 1000
        idle_calls = _get(url, "stats")["total_calls"]
        engine.dispose()
    return rate, idle_calls, idle_ms


def _quota(tmp: Path) -> tuple[float, int, float]:
    db_path = str(tmp / "quota-gmail.sqlite")
    _fill(db_path, QUOTA_SIZE)
    with _served(db_path) as url:
        _post(url, "config", {"quota_units_per_s": QUOTA})
        runner, engine = _runner(tmp / "quota.sqlite3", url, QUOTA)
        _post(url, "reset", {"stats": True})
        started = time.perf_counter()
        runner.sync_once()
        elapsed = time.perf_counter() - started
        stats = _get(url, "stats")
        engine.dispose()
    units_per_s = stats["total_units"] / elapsed
    return units_per_s, sum(stats["rejected"].values()), units_per_s / QUOTA


def _runner(db_file: Path, url: str, units: float | None) -> tuple[MailboxRunner, Any]:
    db_url = f"sqlite:///{db_file}"
    upgrade(db_url)
    engine = make_engine(db_url)
    Session = session_factory(engine)
    with transaction(Session) as session:
        line = Line(slug="l1", name="1st line", kind=LineKind.SUPPORT, position=1)
        session.add_all([line, Mailbox(address=ADDRESS, default_line=line)])
    api = GmailApi.connect(ADDRESS, url, limiter=Limiter(units))
    return MailboxRunner(Session, api, ADDRESS, SystemClock()), engine


def _post(url: str, action: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(url + "_emulator/" + action, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()


def _get(url: str, action: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "_emulator/" + action, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result
