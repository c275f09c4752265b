"""`linedesk setup apply|check FILE` and `linedesk customers import FILE.csv`: thin shells over the library.

They read the file, open one session, call `app.setup_file` / `app.setup_apply` / `app.customer_import`, and
turn the outcome into output and an exit code: 0 when everything was applied or imported, 1 when the setup
file is invalid (every problem printed, nothing written) or any CSV row was rejected (the good rows are kept).
`setup check` runs the same apply and rolls it back, so it shows exactly what `apply` would change.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError

from app.db import make_engine, session_factory

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("setup", help="The helpdesk described as code: one TOML file (see examples/coolxost.toml).")
def setup_group() -> None:
    pass


@setup_group.command("apply", help="Make the database match FILE: create, update, deactivate. Idempotent.")
@click.argument("file", type=_FILE)
def setup_apply(file: Path) -> None:
    _run_setup(file, write=True)


@setup_group.command("check", help="Check FILE and show what `apply` would change, writing nothing.")
@click.argument("file", type=_FILE)
def setup_check(file: Path) -> None:
    _run_setup(file, write=False)


def _run_setup(file: Path, *, write: bool) -> None:
    from app.setup_apply import apply_setup, known_agents
    from app.setup_file import SetupInvalid, parse_setup
    from labels.cli import setup_step
    from labels.setup_labels import snapshot as label_names

    text = _read_text(file, "utf-8-sig")
    engine = _engine()
    try:
        if not write and not _has_schema(engine):
            parse_setup(text, str(file))
            click.echo(f"{file}: valid (the database has no schema yet, so only the file itself was checked)")
            return
        _require_schema(engine)
        with session_factory(engine)() as session:
            spec = parse_setup(text, str(file), known_agents(session))
            before = label_names(session)
            summary = apply_setup(session, spec)
            if write:
                session.commit()  # then the Gmail labels, an edge step that never undoes the apply
                after = label_names(session)
                session.rollback()  # end that read: the label step runs in its own short sessions
                summary.notes.extend(setup_step(session_factory(engine), before, after))
            else:
                session.rollback()
    except SetupInvalid as exc:
        click.echo(exc.report(), err=True)
        raise click.ClickException(f"{file}: {len(exc.problems)} problem(s); nothing was written") from None
    finally:
        engine.dispose()
    for line in summary.lines():
        click.echo(line)
    if not summary.changed:
        click.echo(f"no changes: the database already matches {file}")
    else:
        click.echo(f"applied {file}" if write else f"{file}: valid; `setup apply` would make the changes above")


@click.group("customers", help="The customer directory.")
def customers_group() -> None:
    pass


@customers_group.command("import", help="Import customers from a CSV file (columns: " +
                         "name, emails, phones, contract, company, vip, personal_manager). Idempotent.")
@click.argument("file", type=_FILE)
@click.option("--delimiter", type=click.Choice([",", ";", "tab"]), default=None,
              help="The field delimiter. Default: guessed from the header line.")
@click.option("--encoding", default="utf-8-sig", show_default=True, help="The file's text encoding, e.g. cp1251.")
@click.option("--region", default=None, help="Region for phone numbers without +country code (default: "
              "helpdesk.phone_region from the setup file).")
@click.pass_context
def customers_import(ctx: click.Context, file: Path, delimiter: str | None, encoding: str, region: str | None) -> None:
    from app.clock import SystemClock
    from app.customer_import import ImportFileError, import_customers, phone_region

    text = _read_text(file, encoding)
    engine = _engine()
    try:
        _require_schema(engine)
        with session_factory(engine)() as session:
            report = import_customers(session, text, now=SystemClock().now(),
                                      region=(region or phone_region(session)),
                                      delimiter="\t" if delimiter == "tab" else delimiter)
            session.commit()
    except ImportFileError as exc:
        raise click.ClickException(f"{file}: {exc.message}; nothing was imported") from None
    finally:
        engine.dispose()
    for problem in report.problems:
        click.echo(f"{file}:{problem.line}: {problem.reason}", err=True)
    click.echo(report.summary())
    if not report.ok:
        ctx.exit(1)


def _read_text(file: Path, encoding: str) -> str:
    try:
        return file.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{file} is not {encoding} text (byte {exc.start}); save it as UTF-8 or pass --encoding") from None
    except LookupError:
        raise click.ClickException(f"unknown encoding {encoding!r}") from None


def _engine() -> Engine:
    from app.cli_support import load_settings

    return make_engine(load_settings().database_url)


def _has_schema(engine: Engine) -> bool:
    try:
        return inspect(engine).has_table("agents")
    except OperationalError:
        return False


def _require_schema(engine: Engine) -> None:
    if not _has_schema(engine):
        raise click.ClickException("the database has no schema yet: run `linedesk db upgrade` first")
