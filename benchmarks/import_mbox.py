"""`linedesk import-mbox` speed: messages per second for a generated 5,000-message Takeout mbox on SQLite.

The mbox mimics a shared inbox: 1,000 customers, conversations of one to five mails (Gmail thread ids in
X-GM-THRID), one agent answer per conversation labelled Sent, a few auto-replies. Target ≥ 2,000 messages/s.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from app.clock import SystemClock
from app.db import make_engine, session_factory
from app.migrate import upgrade
from app.models import Line, LineKind, Mailbox
from benchmarks.common import Figure
from gmail_sync.importers import import_mbox

MESSAGES = 5000
SUPPORT = "support@bench.test"


def generate(path: Path, count: int = MESSAGES) -> None:
    with path.open("w", encoding="utf-8") as out:
        n, conversation = 0, 0
        while n < count:
            conversation += 1
            customer = f"customer{conversation % 1000}@example.com"
            thrid = 10**15 + conversation
            root = f"<c{conversation}.0@example.com>"
            for step in range(min(1 + conversation % 5, count - n)):
                sent = step == 1
                sender = SUPPORT if sent else customer
                refs = " ".join(f"<c{conversation}.{i}@example.com>" for i in range(step))
                headers = [f"X-GM-THRID: {thrid}", f"X-Gmail-Labels: {'Sent' if sent else 'Inbox,Opened'}",
                           f"From: {sender}", f"To: {SUPPORT if not sent else customer}",
                           f"Subject: {'Re: ' if step else ''}Problem {conversation}",
                           f"Message-ID: <c{conversation}.{step}@example.com>",
                           f"Date: Mon, 02 Mar 2026 10:{step:02}:00 +0000"]
                if step:
                    headers += [f"In-Reply-To: <c{conversation}.{step - 1}@example.com>", f"References: {refs}"]
                if conversation % 50 == 0 and step == 2:
                    headers.append("Auto-Submitted: auto-replied")
                body = f"Hello,\n\nmessage {step} about problem {conversation} ({root}).\n\n-- \nSignature\n"
                out.write("From 1@xxx Mon Mar 02 10:00:00 +0000 2026\n" + "\n".join(headers) + "\n\n" + body + "\n")
                n += 1


def run(args: object) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        mbox, url = Path(tmp) / "takeout.mbox", f"sqlite:///{tmp}/bench.sqlite3"
        generate(mbox)
        upgrade(url)
        engine = make_engine(url)
        sessions = session_factory(engine)
        with sessions() as session:
            line = Line(slug="l1", name="1st line", kind=LineKind.SUPPORT)
            session.add_all([line, Mailbox(address=SUPPORT, default_line=line)])
            session.commit()
        started = time.perf_counter()
        report = import_mbox(sessions, SystemClock(), mbox, SUPPORT)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = import_mbox(sessions, SystemClock(), mbox, SUPPORT)
        second = time.perf_counter() - started
        engine.dispose()
    return [
        Figure("import-mbox, 5,000 messages, SQLite", report.read / first, "messages/s",
               f"target >= 2,000; {report.summary()}"),
        Figure("import-mbox re-run (all already stored)", again.read / second, "messages/s",
               f"{again.duplicates} duplicates skipped"),
    ]
