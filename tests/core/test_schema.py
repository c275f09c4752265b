"""The schema comes only from migrations, and the domain core stands without Flask."""

import subprocess
import sys

import sqlalchemy as sa
from alembic import command

from app.db import Base
from app.kb.schema import include_name, is_search_index
from app.migrate import alembic_config, heads


def test_alembic_has_exactly_one_head():
    assert len(heads()) == 1


def test_migrations_build_exactly_the_models_tables(engine):
    import app.models  # noqa: F401

    tables = {t for t in sa.inspect(engine).get_table_names() if not is_search_index(t, "table")} - {"alembic_version"}
    assert tables == set(Base.metadata.tables)


def test_downgrade_to_base_and_back(db_url, engine):
    config = alembic_config(db_url)
    command.downgrade(config, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}  # the KB's FTS5 table too
    command.upgrade(config, "head")
    assert "tickets" in sa.inspect(engine).get_table_names()


def test_models_match_the_migrations(db_url, engine):
    """Autogenerate finds nothing to do: no model change without its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        # The KB's full-text index (FTS5 table / tsvector column) is made by its migration alone (app/kb/schema.py).
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata)
    assert diff == []


def test_domain_core_imports_without_flask():
    code = ("import sys, app.workflow, app.directory, app.models, app.domain.statuses; "
            "assert 'flask' not in sys.modules, sorted(m for m in sys.modules if 'flask' in m)")
    subprocess.run([sys.executable, "-c", code], check=True)
