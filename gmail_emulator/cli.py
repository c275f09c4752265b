"""`linedesk emulator …` (also `python -m gmail_emulator …`): run the local Gmail, deliver mail, seed a demo.

- `serve` runs the emulator until Ctrl-C (threaded werkzeug server; in memory, or `--db FILE` to keep mailboxes).
- `deliver FILE.eml` brings one message into a mailbox's INBOX through users.messages.import — exactly the call
  Gmail's own delivery corresponds to — using google-api-python-client against `--endpoint`.
- `seed` fills the demo mailbox through the API (gmail_emulator.seed.seed_mailbox).
"""

from __future__ import annotations

import base64
import importlib
import logging
from datetime import datetime, timezone
from pathlib import Path

import click
from werkzeug.serving import run_simple

from gmail_emulator import client
from gmail_emulator.config import EmulatorConfig
from gmail_emulator.server import Emulator

DEFAULT_ENDPOINT = "http://127.0.0.1:8025/"
DEFAULT_ADDRESS = "support@coolxost.com"


@click.group("emulator")
def emulator_group() -> None:
    """The local Gmail API emulator."""


@emulator_group.command()
@click.option("--port", type=int, default=8025, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="SQLite file; in memory if omitted.")
@click.option("--address", default=DEFAULT_ADDRESS, show_default=True, help="The mailbox userId 'me' means.")
@click.option("--quota", type=float, help="Per-user quota in units per second (Gmail: 250). Off if omitted.")
@click.option("--faults", type=click.FloatRange(0, 1), default=0.0, help="Rate of injected faults (0..1).")
@click.option("--push-url", help="Where watch notifications are POSTed (Pub/Sub push format).")
@click.option("--require-token", help="Accept only this Bearer token (default: any).")
@click.option("--max-concurrent", type=int, help="Concurrent requests per user before 429.")
def serve(port: int, host: str, db_path: str | None, address: str, quota: float | None, faults: float,
          push_url: str | None, require_token: str | None, max_concurrent: int | None) -> None:
    """Serve the Gmail API at http://HOST:PORT/."""
    config = EmulatorConfig(address=address)
    try:
        config.update({"quota_units_per_s": quota, "fault_rate": faults, "push_url": push_url,
                       "require_token": require_token, "max_concurrent": max_concurrent})
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = Emulator(config, db_path=db_path or ":memory:")
    click.echo(f"Gmail emulator for {address} on http://{host}:{port}/ ({db_path or 'in memory'})")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        app.close()


@emulator_group.command()
@click.argument("eml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "address", default="me", show_default=True, help="The mailbox that receives the message.")
@click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True)
@click.option("--token", default="emulator", show_default=True)
def deliver(eml: Path, address: str, endpoint: str, token: str) -> None:
    """Deliver FILE.eml into INBOX (users.messages.import, labelIds INBOX+UNREAD)."""
    service = client.build_service(endpoint, token=token)
    raw = base64.urlsafe_b64encode(eml.read_bytes()).decode("ascii")
    result = service.users().messages().import_(
        userId=address, body={"raw": raw, "labelIds": ["INBOX", "UNREAD"]}, internalDateSource="receivedTime",
    ).execute()
    click.echo(f"delivered {result['id']} (thread {result['threadId']}) to {address}")


@emulator_group.command()
@click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True)
@click.option("--address", default=DEFAULT_ADDRESS, show_default=True)
@click.option("--token", default="emulator", show_default=True)
def seed(endpoint: str, address: str, token: str) -> None:
    """Fill ADDRESS with the CoolXost demo support mail."""
    seed_module = importlib.import_module("gmail_emulator.seed")
    service = client.build_service(endpoint, token=token)
    count = seed_module.seed_mailbox(service, address, datetime.now(timezone.utc))
    click.echo(f"seeded {count} messages into {address}")
