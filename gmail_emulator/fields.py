"""Google's partial-response parameter `fields`, e.g. `fields=messages(id,threadId),nextPageToken`.

Every Google API accepts it (a standard parameter in the discovery document) and Gmail's performance guide
recommends it for list and get calls, so a sync may well use it. Syntax: comma-separated selections; `a/b`
selects b inside a; `a(b,c)` selects b and c inside a; a selection on an array applies to each element.
Unknown names select nothing, as on Google; a malformed mask is 400 "Invalid field selection".
"""

from __future__ import annotations

from typing import Any

from gmail_emulator.errors import bad_request

Mask = dict[str, "Mask | None"]  # None = the whole value


def parse(text: str) -> Mask:
    mask, position = _selections(text.replace(" ", ""), 0)
    if position != len(text.replace(" ", "")):
        raise bad_request(f"Invalid field selection {text}")
    return mask


def _selections(text: str, i: int) -> tuple[Mask, int]:
    mask: Mask = {}
    while True:
        start = i
        while i < len(text) and text[i] not in ",()":
            i += 1
        path = text[start:i].split("/")
        if not all(path):
            raise bad_request(f"Invalid field selection {text}")
        inner: Mask | None = None
        if i < len(text) and text[i] == "(":
            inner, i = _selections(text, i + 1)
            if i >= len(text) or text[i] != ")":
                raise bad_request(f"Invalid field selection {text}")
            i += 1
        _merge(mask, path, inner)
        if i < len(text) and text[i] == ",":
            i += 1
            continue
        return mask, i


def _merge(mask: Mask, path: list[str], inner: Mask | None) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        existing = mask.get(head, {})
        mask[head] = None if inner is None or existing is None else {**existing, **inner}
        return
    child = mask.setdefault(head, {})
    if child is not None:
        _merge(child, rest, inner)


def apply(value: Any, mask: Mask | None) -> Any:
    if mask is None:
        return value
    if isinstance(value, list):
        return [apply(item, mask) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: apply(value[key], sub) for key, sub in mask.items() if key in value}
