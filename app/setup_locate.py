"""Line numbers for key paths in a TOML text, because tomllib returns values without positions.

A setup mistake is only useful when it says where it is: "lines[2].claim_within, line 41". `KeyLocator` scans
the text once, tracking the current table the way TOML does — `[table]` headers, `[[array]]` headers counted per
parent, `key = value` lines, dotted keys, and the elements of string arrays that span several lines — and
records the first line of every key path it sees. Paths are written like the validator writes them:
`helpdesk.timezone`, `lines[2]` (0-based, in file order), `lines[2].members[1]`.

`line_of(path)` answers with the line of the path itself, else of its nearest recorded parent (a missing key
is reported on its table's header), else None. It is a scanner, not a parser: it relies on the text having
parsed already, so it only needs to be right about valid TOML.
"""

from __future__ import annotations

import re

_BARE_OR_QUOTED = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*"
_HEADER = re.compile(rf"^\s*(\[\[|\[)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=\s*(.*)$")
_STRING = re.compile(r'"""|\'\'\'|"(?:[^"\\]|\\.)*"|\'[^\']*\'')
_PART = re.compile(_BARE_OR_QUOTED)
_LAST_PART = re.compile(r"(\[\d+\]|\.[^.\[]+)$")


def _key_parts(dotted: str) -> list[str]:
    parts = []
    for match in _PART.finditer(dotted):
        token = match.group(0)
        parts.append(token[1:-1] if token[0] in "\"'" else token)
    return parts


def parent_path(path: str) -> str:
    """`lines[2].members[1]` -> `lines[2].members` -> `lines[2]` -> `lines` -> ``."""
    match = _LAST_PART.search(path)
    return path[: match.start()] if match else ""


class KeyLocator:
    """Key path -> first line number (1-based) where it appears in the TOML text."""

    def __init__(self, text: str) -> None:
        self._lines: dict[str, int] = {}
        self._array_counts: dict[str, int] = {}
        self._table = ""
        self._scan(text.splitlines())

    def line_of(self, path: str) -> int | None:
        while path:
            if path in self._lines:
                return self._lines[path]
            path = parent_path(path)
        return None

    # ----- scanning ---------------------------------------------------------------------------------------
    def _scan(self, lines: list[str]) -> None:
        array_key: str | None = None  # the key whose multi-line array we are inside
        depth = 0
        element = 0
        in_multiline: str | None = None  # the delimiter of a multi-line string being skipped
        for number, raw in enumerate(lines, start=1):
            if in_multiline:
                if in_multiline in raw:
                    in_multiline = None
                continue
            if array_key is not None:
                depth, element = self._array_elements(raw, array_key, depth, element, number)
                if depth <= 0:
                    array_key = None
                continue
            header = _HEADER.match(raw)
            if header:
                self._enter_table(header.group(1) == "[[", _key_parts(header.group(2)), number)
                continue
            key = _KEY.match(raw)
            if not key:
                continue
            path = self._record_key(_key_parts(key.group(1)), number)
            value = key.group(2)
            if _opens_multiline_string(value):
                in_multiline = '"""' if '"""' in value else "'''"
            elif value.lstrip().startswith("["):
                depth, element = self._array_elements(value, path, 0, 0, number)
                array_key = path if depth > 0 else None

    def _enter_table(self, is_array: bool, parts: list[str], number: int) -> None:
        resolved = ""
        for index, part in enumerate(parts):
            plain = f"{resolved}.{part}" if resolved else part
            last = index == len(parts) - 1
            if last and is_array:
                count = self._array_counts.get(plain, 0)
                self._array_counts[plain] = count + 1
                self._lines.setdefault(plain, number)
                resolved = f"{plain}[{count}]"
            elif plain in self._array_counts:
                resolved = f"{plain}[{self._array_counts[plain] - 1}]"
            else:
                resolved = plain
            self._lines.setdefault(resolved, number)
        self._table = resolved

    def _record_key(self, parts: list[str], number: int) -> str:
        path = self._table
        for part in parts:
            path = f"{path}.{part}" if path else part
            self._lines.setdefault(path, number)
        return path

    def _array_elements(self, text: str, key: str, depth: int, element: int, number: int) -> tuple[int, int]:
        """Walk one line of an array value: count brackets outside strings, record each string element."""
        position = 0
        code = _strip_comment(text)
        while position < len(code):
            char = code[position]
            string = _STRING.match(code, position)
            if string and string.group(0) not in ('"""', "'''"):
                if depth == 1:
                    self._lines.setdefault(f"{key}[{element}]", number)
                position = string.end()
                continue
            if char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            elif char == "," and depth == 1:
                element += 1
            position += 1
        return depth, element


def _strip_comment(text: str) -> str:
    """The text before a `#` that is not inside a string."""
    position = 0
    while position < len(text):
        string = _STRING.match(text, position)
        if string:
            position = string.end()
        elif text[position] == "#":
            return text[:position]
        else:
            position += 1
    return text


def _opens_multiline_string(value: str) -> bool:
    for delimiter in ('"""', "'''"):
        if value.lstrip().startswith(delimiter) and value.count(delimiter) == 1:
            return True
    return False
