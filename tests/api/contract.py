"""Checking requests and responses against the OpenAPI document the app serves.

The document is loaded into a `referencing` registry under one URI, so a JSON pointer into it (the schema of
one response of one operation) is validated with every `#/components/...` reference resolved in place.
"""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from app.api.openapi import document

URI = "urn:linedesk:openapi"
PREFIX = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")


def openapi_path(flask_rule: str) -> str:
    """/api/v1/tickets/<int:number>/claim → /tickets/{number}/claim"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", flask_rule.removeprefix(PREFIX))


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class Contract:
    def __init__(self) -> None:
        self.document = document()
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(URI, resource)

    def validate(self, pointer: str, instance: Any) -> None:
        validator = Draft202012Validator({"$ref": f"{URI}#{pointer}"}, registry=self.registry)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        assert not errors, f"{pointer}: " + "; ".join(
            f"at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:5])

    def operation_pointer(self, flask_rule: str, method: str) -> str:
        path, verb = openapi_path(flask_rule), method.lower()
        assert verb in self.document["paths"].get(path, {}), f"{method} {path} is not in the OpenAPI document"
        return f"/paths/{_escape(path)}/{verb}"

    def check_response(self, flask_rule: str, method: str, response: TestResponse) -> None:
        op_pointer = self.operation_pointer(flask_rule, method)
        path, verb = openapi_path(flask_rule), method.lower()
        documented = self.document["paths"][path][verb]["responses"]
        status = str(response.status_code)
        assert status in documented, (
            f"{method} {path} answered {status}, which the document does not list "
            f"({', '.join(documented)}): {response.get_data(as_text=True)[:300]}")
        entry = documented[status]
        pointer = f"{op_pointer}/responses/{status}"
        if "$ref" in entry:
            pointer = entry["$ref"].removeprefix("#")
            entry = self.document["components"]["responses"][pointer.rsplit("/", 1)[1]]
        content_type = response.mimetype
        assert content_type in entry["content"], f"{method} {path} {status} answered {content_type}"
        if content_type == "application/octet-stream":  # bytes: the documented type is all there is to check
            return
        self.validate(f"{pointer}/content/{_escape(content_type)}/schema", response.get_json())

    def check_request(self, flask_rule: str, method: str, body: Any) -> None:
        op_pointer = self.operation_pointer(flask_rule, method)
        operation = self.document["paths"][openapi_path(flask_rule)][method.lower()]
        assert "requestBody" in operation, f"{method} {flask_rule} took a body the document does not describe"
        self.validate(f"{op_pointer}/requestBody/content/application~1json/schema", body)

    def check_problem(self, response: TestResponse) -> None:
        assert response.mimetype == "application/problem+json", response.get_data(as_text=True)[:300]
        self.validate("/components/schemas/Problem", response.get_json())
