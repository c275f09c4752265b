"""The shape of the demo mail: conversations described as data, turned into RFC 822 bytes by `gmail_emulator.seed`.

A `Thread` is one customer conversation; its `Mail`s alternate between the customer ("in") and the CoolXost
support mailbox ("out"), each placed in time by its `age` before the seeding moment. Everything that makes a
mail special — an HTML-only body, a legacy charset, attachments, an auto-reply or a bounce — is a field here,
so the content modules read like a script of the conversation and the MIME details live in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

AGENTS = {
    "kristina": ("Kristina", "1st line"),
    "lisa": ("Lisa", "1st line"),
    "sato": ("Haruka Sato", "1st line"),
    "pavel": ("Pavel", "2nd line, technician"),
    "marco": ("Marco", "2nd line, technician"),
    "yuki": ("Yuki", "development"),
    "daniel": ("Daniel", "commercial"),
}
"""Who signs support replies. All of them send from the support address, as a shared mailbox does."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    make: Callable[[], bytes]
    """Builds the bytes when the mail is built (not at import time)."""


@dataclass(frozen=True)
class Mail:
    direction: str
    """"in": from the customer (or their mail system) to support; "out": from support to the customer."""
    age: timedelta
    """How long before the seeding moment the mail was sent."""
    body: str
    agent: str = ""
    """For "out": a key of AGENTS (the body carries the signature; this only names who wrote it)."""
    html: str | None = None
    """An HTML alternative to `body`, or the only body when `html_only`."""
    html_only: bool = False
    charset: str = "utf-8"
    transfer: str = "quoted-printable"
    """Content-Transfer-Encoding of the text: quoted-printable, base64, 8bit or 7bit."""
    attachments: tuple[Attachment, ...] = ()
    subject: str | None = None
    """Overrides the subject; by default the thread's, with "Re: " on every mail after the first."""
    to: str | None = None
    """Overrides the recipient of an "out" mail (e.g. a mistyped Reply-To address)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Extra headers, e.g. X-Mailer, Reply-To, Auto-Submitted."""
    parent: int | None = None
    """Index (in the thread) of the mail this one answers; by default the one before it."""
    kind: str = "plain"
    """"plain", "autoreply" (Auto-Submitted: auto-replied), or "bounce" (a delivery-status report)."""
    bounced: tuple[str, int] | None = None
    """For a bounce: (thread key, mail index) of the support mail that could not be delivered."""


@dataclass(frozen=True)
class Thread:
    key: str
    customer: str
    address: str
    subject: str
    mails: tuple[Mail, ...]
    utc_offset_h: float = 0
    """The customer's time zone, for the Date headers they send."""
    header_charset: str = "utf-8"
    """Charset of the RFC 2047 encoded words in the customer's Subject and From (koi8-r, iso-2022-jp, …)."""
    x_mailer: str = ""


def days(d: float, hours: float = 0, minutes: float = 0) -> timedelta:
    return timedelta(days=d, hours=hours, minutes=minutes)


_SIGN_OFF = {"en": "Best regards,", "ru": "С уважением,", "ja": "よろしくお願いいたします。"}
_TEAM = {"en": "CoolXost Support", "ru": "Служба поддержки CoolXost", "ja": "CoolXost サポート"}


def signature(agent: str, lang: str = "en") -> str:
    """The sign-off an agent puts under a reply: name, line, and the help-centre link."""
    name, line = AGENTS[agent]
    return f"{_SIGN_OFF[lang]}\n{name}\n{_TEAM[lang]} · {line}\nhttps://coolxost.com/help"
