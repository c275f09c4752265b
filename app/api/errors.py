"""Every API error is an RFC 9457 problem (`application/problem+json`) a person can read.

Three sources feed one format:
- `DomainError` raised by the workflow or the request parsers: its `.status`, `.title` and `.message` become
  status, title and detail; its `.details` (e.g. `fields`, `allowed`) become extension members.
- Werkzeug's HTTP errors (routing 404, 405 with its Allow header, 413 …) for paths under /api/v1. Routing
  errors happen before any blueprint is chosen, so that handler is registered on the app and hands other
  paths back to whatever the rest of the app does with them.
- Anything unexpected: a 500 problem without a traceback (the traceback goes to the log).

`type` is a stable URN per kind of problem (urn:linedesk:problem:forbidden …), so clients can branch on it
without parsing English.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from app.domain.errors import DomainError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:linedesk:problem:"  # an identifier, not a page: RFC 9457 lets clients compare it
API_PREFIX = "/api/v1"

# The problem type of each domain error class, by class name (subclasses fall back to their parents).
_DOMAIN_TYPES = {
    "InvalidInput": "invalid-input",
    "NotFound": "not-found",
    "PermissionDenied": "forbidden",
    "Conflict": "conflict",
    "RuleViolation": "rule-violation",
    "TransitionError": "transition-not-allowed",
    "MissingFields": "missing-fields",
    "Unauthorized": "unauthorized",
    "SendFailed": "send-failed",
    "SendInProgress": "send-in-progress",
}
_HTTP_TYPES = {404: "no-such-route", 405: "method-not-allowed"}


def problem(status: int, title: str, detail: str, type_: str, headers: dict[str, str] | None = None,
            **extras: Any) -> Response:
    body: dict[str, Any] = {"type": TYPE_BASE + type_, "title": title, "status": status, "detail": detail}
    body.update({key: value for key, value in extras.items() if key not in body})
    # The standard members first, in the RFC's order, for people reading it raw.
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def domain_problem(exc: DomainError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="linedesk"'} if exc.status == 401 else None
    return problem(exc.status, exc.title, exc.message, _domain_type(exc), headers, **_jsonable(exc.details))


def http_problem(exc: HTTPException) -> Response | HTTPException:
    if not request.path.startswith(API_PREFIX):
        return exc  # not ours: the default HTML error page
    status = exc.code or 500
    headers = {key: value for key, value in exc.get_headers() if key.lower() != "content-type"}
    detail = _http_detail(exc, status)
    extras: dict[str, Any] = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        extras["allowed_methods"] = sorted(exc.valid_methods)  # type: ignore[attr-defined]
    return problem(status, exc.name, detail, _HTTP_TYPES.get(status, f"http-{status}"), headers, **extras)


def unexpected_problem(exc: Exception) -> Response | HTTPException:
    if isinstance(exc, HTTPException):  # raised inside a view: the blueprint's handlers see it first
        return http_problem(exc)
    current_app.logger.exception("unhandled error in %s %s", request.method, request.path)
    return problem(500, "Internal server error",
                   "something went wrong on our side; the request was not applied", "internal-error")


def register(blueprint: Blueprint) -> None:
    blueprint.register_error_handler(DomainError, domain_problem)
    blueprint.register_error_handler(HTTPException, http_problem)
    blueprint.register_error_handler(Exception, unexpected_problem)
    blueprint.app_errorhandler(HTTPException)(http_problem)


def _domain_type(exc: DomainError) -> str:
    for cls in type(exc).__mro__:
        if cls.__name__ in _DOMAIN_TYPES:
            return _DOMAIN_TYPES[cls.__name__]
    return "invalid-input"


def _http_detail(exc: HTTPException, status: int) -> str:
    if status == 404:
        return f"there is no API route {request.path}; see {API_PREFIX}/openapi.json for the routes"
    if status == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or []))
        return f"{request.method} is not allowed on {request.path}; allowed: {allowed}"
    return exc.description or exc.name


def _jsonable(details: dict[str, object]) -> dict[str, Any]:
    return {key: value if isinstance(value, (str, int, float, bool, list, dict, type(None))) else str(value)
            for key, value in details.items()}
