"""Test data: a small CoolXost helpdesk built with the models, the same shape as examples/coolxost.toml."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models import Agent, Category, Line, LineKind, Mailbox, Role


@dataclass
class Desk:
    anna: Agent      # head of the 1st line (manager)
    kristina: Agent  # 1st line
    lisa: Agent      # 1st line
    boris: Agent     # head of the 2nd line (manager)
    bob: Agent       # 2nd line technician
    dmitry: Agent    # development
    carl: Agent      # commercial
    admin: Agent
    l1: Line
    l2: Line
    dev: Line
    commercial: Line
    wishes: Line
    devtasks: Line
    mailbox: Mailbox


def agent(session: Session, email: str, name: str, role: Role = Role.AGENT, on_duty: bool = True) -> Agent:
    a = Agent(email=email, name=name, role=role, on_duty=on_duty)
    session.add(a)
    return a


def line(session: Session, slug: str, name: str, kind: LineKind, head: Agent | None, members: list[Agent], position: int) -> Line:
    ln = Line(slug=slug, name=name, kind=kind, head=head, members=members, position=position)
    session.add(ln)
    return ln


def make_desk(session: Session) -> Desk:
    anna = agent(session, "anna@coolxost.com", "Anna", Role.MANAGER)
    kristina = agent(session, "kristina@coolxost.com", "Kristina")
    lisa = agent(session, "lisa@coolxost.com", "Lisa")
    boris = agent(session, "boris@coolxost.com", "Boris", Role.MANAGER)
    bob = agent(session, "bob@coolxost.com", "Bob")
    dmitry = agent(session, "dmitry@coolxost.com", "Dmitry")
    carl = agent(session, "carl@coolxost.com", "Carl")
    admin = agent(session, "admin@coolxost.com", "Admin", Role.ADMIN)
    l1 = line(session, "l1", "1st line", LineKind.SUPPORT, anna, [kristina, lisa], 1)
    l2 = line(session, "l2", "2nd line", LineKind.SUPPORT, boris, [bob], 2)
    dev = line(session, "dev", "Development", LineKind.DEVELOPMENT, boris, [dmitry], 4)
    commercial = line(session, "commercial", "Commercial", LineKind.COMMERCIAL, anna, [carl], 5)
    wishes = line(session, "wishes", "Wishes and suggestions", LineKind.TASK, anna, [kristina, lisa], 6)
    devtasks = line(session, "devtasks", "Developer tasks", LineKind.TASK, boris, [dmitry], 7)
    mailbox = Mailbox(address="support@coolxost.com", default_line=l1)
    session.add(mailbox)
    session.add_all([Category(name="No connectivity", urgent=True), Category(name="Billing"), Category(name="DNS")])
    session.flush()
    return Desk(anna, kristina, lisa, boris, bob, dmitry, carl, admin, l1, l2, dev, commercial, wishes, devtasks, mailbox)
