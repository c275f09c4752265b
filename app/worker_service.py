"""The sync and the scheduler as App Engine services (sync.yaml, scheduler.yaml): a tiny WSGI app that keeps one
`linedesk` command running.

Why: an App Engine standard instance must answer HTTP on $PORT (`/_ah/start` when a manual-scaling instance
starts, `/_ah/stop` before it is shut down), while the sync and the scheduler are long-running loops. So each
instance runs gunicorn with ONE worker serving this app, and the app supervises the very command a plain server
runs under systemd (`linedesk sync --loop`, `linedesk scheduler run`) as a child process:

- started when the app is built (in the gunicorn worker, not at import), restarted after an exit, with a
  doubling pause (1 s … 60 s) so a bad setting does not spin;
- `/_ah/start`, `/_ah/health`, `/healthz`: 200 while the child runs, 503 otherwise (the child's last exit code);
- `/_ah/stop`: SIGTERM to the child (it stops between two steps), no restart.

Several instances are safe: sync processes share the mailboxes out by lease (gmail_sync/lease.py), scheduler
processes fire each timer once (scheduler/engine.py).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

SYNC_COMMAND = ("sync", "--loop")
SCHEDULER_COMMAND = ("scheduler", "run")
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Supervisor:
    """Keeps `python -m app.cli <args>` running until `stop()`."""

    def __init__(self, args: tuple[str, ...], *, max_pause_s: float = 60.0) -> None:
        self.args = args
        self.max_pause_s = max_pause_s
        self.process: subprocess.Popen[bytes] | None = None
        self.last_exit: int | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"supervise {' '.join(args)}", daemon=True)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 25.0) -> None:
        self._stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        pause = 1.0
        while not self._stopping.is_set():
            self.process = subprocess.Popen([sys.executable, "-m", "app.cli", *self.args], env=os.environ.copy())
            self.last_exit = self.process.wait()
            if self._stopping.is_set():
                return
            self.restarts += 1
            log.error("`linedesk %s` exited with %s; restarting in %.0f s", " ".join(self.args), self.last_exit, pause)
            self._stopping.wait(pause)
            pause = min(self.max_pause_s, pause * 2)


def worker_app(args: tuple[str, ...]) -> WSGIApp:
    supervisor = Supervisor(args).start()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/_ah/stop":
            supervisor.stop()
            status, body = "200 OK", {"status": "stopped"}
        elif path in ("/_ah/start", "/_ah/health", "/healthz", "/_ah/warmup"):
            ok = supervisor.running
            status = "200 OK" if ok else "503 Service Unavailable"
            body = {"status": "running" if ok else "down", "command": " ".join(args),
                    "restarts": supervisor.restarts, "last_exit": supervisor.last_exit}
        else:
            status, body = "404 Not Found", {"status": "not found"}
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    app.supervisor = supervisor  # type: ignore[attr-defined]
    return app


def sync_app() -> WSGIApp:
    """sync.yaml's entrypoint: `linedesk sync --loop` (its interval from SYNC_INTERVAL_SECONDS, default 10)."""
    return worker_app((*SYNC_COMMAND, "--interval", os.environ.get("SYNC_INTERVAL_SECONDS", "10")))


def scheduler_app() -> WSGIApp:
    """scheduler.yaml's entrypoint: `linedesk scheduler run`."""
    return worker_app(SCHEDULER_COMMAND)
