"""`linedesk channels …`: point the Telegram bot at Linedesk, and deliver what is pending by hand.

`telegram-webhook URL` calls setWebhook with TELEGRAM_WEBHOOK_SECRET as its `secret_token` (the header the
webhook checks) and the update kinds Linedesk reads. `deliver` mirrors channel messages missing from Gmail and
delivers pending answers — the sync does both after every round; this is for a desk without a running sync.
"""

from __future__ import annotations

import click


@click.group("channels")
def channels_group() -> None:
    """Telegram, website form, site chat, phone and webhook channels."""


@channels_group.command("telegram-webhook")
@click.argument("url")
def telegram_webhook_command(url: str) -> None:
    """Tell Telegram to send the bot's updates to URL (…/channels/telegram/webhook)."""
    from app.channels.base import DeliveryFailed, channel_settings
    from app.channels.telegram import BotApi

    cs = channel_settings()
    if not cs.telegram_secret:
        raise click.ClickException("set TELEGRAM_WEBHOOK_SECRET first: the webhook refuses updates without it")
    if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise click.ClickException("Telegram sends webhooks to https:// URLs only")
    try:
        BotApi(cs).call("setWebhook", url=url, secret_token=cs.telegram_secret,
                        allowed_updates=["message", "edited_message", "callback_query"])
    except DeliveryFailed as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Telegram now sends the bot's updates to {url}")


@channels_group.command("deliver")
def deliver_command() -> None:
    """Mirror channel messages missing from Gmail, and deliver pending answers."""
    from app.channels.mirror import mirror_pending
    from app.channels.service import pick_up_gmail_replies
    from app.cli_support import database, load_settings
    from app.clock import SystemClock
    from gmail_sync.credentials import gmail_for_mailbox

    settings = load_settings()
    with database() as sessions:
        clock = SystemClock()
        mirrored = mirror_pending(sessions, clock, settings=settings,
                                  gmail_for=lambda s, mailbox: gmail_for_mailbox(s, mailbox, settings.gmail_api_endpoint))
        delivered = pick_up_gmail_replies(sessions, clock, settings=settings)
    click.echo(f"mirrored {mirrored}, delivered {delivered}")
