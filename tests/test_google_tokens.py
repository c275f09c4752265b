"""ID tokens are verified against keys served over HTTP, exactly as Google's are; tests sign with their own."""

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

from app.google_tokens import CertCache, TokenPolicy, TokenRejected, bearer_token, verify_id_token

AUDIENCE = "https://linedesk.example.com/gmail/push"
PUSHER = "pubsub-push@linedesk-project.iam.gserviceaccount.com"


def _key_and_cert(common_name: str):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return pem_key, cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def google():
    """A stand-in for Google's certificate endpoint, on a local port, holding one signing key."""
    key, cert = _key_and_cert("google-test")
    other_key, _ = _key_and_cert("impostor")
    body = json.dumps({"kid-1": cert}).encode()
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "public, max-age=3600")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/certs", "key": key, "other": other_key, "hits": hits}
    server.shutdown()
    server.server_close()


def sign(key: str, kid: str = "kid-1", **claims) -> str:
    now = int(time.time())
    payload = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "email": PUSHER, "email_verified": True,
               "iat": now, "exp": now + 3600, "sub": "1234"}
    payload.update(claims)
    return jwt.encode(crypt.RSASigner.from_string(key, kid), payload).decode()


def policy(google) -> TokenPolicy:
    return TokenPolicy(audience=AUDIENCE, allowed_emails=frozenset({PUSHER}), certs_url=google["url"])


def test_a_token_google_signed_for_us_is_accepted(google):
    claims = verify_id_token(sign(google["key"]), policy(google), CertCache())
    assert claims["email"] == PUSHER


@pytest.mark.parametrize("claims, reason", [
    ({"aud": "https://someone-else.example.com/"}, "does not verify"),
    ({"email": "intruder@evil.example.com"}, "not to an expected account"),
    ({"iss": "https://evil.example.com"}, "not by Google"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "does not verify"),
    ({"email_verified": False}, "not verified"),
])
def test_a_token_failing_any_check_is_rejected(google, claims, reason):
    with pytest.raises(TokenRejected, match=reason):
        verify_id_token(sign(google["key"], **claims), policy(google), CertCache())


def test_a_token_signed_with_another_key_is_rejected(google):
    with pytest.raises(TokenRejected, match="does not verify"):
        verify_id_token(sign(google["other"]), policy(google), CertCache())


def test_garbage_is_rejected_without_echoing_it(google):
    with pytest.raises(TokenRejected) as err:
        verify_id_token("not.a.jwt-secret-looking-thing", policy(google), CertCache())
    assert "secret-looking" not in str(err.value)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Bearer"])
def test_bearer_header_must_be_present_and_well_formed(header):
    with pytest.raises(TokenRejected):
        bearer_token(header)


def test_keys_are_fetched_once_while_fresh(google):
    cache = CertCache()
    before = len(google["hits"])
    for _ in range(3):
        verify_id_token(sign(google["key"]), policy(google), cache)
    assert len(google["hits"]) - before == 1
