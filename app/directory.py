"""Finding agents, lines and customers: the indexed lookups every surface and the workflow share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.errors import InvalidInput, NotFound
from app.domain.phones import normalise_phone
from app.models import Agent, Category, Customer, CustomerEmail, CustomerPhone, Line, Mailbox


def normalise_email(email: str) -> str:
    value = (email or "").strip().lower()
    if "@" not in value or value.startswith("@") or value.endswith("@") or " " in value:
        raise InvalidInput(f"{email!r} is not an email address")
    return value


def agent_by_email(session: Session, email: str) -> Agent:
    agent = session.scalar(select(Agent).where(Agent.email == (email or "").strip().lower()))
    if agent is None:
        raise NotFound(f"no agent with email {email!r}")
    return agent


def line_by_slug(session: Session, slug: str) -> Line:
    line = session.scalar(select(Line).where(Line.slug == slug))
    if line is None:
        raise NotFound(f"no line {slug!r}")
    return line


def category_by_name(session: Session, name: str) -> Category:
    category = session.scalar(select(Category).where(Category.name == name))
    if category is None:
        raise NotFound(f"no category {name!r}")
    return category


def mailbox_by_address(session: Session, address: str) -> Mailbox:
    mailbox = session.scalar(select(Mailbox).where(Mailbox.address == (address or "").strip().lower()))
    if mailbox is None:
        raise NotFound(f"no mailbox {address!r}")
    return mailbox


def customer_by_email(session: Session, email: str) -> Customer | None:
    return session.scalar(
        select(Customer).join(CustomerEmail).where(CustomerEmail.email == normalise_email(email))
    )


def customer_by_phone(session: Session, phone: str, region: str | None = None) -> Customer | None:
    return session.scalar(
        select(Customer).join(CustomerPhone).where(CustomerPhone.phone == normalise_phone(phone, region))
    )


def find_or_create_customer(
    session: Session,
    now: datetime,
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str = "",
    region: str | None = None,
) -> Customer:
    """The customer with this email or phone, or a new one. An unknown contact is added to a known customer."""
    if not email and not phone:
        raise InvalidInput("a customer needs an email or a phone number")
    found = customer_by_email(session, email) if email else None
    if found is None and phone:
        found = customer_by_phone(session, phone, region)
    customer = found or Customer(name=name or (email or phone or ""), created_at=now)
    if found is None:
        session.add(customer)
    if email and customer_by_email(session, email) is None:
        customer.emails.append(CustomerEmail(email=normalise_email(email)))
    if phone:
        e164 = normalise_phone(phone, region)
        if all(p.phone != e164 for p in customer.phones) and customer_by_phone(session, e164) is None:
            customer.phones.append(CustomerPhone(phone=e164))
    if name and not customer.name:
        customer.name = name
    session.flush()
    return customer
