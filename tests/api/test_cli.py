"""`linedesk token create EMAIL` prints a working token as its last line; errors are messages and exit codes."""

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.api.tokens import hash_token
from app.cli import main
from app.models import ApiToken


@pytest.fixture
def run(db_url, desk):
    def invoke(*args):
        return CliRunner().invoke(main, ["token", *args], env={"DATABASE_URL": db_url})

    return invoke


def test_token_create_prints_the_token_last(run, api_client, Session):
    result = run("create", "Kristina@coolxost.com")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    token = lines[-1]
    assert token.startswith("ld_") and "kristina@coolxost.com" in lines[0]
    with Session() as session:
        assert session.scalars(select(ApiToken.token_hash)).all() == [hash_token(token)]
    me = api_client(token=token).post("/tickets", {"subject": "From the CLI token", "line": "l1"})
    assert me.status_code == 201
    events = api_client(token=token).get(f"/tickets/{me.get_json()['number']}/events").get_json()["events"]
    assert events[0]["actor"] == "kristina@coolxost.com"


def test_token_create_for_an_unknown_email_fails_clearly(run):
    result = run("create", "ghost@coolxost.com")
    assert result.exit_code != 0
    assert "no agent with email 'ghost@coolxost.com'" in result.output
    assert "Traceback" not in result.output


def test_token_create_refuses_a_deactivated_agent(run, Session):
    from app.models import Agent

    with Session() as session:
        session.scalar(select(Agent).where(Agent.email == "lisa@coolxost.com")).active = False
        session.commit()
    result = run("create", "lisa@coolxost.com")
    assert result.exit_code != 0 and "deactivated" in result.output


def test_token_revoke_stops_every_token_of_the_agent(run, api_client):
    tokens = [run("create", "bob@coolxost.com").output.strip().splitlines()[-1] for _ in range(2)]
    result = run("revoke", "bob@coolxost.com")
    assert result.exit_code == 0 and "revoked 2 token(s)" in result.output
    for token in tokens:
        assert api_client(token=token).get("/lines").status_code == 401


def test_a_bad_database_url_is_a_message(desk):
    result = CliRunner().invoke(main, ["token", "create", "anna@coolxost.com"], env={"DATABASE_URL": "nonsense"})
    assert result.exit_code != 0 and "DATABASE_URL" in result.output
