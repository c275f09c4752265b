"""The full-text index beside `kb_articles`, which the migration makes and the models do not describe.

Why outside the models: SQLite's index is an FTS5 virtual table (with its shadow tables kb_articles_fts_data,
_idx, _docsize, _config) and PostgreSQL's a generated `tsvector` column with a GIN index — each exists on one
backend only, and neither can be declared portably on a SQLAlchemy model. So migration 0010 makes them, and
autogenerate (app/migrations/env.py) and the no-drift test (tests/core/test_schema.py) skip them by these names.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "kb_articles_fts"
PG_COLUMN = "search_vector"
PG_INDEX = "ix_kb_articles_search_vector"


def is_search_index(name: str | None, type_: str, parent: dict[str, Any] | None = None) -> bool:
    """True for the parts of the full-text index (alembic's include_name protocol, negated)."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    if type_ == "column":
        return name == PG_COLUMN and (parent or {}).get("table_name") == "kb_articles"
    if type_ == "index":
        return name == PG_INDEX
    return False


def include_name(name: str | None, type_: str, parent: dict[str, Any]) -> bool:
    return not is_search_index(name, type_, parent)
