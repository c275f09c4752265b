"""The OpenAPI document describes exactly the routes the app has, and the main routes answer what it says."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from tests.api.contract import METHODS, PREFIX, Contract, openapi_path

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _app_operations(app) -> set[tuple[str, str]]:
    return {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX + "/")
        for method in (rule.methods or set()) - IGNORED_METHODS
    }


def _document_operations(document) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item if method in METHODS}


def test_every_route_is_documented_and_nothing_else(app, api_client, desk):
    served = api_client().get("/openapi.json").get_json()
    routes, documented = _app_operations(app), _document_operations(served)
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations the app does not serve"
    assert len(routes) >= 17


def test_the_document_is_openapi_31_with_valid_schemas(contract):
    document = contract.document
    assert document["openapi"] == "3.1.0" and document["servers"] == [{"url": PREFIX}]
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    operation_ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, item in document["paths"].items():
        for method, op in item.items():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names == set(_placeholders(path)), f"{method} {path}: path parameters"
            assert op["responses"], f"{method} {path}: no responses"


def test_every_reference_resolves(contract):
    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(contract.document)):
        target = contract.document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]


def test_main_routes_answer_what_the_document_says(app, api_client, new_ticket, contract):
    anna = api_client("anna")
    anna.check = False  # checked explicitly below
    number = new_ticket(customer={"name": "Ivan", "email": "ivan@example.com", "phone": "+74951234567"})["number"]
    calls = [
        ("GET", "/tickets", None), ("GET", f"/tickets/{number}", None),
        ("PATCH", f"/tickets/{number}", {"priority": "high", "deadline": "2026-11-25T18:00:00Z"}),
        ("POST", f"/tickets/{number}/assign", {"agent": "kristina@coolxost.com"}),
        ("POST", f"/tickets/{number}/notes", {"text": "checked"}), ("GET", f"/tickets/{number}/notes", None),
        ("POST", f"/tickets/{number}/subtasks", {"note": "fix the panel"}),
        ("GET", f"/tickets/{number}/events", None), ("GET", "/customers?phone=%2B74951234567", None),
        ("GET", "/lines", None), ("GET", "/tickets/4242", None), ("POST", f"/tickets/{number}/done", {}),
    ]
    for method, path, body in calls:
        response = anna.request(method, path, body)
        rule, _ = app.url_map.bind("localhost").match(PREFIX + path.split("?")[0], method=method, return_rule=True)
        contract.check_response(rule.rule, method, response)
        if response.status_code < 300 and body:
            contract.check_request(rule.rule, method, body)


def test_the_contract_check_catches_an_undocumented_field(api_client, new_ticket, contract):
    number = new_ticket()["number"]
    response = api_client("anna").get(f"/tickets/{number}")
    response.set_data(response.get_data(as_text=True).replace('"subject"', '"secret":1,"subject"', 1))
    with pytest.raises(AssertionError, match="Additional properties are not allowed"):
        contract.check_response(f"{PREFIX}/tickets/<int:number>", "GET", response)


def test_the_contract_check_catches_an_undocumented_status(contract, api_client, desk):
    response = api_client("anna").get("/lines")
    response.status_code = 418
    with pytest.raises(AssertionError, match="does not list"):
        contract.check_response(f"{PREFIX}/lines", "GET", response)


def test_request_bodies_take_exactly_the_documented_fields(api_client, new_ticket, contract):
    """The parser's 400 for an unknown field lists the fields it allows: they must be the documented ones."""
    number = new_ticket()["number"]
    anna = api_client("anna")
    schemas = contract.document["components"]["schemas"]
    for path, item in contract.document["paths"].items():
        for method, op in item.items():
            if "requestBody" not in op:
                continue
            schema = schemas[op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
            response = anna.request(method.upper(), path.replace("{number}", str(number)), {"unexpected": 1})
            assert response.status_code == 400, (method, path)
            allowed = response.get_json()["detail"].split("allowed: ", 1)[1]
            parsed = set() if allowed == "none" else set(allowed.split(", "))
            assert parsed == set(schema["properties"]), f"{method} {path}"
            assert schema["additionalProperties"] is False


def test_contract_helper_converts_flask_rules():
    assert openapi_path("/api/v1/tickets/<int:number>/pass-back") == "/tickets/{number}/pass-back"
    assert isinstance(Contract().document, dict)


def _placeholders(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)
