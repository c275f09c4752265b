"""Text messages to customers known only by phone: a pluggable gateway, the log gateway by default.

A gateway is anything with `send(phone, text)`; `gateway_from_env()` picks one by `SMS_GATEWAY`
(`log`, the default: the text goes to the application log, nothing leaves the machine). A real provider is a
small class here plus a name in `GATEWAYS`. Sending is after the commit that recorded the request
(`gmail_sync.feedback_request`): at most once — a text lost by the provider is not resent.
"""

from __future__ import annotations

import logging
import os
from typing import Protocol

log = logging.getLogger(__name__)


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogGateway:
    """Writes the text to the log, and remembers it (`sent`) for whoever wants to look."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        log.info("SMS to %s: %s", phone, text)


GATEWAYS: dict[str, type] = {"log": LogGateway}


def gateway_from_env() -> SmsGateway:
    name = os.environ.get("SMS_GATEWAY", "log").strip().lower() or "log"
    if name not in GATEWAYS:
        raise ValueError(f"SMS_GATEWAY must be one of {', '.join(GATEWAYS)}, got {name!r}")
    return GATEWAYS[name]()
