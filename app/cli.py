"""The `linedesk` command. Every subcommand is a thin shell over the library; errors become messages and
exit codes here, and only here (library code never calls sys.exit)."""

from __future__ import annotations

import click

from app.config import Settings


@click.group(help="Linedesk: a multi-line helpdesk that lives inside Gmail.")
def main() -> None:
    pass


@main.group(help="The database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Bring the database to the newest schema (Alembic upgrade head).")
def db_upgrade() -> None:
    from app.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    click.echo(f"database at head: {_safe_url(settings.database_url)}")


@main.command(help="Serve the web app (API, panel, add-on) on a local port.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(port: int, host: str) -> None:
    from werkzeug.serving import run_simple

    from app import create_app

    run_simple(host, port, create_app(_settings()), threaded=True, use_reloader=False)


@main.command(help="Run the whole of Linedesk locally: SQLite, the example setup, the seeded local Gmail, the web app.")
@click.option("--port", default=8080, show_default=True, type=int, help="The web app's port (0: any free port).")
@click.option("--gmail-port", default=8025, show_default=True, type=int, help="The local Gmail's port.")
@click.option("--setup", "setup_file", type=click.Path(exists=True, dir_okay=False), help="Setup file to apply.")
def demo(port: int, gmail_port: int, setup_file: str | None) -> None:
    from pathlib import Path

    from app.demo import DEFAULT_SETUP, DemoPorts, run_demo

    run_demo(DemoPorts(web=port, gmail=gmail_port), Path(setup_file) if setup_file else DEFAULT_SETUP)


def _settings() -> Settings:
    from app.cli_support import load_settings

    return load_settings()


def _safe_url(url: str) -> str:
    """The URL without its password: credentials are never printed or logged."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- subcommands that live with their features (one line each) -------------------------------------------
# (registered below this line)
from app.setup_cli import customers_group, setup_group; main.add_command(setup_group); main.add_command(customers_group)  # noqa: E402,E702
from gmail_emulator.cli import emulator_group; main.add_command(emulator_group)  # noqa: E402,E702
from app.api.cli import token_group; main.add_command(token_group)  # noqa: E402,E702
from gmail_sync.cli import sync_command; main.add_command(sync_command)  # noqa: E402,E702
from gmail_sync.cli_mail import import_eml_command, import_mbox_command, mailbox_group  # noqa: E402
main.add_command(mailbox_group); main.add_command(import_mbox_command); main.add_command(import_eml_command)  # noqa: E702
from scheduler.cli import rules_group, scheduler_group; main.add_command(rules_group); main.add_command(scheduler_group)  # noqa: E402,E702
from labels.cli import labels_group; main.add_command(labels_group)  # noqa: E402,E702
from scheduler.digest_cli import digest_group; main.add_command(digest_group)  # noqa: E402,E702
from app.addon.descriptor import addon_group; main.add_command(addon_group)  # noqa: E402,E702
from app.channels.cli import channels_group; main.add_command(channels_group)  # noqa: E402,E702


if __name__ == "__main__":  # python -m app.cli …: the command without the console script
    main()
