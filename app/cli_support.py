"""What every `linedesk` subcommand needs: the settings, and the database they name.

A wrong setting becomes a one-line message and exit code 1 (click's ClickException), never a traceback; the
engine is disposed however the command ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session, sessionmaker

from app.config import ConfigError, Settings
from app.db import make_engine, session_factory


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def database() -> Iterator[sessionmaker[Session]]:
    """A session factory on the configured database, for the length of one command."""
    engine = make_engine(load_settings().database_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()
