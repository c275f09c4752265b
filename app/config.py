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
    gmail_quota_units_per_s: float | None = 250.0
    # How long a sync process's lease on a mailbox lasts unrenewed (gmail_sync/lease.py): the take-over delay.
    sync_lease_s: float = 60.0
    # Gmail push (Pub/Sub): when an audience is set, every push must carry a Google-signed ID token for it,
    # from one of the allowed service accounts.
    push_audience: str | None = None
    push_service_accounts: frozenset[str] = frozenset()
    google_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"
    # The Gmail add-on (app/addon): every call carries a Google-signed ID token of the add-on's service account
    # for `addon_audience`, and the user's ID token (audience `addon_user_audience`, default the same). Unset: the
    # add-on endpoints refuse every call. `addon_base_url` is where Google reaches us (the cards' action URLs).
    addon_audience: str | None = None
    addon_user_audience: str | None = None
    addon_service_accounts: frozenset[str] = frozenset()
    addon_base_url: str | None = None
    # Web sign-in with Google (OpenID Connect, Google Identity Services): the OAuth client id the ID token is for.
    google_client_id: str | None = None
    # Where customers reach the app: the base of the signed links in feedback requests (PUBLIC_URL).
    public_url: str | None = None
    # Demo mode (`linedesk demo`): the web panel offers a password-free sign-in as any agent.
    demo: bool = False
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
            gmail_quota_units_per_s=_quota(env.get("GMAIL_QUOTA_UNITS_PER_S", "250")),
            sync_lease_s=_lease_seconds(env.get("SYNC_LEASE_SECONDS", "60")),
            push_audience=env.get("PUSH_AUDIENCE") or None,
            push_service_accounts=frozenset(
                a.strip().lower() for a in env.get("PUSH_SERVICE_ACCOUNTS", "").split(",") if a.strip()),
            addon_audience=env.get("ADDON_AUDIENCE") or None,
            addon_user_audience=env.get("ADDON_USER_AUDIENCE") or None,
            addon_service_accounts=frozenset(
                a.strip().lower() for a in env.get("ADDON_SERVICE_ACCOUNTS", "").split(",") if a.strip()),
            addon_base_url=(env.get("ADDON_BASE_URL") or "").rstrip("/") or None,
            google_client_id=env.get("GOOGLE_OAUTH_CLIENT_ID") or None,
            demo=env.get("LINEDESK_DEMO", "") in ("1", "true", "yes"),
            public_url=(env.get("PUBLIC_URL") or "").rstrip("/") or None,
        )
        if settings.push_audience and not settings.push_service_accounts:
            raise ConfigError("PUSH_AUDIENCE is set but PUSH_SERVICE_ACCOUNTS is empty: name the push subscription's "
                              "service account, or anyone with a Google account could trigger syncs")
        if settings.addon_audience and not settings.addon_service_accounts:
            raise ConfigError("ADDON_AUDIENCE is set but ADDON_SERVICE_ACCOUNTS is empty: name the add-on's service "
                              "account (service-PROJECT_NUMBER@gcp-sa-gsuiteaddons.iam.gserviceaccount.com)")
        return replace(settings, **overrides) if overrides else settings


def _quota(text: str) -> float | None:
    try:
        units = float(text)
    except ValueError:
        raise ConfigError(f"GMAIL_QUOTA_UNITS_PER_S must be a number of units per second, got {text!r}") from None
    if units < 0:
        raise ConfigError("GMAIL_QUOTA_UNITS_PER_S cannot be negative")
    return units or None  # 0: no limiter


def _lease_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise ConfigError(f"SYNC_LEASE_SECONDS must be a number of seconds, got {text!r}") from None
    if not 0.5 <= seconds <= 3600:
        raise ConfigError(f"SYNC_LEASE_SECONDS must be between 0.5 and 3600 seconds, got {text!r}")
    return seconds


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and pin the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
