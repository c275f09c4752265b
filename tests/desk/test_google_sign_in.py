"""Web sign-in with Google: the ID token from the Google button, verified against Google's keys (served locally
here), for our client id, with a verified email of an active agent; posted with the page's CSRF token."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.web import runtime
from tests.desk.conftest import csrf_of
from tests.google_keys import LocalGoogle

CLIENT_ID = "1234-linedesk.apps.googleusercontent.com"


@pytest.fixture(scope="module")
def google():
    with LocalGoogle() as google:
        yield google


@pytest.fixture
def production(app, google, desk):
    """The app as in production: Google sign-in on, the demo sign-in off."""
    with app.app_context():
        rt = runtime()
        rt.settings = replace(rt.settings, testing=False, demo=False, google_client_id=CLIENT_ID,
                              google_certs_url=google.certs_url)
    return app


def _sign_in(app, credential, *, with_csrf=True):
    client = app.test_client()
    page = client.get("/desk/signin")
    data = {"credential": credential}
    if with_csrf:
        data["csrf_token"] = csrf_of(page.get_data(as_text=True))
    response = client.post("/desk/signin/google", data=data)
    return client, page, response


def test_the_sign_in_page_offers_the_google_button_only(production):
    page = production.test_client().get("/desk/signin")
    html = page.get_data(as_text=True)
    assert f'data-client_id="{CLIENT_ID}"' in html and 'name="agent"' not in html
    assert "https://accounts.google.com/gsi/client" in page.headers["Content-Security-Policy"]


def test_a_google_account_of_an_agent_signs_in(production, google):
    client, _page, response = _sign_in(production, google.sign(aud=CLIENT_ID, email="kristina@coolxost.com"))
    assert response.status_code == 303 and response.headers["Location"] == "/desk/queues"
    assert "Kristina" in client.get("/desk/queues").get_data(as_text=True)


@pytest.mark.parametrize("case", ["other client", "forged", "unverified", "stranger", "garbage"])
def test_anything_else_does_not_sign_in(production, google, case):
    credential = {
        "other client": google.sign(aud="someone-else.apps.googleusercontent.com", email="kristina@coolxost.com"),
        "forged": google.sign(aud=CLIENT_ID, email="kristina@coolxost.com", key=google.other_key),
        "unverified": google.sign(aud=CLIENT_ID, email="kristina@coolxost.com", email_verified=False),
        "stranger": google.sign(aud=CLIENT_ID, email="stranger@example.com"),
        "garbage": "not-a-token",
    }[case]
    client, _page, response = _sign_in(production, credential)
    assert response.status_code == 303 and response.headers["Location"] == "/desk/signin"
    assert client.get("/desk/queues").status_code == 302
    assert "Not signed in" in client.get("/desk/signin").get_data(as_text=True)


def test_the_google_post_needs_the_csrf_token(production, google):
    client, _page, response = _sign_in(production, google.sign(aud=CLIENT_ID, email="kristina@coolxost.com"),
                                       with_csrf=False)
    assert response.status_code == 400 and client.get("/desk/queues").status_code == 302
