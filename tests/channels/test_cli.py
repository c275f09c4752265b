"""`linedesk channels telegram-webhook`: setWebhook with the secret token, against the local Bot API server."""

from __future__ import annotations

from click.testing import CliRunner

from app.cli import main
from tests.channels.conftest import SECRET


def test_the_webhook_is_set_with_the_secret_token(bot, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", bot.token)
    monkeypatch.setenv("TELEGRAM_API_BASE", bot.url)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    runner = CliRunner()
    refused = runner.invoke(main, ["channels", "telegram-webhook", "https://desk.example/channels/telegram/webhook"])
    assert refused.exit_code != 0 and "TELEGRAM_WEBHOOK_SECRET" in refused.output
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    assert runner.invoke(main, ["channels", "telegram-webhook", "http://desk.example/hook"]).exit_code != 0
    done = runner.invoke(main, ["channels", "telegram-webhook", "https://desk.example/channels/telegram/webhook"])
    assert done.exit_code == 0, done.output
    assert bot.sent("setWebhook") == [{"url": "https://desk.example/channels/telegram/webhook", "secret_token": SECRET,
                                       "allowed_updates": ["message", "edited_message", "callback_query"]}]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:WRONG")
    wrong = runner.invoke(main, ["channels", "telegram-webhook", "https://desk.example/channels/telegram/webhook"])
    assert wrong.exit_code != 0 and "401" in wrong.output
