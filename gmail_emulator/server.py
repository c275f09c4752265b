"""The emulator as a WSGI application: routing, auth, limits, faults, and Gmail-shaped responses.

Request pipeline, in order (the same for a direct call and for each part of a batch):
  1. route by the discovery document's paths (`discovery.methods()`), plus /upload/, /batch and /_emulator/;
  2. auth — a Bearer token is required; any token is accepted unless `require_token` is set (then 401);
  3. faults — at `fault_rate`: 500, 503, a dropped connection (socket shut, no response), or added latency;
  4. the user's concurrent-request slot, then the method's quota units (429/403 when exhausted);
  5. the handler (`api.HANDLERS`), inside one database transaction.
Every failure is an `ApiError` rendered in Gmail's JSON error format; anything unexpected is logged with its
traceback and answered with Gmail's 500 backendError — never an HTML page or a traceback on the wire.
"""

from __future__ import annotations

import json
import logging
import random
import re
import socket
import time
import urllib.parse
from collections.abc import Iterable
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from gmail_emulator import api, batch, control, discovery, fields, params, upload
from gmail_emulator.config import Clock, EmulatorConfig, system_clock
from gmail_emulator.db import Database
from gmail_emulator.errors import ApiError, backend_error, bad_request, not_found, unauthenticated
from gmail_emulator.push import PushNotifier
from gmail_emulator.quota import QuotaGate, Stats
from gmail_emulator.store import Store

log = logging.getLogger(__name__)
JSON_HEADERS = {"Content-Type": "application/json; charset=UTF-8", "Vary": "Origin, X-Origin, Referer"}
Result = tuple[int, dict[str, str], bytes]


def _rule_path(path: str) -> str:
    return "/" + re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))


def build_map() -> Map:
    rules = [Rule("/batch", methods=["POST"], endpoint="batch"),
             Rule("/batch/gmail/v1", methods=["POST"], endpoint="batch")]
    for method_id in api.HANDLERS:
        spec = discovery.methods()[method_id]
        rules.append(Rule(_rule_path(spec.path), methods=[spec.http_method], endpoint=method_id))
        for media_path in filter(None, (spec.upload_path, spec.resumable_path)):
            rules.append(Rule(_rule_path(media_path), methods=["POST", "PUT"], endpoint="upload:" + method_id))
    rules.extend(control.rules())
    return Map(rules, strict_slashes=False)


class Emulator:
    """One emulated Gmail: state, limits and the WSGI entry point."""

    def __init__(self, config: EmulatorConfig | None = None, db_path: str = ":memory:", clock: Clock | None = None,
                 seed: int | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.clock = clock or system_clock
        self.db = Database(db_path)
        self.stats = Stats()
        self.store = Store(self.db, self.config, self.clock, random.Random(seed))
        self.quota = QuotaGate(self.config, self.clock, self.stats, random.Random(seed))
        self.push = PushNotifier(self.store, self.stats)
        self.uploads = upload.Uploads()
        self.url_map = build_map()

    def close(self) -> None:
        self.push.close()
        self.db.close()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    # -- outer HTTP request ----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            endpoint, path_vars = self.url_map.bind_to_environ(request.environ).match()
            if endpoint.startswith("control:"):
                return control.handle(self, endpoint, request)
            self._check_auth(request.headers.get("Authorization"))
            fault = self.quota.roll_fault()
            if fault == "drop":
                return self._drop(request)
            self._apply_fault(fault)
            status, headers, body = self._route(endpoint, path_vars, request)
        except (NotFound, MethodNotAllowed) as exc:
            status, headers, body = _error(ApiError(exc.code or 404, _http_message(exc), "notFound"
                                                    if isinstance(exc, NotFound) else "methodNotAllowed"))
        except ApiError as exc:
            status, headers, body = _error(exc)
        except Exception:  # noqa: BLE001 - the wire gets Gmail's 500, the log gets the traceback
            log.exception("emulator: unexpected error on %s %s", request.method, request.path)
            status, headers, body = _error(backend_error(500))
        return Response(body, status=status, headers=headers)

    def _route(self, endpoint: str, path_vars: dict[str, str], request: Request) -> Result:
        body = request.get_data(cache=False)
        if endpoint == "batch":
            self.stats.batch()
            payload, content_type = batch.handle(body, request.headers.get("Content-Type", ""), self.dispatch_part)
            return 200, {"Content-Type": content_type}, payload
        if endpoint.startswith("upload:"):
            return self._upload(endpoint.removeprefix("upload:"), path_vars, request, body)
        return self.call(endpoint, path_vars, request.args, body, auth=request.headers.get("Authorization"))

    def _check_auth(self, header: str | None) -> None:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated()
        required = self.config.require_token
        if required is not None and token.strip() != required:
            raise unauthenticated()

    def _apply_fault(self, fault: str | None) -> None:
        if fault == "latency":
            time.sleep(self.config.fault_latency_ms / 1000)
        elif fault in ("500", "503"):
            raise backend_error(int(fault))

    def _drop(self, request: Request) -> Response:
        sock = request.environ.get("werkzeug.socket")
        if sock is None:
            raise backend_error(503)
        sock.shutdown(socket.SHUT_RDWR)
        return Response(b"", status=500)

    # -- one API call ----------------------------------------------------------------------------------------
    def call(self, method_id: str, path_vars: dict[str, str], query: MultiDict[str, str], body: bytes,
             media: bytes | None = None, auth: str | None = None) -> Result:
        """Run one API method through limits and handler; return (status, headers, body)."""
        address = self.store.resolve(path_vars["userId"], me=token_user(auth))
        with self.quota.slot(address):
            self.quota.charge(address, method_id)
            if self.config.latency_ms:  # service time: the request holds its concurrency slot meanwhile
                time.sleep(self.config.latency_ms / 1000)
            spec = discovery.methods()[method_id]
            parsed_body = params.json_body(body, spec.request_schema)
            call = api.Call(self.store, self.push, address, path_vars, query, parsed_body, media)
            result = api.HANDLERS[method_id](call)
        if result is None:
            return 204, {}, b""
        if query.get("fields"):
            result = fields.apply(result, fields.parse(query["fields"]))
        return 200, dict(JSON_HEADERS), json.dumps(result).encode()

    def dispatch_part(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Result:
        """One part of a batch: routed and limited like a direct call, faults without dropping."""
        split = urllib.parse.urlsplit(target)
        query: MultiDict[str, str] = MultiDict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        try:
            # Like WSGI PATH_INFO, the path is matched decoded: "users/support%40coolxost.com/…" is a mailbox.
            endpoint, path_vars = self.url_map.bind("localhost").match(urllib.parse.unquote(split.path), method=method)
            if endpoint in ("batch",) or endpoint.startswith(("upload:", "control:")):
                raise bad_request("This request cannot be part of a batch")
            self._apply_fault(self.quota.roll_fault(allow_drop=False))
            return self.call(endpoint, path_vars, query, body, auth=headers.get("authorization"))
        except (NotFound, MethodNotAllowed) as exc:
            return _error(ApiError(exc.code or 404, _http_message(exc), "notFound"))
        except ApiError as exc:
            return _error(exc)
        except Exception:  # noqa: BLE001 - as in handle()
            log.exception("emulator: unexpected error in batch part %s %s", method, target)
            return _error(backend_error(500))

    # -- media upload ----------------------------------------------------------------------------------------
    def _upload(self, method_id: str, path_vars: dict[str, str], request: Request, body: bytes) -> Result:
        kind = request.args.get("uploadType")
        if request.method == "PUT" or kind == "resumable" and request.args.get("upload_id"):
            return self._resumable_chunk(request, body)
        if kind == "media":
            return self.call(method_id, path_vars, request.args, b"", media=body,
                             auth=request.headers.get("Authorization"))
        if kind == "multipart":
            metadata, media = upload.split_multipart(body, request.headers.get("Content-Type", ""))
            return self.call(method_id, path_vars, request.args, metadata, media=media,
                             auth=request.headers.get("Authorization"))
        if kind == "resumable":
            length = request.headers.get("X-Upload-Content-Length")
            session = upload.Session(method_id, path_vars, upload.query_items(request.args), body,
                                     int(length) if length and length.isdigit() else None)
            upload_id = self.uploads.start(session)
            query = urllib.parse.urlencode([*session.query, ("uploadType", "resumable"), ("upload_id", upload_id)])
            return 200, {"Location": f"{request.base_url}?{query}", "Content-Length": "0"}, b""
        raise bad_request(f"Invalid uploadType: {kind!r}; expected media, multipart or resumable")

    def _resumable_chunk(self, request: Request, body: bytes) -> Result:
        upload_id = request.args.get("upload_id")
        if not upload_id:
            raise not_found("No such upload session")
        session, complete = self.uploads.put(upload_id, request.headers.get("Content-Range"), body)
        if not complete:
            received = len(session.data)
            headers = {"Range": f"bytes=0-{received - 1}"} if received else {}
            return 308, headers, b""
        query: MultiDict[str, str] = MultiDict(session.query)
        return self.call(session.method_id, session.path, query, session.metadata, media=bytes(session.data),
                         auth=request.headers.get("Authorization"))


def token_user(auth: str | None) -> str | None:
    """The mailbox a token stands for: a token "user:ADDRESS" makes userId 'me' mean ADDRESS, the way a real
    access token belongs to one account; any other token means the configured --address."""
    token = (auth or "").partition(" ")[2].strip()
    return token.removeprefix("user:") if token.startswith("user:") else None


def _error(exc: ApiError) -> Result:
    return exc.code, dict(JSON_HEADERS), exc.json_bytes()


def _http_message(exc: HTTPException) -> str:
    if isinstance(exc, NotFound):
        return "Requested entity was not found."
    return exc.description or exc.name
