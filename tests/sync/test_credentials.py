"""Mailbox credentials: encrypted with a key from the environment or referenced from it, turned into
google-auth credentials, never printed or logged; `linedesk mailbox connect|list`."""

from __future__ import annotations

import json
import logging

import google.oauth2.credentials
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account
from sqlalchemy import select

from app.cli import main
from app.models import Mailbox, MailboxCredentials
from gmail_sync.credentials import (
    GMAIL_SCOPES,
    CredentialsError,
    credentials_for,
    generate_key,
    load_secret,
    store_credentials,
)
from tests.factories import make_desk

SUPPORT = "support@coolxost.com"
REFRESH = "1//refresh-token-SECRET-do-not-leak"


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def service_account_info(private_key) -> dict:
    return {"type": "service_account", "project_id": "p", "private_key_id": "k1", "private_key": private_key,
            "client_email": "linedesk@p.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": "https://oauth2.googleapis.com/token"}


@pytest.fixture
def key_env(monkeypatch) -> str:
    key = generate_key()
    monkeypatch.setenv("LINEDESK_CREDENTIALS_KEY", key)
    monkeypatch.delenv("LINEDESK_SECRET_KEY_FILE", raising=False)
    return key


@pytest.fixture
def mailbox(session) -> Mailbox:
    return make_desk(session).mailbox


def test_service_account_is_stored_encrypted(session, clock, mailbox, key_env, service_account_info):
    row = store_credentials(session, mailbox, "service_account", clock.now(), secret=service_account_info)
    assert "PRIVATE KEY" not in row.secret and "linedesk@p" not in row.secret
    creds = credentials_for(session, mailbox)
    assert isinstance(creds, service_account.Credentials)
    assert creds._subject == SUPPORT and list(creds.scopes) == GMAIL_SCOPES


def test_oauth_credentials(session, clock, mailbox, key_env):
    secret = {"client_id": "cid", "client_secret": "csecret", "refresh_token": REFRESH}
    store_credentials(session, mailbox, "oauth", clock.now(), secret=secret)
    creds = credentials_for(session, mailbox)
    assert isinstance(creds, google.oauth2.credentials.Credentials)
    assert creds.refresh_token == REFRESH and creds.client_id == "cid" and creds.token is None
    assert creds.scopes == GMAIL_SCOPES


def test_none_and_missing_rows_mean_the_local_gmail(session, clock, mailbox):
    assert credentials_for(session, mailbox) is None
    store_credentials(session, mailbox, "none", clock.now())
    assert credentials_for(session, mailbox) is None


def test_a_reference_to_the_environment_stores_nothing_secret(session, clock, mailbox, monkeypatch):
    store_credentials(session, mailbox, "oauth", clock.now(), env_name="SUPPORT_GMAIL")
    assert session.get(MailboxCredentials, mailbox.id).secret == "env:SUPPORT_GMAIL"
    with pytest.raises(CredentialsError, match="SUPPORT_GMAIL.*not set"):
        credentials_for(session, mailbox)
    monkeypatch.setenv("SUPPORT_GMAIL", json.dumps({"client_id": "c", "client_secret": "s", "refresh_token": "r"}))
    assert credentials_for(session, mailbox).refresh_token == "r"


def test_missing_or_wrong_key_is_a_clear_error(session, clock, mailbox, key_env, monkeypatch, tmp_path):
    store_credentials(session, mailbox, "oauth", clock.now(),
                      secret={"client_id": "c", "client_secret": "s", "refresh_token": REFRESH})
    monkeypatch.setenv("LINEDESK_CREDENTIALS_KEY", generate_key())
    with pytest.raises(CredentialsError, match="not the one") as wrong:
        credentials_for(session, mailbox)
    monkeypatch.delenv("LINEDESK_CREDENTIALS_KEY")
    with pytest.raises(CredentialsError, match="LINEDESK_CREDENTIALS_KEY") as missing:
        credentials_for(session, mailbox)
    key_file = tmp_path / "key"
    key_file.write_text(key_env + "\n")
    monkeypatch.setenv("LINEDESK_SECRET_KEY_FILE", str(key_file))
    assert credentials_for(session, mailbox).refresh_token == REFRESH
    monkeypatch.setenv("LINEDESK_CREDENTIALS_KEY", "not a key")
    with pytest.raises(CredentialsError, match="not a Fernet key") as bad:
        credentials_for(session, mailbox)
    for error in (wrong, missing, bad):
        assert REFRESH not in str(error.value) and key_env not in str(error.value)


def test_incomplete_secrets_are_refused(session, clock, mailbox, key_env):
    with pytest.raises(CredentialsError, match="refresh_token"):
        store_credentials(session, mailbox, "oauth", clock.now(), secret={"client_id": "c", "client_secret": "s"})


def test_the_secret_never_reaches_output_or_logs(session, clock, mailbox, key_env, caplog):
    caplog.set_level(logging.DEBUG)
    store_credentials(session, mailbox, "oauth", clock.now(),
                      secret={"client_id": "c", "client_secret": "csecret", "refresh_token": REFRESH})
    kind, secret = load_secret(session, mailbox)
    logging.getLogger("linedesk").info("loaded %r %s", secret, secret)
    assert kind == "oauth" and REFRESH not in repr(secret) and REFRESH not in str(secret)
    assert REFRESH not in caplog.text


def test_mailbox_connect_and_list(db_url, Session, key_env, monkeypatch, tmp_path, service_account_info, caplog,
                                  capfd):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()
    sa_file = tmp_path / "sa.json"
    sa_file.write_text(json.dumps(service_account_info))
    client_file = tmp_path / "client.json"
    client_file.write_text(json.dumps({"installed": {"client_id": "cid", "client_secret": "csecret"}}))
    monkeypatch.setenv("REFRESH", REFRESH)
    outputs = [
        runner.invoke(main, ["mailbox", "connect", "Support@CoolXost.com", "--service-account", str(sa_file)]),
        runner.invoke(main, ["mailbox", "connect", "sales@coolxost.com", "--oauth-client", str(client_file),
                             "--refresh-token-env", "REFRESH"]),
        runner.invoke(main, ["mailbox", "connect", "local@coolxost.com", "--local"]),
        runner.invoke(main, ["mailbox", "list"]),
    ]
    assert [r.exit_code for r in outputs] == [0, 0, 0, 0], [r.output for r in outputs]
    assert "created mailbox support@coolxost.com: a service account (encrypted)" in outputs[0].output
    assert "sales@coolxost.com" in outputs[3].output and "oauth" in outputs[3].output
    refused = runner.invoke(main, ["mailbox", "connect", "x@coolxost.com", "--oauth-client", str(client_file)])
    assert refused.exit_code == 2 and "--refresh-token-env" in refused.output
    captured = capfd.readouterr()
    everything = "".join(r.output for r in [*outputs, refused]) + caplog.text + captured.out + captured.err
    for secret in (REFRESH, "csecret", service_account_info["private_key"][40:80], key_env):
        assert secret not in everything
    with Session() as session:
        rows = {m.address: session.get(MailboxCredentials, m.id) for m in session.scalars(select(Mailbox))}
        assert rows["support@coolxost.com"].kind == "service_account"
        assert REFRESH not in rows["sales@coolxost.com"].secret
        assert rows["local@coolxost.com"].kind == "none"
        assert credentials_for(session, session.scalar(select(Mailbox).where(Mailbox.address == "sales@coolxost.com"))
                               ).refresh_token == REFRESH
