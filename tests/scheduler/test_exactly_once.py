"""Restart safety, exactly-once firing under concurrent sweepers (threads and real processes), the indexed idle
sweep, and `linedesk rules run` (with --dry-run changing nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from app.cli import main
from app.models import Status, Ticket, TicketEvent
from app.models.timers import TicketTimer
from scheduler.engine import sweep_all

ROOT = Path(__file__).resolve().parents[2]


def _fired_counts(session) -> Counter:
    rows = session.execute(select(TicketTimer.ticket_id, TicketTimer.rule, TicketTimer.basis)
                           .where(TicketTimer.state == "fired")).all()
    return Counter(rows)


def _one_action_per_ticket(session, tickets) -> None:
    for ticket in tickets:
        kinds = Counter(session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id,
                                                                       TicketEvent.via == "scheduler")))
        assert kinds["assigned"] == 1, (ticket.number, kinds)
        assert kinds["warning"] == 1 and kinds["flag"] == 1, (ticket.number, kinds)


def test_a_sweep_after_downtime_fires_every_overdue_timer_once(new_ticket, fire, clock, session):
    tickets = [new_ticket() for _ in range(5)]
    clock.advance(days=3)
    firings = fire()
    assert Counter(f.rule for f in firings) == {"claim": 5, "first_response_warn": 5, "first_response": 5}
    assert all(t.status is Status.ASSIGNED and t.flag_overdue for t in tickets)
    assert fire() == []  # the start timers run from the (late) assignment: not due yet
    assert all(n == 1 for n in _fired_counts(session).values())


def test_two_concurrent_sweepers_fire_each_timer_once(new_ticket, Session, clock, session):
    tickets = [new_ticket() for _ in range(20)]
    session.commit()
    clock.advance(hours=2)
    results: dict[str, list] = {}
    barrier = threading.Barrier(2)

    def sweeper(owner: str) -> None:
        barrier.wait()
        results[owner] = sweep_all(Session, clock, owner=owner)

    threads = [threading.Thread(target=sweeper, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    fired = results["a"] + results["b"]
    assert len(fired) == 60 and len({f.timer_id for f in fired}) == 60
    session.expire_all()
    assert all(n == 1 for n in _fired_counts(session).values()) and sum(_fired_counts(session).values()) == 60
    _one_action_per_ticket(session, tickets)


def _cli(db_url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("command", [
    ("rules", "run", "--now", "2026-11-23T15:00:00+03:00"),
    ("scheduler", "run", "--interval", "0.5", "--for-seconds", "4"),
], ids=["rules-run", "scheduler-run"])
def test_two_scheduler_processes_fire_each_timer_once(command, db_url, new_ticket, session, clock):
    clock.set(datetime(2020, 1, 6, 9, 0, tzinfo=timezone.utc))  # long past for the real clock of `scheduler run`
    tickets = [new_ticket() for _ in range(25)]
    session.commit()
    processes = [_cli(db_url, *command) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err
    lines = [line for out, _ in outputs for line in out.splitlines() if line.startswith("#")]
    assert len(lines) == 75, "\n".join(lines)  # claim, 80 % warning and overdue for each of 25 tickets
    session.expire_all()
    counts = _fired_counts(session)
    assert sum(counts.values()) == 75 and set(counts.values()) == {1}
    owners = set(session.scalars(select(TicketTimer.fired_by).where(TicketTimer.state == "fired")))
    assert owners and all(":" in owner for owner in owners)
    _one_action_per_ticket(session, tickets)


def test_the_idle_sweep_is_an_index_range_scan(session, engine, clock):
    sql = ("SELECT id, ticket_id, rule, basis, due_at FROM ticket_timers "
           "WHERE state = 'pending' AND due_at <= :now ORDER BY due_at LIMIT 500")
    if engine.dialect.name == "sqlite":
        plan = " ".join(str(row) for row in session.execute(text("EXPLAIN QUERY PLAN " + sql), {"now": clock.now()}))
        assert "ix_ticket_timers_state_due_at" in plan and "TEMP B-TREE" not in plan
    else:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in session.execute(text("EXPLAIN " + sql), {"now": clock.now()}))
        assert "ix_ticket_timers_state_due_at" in plan and "Index" in plan
    session.rollback()


def test_rules_run_acts_and_prints_what_it_did(db_url, new_ticket, session, desk):
    ticket = new_ticket()
    result = CliRunner().invoke(main, ["rules", "run", "--now", "2026-11-23T12:00:40+03:00", "--seed", "1"],
                                env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    assert f"#{ticket.number} claim" in result.output and "assigned to" in result.output
    assert "1 timer(s) fired as of 2026-11-23T09:00:40+00:00" in result.output
    session.expire_all()
    assert ticket.status is Status.ASSIGNED


def test_rules_run_dry_run_changes_nothing(db_url, new_ticket, session):
    ticket = new_ticket()
    before = session.execute(select(TicketTimer.id, TicketTimer.state).order_by(TicketTimer.id)).all()
    events_before = session.scalar(select(func.count()).select_from(TicketEvent))
    session.commit()
    result = CliRunner().invoke(main, ["rules", "run", "--now", "2026-11-23T14:00:00+03:00", "--dry-run"],
                                env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    assert result.output.count("would fire") == 3 and "3 timer(s) due" in result.output
    session.expire_all()
    assert session.execute(select(TicketTimer.id, TicketTimer.state).order_by(TicketTimer.id)).all() == before
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == events_before
    assert session.get(Ticket, ticket.id).status is Status.NEW


def test_rules_run_wants_an_offset(db_url):
    result = CliRunner().invoke(main, ["rules", "run", "--now", "2026-11-23T10:00:00"], env={"DATABASE_URL": db_url})
    assert result.exit_code != 0 and "offset" in result.output


def test_the_scheduler_declares_its_jobs_with_fixed_ids(Session, clock):
    from scheduler.runner import SchedulerRunner

    class Watcher:
        def addresses(self) -> list[str]:
            return []

        def watch(self, address: str, topic: str) -> None:  # pragma: no cover - no mailboxes
            raise AssertionError

    assert [j.id for j in SchedulerRunner(Session, clock).jobs()] == ["sweep"]
    with_watch = SchedulerRunner(Session, clock, watcher=Watcher(), topic="projects/p/topics/gmail")
    assert [j.id for j in with_watch.jobs()] == ["sweep", "watch-renew"]
    assert with_watch.jobs()[0].options == {"seconds": 1.0}


def test_an_action_that_fails_is_recorded_and_does_not_block_the_others(new_ticket, fire, clock, session,
                                                                        monkeypatch):
    from scheduler import engine

    def broken(*_args):
        raise RuntimeError("mail server on fire")

    monkeypatch.setitem(engine.ACTIONS, "claim", broken)
    tickets = [new_ticket() for _ in range(2)]
    clock.advance(hours=2)
    firings = fire()
    assert sum("error: RuntimeError: mail server on fire" in f.outcome for f in firings) == 2
    assert sum(f.rule == "first_response" for f in firings) == 2 and all(t.flag_overdue for t in tickets)
    failed = session.scalars(select(TicketTimer).where(TicketTimer.state == "failed")).all()
    assert {t.rule for t in failed} == {"claim"} and all(t.status is Status.NEW for t in tickets)
    assert all(e.kind != "assigned" for t in tickets for e in session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == t.id)))
