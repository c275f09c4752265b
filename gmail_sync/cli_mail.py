"""`linedesk mailbox connect|list|new-key`, `linedesk import-mbox FILE`, `linedesk import-eml DIR`.

Thin shells over `gmail_sync.credentials` and `gmail_sync.importers`: read the options, open the configured
database, call the library, print what happened. Secrets are never echoed: `connect` prints the mailbox and
the kind of credentials only. Errors are messages and exit codes here, never tracebacks.

The OAuth consent itself needs a browser and Google (google-auth-oauthlib is not a dependency): run the
consent once wherever you have one (e.g. `InstalledAppFlow` on a laptop, or Google's OAuth Playground with
your own client), put the refresh token in an environment variable, and pass its name with
`--refresh-token-env`.
"""

from __future__ import annotations

import json
import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _sessions() -> AbstractContextManager[sessionmaker[Session]]:
    from app.cli_support import database

    return database()


@click.group("mailbox", help="Support mailboxes and how Linedesk reaches their Gmail.")
def mailbox_group() -> None:
    pass


@mailbox_group.command("connect", help="Store how to reach ADDRESS's Gmail; creates the mailbox if missing.")
@click.argument("address")
@click.option("--service-account", "service_account", type=_FILE, help="Workspace service-account key (JSON) "
              "with domain-wide delegation for the gmail.modify scope.")
@click.option("--oauth-client", "oauth_client", type=_FILE, help="OAuth client-secret file (JSON) from Google.")
@click.option("--refresh-token-env", metavar="NAME", help="Environment variable holding the OAuth refresh token.")
@click.option("--from-env", "from_env", metavar="NAME", help="Store only a reference: the credentials JSON is "
              "read from environment variable NAME at run time (use with --kind).")
@click.option("--kind", type=click.Choice(["service_account", "oauth"]), help="The kind of --from-env credentials.")
@click.option("--local", is_flag=True, help="No Google credentials: the local Gmail (GMAIL_API_ENDPOINT).")
def connect(address: str, service_account: Path | None, oauth_client: Path | None, refresh_token_env: str | None,
            from_env: str | None, kind: str | None, local: bool) -> None:
    chosen = [name for name, value in (("--service-account", service_account), ("--oauth-client", oauth_client),
                                       ("--from-env", from_env), ("--local", local)) if value]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --service-account, --oauth-client, --from-env, --local")
    kind, secret = _credentials(service_account, oauth_client, refresh_token_env, from_env, kind)
    address = address.strip().lower()
    with _sessions() as sessions:
        from app.clock import SystemClock
        from app.db import transaction
        from app.models import Mailbox
        from gmail_sync.credentials import CredentialsError, store_credentials

        with transaction(sessions) as session:
            mailbox = session.scalar(select(Mailbox).where(Mailbox.address == address))
            created = mailbox is None
            if mailbox is None:
                mailbox = Mailbox(address=address)
                session.add(mailbox)
                session.flush()
            try:
                store_credentials(session, mailbox, kind, SystemClock().now(), secret=secret, env_name=from_env)
            except CredentialsError as exc:
                raise click.ClickException(str(exc)) from None
    how = {"none": "the local Gmail, no credentials", "service_account": "a service account",
           "oauth": "OAuth"}[kind]
    stored = "referenced from $" + from_env if from_env else ("encrypted" if kind != "none" else "nothing secret")
    click.echo(f"{'created' if created else 'updated'} mailbox {address}: {how} ({stored})")


def _credentials(service_account: Path | None, oauth_client: Path | None, refresh_token_env: str | None,
                 from_env: str | None, kind: str | None) -> tuple[str, dict[str, Any] | None]:
    from gmail_sync.credentials import oauth_secret

    if from_env:
        if kind is None:
            raise click.UsageError("--from-env needs --kind service_account|oauth")
        return kind, None
    if service_account is not None:
        return "service_account", _json_file(service_account)
    if oauth_client is not None:
        if not refresh_token_env or not os.environ.get(refresh_token_env):
            raise click.UsageError("--oauth-client needs --refresh-token-env NAME, a variable holding the refresh "
                                   "token from the consent flow (see `linedesk mailbox connect --help`)")
        return "oauth", oauth_secret(_json_file(oauth_client), os.environ[refresh_token_env])
    return "none", None


def _json_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{path} is not a readable JSON file ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{path} does not hold a JSON object")
    return data


@mailbox_group.command("list", help="The mailboxes, their credentials kind and sync state.")
def list_mailboxes() -> None:
    from app.models import Line, Mailbox, MailboxCredentials, MailboxSync

    with _sessions() as sessions, sessions() as session:
        rows = session.execute(select(Mailbox.address, Line.slug, MailboxCredentials.kind, MailboxSync.state)
                               .outerjoin(Line, Line.id == Mailbox.default_line_id)
                               .outerjoin(MailboxCredentials, MailboxCredentials.mailbox_id == Mailbox.id)
                               .outerjoin(MailboxSync, MailboxSync.mailbox_id == Mailbox.id)
                               .order_by(Mailbox.address)).all()
    if not rows:
        click.echo("no mailboxes yet: `linedesk mailbox connect ADDRESS --local` (or --service-account FILE)")
    for address, line, kind, state in rows:
        click.echo(f"{address:<40} credentials: {kind or 'none':<16} sync: {state or 'not started':<12} "
                   f"line: {line or '-'}")


@mailbox_group.command("new-key", help="Print a new credentials key for LINEDESK_CREDENTIALS_KEY.")
def new_key() -> None:
    from gmail_sync.credentials import generate_key

    click.echo(generate_key())


# --- migration ------------------------------------------------------------------------------------------------


def _mailbox_option(func: Any) -> Any:
    return click.option("--mailbox", "mailbox_address", metavar="ADDRESS",
                        help="The mailbox the history belongs to (default: the only one).")(func)


@click.command("import-mbox", help="Bring a Google Takeout mbox of the old shared inbox in as tickets. Resumable.")
@click.argument("file", type=_FILE)
@_mailbox_option
def import_mbox_command(file: Path, mailbox_address: str | None) -> None:
    from gmail_sync.importers import import_mbox

    with _sessions() as sessions:
        address = _mailbox_address(sessions, mailbox_address)
        with click.progressbar(length=file.stat().st_size, label=f"importing {file.name}") as bar:
            report = import_mbox(sessions, _clock(), file, address, progress=bar.update)
    _print_report(report)


@click.command("import-eml", help="Bring a directory of .eml files in as tickets. Resumable.")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_mailbox_option
def import_eml_command(directory: Path, mailbox_address: str | None) -> None:
    from gmail_sync.importers import count_eml, import_eml

    with _sessions() as sessions:
        address = _mailbox_address(sessions, mailbox_address)
        with click.progressbar(length=count_eml(directory), label=f"importing {directory}") as bar:
            report = import_eml(sessions, _clock(), directory, address, progress=bar.update)
    _print_report(report)


def _clock() -> Any:
    from app.clock import SystemClock

    return SystemClock()


def _mailbox_address(sessions: sessionmaker[Session], given: str | None) -> str:
    from app.models import Mailbox

    with sessions() as session:
        addresses = list(session.scalars(select(Mailbox.address).order_by(Mailbox.address)))
    if given:
        if given.strip().lower() not in addresses:
            raise click.ClickException(f"no mailbox {given}; known: {', '.join(addresses) or 'none'}")
        return given.strip().lower()
    if len(addresses) != 1:
        raise click.ClickException("say which mailbox with --mailbox ADDRESS; known: " + (", ".join(addresses)
                                                                                       or "none"))
    return addresses[0]


def _print_report(report: Any) -> None:
    click.echo(report.summary())
    for problem in report.bad:
        click.echo(f"  skipped {problem.position}: {problem.reason}", err=True)
    if report.bad:
        raise click.exceptions.Exit(1)  # some messages were not imported
