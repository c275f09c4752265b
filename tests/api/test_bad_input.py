"""Whatever a client sends, the API answers with a documented status and a problem — never a 500.

Hypothesis throws bodies at every writing route: the route's own fields with plausible and absurd values,
unknown fields, wrong JSON types. The contract-checking client fails the example if the answer is a status
the OpenAPI document does not list for that route (a 500 is listed nowhere) or a body that does not match it.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

WRITES = {
    ("POST", "/tickets"): ["subject", "line", "body", "channel", "customer", "priority", "deadline"],
    ("PATCH", "/tickets/1001"): ["priority", "category", "deadline"],
    ("POST", "/tickets/1001/claim"): [],
    ("POST", "/tickets/1001/assign"): ["agent"],
    ("POST", "/tickets/1001/status"): ["status"],
    ("POST", "/tickets/1001/transfer"): ["line", "note", "priority", "deadline"],
    ("POST", "/tickets/1001/pass-back"): ["note"],
    ("POST", "/tickets/1001/subtasks"): ["note", "line"],
    ("POST", "/tickets/1001/notes"): ["text"],
    ("POST", "/tickets/1001/done"): ["problem", "resolution"],
}
PLAUSIBLE = ["l1", "l2", "dev", "high", "urgent", "Billing", "in_progress", "done", "new", "completed",
             "lisa@coolxost.com", "bob@coolxost.com", "2026-11-25T18:00:00Z", "2026-13-45", "", " ", "\x00",
             "ivan@example.com", "+7 495 123-45-67", "x" * 2000]
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
VALUES = st.sampled_from(PLAUSIBLE) | st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["name", "email", "phone", "x"]), inner, max_size=3), max_leaves=4)


@st.composite
def requests(draw):
    (method, path), fields = draw(st.sampled_from(sorted(WRITES.items())))
    keys = st.sampled_from([*fields, "unexpected"]) if fields else st.just("unexpected")
    body = draw(st.dictionaries(keys, VALUES, max_size=4) | st.none())
    return method, path, body


@pytest.fixture
def anna(api_client, new_ticket):
    new_ticket()  # #1001
    return api_client("anna")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=requests())
def test_no_body_makes_a_500(anna, call):
    method, path, body = call
    response = anna.request(method, path, body)  # the client checks the answer against the document
    assert response.status_code < 500, response.get_data(as_text=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["line", "status", "assignee", "limit", "offset", "email", "phone"]),
                             st.sampled_from(PLAUSIBLE) | st.text(max_size=10) | st.integers().map(str), max_size=3))
def test_no_query_makes_a_500(anna, query):
    for path in ("/tickets", "/customers"):
        response = anna.get(path, query_string=query)
        assert response.status_code < 500, response.get_data(as_text=True)
