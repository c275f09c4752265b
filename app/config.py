"""Settings, read from the environment the way App Engine's app.yaml sets them.

A setting that is wrong is reported by name at start-up (ConfigError), never discovered mid-request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the setting."""


def default_instance_dir() -> Path:
    return Path(os.environ.get("LINEDESK_INSTANCE", Path.cwd() / "instance"))


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    instance_dir: Path
    gmail_api_endpoint: str | None = None
    testing: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        env = os.environ if environ is None else environ
        instance = Path(env.get("LINEDESK_INSTANCE", str(default_instance_dir())))
        url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'linedesk.sqlite3'}"
        if "://" not in url:
            raise ConfigError(f"DATABASE_URL must be a SQLAlchemy URL such as sqlite:///file.db, got {url!r}")
        settings = cls(
            database_url=normalise_database_url(url),
            secret_key=env.get("SECRET_KEY", "dev-only-not-secret"),
            instance_dir=instance,
            gmail_api_endpoint=env.get("GMAIL_API_ENDPOINT") or None,
        )
        return replace(settings, **overrides) if overrides else settings


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and pin the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
