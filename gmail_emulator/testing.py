"""Run the emulator inside a test process: `EmulatorServer`, a context manager.

It starts the WSGI app on a free 127.0.0.1 port in a background thread (werkzeug's threaded server, so
concurrent clients really are concurrent), and hands out google-api-python-client services bound to it. State is
in memory unless `db_path` is given; each `EmulatorServer` is a fresh Gmail. `control` is the in-process
equivalent of the /_emulator/ HTTP API: switch quota/faults/horizon/push on, read stats, reset.

httplib2 is not thread-safe: call `service()` once per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from googleapiclient.http import BatchHttpRequest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from gmail_emulator import client, control
from gmail_emulator.config import Clock, EmulatorConfig
from gmail_emulator.server import Emulator


class QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without the access log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class Control:
    """Switches and counters of a running emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def configure(self, **settings: Any) -> None:
        self._emulator.config.update(settings)

    def stats(self) -> dict[str, Any]:
        return self._emulator.stats.snapshot()

    def reset(self, *, stats: bool = True, mailboxes: bool = False) -> None:
        control.reset(self._emulator, stats=stats, mailboxes=mailboxes)

    def expire_history(self, address: str | None = None) -> None:
        control.expire_history(self._emulator, address or self._emulator.config.address)

    @property
    def emulator(self) -> Emulator:
        return self._emulator


class EmulatorServer:
    """`with EmulatorServer() as gmail: service = gmail.service()` — a live local Gmail for a test."""

    def __init__(self, *, address: str = "support@coolxost.com", db_path: str = ":memory:",
                 clock: Clock | None = None, seed: int | None = None, port: int = 0, **settings: Any) -> None:
        config = EmulatorConfig(address=address)
        config.update(settings)
        self.emulator = Emulator(config, db_path=db_path, clock=clock, seed=seed)
        self.control = Control(self.emulator)
        self.address = address
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("EmulatorServer is not running")
        return f"http://127.0.0.1:{self._server.server_port}/"

    def start(self) -> EmulatorServer:
        self._server = make_server("127.0.0.1", self._port, self.emulator, threaded=True,
                                   request_handler=QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="gmail-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.emulator.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def service(self, user: str | None = None, token: str = "test") -> Any:
        """A gmail v1 service for this emulator; with `user`, userId 'me' means that mailbox (token "user:ADDR")."""
        return client.build_service(self.url, token=f"user:{user}" if user else token)

    def batch(self, callback: Callable[..., Any] | None = None) -> BatchHttpRequest:
        return client.new_batch(self.url, callback)
