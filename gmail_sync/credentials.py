"""How Linedesk authenticates to each mailbox's Gmail, and how those secrets are kept.

Why this module exists: a service-account key or an OAuth refresh token opens a whole support inbox, so it
must never sit in the database in plain text nor reach a log line. Each mailbox has one `MailboxCredentials`
row whose `kind` is:
- `service_account` — a Workspace service account with domain-wide delegation, acting as the mailbox address;
- `oauth` — an OAuth client plus a refresh token from a consent flow (any Gmail account);
- `none` — no Google credentials: the local Gmail (`GMAIL_API_ENDPOINT`).

`secret` is either a Fernet token (the credentials JSON encrypted with a key from the environment:
`LINEDESK_CREDENTIALS_KEY` holds the key, or `LINEDESK_SECRET_KEY_FILE` names a file holding it) or a reference
`env:NAME` (the JSON lives in the environment variable NAME, e.g. injected by a secret manager; nothing secret
is stored at all). A missing or wrong key is a `CredentialsError` that names the variable, never the secret.

`build_gmail_service` reaches a mailbox with its stored credentials through `gmail_sync.client.build_service`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.models import Mailbox, MailboxCredentials

GMAIL_SCOPES = ["https://www.googleapis.com/auth/gmail.modify"]
KEY_ENV = "LINEDESK_CREDENTIALS_KEY"
KEY_FILE_ENV = "LINEDESK_SECRET_KEY_FILE"
KINDS = ("service_account", "oauth", "none")
ENV_PREFIX = "env:"


class CredentialsError(Exception):
    """Credentials cannot be stored or read; the message says why without quoting any secret."""


@dataclass(frozen=True, repr=False)
class Secret:
    """A decrypted credentials JSON. Its repr hides the content, so a stray log or traceback leaks nothing."""

    data: Mapping[str, Any]

    def __repr__(self) -> str:
        return "Secret(<hidden>)"


# --- the key --------------------------------------------------------------------------------------------------


def generate_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


def _fernet(environ: Mapping[str, str] | None = None) -> Any:
    from cryptography.fernet import Fernet

    env = os.environ if environ is None else environ
    key = env.get(KEY_ENV, "").strip()
    source = KEY_ENV
    if not key and env.get(KEY_FILE_ENV):
        source = KEY_FILE_ENV
        try:
            key = Path(env[KEY_FILE_ENV]).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialsError(f"cannot read the credentials key file named by {KEY_FILE_ENV} "
                                   f"({type(exc).__name__})") from None
    if not key:
        raise CredentialsError(f"no credentials key: set {KEY_ENV} (a Fernet key; `linedesk mailbox new-key` "
                               f"makes one) or {KEY_FILE_ENV} (a file holding it)")
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise CredentialsError(f"the key in {source} is not a Fernet key (32 url-safe base64-encoded bytes)") from None


def encrypt(data: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> str:
    return _fernet(environ).encrypt(json.dumps(dict(data)).encode("utf-8")).decode("ascii")


def decrypt(token: str, environ: Mapping[str, str] | None = None) -> Secret:
    from cryptography.fernet import InvalidToken

    try:
        plain = _fernet(environ).decrypt(token.encode("ascii"))
    except InvalidToken:
        raise CredentialsError("the stored credentials cannot be decrypted: the credentials key is not the one "
                               "they were stored with") from None
    return Secret(json.loads(plain))


# --- store and load -------------------------------------------------------------------------------------------


def store_credentials(session: Session, mailbox: Mailbox, kind: str, now: datetime, *,
                      secret: Mapping[str, Any] | None = None, env_name: str | None = None,
                      environ: Mapping[str, str] | None = None) -> MailboxCredentials:
    """Keep `secret` encrypted, or only the reference `env:NAME`; `kind` none stores nothing secret."""
    if kind not in KINDS:
        raise CredentialsError(f"unknown credentials kind {kind!r}; one of {', '.join(KINDS)}")
    if kind == "none":
        stored = None
    elif env_name:
        stored = ENV_PREFIX + env_name
    elif secret is not None:
        _check_shape(kind, secret)
        stored = encrypt(secret, environ)
    else:
        raise CredentialsError(f"{kind} credentials need a secret or an environment variable name")
    row = session.get(MailboxCredentials, mailbox.id)
    if row is None:
        row = MailboxCredentials(mailbox_id=mailbox.id, kind=kind, secret=stored, updated_at=now)
        session.add(row)
    else:
        row.kind, row.secret, row.updated_at = kind, stored, now
    session.flush()
    return row


def load_secret(session: Session, mailbox: Mailbox, environ: Mapping[str, str] | None = None
                ) -> tuple[str, Secret | None]:
    """(kind, secret) of a mailbox; a mailbox without a row is `none` (the local Gmail)."""
    row = session.get(MailboxCredentials, mailbox.id)
    if row is None or row.kind == "none" or not row.secret:
        return "none", None
    if row.secret.startswith(ENV_PREFIX):
        name = row.secret[len(ENV_PREFIX):]
        env = os.environ if environ is None else environ
        if not env.get(name):
            raise CredentialsError(f"the credentials of {mailbox.address} are referenced from the environment "
                                   f"variable {name}, which is not set")
        try:
            return row.kind, Secret(json.loads(env[name]))
        except ValueError:
            raise CredentialsError(f"the environment variable {name} does not hold a JSON object") from None
    return row.kind, decrypt(row.secret, environ)


def credentials_for(session: Session, mailbox: Mailbox, environ: Mapping[str, str] | None = None) -> Any:
    """google-auth credentials acting as the mailbox, or None for the local Gmail."""
    kind, secret = load_secret(session, mailbox, environ)
    if secret is None:
        return None
    info = dict(secret.data)
    if kind == "service_account":
        from google.oauth2 import service_account

        return service_account.Credentials.from_service_account_info(info, scopes=GMAIL_SCOPES,
                                                                     subject=mailbox.address)
    import google.oauth2.credentials

    return google.oauth2.credentials.Credentials(
        None, refresh_token=info["refresh_token"], client_id=info["client_id"],
        client_secret=info["client_secret"], token_uri=info.get("token_uri", "https://oauth2.googleapis.com/token"),
        scopes=GMAIL_SCOPES)


def _check_shape(kind: str, secret: Mapping[str, Any]) -> None:
    needed = {"service_account": ("client_email", "private_key", "token_uri"),
              "oauth": ("client_id", "client_secret", "refresh_token")}[kind]
    missing = [name for name in needed if not secret.get(name)]
    if missing:
        raise CredentialsError(f"{kind} credentials lack {', '.join(missing)}")


def oauth_secret(client_file: Mapping[str, Any], refresh_token: str) -> dict[str, Any]:
    """The stored OAuth secret from a Google client-secret file ({"installed": …} or {"web": …})."""
    client = client_file.get("installed") or client_file.get("web") or client_file
    return {"client_id": client.get("client_id"), "client_secret": client.get("client_secret"),
            "token_uri": client.get("token_uri", "https://oauth2.googleapis.com/token"),
            "refresh_token": refresh_token}


# --- the Gmail service ------------------------------------------------------------------------------------------


def build_gmail_service(endpoint: str | None, credentials: Any, address: str) -> Any:
    """A gmail v1 service for `address`: Google's when `endpoint` is None, else the local Gmail's.

    One builder for all of Linedesk (`gmail_sync.client.build_service`); without stored credentials only a
    local endpoint can be reached."""
    from gmail_sync.client import CredentialsMissing, build_service
    from gmail_sync.client import credentials_for as default_credentials

    if credentials is None:
        try:
            credentials = default_credentials(address, endpoint)
        except CredentialsMissing as exc:
            raise CredentialsError(str(exc)) from None
    return build_service(endpoint, credentials)


def gmail_for_mailbox(session: Session, mailbox: Mailbox, endpoint: str | None) -> Any:
    return build_gmail_service(endpoint, credentials_for(session, mailbox), mailbox.address)
