"""Gmail's error responses, as typed exceptions.

Google APIs answer every failure with the same JSON envelope::

    {"error": {"code": 404, "message": "Requested entity was not found.",
               "errors": [{"message": "...", "domain": "global", "reason": "notFound"}],
               "status": "NOT_FOUND"}}

google-api-python-client turns that body into `HttpError` (`.status_code`, `.reason`, `.error_details`), and
our Gmail code branches on code and reason, so the emulator must produce exactly this shape. Every handler
raises `ApiError`; the server renders it. Nothing else may reach the client as a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ABORTED",
    412: "FAILED_PRECONDITION",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


@dataclass
class ApiError(Exception):
    """One Gmail error: HTTP code, human message, machine reason, and the error domain."""

    code: int
    message: str
    reason: str
    domain: str = "global"
    status: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.code} {self.reason}: {self.message}")
        if not self.status:
            self.status = _STATUS.get(self.code, "UNKNOWN")

    def body(self) -> dict[str, object]:
        detail: dict[str, str] = {"message": self.message, "domain": self.domain, "reason": self.reason}
        detail.update(self.extra)
        return {"error": {"code": self.code, "message": self.message, "errors": [detail], "status": self.status}}

    def json_bytes(self) -> bytes:
        return json.dumps(self.body()).encode()


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, message, "invalidArgument")


def bad_request(message: str) -> ApiError:
    """Gmail's generic 400 for malformed requests (bad JSON, bad base64, bad parameter)."""
    return ApiError(400, message, "badRequest")


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    return ApiError(404, message, "notFound")


def failed_precondition(message: str) -> ApiError:
    return ApiError(400, message, "failedPrecondition")


def unauthenticated() -> ApiError:
    return ApiError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
        "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "authError",
        extra={"location": "Authorization", "locationType": "header"},
    )


def rate_limited(status_code: int) -> ApiError:
    """The per-user quota error: 429 rateLimitExceeded, or the older 403 userRateLimitExceeded."""
    if status_code == 403:
        return ApiError(403, "User Rate Limit Exceeded", "userRateLimitExceeded", domain="usageLimits")
    return ApiError(429, "User-rate limit exceeded.", "rateLimitExceeded", domain="usageLimits")


def too_many_concurrent() -> ApiError:
    return ApiError(429, "Too many concurrent requests for user", "rateLimitExceeded", domain="usageLimits")


def backend_error(code: int) -> ApiError:
    if code == 503:
        return ApiError(503, "The service is currently unavailable.", "backendError")
    return ApiError(500, "Internal error encountered.", "backendError")
