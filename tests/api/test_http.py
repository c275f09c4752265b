"""A real HTTP round trip: the app served by werkzeug on a free port, called with urllib."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def base_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v1"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def _call(url, token=None, body=None, method="GET"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get_content_type(), json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get_content_type(), json.loads(error.read())


def test_over_real_http(base_url, token_for):
    token = token_for("kristina")
    status, content_type, body = _call(f"{base_url}/tickets", token, {"subject": "Phone call", "line": "l1"}, "POST")
    assert (status, content_type, body["number"]) == (201, "application/json", 1001)
    assert _call(f"{base_url}/tickets/1001/claim", token, method="POST")[2]["assignee"] == "kristina@coolxost.com"
    status, content_type, problem = _call(f"{base_url}/tickets")
    assert (status, content_type, problem["status"]) == (401, "application/problem+json", 401)
