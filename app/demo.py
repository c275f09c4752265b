"""`linedesk demo`: the whole of Linedesk on one machine, with nothing to configure.

In order: migrate the SQLite database under instance/, apply the example setup, start the local Gmail
(kept in instance/gmail.sqlite3 across restarts) and seed its mailbox with the CoolXost support mail, start the
Gmail sync (a backfill, then polling every few seconds, as `linedesk sync --loop` does) and the response-time
rules (as `linedesk scheduler run` does), print an API token for an agent, then serve the web app. Every step is
idempotent, so running the demo again resumes where the last run stopped.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import click
from werkzeug.serving import make_server

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETUP = REPO_ROOT / "examples" / "coolxost.toml"
DEMO_AGENT = "kristina@coolxost.com"


@dataclass
class DemoPorts:
    web: int
    gmail: int


def run_demo(ports: DemoPorts, setup_file: Path, host: str = "127.0.0.1") -> None:
    from app.config import Settings
    from app.migrate import upgrade

    os.environ.setdefault("LINEDESK_DEMO", "1")  # the web panel's password-free sign-in (app/desk/auth.py)
    settings = Settings.from_env()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo(f"database ready: {settings.instance_dir}")
    address = _apply_setup(settings.database_url, setup_file)
    gmail_url = _start_local_gmail(settings.instance_dir / "gmail.sqlite3", host, ports.gmail, address)
    os.environ["GMAIL_API_ENDPOINT"] = gmail_url
    _start_sync(settings.database_url, gmail_url)
    _start_scheduler(settings.database_url)
    token = _token_for(settings.database_url, DEMO_AGENT)
    _serve_web(host, ports.web, token)


def _apply_setup(database_url: str, setup_file: Path) -> str:
    from app.db import make_engine, session_factory, transaction
    from app.setup_apply import apply_setup, known_agents
    from app.setup_file import parse_setup

    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        spec = parse_setup(setup_file.read_text(encoding="utf-8"), str(setup_file), known_agents(session))
        apply_setup(session, spec)
    engine.dispose()
    click.echo(f"setup applied: {setup_file}")
    return spec.mailboxes[0].address


def _start_local_gmail(db_file: Path, host: str, port: int, address: str) -> str:
    from gmail_emulator.client import build_service
    from gmail_emulator.config import EmulatorConfig
    from gmail_emulator.seed import seed_mailbox
    from gmail_emulator.server import Emulator

    emulator = Emulator(EmulatorConfig(address=address), db_path=str(db_file))
    server = make_server(host, port, emulator, threaded=True)
    threading.Thread(target=server.serve_forever, name="local-gmail", daemon=True).start()
    url = f"http://{host}:{server.server_port}/"
    added = seed_mailbox(build_service(url, token="demo"), address, datetime.now(timezone.utc))
    click.echo(f"local Gmail on {url} — mailbox {address} ({added} demo messages added)")
    return url


def _start_sync(database_url: str, gmail_url: str, interval_s: float = 5.0) -> None:
    """Backfill now (so the first page already shows tickets), then poll in the background."""
    import logging
    import time

    from app.clock import SystemClock
    from app.db import make_engine, session_factory
    from gmail_sync.client import GmailError
    from gmail_sync.runner import SyncError
    from gmail_sync.wiring import sync_service

    service = sync_service(session_factory(make_engine(database_url)), SystemClock(), gmail_url, None)
    reports = service.sync_all()
    fetched = sum(getattr(report, "fetched", 0) for report in reports)
    click.echo(f"sync: backfill done ({fetched} messages), polling every {interval_s:g} s")

    def poll() -> None:
        while True:
            time.sleep(interval_s)
            try:
                service.sync_all()
            except (GmailError, SyncError) as exc:  # keep polling: the next round retries
                logging.getLogger(__name__).warning("demo sync round failed: %s", exc)

    threading.Thread(target=poll, name="gmail-sync", daemon=True).start()


def _start_scheduler(database_url: str) -> None:
    from app.clock import SystemClock
    from app.db import make_engine, session_factory
    from scheduler.runner import SchedulerRunner

    SchedulerRunner(session_factory(make_engine(database_url)), SystemClock(), interval=1.0).start()
    click.echo("response-time rules: running every second")


def _token_for(database_url: str, email: str) -> str:
    from app.api.tokens import create_token
    from app.clock import SystemClock
    from app.db import make_engine, session_factory, transaction

    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        _, token = create_token(session, email, SystemClock().now())
    engine.dispose()
    return token


def _serve_web(host: str, port: int, token: str) -> None:
    from app import create_app

    server = make_server(host, port, create_app(), threaded=True)
    url = f"http://{host}:{server.server_port}/"
    click.echo(f"Linedesk on {url}  (API: {url}api/v1, OpenAPI: {url}api/v1/openapi.json)")
    click.echo(f"web panel and queues: {url}desk/  (demo sign-in: pick any agent)")
    click.echo(f"API token for {DEMO_AGENT}:")
    click.echo(token)
    click.echo("Ctrl-C stops the demo.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
