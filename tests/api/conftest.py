"""API test fixtures: the real app on the test database, tokens, and a client that checks the contract.

`api_client("kristina")` is a test client authenticated as kristina@coolxost.com with a fresh token. Every
response it receives is validated against the OpenAPI document (the status must be documented for that
operation, and the body must match its schema), and every request body that succeeds must match the
documented request schema — so the whole API suite keeps the document honest, not only test_openapi.

Set-up data is written in short sessions that are closed before any request: SQLite takes its write lock
at BEGIN, so a test holding a transaction open would make the app wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import TestResponse

from app import create_app
from app.api.tokens import create_token
from app.config import Settings
from app.web import runtime
from tests.api.contract import Contract
from tests.factories import make_desk

PREFIX = "/api/v1"


@pytest.fixture
def app(db_url, tmp_path, clock) -> Iterator[Flask]:
    app = create_app(Settings(database_url=db_url, secret_key="t", instance_dir=tmp_path, testing=True), clock=clock)
    yield app
    with app.app_context():
        runtime().engine.dispose()


@pytest.fixture
def desk(Session):
    """The CoolXost desk (tests/factories.py), committed; yields nothing but makes it exist."""
    with Session() as session:
        make_desk(session)
        session.commit()


@pytest.fixture
def token_for(Session, clock, desk) -> Callable[[str], str]:
    def make(name: str) -> str:
        with Session() as session:
            _agent, token = create_token(session, _email(name), clock.now())
            session.commit()
        return token

    return make


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract()


@dataclass
class ApiClient:
    """A Flask test client for one bearer token; paths are relative to /api/v1."""

    client: FlaskClient
    app: Flask
    contract: Contract
    token: str | None
    check: bool = True

    def request(self, method: str, path: str, json: Any = None, *, headers: dict[str, str] | None = None,
                **kwargs: Any) -> TestResponse:
        all_headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        all_headers.update(headers or {})
        if json is not None:
            kwargs["json"] = json
        response = self.client.open(PREFIX + path, method=method, headers=all_headers, **kwargs)
        if self.check:
            self._check(method, path, json, response)
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, json, **kwargs)

    def _check(self, method: str, path: str, body: Any, response: TestResponse) -> None:
        adapter = self.app.url_map.bind("localhost")
        try:
            rule, _args = adapter.match(PREFIX + path.split("?")[0], method=method, return_rule=True)
        except (NotFound, MethodNotAllowed):
            self.contract.check_problem(response)
            return
        self.contract.check_response(rule.rule, method, response)
        if 200 <= response.status_code < 300 and body is not None:
            self.contract.check_request(rule.rule, method, body)


@pytest.fixture
def api_client(app, token_for, contract) -> Callable[..., ApiClient]:
    def make(name: str | None = None, *, token: str | None = None) -> ApiClient:
        return ApiClient(app.test_client(), app, contract, token if token is not None else
                         (token_for(name) if name else None))

    return make


@pytest.fixture
def new_ticket(api_client) -> Callable[..., dict[str, Any]]:
    """Create a ticket through the API (as Anna, head of the 1st line) and return its JSON."""
    anna = api_client("anna")

    def make(line: str = "l1", email: str = "ivan@example.com", subject: str = "Site is down", **fields: Any):
        body = {"subject": subject, "line": line, "body": "My site does not open", "channel": "email",
                "customer": {"name": "Ivan", "email": email}, **fields}
        response = anna.post("/tickets", body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


def _email(name: str) -> str:
    return name if "@" in name else f"{name}@coolxost.com"
