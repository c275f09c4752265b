"""History in: a Google Takeout mbox of the old shared inbox, or a directory of .eml files, into tickets.

Why this module exists: a helpdesk that starts empty forgets every customer's past. The import runs the mail
through the SAME pipeline as the sync — `parse.parse_mail`, `noise.classify`, `Workflow.receive` — so an
imported mail becomes exactly the ticket message the sync would have made of it.

How it works:
- Identity: `provider_message_id` is `import:` + sha256 of the Message-ID (or of the bytes when there is none),
  so re-running the import finds every stored message and skips it (the workflow's duplicate rule): the import
  is resumable, and stopping it at any point loses nothing that was committed.
- Threads: Takeout's `X-GM-THRID` is Gmail's thread id in decimal; the API's threadId is the same number in
  hex, so imported tickets join the thread the sync will later see. Without it, a message joins the thread of
  the first message it references (References, then In-Reply-To) seen so far, else starts `ref:<hash of root>`.
- Labels (`X-Gmail-Labels`): Spam and Trash are skipped; Sent, or mail from the mailbox's own address, is
  recorded as outbound on the ticket of its thread (skipped when that thread has no ticket).
- Work goes in chunks of `chunk` messages: one query finds which of them are already stored (a re-run is
  mostly that), the rest go through `Workflow.receive_many` (the intake rules at a few statements per chunk),
  one commit ends the chunk.
- A bad message (unreadable, no sender) is reported with its position and reason and skipped. One the workflow
  refuses makes its chunk's savepoint roll back; the chunk is then stored again message by message, each in
  its own savepoint, so the refused one is reported and skipped and never takes the rest of its chunk with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.models import Channel, Mailbox, Message
from app.workflow import Inbound, Sent, Workflow
from gmail_sync.noise import classify
from gmail_sync.parse import ParsedMail, parse_mail

CHUNK = 500
Progress = Callable[[int], None]  # called with the number of bytes (mbox) or files (eml) just read


@dataclass(frozen=True)
class Problem:
    position: str  # "message 17 (byte 20480)" or the file name
    reason: str


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0  # new messages stored (inbound and outbound)
    new_tickets: int = 0
    outbound: int = 0
    duplicates: int = 0
    skipped: int = 0  # spam, trash, dropped automatic mail, sent mail outside any ticket
    bad: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.read} read: {self.imported} imported ({self.new_tickets} new tickets, {self.outbound} "
                f"outbound), {self.duplicates} already there, {self.skipped} skipped, {len(self.bad)} bad")


# --- sources ----------------------------------------------------------------------------------------------------


def mbox_messages(stream: BinaryIO, progress: Progress | None = None) -> Iterator[tuple[str, bytes]]:
    """(position, raw bytes) of each message of an mbox, streamed: a Takeout file may be many gigabytes."""
    lines: list[bytes] = []
    number, start, offset, previous_blank = 0, 0, 0, True
    for line in stream:
        if line.startswith(b"From ") and previous_blank:
            if number:
                if progress is not None:
                    progress(offset - start)
                yield f"message {number} (byte {start})", _unescape(lines)
            number, start, lines = number + 1, offset, []
        elif number:
            lines.append(line)
        offset += len(line)
        previous_blank = line in (b"\n", b"\r\n")
    if number:
        if progress is not None:
            progress(offset - start)
        yield f"message {number} (byte {start})", _unescape(lines)


def _unescape(lines: list[bytes]) -> bytes:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the blank line that separates messages
    return b"".join(line[1:] if line.startswith(b">From ") else line for line in lines)


def eml_messages(directory: Path, progress: Progress | None = None) -> Iterator[tuple[str, bytes]]:
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() == ".eml"):
        yield str(path.relative_to(directory)), path.read_bytes()
        if progress is not None:
            progress(1)


def count_eml(directory: Path) -> int:
    return sum(1 for p in directory.rglob("*") if p.is_file() and p.suffix.lower() == ".eml")


# --- the import -------------------------------------------------------------------------------------------------


class Importer:
    """Feeds (position, raw) pairs through the sync pipeline into one mailbox, chunk by chunk."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, mailbox_address: str, *,
                 chunk: int = CHUNK) -> None:
        self.sessions, self.clock, self.chunk = session_factory, clock, chunk
        self.address = mailbox_address.strip().lower()
        self.report = ImportReport()
        self._threads: dict[str, str] = {}  # Message-ID → provider thread id, for mail without X-GM-THRID

    def run(self, messages: Iterator[tuple[str, bytes]]) -> ImportReport:
        session = self.sessions()
        try:
            mailbox = self._mailbox(session)
            wf = Workflow(session, self.clock, via="import")
            for batch in _batches(messages, self.chunk):
                self._batch(session, wf, mailbox, batch)
                session.commit()
        finally:
            session.close()
        return self.report

    def _batch(self, session: Session, wf: Workflow, mailbox: Mailbox, batch: list[tuple[str, bytes]]) -> None:
        """Parse a chunk, skip what is already stored with one query (a re-run is mostly that), store the rest
        in bulk (`Workflow.receive_many`); if the chunk is refused, store it again message by message, so only the
        message at fault is reported and skipped."""
        parsed = [(position, raw, parse_mail(raw)) for position, raw in batch]
        identities = [_identity(mail, raw) for _, raw, mail in parsed]
        stored = set(session.scalars(select(Message.provider_message_id).where(
            Message.mailbox_id == mailbox.id, Message.provider_message_id.in_(identities))))
        todo: list[tuple[str, ParsedMail, Inbound | Sent]] = []
        for (position, raw, mail), identity in zip(parsed, identities, strict=True):
            self.report.read += 1
            thread_id = self._thread_of(mail)  # for every message, in order: keeps the thread map whole
            if identity in stored:
                self.report.duplicates += 1
                continue
            item = self._item(mailbox, position, raw, mail, thread_id)
            if item is not None:
                todo.append((position, mail, item))
        if not todo:
            return
        try:
            with session.begin_nested():
                outcomes = wf.receive_many(mailbox, [item for _, _, item in todo])
        except Exception:  # noqa: BLE001 - find the message at fault, one at a time
            for position, _mail, item in todo:
                self._one(session, wf, mailbox, position, item)
            return
        for outcome in outcomes:
            self._count(outcome.outcome)

    def _item(self, mailbox: Mailbox, position: str, raw: bytes, parsed: ParsedMail,
              thread_id: str) -> Inbound | Sent | None:
        """What the workflow gets for this mail, or None when it is bad (reported) or skipped (spam, trash)."""
        reason = _unusable(parsed)
        if reason:
            self.report.bad.append(Problem(position, reason))
            return None
        labels = _labels(parsed)
        if labels & {"spam", "trash"}:
            self.report.skipped += 1
            return None
        inbound = _inbound(parsed, raw, mailbox, thread_id, self.clock, self.address)
        if "sent" in labels or parsed.from_email == self.address:
            return Sent(inbound, match_agent=False)  # an answer: recorded on the ticket of its thread
        return inbound

    def _one(self, session: Session, wf: Workflow, mailbox: Mailbox, position: str, item: Inbound | Sent) -> None:
        try:
            with session.begin_nested():
                outcome = wf.receive_many(mailbox, [item])
        except Exception as exc:  # noqa: BLE001 - one refused message must not stop the import
            self.report.bad.append(Problem(position, f"{type(exc).__name__}: {exc}"[:500]))
            return
        self._count(outcome[0].outcome)

    def _count(self, outcome: str) -> None:
        if outcome == "duplicate":
            self.report.duplicates += 1
        elif outcome in ("dropped", "no_ticket"):
            self.report.skipped += 1
        else:
            self.report.imported += 1
            self.report.new_tickets += outcome in ("new", "follow_up")
            self.report.outbound += outcome == "outbound"

    def _mailbox(self, session: Session) -> Mailbox:
        mailbox = session.scalar(select(Mailbox).where(Mailbox.address == self.address))
        if mailbox is None:
            raise ValueError(f"no mailbox {self.address}: create it with `linedesk mailbox connect`")
        return mailbox

    def _thread_of(self, parsed: ParsedMail) -> str:
        thrid = parsed.headers.get("x-gm-thrid", "").strip()
        if thrid.isdigit():
            thread = format(int(thrid), "x")
        else:
            chain = [*parsed.references, *([parsed.in_reply_to] if parsed.in_reply_to else [])]
            known = next((self._threads[m] for m in chain if m in self._threads), None)
            root = chain[0] if chain else (parsed.message_id or "")
            thread = known or "ref:" + _digest(root.encode("utf-8", "replace"))[:40]
        if parsed.message_id:
            self._threads.setdefault(parsed.message_id, thread)
        return thread


def _unusable(parsed: ParsedMail) -> str | None:
    if any(p.startswith("unreadable as a message") for p in parsed.problems):
        return parsed.problems[0]
    if not parsed.from_email:
        return "no sender address (From)"
    if not parsed.headers:
        return "no headers"
    return None


def _labels(parsed: ParsedMail) -> set[str]:
    return {label.strip().lower() for label in parsed.headers.get("x-gmail-labels", "").split(",") if label.strip()}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _identity(parsed: ParsedMail, raw: bytes) -> str:
    """The stable provider id of an imported mail: its Message-ID's hash, or the bytes' when it has none."""
    source = parsed.message_id.encode("utf-8", "replace") if parsed.message_id else raw
    return "import:" + _digest(source)[:48]


def _batches(messages: Iterator[tuple[str, bytes]], size: int) -> Iterator[list[tuple[str, bytes]]]:
    batch: list[tuple[str, bytes]] = []
    for item in messages:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _inbound(parsed: ParsedMail, raw: bytes, mailbox: Mailbox, thread_id: str, clock: Clock,
             own_address: str) -> Inbound:
    noise = classify(parsed, own_addresses=[own_address])
    attachments: list[dict[str, Any]] = [asdict(a) for a in parsed.attachments]
    return Inbound(
        channel=Channel.EMAIL, subject=parsed.subject, body_text=parsed.text, sent_at=parsed.date or clock.now(),
        from_email=parsed.from_email, from_name=parsed.from_name, body_html=parsed.html, attachments=attachments,
        mailbox=mailbox, provider_message_id=_identity(parsed, raw), provider_thread_id=thread_id,
        rfc822_message_id=parsed.message_id, automatic=noise.automatic, visible_text=parsed.visible_text or None,
        parse_problems=list(parsed.problems))


def import_mbox(session_factory: sessionmaker[Session], clock: Clock, path: Path, mailbox_address: str, *,
                progress: Progress | None = None, chunk: int = CHUNK) -> ImportReport:
    with path.open("rb") as stream:
        return Importer(session_factory, clock, mailbox_address, chunk=chunk).run(mbox_messages(stream, progress))


def import_eml(session_factory: sessionmaker[Session], clock: Clock, directory: Path, mailbox_address: str, *,
               progress: Progress | None = None, chunk: int = CHUNK) -> ImportReport:
    return Importer(session_factory, clock, mailbox_address, chunk=chunk).run(eml_messages(directory, progress))
