"""The feedback request: once a ticket is done, ask the customer whether they were helped.

When: a scheduler job ("feedback-requests", every 30 s; `scheduler.runner`) calls `send_due`. It finds the
tickets that are done (within the last week, `ix_tickets_done_at`) and have no `feedback_requested` audit
event — so no hook inside the workflow's `mark_done`, no mail sent inside anyone's transaction, and nothing
lost while the scheduler is down: the next run finds them. For each, one transaction records the event and
prepares the outbox row; the send happens after the commit.

How, by the ticket's channel and what we know of the customer:
- a channel with a registered requester (`REQUESTERS`, empty today: chat and Telegram buttons come with those
  channels, issue 9) → that requester, after the commit;
- mail → an email in the ticket's own Gmail thread through the outbox (`gmail_sync.outbound`), idempotency
  key `feedback:<ticket id>`: built from the two Done fields ("You wrote: … We did: …") with three signed
  links (satisfied / not satisfied / "I did not submit this request"; `app.feedback.links`). A send that fails
  stays pending in the outbox and is retried by the next run (`deliver` is exactly-once);
- no email but a phone → a text through the SMS gateway (`app.feedback.sms`, the log gateway by default);
- none of these → the event records why ("none: …"), and the ticket is not looked at again.

Words: the desk's language (HelpdeskSetting `language`, "en" or "ru"); the page the links open follows the
customer's browser (`app.feedback.views`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.db import transaction
from app.domain.errors import RuleViolation
from app.feedback.i18n import texts
from app.feedback.links import FeedbackLinks
from app.feedback.sms import LogGateway, SmsGateway
from app.models import Channel, Feedback, HelpdeskSetting, OutboxMail, Rating, Status, Ticket, TicketEvent
from app.workflow import Workflow
from app.workflow.feedback import REQUESTED
from gmail_sync.outbound import Draft, _customer_address, deliver, prepare, reply_subject

log = logging.getLogger(__name__)
LOOK_BACK = timedelta(days=7)  # done tickets auto-complete after 2 days; a week covers a scheduler outage
KIND = "feedback"
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"


class Requester(Protocol):
    """Asks for feedback in another channel (chat, Telegram): `links` maps each rating to its signed URL."""

    def __call__(self, ticket_id: int, links: dict[Rating, str], words: dict[str, str]) -> None: ...


REQUESTERS: dict[Channel, Requester] = {}  # issue 9 registers chat and Telegram here


@dataclass(frozen=True)
class Requested:
    number: int
    how: str  # email, sms, chat, telegram, none: …
    outbox_id: int | None = None


def feedback_key(ticket_id: int) -> str:
    return f"{KIND}:{ticket_id}"


def due(session: Session, clock: Clock, limit: int = 200) -> list[int]:
    """Ids of done tickets whose customer has not been asked yet, oldest done first."""
    asked = exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == REQUESTED)
    rated = exists().where(Feedback.ticket_id == Ticket.id)
    return list(session.scalars(
        select(Ticket.id).where(Ticket.done_at >= clock.now() - LOOK_BACK, Ticket.status == Status.DONE,
                                ~asked, ~rated)
        .order_by(Ticket.done_at, Ticket.id).limit(limit)))


def send_due(sessions: sessionmaker[Session], clock: Clock, links: FeedbackLinks, *,
             mailer: Callable[[str], Any] | None, sms: SmsGateway | None = None, limit: int = 200) -> list[Requested]:
    """Ask every due ticket's customer, then deliver pending feedback mail (earlier failures). One line each."""
    with sessions() as session:
        ids = due(session, clock, limit)
    done = []
    for ticket_id in ids:
        try:
            done.append(request(sessions, clock, ticket_id, links, mailer=mailer, sms=sms))
        except Exception:  # one ticket's trouble (a broken setting, a lost connection) must not stop the others
            log.exception("feedback request for ticket id %s failed; it stays due", ticket_id)
    if mailer is not None:  # earlier runs' failures; not the mail just tried
        retry(sessions, clock, mailer, skip={r.outbox_id for r in done if r.outbox_id is not None})
    return done


def request(sessions: sessionmaker[Session], clock: Clock, ticket_id: int, links: FeedbackLinks, *,
            mailer: Callable[[str], Any] | None, sms: SmsGateway | None = None) -> Requested:
    """Ask one ticket's customer (unless asked already): record, commit, then send."""
    from app.channels import feedback_requesters  # the channels' own requesters (Telegram buttons; app/channels)

    REQUESTERS.update(feedback_requesters())
    after: Callable[[], None] | None = None
    with transaction(sessions) as session:
        wf = Workflow(session, clock, via="scheduler")
        # The row lock makes two scheduler processes ask once: the second waits, then finds the event.
        ticket = session.get(Ticket, ticket_id, with_for_update=True)
        if ticket is None:
            raise RuleViolation(f"no ticket {ticket_id}")
        number = ticket.number
        if session.scalar(select(TicketEvent.id).where(TicketEvent.ticket_id == ticket.id,
                                                       TicketEvent.kind == REQUESTED).limit(1)):
            return Requested(number, "already asked")
        words = texts(_language(session))
        urls = {rating: links.url(ticket.id, rating) for rating in Rating}
        how, outbox_id = _channel(session, ticket, mailer is not None), None
        if how == "email":
            outbox_id = prepare(session, clock, ticket, _draft(session, ticket, urls, words, links)).id
            address = ticket.mailbox.address  # type: ignore[union-attr]  # email implies a mailbox
            after = functools.partial(_deliver, sessions, clock, outbox_id, mailer, address)  # type: ignore[arg-type]
        elif how == "sms":
            phone = ticket.customer.phones[0].phone  # type: ignore[union-attr]
            text = words["sms"].format(helpdesk=_helpdesk(session), number=number,
                                       **{r.value: urls[r] for r in Rating})
            after = functools.partial((sms or LogGateway()).send, phone, text)
        elif how in (c.value for c in REQUESTERS):
            after = functools.partial(REQUESTERS[Channel(how)], ticket.id, urls, words)
        wf.note_feedback_request(ticket, how)
    if after is not None:
        try:
            after()
        except Exception as exc:  # noqa: BLE001 - a mail stays pending in the outbox (`retry` sends it later);
            # a text or a chat message is at most once. Either way the next ticket is still asked.
            log.warning("feedback request for #%s (%s) not sent: %s: %s", number, how, type(exc).__name__, exc)
    return Requested(number, how, outbox_id)


def _channel(session: Session, ticket: Ticket, can_mail: bool) -> str:
    if ticket.channel in REQUESTERS:
        return ticket.channel.value
    if ticket.mailbox is not None and can_mail:
        try:
            _customer_address(session, ticket)
            return "email"
        except RuleViolation:
            pass
    if ticket.customer is not None and ticket.customer.phones:
        return "sms"
    if ticket.customer is None:
        return "none: no customer"
    return f"none: no way to ask by {ticket.channel.value}" + ("" if can_mail else " (no mail sender)")


def _deliver(sessions: sessionmaker[Session], clock: Clock, outbox_id: int, mailer: Callable[[str], Any],
             address: str) -> None:
    deliver(sessions, clock, outbox_id, gmail=mailer(address))


def retry(sessions: sessionmaker[Session], clock: Clock, mailer: Callable[[str], Any], *,
          skip: set[int] | None = None) -> int:
    """Deliver feedback mail still pending (a send failed earlier), except `skip`; returns how many went out."""
    with sessions() as session:
        pending = session.execute(select(OutboxMail.id, OutboxMail.mailbox_id).where(
            OutboxMail.kind == KIND, OutboxMail.state == "pending").order_by(OutboxMail.id)).all()
        addresses = {row.id: session.get(OutboxMail, row.id).mailbox.address for row in pending}  # type: ignore
    sent = 0
    for outbox_id, _mailbox in pending:
        if skip and outbox_id in skip:
            continue
        try:
            _deliver(sessions, clock, outbox_id, mailer, addresses[outbox_id])
            sent += 1
        except Exception as exc:  # noqa: BLE001 - still pending: the next run tries again
            log.warning("feedback mail %s not sent yet: %s: %s", outbox_id, type(exc).__name__, exc)
    return sent


def _draft(session: Session, ticket: Ticket, urls: dict[Rating, str], words: dict[str, str],
           links: FeedbackLinks) -> Draft:
    context = {
        "t": words, "number": ticket.number, "subject": ticket.subject, "helpdesk": _helpdesk(session),
        "customer_name": ticket.customer.name if ticket.customer and ticket.customer.name else "",
        "problem": ticket.problem or "", "resolution": ticket.resolution or "",
        "links": {rating.value: url for rating, url in urls.items()},
        "days": max(1, round(links.max_age.total_seconds() / 86400)),
    }
    return Draft(KIND, feedback_key(ticket.id), _customer_address(session, ticket).strip().lower(),
                 reply_subject(session, ticket), _environment(False).get_template("feedback.txt").render(context),
                 _environment(True).get_template("feedback.html").render(context))


def _language(session: Session) -> str:
    row = session.get(HelpdeskSetting, "language")
    return str(row.value) if row is not None and row.value else "en"


def _helpdesk(session: Session) -> str:
    row = session.get(HelpdeskSetting, "name")
    return str(row.value) if row is not None and row.value else "Support"


@functools.lru_cache(maxsize=2)
def _environment(autoescape: bool) -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=autoescape,
                       undefined=StrictUndefined, keep_trailing_newline=True)
