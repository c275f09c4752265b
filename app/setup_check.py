"""Typed reads of TOML values that record a problem instead of raising, so one pass finds every mistake.

Each read takes an `Entry` (a table and its key path), returns the value in its Python type (or a default when
the key is absent or wrong) and, when the value is wrong, appends `(key path, message)` to `problems`. The
setup reader (`app.setup_file`) decides what is required; this module only knows how to check one value.
"""

from __future__ import annotations

import difflib
import enum
import zoneinfo
from dataclasses import dataclass
from typing import Any, Mapping, TypeVar

import phonenumbers

from app.domain.durations import parse_duration
from app.domain.emails import checked_email
from app.domain.errors import InvalidInput

E = TypeVar("E", bound=enum.Enum)
_MISSING = object()


@dataclass(frozen=True)
class Entry:
    path: str
    table: Mapping[str, Any]


class Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    # ----- structure --------------------------------------------------------------------------------------
    def table(self, value: Any, path: str, keys: Mapping[str, bool]) -> Mapping[str, Any] | None:
        """`value` as a table whose keys are all in `keys` (key -> required); unknown and missing keys fail."""
        if not isinstance(value, dict):
            self.fail(path, f"must be a table: write [{path}]")
            return None
        for key in value:
            if key not in keys:
                self.fail(_join(path, key), _unknown(key, keys))
        for key, required in keys.items():
            if required and key not in value:
                where = f"[{path}]" if path else "the file"
                self.fail(_join(path, key), f"is required in {where}")
        return value

    def entries(self, data: Mapping[str, Any], section: str) -> list[Entry]:
        """The tables of an array section (`[[lines]]`), each with its path `lines[i]`."""
        value = data.get(section, [])
        if not isinstance(value, list):
            self.fail(section, f"must be an array of tables: write [[{section}]] before each entry")
            return []
        entries = []
        for index, item in enumerate(value):
            path = f"{section}[{index}]"
            if isinstance(item, dict):
                entries.append(Entry(path, item))
            else:
                self.fail(path, f"must be a table: write [[{section}]] before each entry")
        return entries

    def unique(self, prefix: str, key: str, values: list[str]) -> None:
        """Report every repeat of a value within `prefix[i].key`, pointing at the first use."""
        first: dict[str, int] = {}
        for index, value in enumerate(values):
            if not value:
                continue
            if value in first:
                path = f"{prefix}[{index}]" + (f".{key}" if key else "")
                self.fail(path, f"{value!r} is already used by {prefix}[{first[value]}]")
            else:
                first[value] = index

    # ----- scalar values ----------------------------------------------------------------------------------
    def text(self, entry: Entry, key: str, default: str | None = None, max_len: int = 200) -> str | None:
        value = entry.table.get(key, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or not value.strip():
            self.fail(_join(entry.path, key), f"must be a non-empty string, got {_show(value)}")
            return default
        if len(value.strip()) > max_len:
            self.fail(_join(entry.path, key), f"is longer than {max_len} characters")
            return default
        return value.strip()

    def flag(self, entry: Entry, key: str, default: Any) -> Any:
        value = entry.table.get(key, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.fail(_join(entry.path, key), f"must be true or false, got {_show(value)}")
            return default
        return value

    def choice(self, entry: Entry, key: str, enum_cls: type[E], default: E) -> E:
        value = entry.table.get(key, _MISSING)
        if value is _MISSING:
            return default
        allowed = [member.value for member in enum_cls]
        if value not in allowed:
            self.fail(_join(entry.path, key), f"{_show(value)} is not one of: {' | '.join(allowed)}")
            return default
        return enum_cls(value)

    def duration(self, entry: Entry, key: str, default: int) -> int:
        value = entry.table.get(key, _MISSING)
        if value is _MISSING:
            return default
        try:
            if not isinstance(value, (str, int)):
                raise ValueError(f"{_show(value)} is not a duration")
            seconds = parse_duration(value)
        except ValueError as exc:
            self.fail(_join(entry.path, key), str(exc))
            return default
        if seconds <= 0:
            self.fail(_join(entry.path, key), "must be longer than zero")
            return default
        return seconds

    def email(self, entry: Entry, key: str) -> str | None:
        value = entry.table.get(key, _MISSING)
        if value is _MISSING:
            return None
        return self._email(_join(entry.path, key), value)

    def emails(self, entry: Entry, key: str) -> tuple[str, ...]:
        value = entry.table.get(key, _MISSING)
        if value is _MISSING:
            return ()
        if not isinstance(value, list):
            self.fail(_join(entry.path, key), f"must be a list of emails, e.g. [\"a@example.com\"], got {_show(value)}")
            return ()
        checked = (self._email(f"{entry.path}.{key}[{i}]", item) for i, item in enumerate(value))
        return tuple(email for email in checked if email)

    def timezone(self, entry: Entry, key: str, default: str | None) -> str | None:
        name = self.text(entry, key, max_len=64)
        if name is None:
            return default
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.fail(_join(entry.path, key), f"{name!r} is not an IANA time zone such as \"Europe/Moscow\" or \"UTC\"")
            return default
        return name

    def phone_region(self, entry: Entry, region: str) -> bool:
        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            self.fail(_join(entry.path, "phone_region"),
                      f"{region!r} is not a region code for phone numbers; use ISO 3166 codes such as \"RU\" or \"DE\"")
            return False
        return True

    def _email(self, path: str, value: Any) -> str | None:
        if not isinstance(value, str):
            self.fail(path, f"must be an email address, got {_show(value)}")
            return None
        try:
            return checked_email(value)
        except InvalidInput as exc:
            self.fail(path, exc.message)
            return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a table" if isinstance(value, dict) else "a list"
    return repr(value)


def _unknown(key: str, keys: Mapping[str, bool]) -> str:
    close = difflib.get_close_matches(key, list(keys), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(keys)}"
    return f"unknown key {key!r}{hint}"
