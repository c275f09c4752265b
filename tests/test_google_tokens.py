"""ID tokens are verified against keys served over HTTP, exactly as Google's are; tests sign with their own."""

import time

import pytest

from app.google_tokens import CertCache, TokenPolicy, TokenRejected, bearer_token, verify_id_token
from tests.google_keys import LocalGoogle

AUDIENCE = "https://linedesk.example.com/gmail/push"
PUSHER = "pubsub-push@linedesk-project.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def google():
    with LocalGoogle() as google:
        yield google


def sign(google, **claims) -> str:
    return google.sign(**{"aud": AUDIENCE, "email": PUSHER, **claims})


def policy(google) -> TokenPolicy:
    return TokenPolicy(audience=AUDIENCE, allowed_emails=frozenset({PUSHER}), certs_url=google.certs_url)


def test_a_token_google_signed_for_us_is_accepted(google):
    claims = verify_id_token(sign(google), policy(google), CertCache())
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
        verify_id_token(sign(google, **claims), policy(google), CertCache())


def test_a_token_signed_with_another_key_is_rejected(google):
    with pytest.raises(TokenRejected, match="does not verify"):
        verify_id_token(sign(google, key=google.other_key), policy(google), CertCache())


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
    before = len(google.hits)
    for _ in range(3):
        verify_id_token(sign(google), policy(google), cache)
    assert len(google.hits) - before == 1
