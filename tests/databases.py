"""Test databases: a migrated SQLite template copied per test, and one migrated PostgreSQL database per run.

The schema always comes from `alembic upgrade head`, so every test run exercises the migrations. PostgreSQL
is found at LINEDESK_TEST_PG (default: the local server, trust auth); each run gets its own database, emptied
between tests with TRUNCATE (which fires no row triggers, so insert-only tables can be emptied too).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import sqlalchemy as sa

from app.db import Base
from app.migrate import upgrade
from app.scratch_db import PostgresUnavailable, create_scratch_database, drop_scratch_database  # noqa: F401

PG_ADMIN_URL = os.environ.get("LINEDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KEEP_TABLES = {"alembic_version", "counters"}


def selected_backends() -> list[str]:
    return [name.strip() for name in os.environ.get("LINEDESK_TEST_DATABASES", "sqlite,postgresql").split(",") if name.strip()]


def make_sqlite_template(directory: Path) -> Path:
    path = directory / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / f"test-{uuid.uuid4().hex[:8]}.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def create_pg_database() -> str:
    return create_scratch_database(PG_ADMIN_URL, prefix="linedesk_test")


def drop_pg_database(url: str) -> None:
    drop_scratch_database(PG_ADMIN_URL, url)


def empty_pg_database(engine: sa.Engine) -> None:
    """Empty every table between tests.

    DELETE, not TRUNCATE: on a handful of rows DELETE is far cheaper. Triggers (the insert-only guards) are off
    for this one transaction through session_replication_role, which the test server's superuser may set.
    """
    import app.models  # noqa: F401

    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(sa.text(f'DELETE FROM "{table}"'))
        conn.execute(sa.text("UPDATE counters SET value = 1000 WHERE name = 'ticket_number'"))
