"""Looking a customer up by any email or phone is an indexed query, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect

from app.directory import customer_by_email, customer_by_phone


def captured_sql(engine, lookup):
    """The SQL and parameters the lookup sends to the database."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        lookup()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [(sql, params) for sql, params in seen if sql.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize("table, lookup", [
    ("customer_emails", lambda s: customer_by_email(s, "Ivan@Example.com")),
    ("customer_phones", lambda s: customer_by_phone(s, "8 (495) 123-45-67", "RU")),
])
def test_a_lookup_by_email_or_phone_searches_an_index(engine, session, table, lookup):
    column = "email" if table == "customer_emails" else "phone"
    if engine.dialect.name == "postgresql":
        unique = inspect(engine).get_unique_constraints(table)
        indexes = [i for i in inspect(engine).get_indexes(table) if i["unique"]]
        assert [column] in [c["column_names"] for c in unique + indexes]
        return
    [(sql, params)] = captured_sql(engine, lambda: lookup(session))
    rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
    plan = " | ".join(row[-1] for row in rows)

    assert f"SEARCH {table} USING" in plan and "INDEX" in plan and f"({column}=?)" in plan, plan
    assert f"SCAN {table}" not in plan, plan
