"""Digest settings in the setup file: `digest` and `digest_at` on [[agents]], checked with key path and line,
managers defaulting to a daily digest at 08:00, and stored on the agent by `setup apply`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Agent
from app.setup_file import SetupInvalid, parse_setup
from tests.setup.conftest import SMALL

ANNA = 'email = "anna@example.com"\nname = "Anna"\nrole = "manager"\n'
KRIS = 'email = "kris@example.com"\nname = "Kris"\n'


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(SetupInvalid) as caught:
        parse_setup(text, "desk.toml")
    return [(p.line, p.path, p.message) for p in caught.value.problems]


def test_managers_get_a_daily_digest_at_8_unless_the_file_says_otherwise():
    spec = parse_setup(SMALL)
    anna, kris = spec.agents
    assert (anna.digest, anna.digest_at) == (("daily",), "08:00")
    assert (kris.digest, kris.digest_at) == ((), "08:00")

    spec = parse_setup(SMALL.replace(ANNA, ANNA + 'digest = ["weekly", "daily"]\ndigest_at = "07:30"\n'))
    assert (spec.agents[0].digest, spec.agents[0].digest_at) == (("daily", "weekly"), "07:30")
    assert parse_setup(SMALL.replace(ANNA, ANNA + "digest = []\n")).agents[0].digest == ()
    assert parse_setup(SMALL.replace(ANNA, ANNA + 'digest = "weekly"\n')).agents[0].digest == ("weekly",)
    assert parse_setup(SMALL.replace(ANNA, ANNA + "digest_at = 09:15:00\n")).agents[0].digest_at == "09:15"


def test_every_mistake_is_reported_with_its_key_and_line():
    text = SMALL.replace(ANNA, ANNA + 'digest = ["daily", "monthly"]\ndigest_at = "8am"\n').replace(
        KRIS, KRIS + 'digest = ["daily"]\n')
    assert problems_of(text) == [
        (13, "agents[0].digest", "'monthly' is not one of: daily | weekly"),
        (14, "agents[0].digest_at", "'8am' is not a time of day like \"08:00\" (24-hour clock)"),
        (19, "agents[1].digest", 'digests are for managers and admins; this agent has role "agent"'),
    ]
    assert problems_of(SMALL.replace(ANNA, ANNA + "digest = 1\n")) == [
        (13, "agents[0].digest", 'must be a list such as ["daily", "weekly"], or [] for no digest')]
    assert problems_of(SMALL.replace(ANNA, ANNA + 'digest_at = "24:00"\n'))[0][:2] == (13, "agents[0].digest_at")
    assert problems_of(SMALL.replace(ANNA, ANNA + 'digets = ["daily"]\n')) == [
        (13, "agents[0].digets", "unknown key 'digets' (did you mean 'digest'?)")]


def test_apply_stores_the_digest_on_the_agent_and_a_second_apply_changes_nothing(session, apply_text):
    text = SMALL.replace(ANNA, ANNA + 'digest = ["daily", "weekly"]\ndigest_at = "07:30"\n')
    apply_text(text)
    anna = session.scalar(select(Agent).where(Agent.email == "anna@example.com"))
    kris = session.scalar(select(Agent).where(Agent.email == "kris@example.com"))
    assert (anna.digest, anna.digest_at, kris.digest) == ("daily,weekly", "07:30", "")
    assert not apply_text(text).changed
    apply_text(SMALL.replace(ANNA, ANNA + "digest = []\n"))
    session.refresh(anna)
    assert (anna.digest, anna.digest_at) == ("", "08:00")
