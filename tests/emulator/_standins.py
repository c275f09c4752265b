"""Throwaway stand-ins for modules another engineer is writing, used ONLY while theirs are missing.

`install()` registers a minimal `gmail_emulator.search` in sys.modules if the real one cannot be imported, so
the emulator's own tests can run meanwhile. Once the real module exists this does nothing.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass


def install() -> None:
    try:
        importlib.import_module("gmail_emulator.search")
    except ModuleNotFoundError:
        sys.modules["gmail_emulator.search"] = _search_standin()


def _search_standin() -> types.ModuleType:
    module = types.ModuleType("gmail_emulator.search")

    class QueryError(ValueError):
        pass

    @dataclass(frozen=True)
    class SearchableMessage:
        label_ids: frozenset[str]
        label_names: Mapping[str, str]
        from_addr: str
        to_addrs: list[str]
        cc_addrs: list[str]
        bcc_addrs: list[str]
        subject: str
        text: str
        message_id: str | None
        internal_date_ms: int
        size_estimate: int
        has_attachment: bool
        filenames: list[str]

    @dataclass(frozen=True)
    class Query:
        terms: tuple[str, ...]

        def matches(self, msg: SearchableMessage, *, now_ms: int) -> bool:
            for term in self.terms:
                key, _, value = term.partition(":")
                if key == "from" and value:
                    ok = value.lower() in msg.from_addr.lower()
                elif key == "subject" and value:
                    ok = value.lower() in msg.subject.lower()
                elif key == "is" and value == "unread":
                    ok = "UNREAD" in msg.label_ids
                elif key == "in" and value:
                    ok = value.upper() in msg.label_ids
                elif key == "rfc822msgid" and value:
                    ok = (msg.message_id or "").strip("<>") == value.strip("<>")
                else:
                    ok = term.lower() in (msg.subject + " " + msg.text).lower()
                if not ok:
                    return False
            return True

    def parse_query(q: str) -> Query:
        if q.count('"') % 2:
            raise QueryError("unbalanced quote")
        return Query(tuple(q.split()))

    module.QueryError = QueryError  # type: ignore[attr-defined]
    module.SearchableMessage = SearchableMessage  # type: ignore[attr-defined]
    module.Query = Query  # type: ignore[attr-defined]
    module.parse_query = parse_query  # type: ignore[attr-defined]
    return module
