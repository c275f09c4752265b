"""The gmail.v1 discovery document as the emulator's source of truth for paths and request shapes.

google-api-python-client builds every request from the document it ships
(`googleapiclient/discovery_cache/documents/gmail.v1.json`). Routing from the same document means the emulator
serves each method at exactly the path and HTTP verb the client uses, and request bodies are checked against
the same schemas (Google rejects unknown JSON fields with 400 "Invalid JSON payload received. Unknown name").
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import googleapiclient

DOCUMENT_PATH = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "gmail.v1.json"


@dataclass(frozen=True)
class MethodSpec:
    method_id: str  # e.g. "gmail.users.messages.get"
    http_method: str
    path: str  # e.g. "gmail/v1/users/{userId}/messages/{id}"
    parameters: dict[str, Any]
    request_schema: str | None
    upload_path: str | None  # e.g. "/upload/gmail/v1/users/{userId}/messages/send"
    resumable_path: str | None
    max_upload_size: int | None


@functools.lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    with DOCUMENT_PATH.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = json.load(fh)
    return loaded


@functools.lru_cache(maxsize=1)
def methods() -> dict[str, MethodSpec]:
    """Every method in the document, keyed by id."""
    found: dict[str, MethodSpec] = {}

    def walk(resources: dict[str, Any]) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                spec = _spec(method)
                found[spec.method_id] = spec
            walk(resource.get("resources", {}))

    walk(document()["resources"])
    return found


def _spec(method: dict[str, Any]) -> MethodSpec:
    upload = method.get("mediaUpload", {})
    protocols = upload.get("protocols", {})
    max_size = upload.get("maxSize")
    return MethodSpec(
        method_id=method["id"],
        http_method=method["httpMethod"],
        path=method.get("flatPath", method["path"]),
        parameters=method.get("parameters", {}),
        request_schema=method.get("request", {}).get("$ref"),
        upload_path=protocols.get("simple", {}).get("path"),
        resumable_path=protocols.get("resumable", {}).get("path"),
        max_upload_size=int(max_size) if max_size else None,
    )


def schema(name: str) -> dict[str, Any]:
    found: dict[str, Any] = document()["schemas"][name]
    return found


def unknown_fields(value: Any, schema_name: str, where: str = "") -> list[str]:
    """Names in a request body that the schema does not define (recursively), as Google reports them."""
    if not isinstance(value, dict):
        return []
    properties = schema(schema_name).get("properties", {})
    unknown: list[str] = []
    for key, item in value.items():
        prop = properties.get(key)
        if prop is None:
            unknown.append(f'"{key}" at \'{where or schema_name.lower()}\'')
            continue
        ref = prop.get("$ref") or prop.get("items", {}).get("$ref")
        if ref:
            items = item if isinstance(item, list) else [item]
            for element in items:
                unknown.extend(unknown_fields(element, ref, f"{where or schema_name.lower()}.{key}"))
    return unknown
