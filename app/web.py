"""The Flask application: settings, database, clock, then one blueprint per surface.

Request handlers get a short session with `db_session()`; the workflow owns the rules, the view owns the
commit. The engine and the clock live on `app.extensions["linedesk"]`, never in module globals, so tests can
build several apps side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock, SystemClock
from app.config import Settings
from app.db import make_engine, session_factory


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=str(_templates_dir()))
    app.config.update(SECRET_KEY=settings.secret_key, TESTING=settings.testing)
    app.json.sort_keys = False  # keep fields in the order the serialisers write them
    # 1. the database and the clock every request shares
    engine = make_engine(settings.database_url)
    app.extensions["linedesk"] = Runtime(settings, engine, session_factory(engine), clock or SystemClock())
    # 2. one short session per request, closed however the request ends
    app.teardown_appcontext(_close_session)
    # 3. the surfaces
    from app.api import api

    app.register_blueprint(api)
    from app.push import push

    app.register_blueprint(push)
    from app.addon import addon

    app.register_blueprint(addon)
    from app.desk import init_app as init_desk

    init_desk(app, secure_cookies=not (settings.testing or settings.demo))
    from app.feedback import feedback

    app.register_blueprint(feedback)
    from app.reports.pages import reports

    app.register_blueprint(reports)
    from app.kb.public import kb

    app.register_blueprint(kb)
    from app.channels import channels

    app.register_blueprint(channels)
    app.add_url_rule("/healthz", "healthz", lambda: {"status": "ok"})
    return app


def runtime() -> Runtime:
    return current_app.extensions["linedesk"]


def db_session() -> Session:
    if "db_session" not in g:
        g.db_session = runtime().sessions()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def _templates_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "templates"
