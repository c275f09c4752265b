"""Verifying that a request really comes from Google: the ID tokens on Pub/Sub pushes and add-on calls.

Google signs an OIDC ID token for the caller (the Pub/Sub push subscription's service account, or the
Workspace add-on's service account) and sends it as `Authorization: Bearer …`. We accept a request only when
the token's signature checks against Google's published keys, its issuer is Google, its audience is the one
we configured, and its email is one we expect — never by decoding without verifying, as some samples do.

The keys are fetched from `certs_url` and kept as long as Google's Cache-Control allows; tests point
`certs_url` at a local server holding their own key.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import requests
from google.auth import exceptions as google_exceptions
from google.auth import jwt

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})


class TokenRejected(Exception):
    """The request is not from whom it claims; the message says which check failed (never the token)."""


@dataclass(frozen=True)
class TokenPolicy:
    audience: str
    allowed_emails: frozenset[str] = frozenset()
    certs_url: str = GOOGLE_CERTS_URL
    issuers: frozenset[str] = GOOGLE_ISSUERS


@dataclass
class CertCache:
    """Google's public certificates, refreshed when their max-age runs out."""

    fetch: Callable[[str], tuple[dict[str, str], float]] = field(default=None)  # type: ignore[assignment]
    _certs: dict[str, dict[str, str]] = field(default_factory=dict)
    _expires: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, url: str) -> dict[str, str]:
        with self._lock:
            if url in self._certs and time.monotonic() < self._expires[url]:
                return self._certs[url]
        certs, max_age = (self.fetch or fetch_certs)(url)
        with self._lock:
            self._certs[url], self._expires[url] = certs, time.monotonic() + max_age
        return certs


def fetch_certs(url: str) -> tuple[dict[str, str], float]:
    try:
        response = requests.get(url, timeout=10)
        response.raise_for_status()
        certs = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise TokenRejected(f"cannot fetch the signing keys from {url}: {exc.__class__.__name__}") from None
    match = re.search(r"max-age=(\d+)", response.headers.get("Cache-Control", ""))
    return certs, float(match.group(1)) if match else 300.0


_DEFAULT_CACHE = CertCache()


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise TokenRejected("no Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("the Authorization header is not a Bearer token")
    return token.strip()


def verify_id_token(token: str, policy: TokenPolicy, cache: CertCache | None = None) -> Mapping[str, Any]:
    """The verified claims of `token`, or TokenRejected saying which check failed."""
    certs = (cache or _DEFAULT_CACHE).get(policy.certs_url)
    try:
        claims = jwt.decode(token, certs=certs, audience=policy.audience, clock_skew_in_seconds=30)
    except (ValueError, google_exceptions.GoogleAuthError) as exc:
        raise TokenRejected(f"the ID token does not verify: {_reason(exc)}") from None
    if claims.get("iss") not in policy.issuers:
        raise TokenRejected(f"the ID token was issued by {claims.get('iss')!r}, not by Google")
    email = str(claims.get("email", "")).lower()
    if policy.allowed_emails:
        if email not in policy.allowed_emails:
            raise TokenRejected(f"the ID token belongs to {email or 'nobody'}, not to an expected account")
        if claims.get("email_verified") is False:
            raise TokenRejected(f"the email {email} of the ID token is not verified")
    return claims


def _reason(exc: Exception) -> str:
    text = str(exc)
    # google-auth's messages may quote the token's segments; keep only the sentence before any of them.
    return text.split(":")[0][:200] if len(text) > 200 else text
