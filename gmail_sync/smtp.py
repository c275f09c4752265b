"""SMTP as the way our own mail (digests, notifications) goes out, when `SMTP_URL` is set instead of Gmail.

Why: some teams relay internal mail through their own server, or keep the support mailbox's Gmail quota for
customers. `SMTP_URL` is `smtp://[user[:password]@]host[:port]` (STARTTLS when the server offers it; port 587 by
default) or `smtps://…` (TLS from the start; port 465). A password written `env:NAME` is read from that
environment variable, so the URL itself can sit in a config file. The password never appears in a repr, a log
line or an error message.

What SMTP cannot do that Gmail can: tell us afterwards whether an earlier attempt got through (Gmail's SENT is
searched by Message-ID before a retry). So over SMTP the outbox is at-least-once in one narrow window — the
server accepted the mail and the process died before recording it; everywhere else it is exactly-once, as
the outbox's claim and lease still hold.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import compat32
from email.utils import getaddresses
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
TIMEOUT_S = 30.0


class SmtpConfigError(ValueError):
    """SMTP_URL cannot be used; the message says why (and never contains the password)."""


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps); otherwise STARTTLS when offered
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = TIMEOUT_S

    @classmethod
    def from_url(cls, url: str, environ: dict[str, str] | None = None) -> SmtpTransport:
        env = os.environ if environ is None else environ
        parts = urlsplit(url.strip())
        if parts.scheme not in DEFAULT_PORTS:
            raise SmtpConfigError(f"SMTP_URL must start with smtp:// or smtps://, not {parts.scheme or 'nothing'}://")
        if not parts.hostname:
            raise SmtpConfigError("SMTP_URL names no host")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise SmtpConfigError("SMTP_URL has a port that is not a number") from None
        password = unquote(parts.password) if parts.password is not None else None
        if password and password.startswith("env:"):
            name = password[4:]
            if name not in env:
                raise SmtpConfigError(f"SMTP_URL's password refers to the environment variable {name}, which is unset")
            password = env[name]
        username = unquote(parts.username) if parts.username else None
        return cls(parts.hostname, port, parts.scheme == "smtps", username, password)

    def send(self, raw: bytes) -> dict[str, str | None]:
        """Hand the mail to the server, to the addresses of its To and Cc; returns Gmail-like ids (no thread)."""
        message = message_from_bytes(raw, policy=compat32)
        sender = getaddresses([str(message.get("From", ""))])[0][1]
        recipients = [a for _, a in getaddresses([str(v) for v in message.get_all("To", []) + message.get_all("Cc", [])]) if a]
        if not sender or not recipients:
            raise smtplib.SMTPRecipientsRefused({})
        with self._connect() as client:
            client.sendmail(sender, recipients, raw)
        return {"id": f"smtp:{str(message.get('Message-ID', '')).strip('<> ')}", "threadId": None}

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if not self.tls:
                client.ehlo()
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
            if self.username:
                client.login(self.username, self.password or "")
        except BaseException:
            client.close()
            raise
        return client


def retryable(exc: BaseException) -> bool:
    """A 4xx answer or a network failure may pass on a retry; a 5xx answer (or bad credentials) will not."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, socket.timeout, OSError))
