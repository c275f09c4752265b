"""Linedesk: a multi-line helpdesk that lives inside Gmail.

`create_app(settings)` builds the Flask application. Importing this package opens nothing: no engine, no
logging set-up; the factory does that, in one commented order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

    from app.clock import Clock
    from app.config import Settings


def create_app(settings: "Settings | None" = None, *, clock: "Clock | None" = None) -> "Flask":
    from app.web import build_app

    return build_app(settings, clock=clock)
