"""What agents do to a ticket through the API, and who may: claim, assign, status, transfer, pass back,
subtasks, notes, done; and the audit trail each leaves."""

import pytest


@pytest.fixture
def ticket(new_ticket):
    return new_ticket()["number"]


def test_claim_then_409_for_the_next(ticket, api_client):
    claimed = api_client("kristina").post(f"/tickets/{ticket}/claim")
    assert claimed.status_code == 200
    assert (claimed.get_json()["assignee"], claimed.get_json()["status"]) == ("kristina@coolxost.com", "assigned")
    conflict = api_client("lisa").post(f"/tickets/{ticket}/claim")
    assert conflict.status_code == 409
    problem = conflict.get_json()
    assert problem["detail"] == f"#{ticket} is already held by Kristina"
    assert problem["assignee"] == "kristina@coolxost.com" and problem["title"] == "Conflict"
    assert api_client("kristina").post(f"/tickets/{ticket}/claim").status_code == 200  # the holder again: harmless


def test_an_l1_agent_cannot_act_on_an_l2_ticket(new_ticket, api_client):
    number = new_ticket(line="l2")["number"]
    kristina = api_client("kristina")
    attempts = [
        ("claim", None), ("assign", {"agent": "kristina@coolxost.com"}), ("status", {"status": "in_progress"}),
        ("transfer", {"line": "l1", "note": "mine now"}), ("subtasks", {"note": "fix it"}),
        ("notes", {"text": "hello"}), ("done", {"problem": "p", "resolution": "r"}),
    ]
    for verb, body in attempts:
        response = kristina.post(f"/tickets/{number}/{verb}", body)
        assert response.status_code == 403, (verb, response.get_json())
        assert "kristina@coolxost.com" in response.get_json()["detail"], verb
    assert "not a member of 2nd line" in kristina.post(f"/tickets/{number}/claim").get_json()["detail"]
    after = api_client("boris").get(f"/tickets/{number}").get_json()
    assert (after["status"], after["assignee"], after["line"]) == ("new", None, "l2")


def test_assign_to_a_line_member(ticket, api_client):
    response = api_client("anna").post(f"/tickets/{ticket}/assign", {"agent": "lisa@coolxost.com"})
    assert response.status_code == 200 and response.get_json()["assignee"] == "lisa@coolxost.com"


@pytest.mark.parametrize("body, status, detail", [
    ({"agent": "bob@coolxost.com"}, 422, "Bob is not a member of 1st line; transfer the ticket first"),
    ({"agent": "ghost@coolxost.com"}, 404, "no agent with email 'ghost@coolxost.com'"),
    ({}, 400, "missing required field agent"),
    ({"agent": "lisa@coolxost.com", "note": "x"}, 400, "unknown field note; allowed: agent"),
])
def test_assign_refusals(ticket, api_client, body, status, detail):
    response = api_client("anna").post(f"/tickets/{ticket}/assign", body)
    assert response.status_code == status and detail in response.get_json()["detail"]


def test_status_changes(ticket, api_client):
    lisa = api_client("lisa")
    started = lisa.post(f"/tickets/{ticket}/status", {"status": "in_progress"}).get_json()
    assert (started["status"], started["assignee"]) == ("in_progress", "lisa@coolxost.com")
    assert started["times"]["started"] is not None
    assert lisa.post(f"/tickets/{ticket}/status", {"status": "waiting"}).get_json()["status"] == "waiting"
    released = lisa.post(f"/tickets/{ticket}/status", {"status": "new"}).get_json()
    assert (released["status"], released["assignee"]) == ("new", None)


@pytest.mark.parametrize("status, code, detail", [
    ("done", 422, "use /done"),
    ("assigned", 400, "status assigned is set by claim or assign"),
    ("finished", 400, "status must be one of new, assigned, in_progress, waiting, done, completed, reopened"),
    ("completed", 403, "only a manager completes a ticket by hand"),
])
def test_status_refusals(ticket, api_client, status, code, detail):
    api_client("lisa").post(f"/tickets/{ticket}/claim")
    response = api_client("lisa").post(f"/tickets/{ticket}/status", {"status": status})
    assert response.status_code == code and detail in response.get_json()["detail"]


def test_a_forbidden_transition_is_422_naming_it(ticket, api_client):
    response = api_client("kristina").post(f"/tickets/{ticket}/status", {"status": "waiting"})
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["detail"].startswith(f"#{ticket} cannot go from new to waiting")
    assert (problem["from_status"], problem["to_status"], problem["title"]) == ("new", "waiting", "Transition not allowed")


def test_transfer_and_pass_back(ticket, api_client):
    kristina, bob = api_client("kristina"), api_client("bob")
    kristina.post(f"/tickets/{ticket}/claim")
    moved = kristina.post(f"/tickets/{ticket}/transfer",
                          {"line": "l2", "note": "DNS looks broken", "priority": "high"}).get_json()
    assert (moved["line"], moved["status"], moved["assignee"], moved["priority"]) == ("l2", "new", None, "high")
    assert kristina.get(f"/tickets/{ticket}").status_code == 403  # it left her line
    bob.post(f"/tickets/{ticket}/claim")
    back = bob.post(f"/tickets/{ticket}/pass-back", {"note": "DNS fixed, tell the customer"}).get_json()
    assert (back["line"], back["assignee"], back["status"]) == ("l1", "kristina@coolxost.com", "assigned")
    events = kristina.get(f"/tickets/{ticket}/events").get_json()["events"]
    transfer = next(e for e in events if e["kind"] == "transferred")
    assert (transfer["actor"], transfer["from"], transfer["to"], transfer["note"]) == (
        "kristina@coolxost.com", "l1", "l2", "DNS looks broken")
    assert any(e["kind"] == "transfer_accepted" and e["actor"] == "bob@coolxost.com" for e in events)
    assert any(e["kind"] == "passed_back" and e["to"] == "l1" for e in events)


@pytest.mark.parametrize("body, status, detail", [
    ({"line": "l2"}, 400, "missing required field note"),
    ({"line": "l2", "note": " "}, 400, "a transfer needs a note"),
    ({"line": "mars", "note": "x"}, 404, "no line 'mars'"),
    ({"line": "l1", "note": "x"}, 422, "is already in 1st line"),
    ({"line": "l2", "note": "x", "priority": "now"}, 400, "priority must be one of low, normal, high, urgent"),
])
def test_transfer_refusals(ticket, api_client, body, status, detail):
    response = api_client("kristina").post(f"/tickets/{ticket}/transfer", body)
    assert response.status_code == status and detail in response.get_json()["detail"]


def test_pass_back_without_a_transfer_is_422(ticket, api_client):
    response = api_client("kristina").post(f"/tickets/{ticket}/pass-back", {"note": "done"})
    assert response.status_code == 422 and "nowhere to pass it back to" in response.get_json()["detail"]


def test_subtask_is_201_with_the_child(ticket, api_client):
    kristina = api_client("kristina")
    kristina.post(f"/tickets/{ticket}/claim")
    response = kristina.post(f"/tickets/{ticket}/subtasks", {"note": "the control panel loses DNS records"})
    assert response.status_code == 201
    child = response.get_json()
    assert (child["line"], child["channel"], child["parent"], child["status"]) == ("dev", "task", ticket, "new")
    assert response.headers["Location"].endswith(f"/api/v1/tickets/{child['number']}")
    parent = kristina.get(f"/tickets/{ticket}").get_json()
    assert parent["children"] == [child["number"]] and parent["flags"]["passed_to_development"] is True
    assert parent["assignee"] == "kristina@coolxost.com"
    other = kristina.post(f"/tickets/{ticket}/subtasks", {"note": "a wish", "line": "devtasks"}).get_json()
    assert other["line"] == "devtasks"


def test_notes_are_201_and_listed(ticket, api_client):
    kristina = api_client("kristina")
    response = kristina.post(f"/tickets/{ticket}/notes", {"text": "  Called the customer back  "})
    assert response.status_code == 201
    note = response.get_json()
    assert (note["author"], note["text"], note["created"]) == ("kristina@coolxost.com", "Called the customer back",
                                                               "2026-11-23T09:00:00Z")
    assert api_client("lisa").get(f"/tickets/{ticket}/notes").get_json()["notes"] == [note]
    empty = kristina.post(f"/tickets/{ticket}/notes", {"text": ""})
    assert empty.status_code == 400 and "a note needs some text" in empty.get_json()["detail"]


@pytest.mark.parametrize("body, missing", [
    ({}, ["problem", "resolution"]),
    ({"problem": "site down"}, ["resolution"]),
    ({"problem": " ", "resolution": "restarted nginx"}, ["problem"]),
    ({"problem": None, "resolution": "restarted nginx"}, ["problem"]),
])
def test_done_without_its_fields_is_422_naming_them(ticket, api_client, body, missing):
    api_client("kristina").post(f"/tickets/{ticket}/status", {"status": "in_progress"})
    response = api_client("kristina").post(f"/tickets/{ticket}/done", body)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["fields"] == missing and problem["title"] == "Required fields missing"
    for name in missing:
        assert f"({name})" in problem["detail"]


def test_done_with_both_fields(ticket, api_client, clock):
    kristina = api_client("kristina")
    kristina.post(f"/tickets/{ticket}/status", {"status": "in_progress"})
    clock.advance(minutes=30)
    done = kristina.post(f"/tickets/{ticket}/done", {"problem": "My site does not open",
                                                     "resolution": "Restarted the web server"}).get_json()
    assert (done["status"], done["problem"], done["resolution"]) == (
        "done", "My site does not open", "Restarted the web server")
    assert done["times"]["done"] == "2026-11-23T09:30:00Z"
    again = kristina.post(f"/tickets/{ticket}/done", {"problem": "p", "resolution": "r"})
    assert again.status_code == 422 and "already done" in again.get_json()["detail"]


def test_events_are_the_audit_trail_in_order(ticket, api_client):
    kristina = api_client("kristina")
    kristina.post(f"/tickets/{ticket}/claim")
    kristina.patch(f"/tickets/{ticket}", {"priority": "high"})
    kristina.post(f"/tickets/{ticket}/notes", {"text": "checking"})
    events = kristina.get(f"/tickets/{ticket}/events").get_json()["events"]
    assert [e["kind"] for e in events] == ["created", "claimed", "priority", "note"]
    priority = events[2]
    assert (priority["from"], priority["to"], priority["via"], priority["at"]) == (
        "normal", "high", "api", "2026-11-23T09:00:00Z")


@pytest.mark.parametrize("verb", ["claim", "assign", "status", "transfer", "pass-back", "subtasks", "notes", "done",
                                  "events"])
def test_actions_on_an_unknown_ticket_are_404(api_client, desk, verb):
    client = api_client("anna")
    response = client.get("/tickets/999/events") if verb == "events" else client.post(f"/tickets/999/{verb}", {
        "claim": {}, "assign": {"agent": "lisa@coolxost.com"}, "status": {"status": "waiting"},
        "transfer": {"line": "l2", "note": "x"}, "pass-back": {"note": "x"}, "subtasks": {"note": "x"},
        "notes": {"text": "x"}, "done": {"problem": "p", "resolution": "r"}}[verb])
    assert response.status_code == 404 and response.get_json()["detail"] == "no ticket #999"
