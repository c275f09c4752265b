"""An agent's queues: waiting per line with age, mine, watching, overdue, ignored, search; only what they may see."""

from __future__ import annotations

from app.panel.queues import load_queues
from app.workflow import CustomerRef


def test_queues_list_what_the_agent_may_see(wf, desk, session, clock, new_ticket, count_queries):
    waiting = new_ticket(subject="Mail bounces")
    mine = new_ticket(email="m@example.com", subject="DNS broken")
    wf.claim(mine, desk.kristina)
    overdue = new_ticket(email="o@example.com")
    wf.set_flag(overdue, None, "overdue")
    ignored = new_ticket(email="i@example.com")
    wf.set_flag(ignored, None, "ignored")
    watched = wf.create_ticket(None, subject="Server", line=desk.l2, customer=CustomerRef("Z", "z@example.com"))
    wf.add_watcher(watched, None, desk.kristina)
    sales = wf.create_ticket(None, subject="Sales", line=desk.commercial, customer=CustomerRef("Y", "y@example.com"))
    session.commit()
    clock.advance(seconds=90)

    queues = load_queues(session, desk.kristina)
    by_line = {q.slug: [r.number for r in q.waiting] for q in queues.lines}
    assert by_line == {"l1": [waiting.number, overdue.number, ignored.number], "wishes": []}
    assert [r.number for r in queues.mine] == [mine.number]
    assert [r.number for r in queues.watching] == [watched.number]
    assert [r.number for r in queues.overdue] == [overdue.number]
    assert [r.number for r in queues.ignored] == [ignored.number]
    assert (clock.now() - queues.lines[0].waiting[0].waiting_since).total_seconds() == 90
    everything = {r.number for q in queues.lines for r in q.waiting} | {r.number for r in queues.mine}
    assert sales.number not in everything  # the commercial line is not Kristina's

    manager = load_queues(session, desk.anna)
    assert "commercial" in [q.slug for q in manager.lines]

    def found(text, agent=desk.kristina):
        return [r.number for r in load_queues(session, agent, search=text).found]

    assert found(f"#{mine.number}") == [mine.number] and found(str(mine.number)) == [mine.number]
    assert found("m@example.com") == [mine.number] and found("M@Example.com") == [mine.number]
    assert found("dns") == [mine.number] and found("%") == []
    assert found("Sales") == [] and found("Sales", desk.anna) == [sales.number]

    with count_queries() as statements:
        load_queues(session, desk.kristina, search="dns")
    assert len(statements) <= 8


def test_the_version_changes_when_a_listed_ticket_does(wf, desk, session, clock, new_ticket):
    ticket = new_ticket()
    before = load_queues(session, desk.kristina).version
    clock.advance(seconds=5)
    wf.claim(ticket, desk.kristina)
    session.commit()
    assert load_queues(session, desk.kristina).version != before


def test_a_line_filter_narrows_the_waiting_lists(wf, desk, session, new_ticket):
    new_ticket()
    queues = load_queues(session, desk.kristina, line="wishes")
    assert [q.slug for q in queues.lines] == ["wishes"] and queues.overdue == []
