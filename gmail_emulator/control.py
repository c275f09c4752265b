"""The emulator's own control API, for tests and tools in other processes (not part of Gmail).

    GET  /_emulator/config          current switches (see config.EmulatorConfig)
    POST /_emulator/config          JSON object of switches to change; 400 on an unknown or bad one
    GET  /_emulator/stats           calls and units per method, refusals, faults, pushes
    POST /_emulator/reset           {"stats": true, "mailboxes": false} by default: what to clear
    POST /_emulator/expire-history  {"address": A} drops A's history now (its old history ids then get 404)
    GET  /_emulator/health          {"ok": true}

No auth: the emulator only ever listens on a local port.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from gmail_emulator import history

if TYPE_CHECKING:
    from gmail_emulator.server import Emulator


def rules() -> list[Rule]:
    return [
        Rule("/_emulator/config", methods=["GET", "POST"], endpoint="control:config"),
        Rule("/_emulator/stats", methods=["GET"], endpoint="control:stats"),
        Rule("/_emulator/reset", methods=["POST"], endpoint="control:reset"),
        Rule("/_emulator/expire-history", methods=["POST"], endpoint="control:expire"),
        Rule("/_emulator/health", methods=["GET"], endpoint="control:health"),
    ]


def handle(emulator: Emulator, endpoint: str, request: Request) -> Response:
    try:
        body = json.loads(request.get_data() or b"{}") if request.method == "POST" else {}
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        result = _act(emulator, endpoint.removeprefix("control:"), body, request.method)
    except ValueError as exc:
        return _json({"error": str(exc)}, 400)
    return _json(result, 200)


def _act(emulator: Emulator, action: str, body: dict[str, Any], method: str) -> dict[str, Any]:
    if action == "config":
        if method == "POST":
            emulator.config.update(body)
        return emulator.config.as_dict()
    if action == "stats":
        return emulator.stats.snapshot()
    if action == "reset":
        reset(emulator, stats=body.get("stats", True), mailboxes=body.get("mailboxes", False))
        return {"ok": True}
    if action == "expire":
        expire_history(emulator, str(body.get("address") or emulator.config.address))
        return {"ok": True}
    return {"ok": True}


def reset(emulator: Emulator, *, stats: bool = True, mailboxes: bool = False) -> None:
    if stats:
        emulator.stats.reset()
        emulator.quota.reset()
    if mailboxes:
        emulator.db.wipe()
        emulator.store.forget_parsed()


def expire_history(emulator: Emulator, address: str) -> None:
    resolved = emulator.store.resolve(address)
    with emulator.db.tx() as conn:
        history.prune(conn, resolved, older_than=None)


def _json(value: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(value), status=status, content_type="application/json")
