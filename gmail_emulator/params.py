"""Request decoding shared by every method: query parameters, JSON bodies, and the `raw` message bytes.

Google validates before it acts, and answers 400 with a message naming the bad value; so do we. Booleans are
"true"/"false", integers are decimal, enums must be listed in the discovery document, `maxResults` is capped at
500 (Gmail caps silently rather than failing), JSON bodies must be objects with only the schema's fields, and
`raw` is base64 — Google accepts both the URL-safe and the standard alphabet, padded or not.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from werkzeug.datastructures import MultiDict

from gmail_emulator import discovery
from gmail_emulator.errors import bad_request, invalid_argument

MAX_RESULTS_CAP = 500


def get_bool(query: MultiDict[str, str], name: str, default: bool = False) -> bool:
    value = query.get(name)
    if value is None:
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise bad_request(f"Invalid value for boolean parameter {name}: {value!r}")


def get_int(query: MultiDict[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError as exc:
        raise bad_request(f"Invalid value '{value}' for parameter {name}") from exc
    if number < 0:
        raise bad_request(f"Invalid value '{value}' for parameter {name}")
    return number


def max_results(query: MultiDict[str, str], default: int = 100) -> int:
    value = get_int(query, "maxResults")
    if not value:
        return default
    return min(value, MAX_RESULTS_CAP)


def get_enum(query: MultiDict[str, str], name: str, allowed: Sequence[str], default: str) -> str:
    value = query.get(name, default)
    if value not in allowed:
        raise bad_request(f"Invalid value at '{name}' ({value}); allowed: {', '.join(allowed)}")
    return value


def json_body(data: bytes, schema_name: str | None) -> dict[str, Any]:
    """Parse and check a request body against its discovery schema; empty means {}."""
    if not data.strip():
        return {}
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"Invalid JSON payload received. {exc}") from exc
    if not isinstance(value, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    if schema_name:
        unknown = discovery.unknown_fields(value, schema_name)
        if unknown:
            raise bad_request(f"Invalid JSON payload received. Unknown name {unknown[0]}: Cannot find field.")
    return value


def string_list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid_argument(f"Invalid value for {name}: expected a list of strings")
    return value


def decode_raw(value: Any) -> bytes:
    """The bytes of Message.raw (format "byte": base64, URL-safe or standard, padding optional)."""
    if not isinstance(value, str) or not value:
        raise invalid_argument("'raw' RFC822 payload message string or uploading message via /upload/* URL required")
    text = value.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad_request("Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed") from exc
