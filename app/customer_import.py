"""Import the customer directory from a CSV file: idempotent, row by row, every bad row reported by line.

Columns (header row required, any order, any subset that includes emails or phones):
    name, emails, phones, contract, company, vip, personal_manager
Several emails or phones go in one cell separated by ";" (or ","). The delimiter of the file itself is
guessed from the header line ("," ";" or tab) unless given; a UTF-8 byte-order mark is ignored.

Matching: a row is the customer with its contract number, else the customer who owns any of its emails or
phones (phones compared in E.164, read with the helpdesk's phone region), else a new customer. A match is
updated, never duplicated, so importing the same file twice changes nothing the second time. An empty cell
never erases anything (contacts learned from mail stay; a blank company keeps the known one) and contacts
are only ever added.

A bad row — no email and no phone, a malformed email or phone, an unknown personal manager, a contact that
belongs to another customer, the wrong number of fields — is rejected with its line number and every reason
found; each row runs in its own savepoint, so a bad row costs no good row. The caller commits.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.emails import checked_email
from app.domain.errors import InvalidInput
from app.domain.phones import normalise_phone
from app.models import Agent, Customer, CustomerEmail, CustomerPhone, HelpdeskSetting

COLUMNS = ("name", "emails", "phones", "contract", "company", "vip", "personal_manager")
DELIMITERS = (",", ";", "\t")
_LIST_SPLIT = re.compile(r"[;,]")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}
_LIMITS = {"name": 300, "contract": 100, "company": 300}


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read (its header); nothing was imported."""


class RowRejected(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reason = "; ".join(reasons)


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (f"customers: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
                f"{len(self.problems)} row(s) rejected")


@dataclass(frozen=True)
class CustomerRow:
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    contract: str | None
    company: str | None
    vip: bool | None  # None: the cell was empty
    manager_id: int | None


def phone_region(session: Session) -> str | None:
    setting = session.get(HelpdeskSetting, "phone_region")
    return setting.value if setting else None


def import_customers(session: Session, text: str, *, now: datetime, region: str | None = None,
                     delimiter: str | None = None) -> ImportReport:
    """Import every good row of `text`; raise ImportFileError when the header itself is wrong."""
    report = ImportReport()
    managers = {a.email: a.id for a in session.scalars(select(Agent).where(Agent.active.is_(True)))}
    for line, record in csv_records(text, delimiter):
        try:
            if isinstance(record, str):
                raise RowRejected([record])
            row = parse_row(record, region, managers)
            with session.begin_nested():
                outcome = _upsert(session, row, now)
        except RowRejected as exc:
            report.problems.append(RowProblem(line, exc.reason))
            continue
        except IntegrityError as exc:
            report.problems.append(RowProblem(line, f"the database refused the row: {exc.orig}"))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


# ----- reading the CSV -------------------------------------------------------------------------------------
def sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most (column names contain none of them)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_records(text: str, delimiter: str | None = None) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(first line number, record by column) for each data row, or (line, reason) when it is malformed."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or sniff_delimiter(text))
    header: list[str] | None = None
    previous = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield previous + 1, f"not valid CSV: {exc}"
            previous = reader.line_num
            continue
        start, previous = previous + 1, reader.line_num
        if not any(value.strip() for value in fields):
            continue
        if header is None:
            header = _header(fields, start)
        elif len(fields) != len(header):
            yield start, (f"expected {len(header)} fields, found {len(fields)} "
                          "(a value with the delimiter in it needs double quotes)")
        else:
            yield start, dict(zip(header, (value.strip() for value in fields)))


def _header(fields: list[str], line: int) -> list[str]:
    names = [value.strip().lower().replace(" ", "_") for value in fields]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise ImportFileError(f"line {line}: unknown column(s) {', '.join(map(repr, unknown))}; "
                              f"the first line must name the columns: {', '.join(COLUMNS)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ImportFileError(f"line {line}: column(s) named twice: {', '.join(repeated)}")
    if "emails" not in names and "phones" not in names:
        raise ImportFileError(f"line {line}: a column \"emails\" or \"phones\" is needed to identify customers")
    return names


# ----- one row ---------------------------------------------------------------------------------------------
def parse_row(record: Mapping[str, str], region: str | None, managers: Mapping[str, int]) -> CustomerRow:
    """The row in typed form, or RowRejected listing every reason it is bad."""
    reasons: list[str] = []
    emails = _contacts(record.get("emails", ""), checked_email, reasons)
    phones = _contacts(record.get("phones", ""), lambda raw: normalise_phone(raw, region), reasons)
    if not emails and not phones and not reasons:
        reasons.append("no email and no phone: a customer needs at least one")
    for column, limit in _LIMITS.items():
        if len(record.get(column, "")) > limit:
            reasons.append(f"{column} is longer than {limit} characters")
    vip = _vip(record.get("vip", ""), reasons)
    manager_id = _manager(record.get("personal_manager", ""), managers, reasons)
    if reasons:
        raise RowRejected(reasons)
    return CustomerRow(
        name=record.get("name", ""),
        emails=emails,
        phones=phones,
        contract=record.get("contract") or None,
        company=record.get("company") or None,
        vip=vip,
        manager_id=manager_id,
    )


def _contacts(cell: str, normalise, reasons: list[str]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for raw in _LIST_SPLIT.split(cell):
        if not raw.strip():
            continue
        try:
            found[normalise(raw)] = None
        except InvalidInput as exc:
            reasons.append(exc.message)
    return tuple(found)


def _vip(cell: str, reasons: list[str]) -> bool | None:
    value = cell.strip().lower()
    if not value:
        return None
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    reasons.append(f"vip must be true/false, yes/no, 1/0 or empty, not {cell!r}")
    return None


def _manager(cell: str, managers: Mapping[str, int], reasons: list[str]) -> int | None:
    email = cell.strip().lower()
    if not email:
        return None
    if email not in managers:
        reasons.append(f"personal_manager {cell!r} is not an active agent")
        return None
    return managers[email]


# ----- matching and writing --------------------------------------------------------------------------------
def _upsert(session: Session, row: CustomerRow, now: datetime) -> str:
    """Create or update the row's customer; "created", "updated" or "unchanged"."""
    owners = _owners(session, row)
    customer = _match(session, row, owners)
    created = customer is None
    if customer is None:
        customer = Customer(name=row.name or (row.emails + row.phones)[0], created_at=now, vip=bool(row.vip))
        session.add(customer)
    changed = _update(customer, row)
    for email in row.emails:
        if email not in owners:
            customer.emails.append(CustomerEmail(email=email))
            changed = True
    for phone in row.phones:
        if phone not in owners:
            customer.phones.append(CustomerPhone(phone=phone))
            changed = True
    session.flush()
    return "created" if created else "updated" if changed else "unchanged"


def _owners(session: Session, row: CustomerRow) -> dict[str, int]:
    """Contact -> id of the customer who has it, for the row's contacts already in the directory."""
    owners = dict(session.execute(
        select(CustomerEmail.email, CustomerEmail.customer_id).where(CustomerEmail.email.in_(row.emails))
    ).all())
    owners.update(session.execute(
        select(CustomerPhone.phone, CustomerPhone.customer_id).where(CustomerPhone.phone.in_(row.phones))
    ).all())
    return owners


def _match(session: Session, row: CustomerRow, owners: dict[str, int]) -> Customer | None:
    by_contract = (session.scalar(select(Customer).where(Customer.contract == row.contract))
                   if row.contract else None)
    if by_contract is not None:
        foreign = {contact: owner for contact, owner in owners.items() if owner != by_contract.id}
        if foreign:
            raise RowRejected([f"{contact} belongs to another customer, {_describe(session, owner)}"
                               for contact, owner in foreign.items()])
        return by_contract
    ids = sorted(set(owners.values()))
    if len(ids) > 1:
        raise RowRejected(["the contacts belong to different customers: "
                           + ", ".join(_describe(session, owner) for owner in ids)])
    customer = session.get(Customer, ids[0]) if ids else None
    if customer is not None and row.contract and customer.contract:
        contact = next(iter(owners))
        raise RowRejected([f"{contact} belongs to another customer, {_describe(session, customer.id)}, "
                           f"not to contract {row.contract}"])
    return customer


def _update(customer: Customer, row: CustomerRow) -> bool:
    wanted = {"name": row.name or None, "contract": row.contract, "company": row.company, "vip": row.vip,
              "personal_manager_id": row.manager_id}
    changed = False
    for name, value in wanted.items():
        if value is not None and getattr(customer, name) != value:
            setattr(customer, name, value)
            changed = True
    return changed


def _describe(session: Session, customer_id: int) -> str:
    customer = session.get(Customer, customer_id)
    if customer is None:  # pragma: no cover - the id came from a row just read
        return f"customer #{customer_id}"
    contract = f" (contract {customer.contract})" if customer.contract else ""
    return f"{customer.name!r}{contract}"
