"""Bearer tokens: no token, a wrong one, a revoked one or a deactivated agent gets a 401 problem; the
token's agent is the actor of what the request changes."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.api.tokens import agent_for_token, hash_token, revoke_tokens
from app.models import Agent, ApiToken


def _assert_401(response, detail_part):
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    problem = response.get_json()
    assert problem["status"] == 401 and problem["title"] == "Unauthorized"
    assert detail_part in problem["detail"]


def test_no_token_is_401(api_client, desk):
    _assert_401(api_client().get("/tickets"), "needs an 'Authorization: Bearer <token>' header")


def test_not_a_bearer_header_is_401(api_client, desk):
    response = api_client().get("/tickets", headers={"Authorization": "Basic a2lyYTpwdw=="})
    _assert_401(response, "must be 'Bearer <token>'")


@pytest.mark.parametrize("token", ["ld_not-a-real-token", "something-else"])
def test_unknown_token_is_401(api_client, desk, token):
    _assert_401(api_client(token=token).get("/lines"), "unknown, revoked")


def test_revoked_token_is_401(api_client, token_for, Session, clock):
    token = token_for("kristina")
    client = api_client(token=token)
    assert client.get("/lines").status_code == 200
    with Session() as session:
        assert revoke_tokens(session, "kristina@coolxost.com", clock.now()) == 1
        session.commit()
    _assert_401(client.get("/lines"), "revoked")


def test_deactivated_agent_is_401(api_client, Session):
    client = api_client("kristina")
    with Session() as session:
        session.execute(update(Agent).where(Agent.email == "kristina@coolxost.com").values(active=False))
        session.commit()
    _assert_401(client.get("/lines"), "deactivated")


def test_only_the_hash_is_stored(token_for, Session):
    token = token_for("lisa")
    assert token.startswith("ld_") and len(token) > 40
    with Session() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert stored == [hash_token(token)] and token not in stored
        assert agent_for_token(session, token).email == "lisa@coolxost.com"


def test_the_token_agent_is_the_actor(api_client, new_ticket):
    number = new_ticket()["number"]
    lisa = api_client("lisa")
    assert lisa.post(f"/tickets/{number}/claim").status_code == 200
    claimed = [e for e in lisa.get(f"/tickets/{number}/events").get_json()["events"] if e["kind"] == "claimed"]
    assert [(e["actor"], e["via"]) for e in claimed] == [("lisa@coolxost.com", "api")]


def test_the_openapi_document_is_public(api_client, desk):
    response = api_client().get("/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.1")


def test_each_token_works_independently(api_client, token_for, clock):
    first, second = token_for("bob"), token_for("bob")
    assert first != second
    clock.advance(timedelta(days=400))  # tokens do not expire by age; they are revoked
    assert api_client(token=first).get("/lines").status_code == 200
    assert api_client(token=second).get("/lines").status_code == 200
