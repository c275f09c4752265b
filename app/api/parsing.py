"""Reading request input once, the same way for every view, with errors a person understands.

A view declares the fields it takes as `Field`s and calls `read_body(...)` (JSON bodies) or the `query_*`
helpers (query strings). Anything wrong raises `InvalidInput` (400) that names the field and, for
enumerations, lists the allowed values, so views never hand-roll a check. What the workflow refuses (a
rule, a permission) is the workflow's business, not this module's: e.g. `/done` without `problem` is read
here as "no problem given" and refused by the workflow with a 422 naming the field.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, TypeVar

from flask import request

from app.domain.errors import InvalidInput

E = TypeVar("E", bound=enum.Enum)
Parser = Callable[[Any, str], Any]
MAX_LIMIT = 200
MAX_INT = 2**31 - 1  # what an INTEGER column holds on every backend
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class Field:
    name: str
    parse: Parser
    required: bool = False
    nullable: bool = False  # JSON null is accepted and read as None (e.g. "clear the deadline")


# ----- value parsers: (value, field name) -> parsed value ---------------------------------------------------
def text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string, not {_json_type(value)}", fields=[name])
    # JSON escapes can smuggle in what no database column stores: a lone surrogate ("\udcff") or NUL.
    if not _storable(value):
        raise InvalidInput(f"{name} contains characters that are not text (NUL or a lone surrogate)", fields=[name])
    return value


def enum_of(enum_cls: type[E]) -> Callable[[Any, str], E]:
    allowed = [member.value for member in enum_cls]

    def parse(value: Any, name: str) -> E:
        try:
            return enum_cls(value)
        except ValueError:
            raise InvalidInput(f"{name} must be one of {', '.join(allowed)}; got {value!r}",
                               fields=[name], allowed=allowed) from None

    return parse


def timestamp(value: Any, name: str) -> datetime:
    """An ISO 8601 date-time with a time zone ("2026-11-25T18:00:00+03:00" or "…Z")."""
    example = "e.g. 2026-11-25T18:00:00+03:00 or 2026-11-25T15:00:00Z"
    raw = text(value, name)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} {raw!r} is not an ISO 8601 date-time ({example})", fields=[name]) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{name} {raw!r} needs a time zone ({example})", fields=[name])
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidInput(f"{name} {raw!r} is out of range", fields=[name]) from None


def obj(*fields: Field) -> Parser:
    """A nested JSON object with its own fields (e.g. the customer of a new ticket)."""

    def parse(value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InvalidInput(f"{name} must be a JSON object, not {_json_type(value)}", fields=[name])
        return read_fields(value, fields, prefix=f"{name}.")

    return parse


# ----- bodies and query strings -----------------------------------------------------------------------------
def read_body(*fields: Field) -> dict[str, Any]:
    """The request's JSON object, checked against `fields`: only the fields present are returned."""
    return read_fields(json_object(), fields)


def json_object() -> dict[str, Any]:
    try:
        raw = request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the request body is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"the request body must be a JSON object, not {_json_type(data)}")
    return data


def read_fields(data: dict[str, Any], fields: tuple[Field, ...], prefix: str = "") -> dict[str, Any]:
    known = {field.name for field in fields}
    unknown = sorted(set(data) - known)
    if unknown:
        names = ", ".join(prefix + name for name in unknown)
        allowed = ", ".join(prefix + field.name for field in fields) or "none"
        raise InvalidInput(f"unknown field {names}; allowed: {allowed}",
                           fields=[prefix + name for name in unknown])
    missing = [prefix + field.name for field in fields if field.required and data.get(field.name) is None]
    if missing:
        raise InvalidInput(f"missing required field {', '.join(missing)}", fields=missing)
    result: dict[str, Any] = {}
    for field in fields:
        if field.name not in data:
            continue
        value = data[field.name]
        if value is None and not field.nullable:
            raise InvalidInput(f"{prefix}{field.name} cannot be null", fields=[prefix + field.name])
        result[field.name] = None if value is None else field.parse(value, prefix + field.name)
    return result


def query_text(name: str) -> str | None:
    value = request.args.get(name)
    if value and not _storable(value):
        raise InvalidInput(f"{name} contains characters that are not text (NUL or a lone surrogate)", fields=[name])
    return value.strip() if value and value.strip() else None


def query_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, got {raw!r}", fields=[name]) from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidInput(f"{name} must be {bounds}, got {value}", fields=[name])
    return value


def query_enums(name: str, enum_cls: type[E]) -> list[E]:
    """A comma-separated list of enum values (`status=new,assigned`); empty when the parameter is absent."""
    raw = query_text(name)
    if raw is None:
        return []
    parse = enum_of(enum_cls)
    return [parse(part.strip(), name) for part in raw.split(",") if part.strip()]


def page() -> tuple[int, int]:
    """(limit, offset) from the query string: limit 1…200, default 50; offset ≥ 0."""
    return query_int("limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT), query_int("offset", 0, maximum=MAX_INT)


def _storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
