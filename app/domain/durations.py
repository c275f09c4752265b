"""Durations as people write them in the setup file: "40s", "15m", "1h", "2d", "1h30m"."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | int) -> int:
    """Seconds in `text`; raise ValueError with the accepted forms when it is not a duration."""
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a duration")
    if isinstance(text, int):
        if text < 0:
            raise ValueError("a duration cannot be negative")
        return text
    compact = text.strip().lower().replace(" ", "")
    if not compact or _PART.sub("", compact):
        raise ValueError(f"{text!r} is not a duration; write e.g. \"40s\", \"15m\", \"1h\", \"2d\" or \"1h30m\"")
    return sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(compact))


def format_duration(seconds: int) -> str:
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            count, seconds = divmod(seconds, size)
            parts.append(f"{count}{unit}")
    return "".join(parts)
