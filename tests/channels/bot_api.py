"""A small local Telegram Bot API: the calls Linedesk makes, over real HTTP, recorded for the tests to read.

Speaks `POST /bot<token>/<method>` (JSON or form body) for sendMessage, answerCallbackQuery, getFile and
setWebhook, and `GET /file/bot<token>/<file_path>` for a file's bytes, with Telegram's envelope
({"ok": true, "result": …} or {"ok": false, "error_code", "description"}). A wrong token is 401 as Telegram
answers it. `fail_next(method, status)` makes the next call of a method fail (429 with retry_after, 403 for a
user who blocked the bot, 500).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class BotApiServer:
    def __init__(self, token: str = "123456:TEST") -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self._failures: dict[str, list[int]] = {}
        self._next_id = 1000
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self) -> BotApiServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_file(self, file_id: str, path: str, data: bytes) -> None:
        self.files[file_id] = (path, data)

    def fail_next(self, method: str, status: int) -> None:
        self._failures.setdefault(method, []).append(status)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self._lock:
            return [body for name, body in self.calls if name == method]

    # ----- the server --------------------------------------------------------------------------------------
    def _answer(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append((method, body))
            failures = self._failures.get(method)
            if failures:
                status = failures.pop(0)
                descriptions = {429: "Too Many Requests: retry after 1", 403: "Forbidden: bot was blocked by the user"}
                out: dict[str, Any] = {"ok": False, "error_code": status,
                                       "description": descriptions.get(status, "Internal Server Error")}
                if status == 429:
                    out["parameters"] = {"retry_after": 1}
                return status, out
            if method == "sendMessage":
                if "chat_id" not in body or not str(body.get("text", "")).strip():
                    return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
                self._next_id += 1
                return 200, {"ok": True, "result": {"message_id": self._next_id, "chat": {"id": body["chat_id"]},
                                                    "text": body["text"]}}
            if method == "answerCallbackQuery":
                return 200, {"ok": True, "result": True}
            if method == "getFile":
                found = self.files.get(str(body.get("file_id")))
                if found is None:
                    return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
                return 200, {"ok": True, "result": {"file_id": body["file_id"], "file_size": len(found[1]),
                                                    "file_path": found[0]}}
            if method == "setWebhook":
                return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _reply(self, status: int, payload: Any, raw: bytes | None = None) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                prefix = f"/bot{server.token}/"
                if not self.path.startswith("/bot"):
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                if not self.path.startswith(prefix):
                    return self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or b"{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                status, payload = server._answer(self.path[len(prefix):], body)
                self._reply(status, payload)

            def do_GET(self) -> None:  # noqa: N802
                prefix = f"/file/bot{server.token}/"
                if not self.path.startswith(prefix):
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                path = self.path[len(prefix):]
                found = next((data for p, data in server.files.values() if p == path), None)
                if found is None:
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                self._reply(200, None, found)

        return Handler
