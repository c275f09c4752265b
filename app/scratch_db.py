"""Throw-away PostgreSQL databases, migrated to head: for the test suite and the benchmarks.

Each caller gets a database of its own name on the server at `admin_url`, so parallel runs never share state.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from app.db import make_engine
from app.migrate import upgrade


class PostgresUnavailable(RuntimeError):
    pass


def create_scratch_database(admin_url: str, prefix: str = "linedesk_scratch") -> str:
    """Create and migrate a fresh database; raise PostgresUnavailable saying why there is none."""
    import os

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        raise PostgresUnavailable(f"no PostgreSQL at {_safe(admin_url)}: {exc.orig}") from None
    finally:
        admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    return url


def drop_scratch_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _safe(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)
