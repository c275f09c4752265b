"""Who else has a ticket open, for the collision notice both panels show.

A panel records its agent's presence when it shows a ticket (the web page again at every poll, with whether the
agent is writing in a form); others seen within `WINDOW` are listed. One upsert and one SELECT, neither through
the workflow: presence is not ticket state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.models import Agent, TicketPresence

WINDOW = timedelta(seconds=30)


@dataclass(frozen=True)
class Presence:
    name: str
    replying: bool


def touch(session: Session, now: datetime, ticket_id: int, agent_id: int, replying: bool = False) -> None:
    """Record the agent's presence; the caller commits. On PostgreSQL that commit does not wait for the disk:
    presence lost in a crash is worth nothing thirty seconds later anyway, and the wait was most of a panel's
    time."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    insert = pg_insert if postgres else sqlite_insert
    statement = insert(TicketPresence).values(ticket_id=ticket_id, agent_id=agent_id, seen_at=now, replying=replying)
    session.execute(statement.on_conflict_do_update(index_elements=["ticket_id", "agent_id"],
                                                    set_={"seen_at": now, "replying": replying}))


def others(session: Session, now: datetime, ticket_id: int, agent_id: int) -> list[Presence]:
    rows = session.execute(
        select(Agent.name, TicketPresence.replying).join(Agent, Agent.id == TicketPresence.agent_id)
        .where(TicketPresence.ticket_id == ticket_id, TicketPresence.agent_id != agent_id,
               TicketPresence.seen_at >= now - WINDOW).order_by(Agent.name)).all()
    return [Presence(name, replying) for name, replying in rows]
