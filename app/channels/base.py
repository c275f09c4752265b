"""What every channel adapter is, the channels' settings, and the registry that finds an adapter by name.

An adapter knows one channel's protocol and nothing else: how to deliver an agent's answer to the customer
(`send`), and what the channel is called. The channel's way in (a webhook, a form, a widget) is its own
blueprint that turns the request into an `Incoming` and hands it to `app.channels.service.receive`; the
service does everything shared — the ticket through the workflow, the Gmail mirror, the delivery record.
Adding a channel means one module with an adapter class and `register(...)`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.domain.errors import DomainError
from app.models import Channel


class DeliveryFailed(DomainError):
    """The channel did not take an answer. `retryable`: a later delivery run may succeed."""

    status = 502
    title = "The channel did not take the answer"

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message, retryable=retryable)
        self.retryable = retryable


@dataclass(frozen=True)
class Recipient:
    """Who an answer goes to, as the adapter needs it (no ORM object crosses a network call)."""

    adapter: str
    external_id: str
    display_name: str
    data: Mapping[str, Any]
    ticket_number: int


class Adapter(Protocol):
    name: str  # "telegram"; a webhook integration is "webhook:<integration>"
    channel: Channel
    label: str  # "Telegram": how Gmail and the panel name it
    replies_by_email: bool  # True: answers go to the customer's address through the mail outbox instead

    def send(self, to: Recipient, text: str) -> str:
        """Deliver `text`; returns the channel's id of the delivered message. Raises `DeliveryFailed`."""
        ...


@dataclass(frozen=True)
class ChannelSettings:
    """Secrets and endpoints of the channels. From the environment, or `Settings.extra["channels"]` (tests)."""

    telegram_token: str | None = None
    telegram_api: str = "https://api.telegram.org"
    telegram_secret: str | None = None  # X-Telegram-Bot-Api-Secret-Token, set with setWebhook(secret_token=…)
    # Generic webhook integrations: name -> {"token": …, "reply_url": … (where answers are POSTed)}
    webhooks: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Signs the site's customer ids (chat widget) and the form's rate-limit buckets.
    site_secret: str | None = None
    form_per_ip_per_hour: int = 5
    # Behind proxies, the client's IP is the X-Forwarded-For entry this many from the end (the ones our own proxies
    # appended; anything further left is the client's to forge). 0: the connection's address.
    proxy_hops: int = 0
    mailbox: str | None = None  # the support mailbox the conversations are mirrored into (default: the first)
    # How long the chat's long-poll holds a request (a web thread: size GUNICORN_THREADS for open chats).
    chat_wait_s: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ChannelSettings:
        env = os.environ if env is None else env
        try:
            webhooks = json.loads(env.get("LINEDESK_WEBHOOKS", "") or "{}")
        except ValueError:
            raise DomainError('LINEDESK_WEBHOOKS must be JSON: {"facebook": {"token": "…", "reply_url": "https://…"}}'
                              ) from None
        return cls(telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
                   telegram_api=(env.get("TELEGRAM_API_BASE") or "https://api.telegram.org").rstrip("/"),
                   telegram_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None, webhooks=webhooks,
                   site_secret=env.get("LINEDESK_SITE_SECRET") or None,
                   form_per_ip_per_hour=int(env.get("FORM_PER_IP_PER_HOUR", "5")),
                   proxy_hops=int(env.get("CHANNELS_PROXY_HOPS", "0")),
                   mailbox=env.get("CHANNELS_MAILBOX") or None,
                   chat_wait_s=float(env.get("CHAT_LONG_POLL_S", "20")))


def channel_settings(settings: Any = None) -> ChannelSettings:
    """The channel settings of `settings` (an app's `Settings`), of the running app, or of the environment."""
    if settings is None:
        from flask import current_app, has_app_context

        if has_app_context() and "linedesk" in current_app.extensions:
            settings = current_app.extensions["linedesk"].settings
    extra = getattr(settings, "extra", None) or {}
    found = extra.get("channels") if isinstance(extra, Mapping) else None
    if isinstance(found, ChannelSettings):
        return found
    return ChannelSettings.from_env()


# Channels that ask for feedback themselves (gmail_sync.feedback_request.Requester), by ticket channel.
FEEDBACK_REQUESTERS: dict[Channel, Callable[..., None]] = {}

Factory = Callable[[ChannelSettings, str], Adapter]
_FACTORIES: dict[str, Factory] = {}


def register(kind: str, factory: Factory) -> None:
    """`factory(settings, name)` builds the adapter called `name` ("telegram", "webhook:vk") of `kind`."""
    _FACTORIES[kind] = factory


def adapter(name: str, settings: ChannelSettings) -> Adapter:
    from app.channels import load_adapters

    load_adapters()
    kind = name.partition(":")[0]
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise DomainError(f"no channel adapter called {kind!r}")
    return factory(settings, name)
