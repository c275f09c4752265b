"""A stand-in for Google's signing keys: a local certificate endpoint and a signer for ID tokens.

Requests "from Google" in tests carry tokens signed here; the verifier is pointed at `certs_url`, so the real
verification code runs end to end.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt


def key_and_cert(common_name: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return pem_key, cert.public_bytes(serialization.Encoding.PEM).decode()


class LocalGoogle:
    """`with LocalGoogle() as google:` — `google.certs_url`, `google.sign(aud=…, email=…)`, `google.hits`."""

    def __init__(self) -> None:
        self.key, cert = key_and_cert("google-test")
        self.other_key, _ = key_and_cert("impostor")
        self.hits: list[str] = []
        body = json.dumps({"kid-1": cert}).encode()
        hits = self.hits

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

        self._server = HTTPServer(("127.0.0.1", 0), Handler)

    @property
    def certs_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/certs"

    def sign(self, *, key: str | None = None, kid: str = "kid-1", **claims) -> str:
        now = int(time.time())
        payload = {"iss": "https://accounts.google.com", "email_verified": True, "iat": now, "exp": now + 3600,
                   "sub": "1234"}
        payload.update(claims)
        return jwt.encode(crypt.RSASigner.from_string(key or self.key, kid), payload).decode()

    def __enter__(self) -> "LocalGoogle":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
