""""Create ticket" for an opened message that is no ticket yet: made from the message itself when it is a message
of a support mailbox Linedesk reads, so the ticket has the customer, the subject and the text, and its Gmail
thread — and every later mail of the conversation joins it through the sync.

Why look it up rather than trust the event: the add-on event gives the opened message's id and thread id, and a
message of a support mailbox (an agent working the shared inbox by delegation, a message the sync skipped as
automatic or that arrived before the backfill window) has the same ids there. The lookup uses Linedesk's own
connection to each support mailbox (messages.get format=raw, 5 units); a message found in none of them — mail
in an agent's own mailbox — is opened from the card's typed subject and customer instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent, Channel, Line, Mailbox, Priority, Ticket
from app.workflow import Inbound, Workflow


@dataclass(frozen=True)
class SupportCopy:
    mailbox_id: int
    inbound: Inbound


def find_support_copy(session: Session, endpoint: str | None, message_id: str | None) -> SupportCopy | None:
    """The opened message as a support mailbox holds it, parsed the way the sync parses mail; None when no
    support mailbox has it (or Gmail cannot be reached: the card then asks for a subject)."""
    from gmail_sync.client import GmailApi, GmailError, normalise_endpoint
    from gmail_sync.credentials import CredentialsError, gmail_for_mailbox
    from gmail_sync.noise import classify
    from gmail_sync.parse import parse_mail
    from gmail_sync.quota import Backoff

    if not message_id or len(message_id) > 128:
        return None
    for mailbox in session.scalars(select(Mailbox).order_by(Mailbox.id)):
        try:
            service = gmail_for_mailbox(session, mailbox, endpoint)
            api = GmailApi(service, normalise_endpoint(endpoint) if endpoint else "", mailbox.address,
                           backoff=Backoff(tries=2, cap_s=0.5))
            fetched = api.fetch_raw([message_id])
        except (CredentialsError, GmailError):
            continue
        if not fetched:
            continue
        message, mail = fetched[0], parse_mail(fetched[0].raw)
        sent_at = mail.date or datetime.fromtimestamp(message.internal_date_ms / 1000, UTC)
        return SupportCopy(mailbox.id, Inbound(
            channel=Channel.EMAIL, subject=mail.subject or "(no subject)", body_text=mail.text, sent_at=sent_at,
            from_email=mail.from_email or None, from_name=mail.from_name, body_html=mail.html,
            attachments=[asdict(a) for a in mail.attachments], mailbox=mailbox, provider_message_id=message.id,
            provider_thread_id=message.thread_id, rfc822_message_id=mail.message_id,
            automatic=classify(mail, own_addresses=[mailbox.address]).automatic,
            visible_text=mail.visible_text, parse_problems=list(mail.problems)))
    return None


def open_from_mail(wf: Workflow, agent: Agent, copy: SupportCopy, line: Line, priority: Priority) -> Ticket:
    """The ticket of the opened message, in `line`, opened by `agent` — through the intake rules (the customer,
    the thread link; a customer's active ticket or the thread's ticket is joined rather than doubled)."""
    wf._require_may_open_in(agent, line)
    inbound = replace(copy.inbound, line=line, automatic=False)  # an agent chose to open it
    result = wf.receive(inbound)
    ticket = result.ticket
    assert ticket is not None
    wf._event(ticket, "opened_from_mail", agent, to_value=line.slug, note=f"opened from Gmail ({result.outcome})")
    if priority is not ticket.priority:
        wf.set_priority(ticket, agent, priority)
    return ticket
