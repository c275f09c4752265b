"""Fixtures shared by the whole suite.

`db_url` is parametrised over the backends (SQLite and PostgreSQL), so every test that touches the database
runs on both. A PostgreSQL test is skipped — with the reason printed — only when no server can be had.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.clock import FrozenClock
from app.db import make_engine, session_factory
from tests import databases

SUPPORT = "support@coolxost.com"

T0 = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    return databases.make_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def _pg_database():
    try:
        url = databases.create_pg_database()
    except databases.PostgresUnavailable as exc:
        yield exc
        return
    yield url
    databases.drop_pg_database(url)


@pytest.fixture(params=databases.selected_backends())
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield databases.sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path)
        return
    pg = request.getfixturevalue("_pg_database")
    if isinstance(pg, Exception):
        pytest.skip(f"PostgreSQL tests skipped: {pg}")
    yield pg
    engine = make_engine(pg)
    databases.empty_pg_database(engine)
    engine.dispose()


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def Session(engine):  # noqa: N802 - it is a factory, named like one
    return session_factory(engine)


@pytest.fixture
def session(Session):
    with Session() as session:
        yield session
        session.rollback()


@pytest.fixture
def clock():
    return FrozenClock(T0)


@pytest.fixture
def gmail():
    """The local Gmail serving the support mailbox, over real HTTP (modules needing another seed define their own)."""
    from gmail_emulator.testing import EmulatorServer

    with EmulatorServer(address=SUPPORT) as server:
        yield server


@pytest.fixture
def make_app(db_url, tmp_path, clock):
    """Build the Flask app on this test's database and clock, with Settings overrides; disposed afterwards."""
    from app import create_app
    from app.config import Settings
    from app.web import runtime

    made = []

    def make(**settings):
        settings.setdefault("secret_key", "t")
        app = create_app(Settings(database_url=db_url, instance_dir=tmp_path, testing=True, **settings), clock=clock)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            runtime().engine.dispose()
