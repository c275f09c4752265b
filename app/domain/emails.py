"""A stricter email check for data people type into files (the setup file, the customer CSV).

`app.directory.normalise_email` is deliberately lenient: it compares addresses that arrived in real mail. A
file typed by a person deserves a closer look, so that "ivan@example" or "ivan@@example.com" is reported on
its line instead of becoming a customer no mail will ever match.
"""

from __future__ import annotations

import re

from app.domain.errors import InvalidInput

_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"  # a domain label; letters may be non-ASCII (пример.рф)
_EMAIL = re.compile(rf"^[^@\s<>(),;:\"]+@{_LABEL}(?:\.{_LABEL})+$")


def checked_email(raw: str) -> str:
    """The address in lower case, or InvalidInput saying why it is not one."""
    value = (raw or "").strip().lower()
    if not value:
        raise InvalidInput("empty email address")
    if not _EMAIL.match(value):
        raise InvalidInput(f"{raw.strip()!r} is not an email address")
    return value
