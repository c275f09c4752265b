"""Reading the event Google POSTs to an add-on endpoint (only the fields Linedesk uses).

    {"commonEventObject": {"hostApp": "GMAIL", "timeZone": {"id": "Europe/Moscow", "offset": 10800000},
                           "parameters": {"do": "claim", "number": "1042"},
                           "formInputs": {"note": {"stringInputs": {"value": ["…"]}}}},
     "authorizationEventObject": {"userIdToken": "…", "systemIdToken": "…", "userOAuthToken": "…"},
     "gmail": {"messageId": "…", "threadId": "…", "accessToken": "…"}}

Anything missing or of the wrong type reads as absent: the views decide what absence means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class AddonEvent:
    raw: Mapping[str, Any]

    @property
    def _common(self) -> Mapping[str, Any]:
        common = self.raw.get("commonEventObject")
        return common if isinstance(common, Mapping) else {}

    def parameter(self, name: str) -> str | None:
        params = self._common.get("parameters")
        value = params.get(name) if isinstance(params, Mapping) else None
        return value if isinstance(value, str) else None

    def form(self, name: str) -> str | None:
        inputs = self._common.get("formInputs")
        field = inputs.get(name) if isinstance(inputs, Mapping) else None
        strings = field.get("stringInputs") if isinstance(field, Mapping) else None
        values = strings.get("value") if isinstance(strings, Mapping) else None
        if isinstance(values, list) and values and isinstance(values[0], str):
            return values[0]
        return None

    def gmail(self, name: str) -> str | None:
        gmail = self.raw.get("gmail")
        value = gmail.get(name) if isinstance(gmail, Mapping) else None
        return value if isinstance(value, str) and value else None

    @property
    def timezone(self) -> ZoneInfo:
        zone = self._common.get("timeZone")
        name = zone.get("id") if isinstance(zone, Mapping) else None
        try:
            return ZoneInfo(name) if isinstance(name, str) and name else ZoneInfo("UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")
