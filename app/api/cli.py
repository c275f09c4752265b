"""`linedesk token create EMAIL` and `linedesk token revoke EMAIL`: API tokens from the command line.

The new token is printed once, as the last line of the output, so scripts can take it with `tail -n 1`;
only its SHA-256 is stored. Errors (an unknown email, a deactivated agent, a bad DATABASE_URL) are messages
and a non-zero exit code here, never a traceback.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Callable, Iterator, TypeVar

import click
from sqlalchemy.orm import Session

from app.domain.errors import DomainError

T = TypeVar("T")


@click.group("token", help="Bearer tokens for the REST API (/api/v1).")
def token_group() -> None:
    pass


@token_group.command("create", help="Make a new API token for the agent with EMAIL; prints it as the last line.")
@click.argument("email")
def create(email: str) -> None:
    from app.api.tokens import create_token

    with _transaction() as (session, now):
        agent, token = _run(lambda: create_token(session, email, now))
    click.echo(f"API token for {agent.name} <{agent.email}>; it is shown only this once:")
    click.echo(token)


@token_group.command("revoke", help="Revoke every API token of the agent with EMAIL.")
@click.argument("email")
def revoke(email: str) -> None:
    from app.api.tokens import revoke_tokens

    with _transaction() as (session, now):
        count = _run(lambda: revoke_tokens(session, email, now))
    click.echo(f"revoked {count} token(s) of {email}")


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@contextmanager
def _transaction() -> Iterator[tuple[Session, datetime]]:
    """A committed unit of work on the configured database, and the time it happens at."""
    from app.cli_support import database
    from app.clock import SystemClock
    from app.db import transaction

    with database() as sessions, transaction(sessions) as session:
        yield session, SystemClock().now()
