"""The typed SQLAlchemy models. Importing this package registers every table on `Base.metadata`."""

from app.models.directory import (
    Agent,
    ApiToken,
    Category,
    Counter,
    Customer,
    CustomerEmail,
    CustomerPhone,
    HelpdeskSetting,
    Line,
    Mailbox,
    line_members,
)
from app.models.enums import (
    ACTIVE_STATUSES,
    AssignStrategy,
    Channel,
    Direction,
    LineKind,
    Priority,
    Rating,
    Role,
    Status,
)
from app.models.channels import ChannelConversation, ChannelMessage
from app.models.kb import KbArticle
from app.models.mail import MailboxCredentials, MailboxSync, OutboxMail
from app.models.mailings import Mailing
from app.models.panel import CannedResponse, TicketPresence
from app.models.timers import TicketTimer
from app.models.tickets import Feedback, Message, Note, Ticket, TicketEvent, TicketThread, ticket_watchers

__all__ = [
    "ACTIVE_STATUSES", "Agent", "ApiToken", "AssignStrategy", "CannedResponse", "Category", "Channel", "Counter", "Customer",
    "ChannelConversation", "ChannelMessage",
    "CustomerEmail", "CustomerPhone", "Direction", "Feedback", "HelpdeskSetting", "KbArticle", "Line", "LineKind",
    "Mailbox", "MailboxCredentials", "Mailing", "MailboxSync", "Message", "Note", "OutboxMail", "Priority", "Rating",
    "Role", "Status", "Ticket", "TicketEvent", "TicketPresence", "TicketThread", "TicketTimer", "line_members",
    "ticket_watchers",
]
