"""Typed domain errors. Each surface maps them to its own form (HTTP problem, card, CLI message).

Messages are written for a person: they say what was refused and why, e.g.
"#1042 cannot go from new to done: it has not been started".
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the workflow makes. `status` is the HTTP status the API uses."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    status = 400
    title = "Invalid input"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class PermissionDenied(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class RuleViolation(DomainError):
    status = 422
    title = "Rule broken"


class TransitionError(RuleViolation):
    title = "Transition not allowed"


class MissingFields(RuleViolation):
    title = "Required fields missing"

    def __init__(self, message: str, fields: list[str]) -> None:
        super().__init__(message, fields=fields)
        self.fields = fields
