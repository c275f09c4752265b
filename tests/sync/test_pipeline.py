"""The fill's pipeline: chunks come out in order, fetched and parsed, and the parse worker is a speed-up only —
what it parses equals the in-process parse, and when it dies the fill goes on without it."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Message, Ticket
from gmail_sync.client import FetchedMessage
from gmail_sync.parse import parse_mail
from gmail_sync.pipeline import Parser, staged
from gmail_sync.runner import SyncOptions
from tests.sync.conftest import count, fill, inbox_ids, mail, stored_ids


def _fetched(n: int) -> FetchedMessage:
    raw = mail(f"Subject {n}", sender=f"c{n}@example.org", body=f"Body {n}\n\n> quoted\n", message_id=f"<p{n}@x>")
    return FetchedMessage(id=f"m{n}", thread_id=f"t{n}", label_ids=["INBOX"], internal_date_ms=0, history_id=None,
                          raw=raw)


def test_chunks_come_out_in_order_fetched_and_parsed():
    messages = {f"m{n}": _fetched(n) for n in range(23)}
    chunks = [[f"m{n}" for n in range(start, min(start + 5, 23))] for start in range(0, 23, 5)]
    with Parser(processes=1) as parser:
        assert not parser.in_process
        out = list(staged(lambda ids: [messages[i] for i in ids], chunks, parser))
    assert [chunk for chunk, _, _ in out] == chunks
    for chunk, fetched, parsed in out:
        assert [m.id for m in fetched] == chunk
        assert parsed == [parse_mail(m.raw) for m in fetched]  # the worker's parse is the in-process parse


def test_a_dead_worker_is_replaced_by_the_in_process_parse():
    batch = [_fetched(n) for n in range(4)]
    with Parser(processes=1) as parser:
        assert parser.result(parser.submit(batch), batch) == [parse_mail(m.raw) for m in batch]
        parser._worker.kill()  # the worker dies (out of memory, killed by an operator …)
        parser._worker.wait()
        again = parser.result(parser.submit(batch), batch)
        assert again == [parse_mail(m.raw) for m in batch] and parser.in_process
        assert parser.result(parser.submit(batch), batch) == again  # and the rest of the fill goes on in-process


def test_a_small_fill_starts_no_worker():
    with Parser.for_fill(10, processes=1, from_size=2000) as parser:
        assert parser.in_process


def test_a_backfill_through_the_worker_stores_every_message_once(make_runner, gmail, Session):
    fill(gmail, 60)
    report = make_runner(options=SyncOptions(batch_size=7, parse_processes=1, parse_processes_from=1)).sync_once()
    assert report.fetched == 60 and len(report.new_tickets) == 60
    assert sorted(stored_ids(Session)) == sorted(inbox_ids(gmail)) and count(Session, Ticket) == 60
    with Session() as session:
        subjects = set(session.scalars(select(Message.subject)))
    assert subjects == {f"bulk {n}" for n in range(60)}
