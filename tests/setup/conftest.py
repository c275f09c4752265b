"""Fixtures for the setup-as-code and customer-import tests: the example file, a small file, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from app.setup_apply import apply_setup, known_agents
from app.setup_file import parse_setup

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "coolxost.toml"

# A small valid file; tests break it in one place at a time. Keep the layout: line numbers are asserted.
SMALL = """\
[helpdesk]
name = "Test desk"
timezone = "Europe/Moscow"
phone_region = "RU"

[[mailboxes]]
address = "support@example.com"

[[agents]]
email = "anna@example.com"
name = "Anna"
role = "manager"

[[agents]]
email = "kris@example.com"
name = "Kris"

[[lines]]
slug = "l1"
name = "1st line"
head = "anna@example.com"
members = [
  "kris@example.com",
]

[[lines]]
slug = "l2"
name = "2nd line"

[[categories]]
name = "Billing"

[first_response]
email = "1h"
"""


@pytest.fixture
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def apply_text(session):
    """Parse and apply a setup text in the test session, committed; returns the summary."""
    def apply(text: str):
        spec = parse_setup(text, "test.toml", known_agents(session))
        summary = apply_setup(session, spec)
        session.commit()
        return summary
    return apply


@pytest.fixture
def cli(db_url, monkeypatch):
    """Run `linedesk ARGS...` against the test database; returns click's Result."""
    from app.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, [str(arg) for arg in args], catch_exceptions=False)
    return invoke


def line_of(text: str, marker: str) -> int:
    """The 1-based number of the only line of `text` containing `marker`."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(found) == 1, (marker, found)
    return found[0]
