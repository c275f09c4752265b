"""Phone numbers compared as E.164, whatever way people typed them ("8 (495) 123-45-67", "+7 495 1234567")."""

from __future__ import annotations

import phonenumbers

from app.domain.errors import InvalidInput


def normalise_phone(raw: str, default_region: str | None = None) -> str:
    """Return the E.164 form of `raw`, or raise InvalidInput saying why it is not a phone number.

    `default_region` (ISO 3166 code, e.g. "RU") reads numbers written without a country code.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidInput("empty phone number")
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        hint = "" if default_region else " (write it with +country code, or set helpdesk.phone_region)"
        raise InvalidInput(f"{raw!r} is not a phone number: {exc._msg}{hint}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput(f"{raw!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
