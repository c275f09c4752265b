"""Every error is an RFC 9457 problem with a message a person understands — never a 500 for bad input."""

import pytest

BAD_BODIES = [
    (b"{not json", "the request body is not valid JSON"),
    (b"[1, 2]", "the request body must be a JSON object, not an array"),
    (b'"text"', "the request body must be a JSON object, not a string"),
    (b"null", "the request body must be a JSON object, not null"),
    ("{\"text\": \"\udcff\"}".encode("utf-8", "surrogatepass"), "the request body is not UTF-8 text"),
    (b'{"text": "a\\udcffb"}', "text contains characters that are not text"),
    (b'{"text": "a\\u0000b"}', "text contains characters that are not text"),
]


@pytest.mark.parametrize("raw, detail", BAD_BODIES)
def test_malformed_json_is_400(new_ticket, api_client, raw, detail):
    number = new_ticket()["number"]
    response = api_client("kristina").post(f"/tickets/{number}/notes", data=raw,
                                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert set(problem) >= {"type", "title", "status", "detail"} and problem["status"] == 400
    assert detail in problem["detail"]


def test_unknown_fields_are_named(new_ticket, api_client):
    number = new_ticket()["number"]
    problem = api_client("kristina").post(f"/tickets/{number}/notes", {"text": "x", "pinned": True, "colour": 1}).get_json()
    assert problem["detail"] == "unknown field colour, pinned; allowed: text"
    assert problem["fields"] == ["colour", "pinned"]


def test_a_body_on_claim_is_refused(new_ticket, api_client):
    number = new_ticket()["number"]
    response = api_client("kristina").post(f"/tickets/{number}/claim", {"agent": "lisa@coolxost.com"})
    assert response.status_code == 400 and "unknown field agent; allowed: none" in response.get_json()["detail"]


def test_405_lists_the_allowed_methods(new_ticket, api_client):
    number = new_ticket()["number"]
    response = api_client("kristina").request("DELETE", f"/tickets/{number}")
    assert response.status_code == 405
    problem = response.get_json()
    assert "DELETE is not allowed" in problem["detail"] and "PATCH" in problem["allowed_methods"]
    assert "PATCH" in response.headers["Allow"]


def test_unknown_route_is_a_404_problem(api_client, desk):
    response = api_client("kristina").get("/tickets/1001/history")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert "there is no API route /api/v1/tickets/1001/history" in response.get_json()["detail"]


def test_a_non_numeric_ticket_number_is_404(api_client, desk):
    assert api_client("kristina").get("/tickets/abc").status_code == 404


def test_paths_outside_the_api_keep_the_default_errors(app):
    response = app.test_client().get("/no-such-page")
    assert response.status_code == 404 and response.mimetype != "application/problem+json"


def test_an_unexpected_error_is_a_500_problem_without_traceback(app, api_client, desk, monkeypatch):
    import app.api.directory as directory

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(directory, "line_json", broken)
    client = api_client("kristina")
    client.check = False  # a 500 is deliberately not in the document
    response = client.get("/lines")
    assert response.status_code == 500
    problem = response.get_json()
    assert problem["title"] == "Internal server error" and "secret internals" not in response.get_data(as_text=True)


def test_problem_types_are_stable_uris(new_ticket, api_client):
    number = new_ticket(line="l2")["number"]
    kristina = api_client("kristina")
    assert kristina.get(f"/tickets/{number}").get_json()["type"] == "urn:linedesk:problem:forbidden"
    assert kristina.get("/tickets/9999").get_json()["type"] == "urn:linedesk:problem:not-found"
    assert api_client().get("/tickets").get_json()["type"] == "urn:linedesk:problem:unauthorized"


def test_a_number_beyond_any_ticket_is_404(api_client, desk):
    response = api_client("anna").get("/tickets/99999999999999999999")
    assert response.status_code == 404 and "no ticket #99999999999999999999" in response.get_json()["detail"]


@pytest.mark.parametrize("deadline", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_date_out_of_range_is_400(new_ticket, api_client, deadline):
    number = new_ticket()["number"]
    response = api_client("kristina").patch(f"/tickets/{number}", {"deadline": deadline})
    assert response.status_code == 400 and "out of range" in response.get_json()["detail"]


def test_nul_in_a_query_string_is_400(api_client, desk):
    response = api_client("anna").get("/tickets?line=l%001")
    assert response.status_code == 400 and "not text" in response.get_json()["detail"]
